"""What a benchmark shows while it runs: a live bar on a terminal, periodic log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, Protocol

from ._stats import RequestRecord

__all__ = ("LogProgress", "NullProgress", "Progress", "RichProgress", "default_progress")

logger = logging.getLogger("srtctl.benchmarks")


class Progress(Protocol):
    """Receives a benchmark's progress: `begin` a phase, `advance` once per finished request, `end` it."""

    def begin(self, label: str, total: int) -> None:
        """A phase (a warm-up or a measured level) of `total` requests starts."""

    def advance(self, record: RequestRecord) -> None:
        """One request of the phase finished."""

    def end(self) -> None:
        """The phase is over."""

    def close(self) -> None:
        """The benchmark is over."""


class NullProgress:
    """Shows nothing."""

    def begin(self, label: str, total: int) -> None:
        """Ignore."""

    def advance(self, record: RequestRecord) -> None:
        """Ignore."""

    def end(self) -> None:
        """Ignore."""

    def close(self) -> None:
        """Ignore."""


class _Tally:
    """Running figures of the current phase."""

    def __init__(self, label: str, total: int) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.failed = 0
        self.tokens = 0
        self.ttft_sum = 0.0
        self.ttft_count = 0
        self.started = time.perf_counter()

    def add(self, record: RequestRecord) -> None:
        self.done += 1
        if record.error is not None:
            self.failed += 1
        self.tokens += record.output_tokens
        if record.ttft is not None:
            self.ttft_sum += record.ttft
            self.ttft_count += 1

    def summary(self) -> str:
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        ttft = f"{self.ttft_sum / self.ttft_count * 1000:.1f} ms" if self.ttft_count else "-"
        return (
            f"{self.done}/{self.total} requests, {self.failed} failed, {self.done / elapsed:.1f} req/s, "
            f"{self.tokens / elapsed:.0f} tok/s, mean TTFT {ttft}"
        )


class LogProgress:
    """Logs a line per phase every `interval_s` seconds and at its end (for batch logs such as SLURM's)."""

    def __init__(self, interval_s: float = 10.0) -> None:
        self.interval_s = interval_s
        self._tally: _Tally | None = None
        self._next = 0.0

    def begin(self, label: str, total: int) -> None:
        """Start counting a phase."""
        self._tally = _Tally(label, total)
        self._next = time.perf_counter() + self.interval_s
        logger.info("%s: %d requests", label, total)

    def advance(self, record: RequestRecord) -> None:
        """Count one request; log when the interval has passed."""
        if self._tally is None:
            return
        self._tally.add(record)
        now = time.perf_counter()
        if now >= self._next:
            self._next = now + self.interval_s
            logger.info("%s: %s", self._tally.label, self._tally.summary())

    def end(self) -> None:
        """Log the phase's final line."""
        if self._tally is not None:
            logger.info("%s done: %s", self._tally.label, self._tally.summary())
            self._tally = None

    def close(self) -> None:
        """Nothing to release."""


class RichProgress:
    """A live progress bar on stderr with running throughput, failures and TTFT."""

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=False,
        )
        self._task: Any = None
        self._tally: _Tally | None = None
        self._started = False

    def begin(self, label: str, total: int) -> None:
        """Add a bar for the phase (the display starts with the first phase)."""
        if not self._started:
            self._progress.start()
            self._started = True
        self._tally = _Tally(label, total)
        self._task = self._progress.add_task(label, total=total, status="")

    def advance(self, record: RequestRecord) -> None:
        """Move the bar on by one request."""
        if self._tally is None:
            return
        self._tally.add(record)
        self._progress.update(self._task, advance=1, status=self._tally.summary().split(", ", 1)[1])

    def end(self) -> None:
        """Leave the finished bar in place."""
        self._tally = None

    def close(self) -> None:
        """Stop the live display."""
        if self._started:
            self._progress.stop()
            self._started = False


def default_progress() -> LogProgress | RichProgress:
    """A live bar when stderr is a terminal, log lines otherwise."""
    return RichProgress() if sys.stderr.isatty() else LogProgress()
