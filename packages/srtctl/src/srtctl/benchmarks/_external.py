"""Runners that render a command for a tool installed where the benchmark runs, run it, and read its output.

Rendering is pure (`commands(config, log_dir)`), so a dry run can show the exact command and the tests
can pin it. `run` executes each command after the spec's `launcher` prefix (an `srun` into the job's
container, say), appends everything the tool prints to `log_dir/benchmark.out`, and then `parse` reads
the tool's result files into a `BenchmarkResult`.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import BenchmarkFailedError
from ._registry import BenchmarkRunner
from ._results import AccuracyScore, BenchmarkResult, ServingRun, now_iso
from ._spec import BenchmarkSpec

__all__ = ("Command", "ExternalRunner", "extra_flags")

_TAIL_LINES = 20


@dataclass(frozen=True, slots=True)
class Command:
    """One rendered command: its argv and what it adds to the environment."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    label: str = ""
    """What this command measures, e.g. `concurrency 16`."""

    def shell(self) -> str:
        """The command as a shell line, environment first (for logs, dry runs and snapshots)."""
        assignments = [f"{name}={shlex.quote(value)}" for name, value in sorted(self.env.items())]
        return " ".join([*assignments, shlex.join(self.argv)])


def extra_flags(args: Mapping[str, Any]) -> list[str]:
    """Spell `{"--flag": value}` as argv.

    True gives a bare flag, False and None drop it, a tuple or list gives its values after one flag.
    """
    argv: list[str] = []
    for flag, value in args.items():
        if value is None or value is False:
            continue
        argv.append(flag)
        if isinstance(value, tuple | list):
            argv += [str(item) for item in value]
        elif value is not True:
            argv.append(str(value))
    return argv


def _tail(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-_TAIL_LINES:])


class ExternalRunner(BenchmarkRunner):
    """A runner whose work is done by an external command."""

    @abstractmethod
    def commands(self, config: BenchmarkSpec, log_dir: Path) -> list[Command]:
        """The commands to run, in order (pure: no I/O)."""

    @abstractmethod
    def parse(self, config: BenchmarkSpec, log_dir: Path) -> tuple[list[ServingRun], list[AccuracyScore]]:
        """Read the tool's output under `log_dir` after all commands succeeded."""

    def run(self, config: BenchmarkSpec, log_dir: Path) -> BenchmarkResult:
        """Run each command in turn, then parse; see `BenchmarkRunner.run`."""
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / "benchmark.out"
        started = now_iso()
        secrets = {"OPENAI_API_KEY": config.target.api_key} if config.target.api_key else {}
        for command in self.commands(config, log_dir):
            argv = [*config.launcher, *command.argv]
            with log_path.open("a") as log:
                log.write(f"$ {command.shell()}\n")
                log.flush()
                try:
                    process = subprocess.run(
                        argv,
                        env={**os.environ, **command.env, **secrets},
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        check=False,
                    )
                except OSError as exc:
                    raise BenchmarkFailedError(
                        f"cannot run {argv[0]!r}: {exc.strerror or exc}", log_path=log_path
                    ) from None
            if process.returncode != 0:
                what = f"{command.argv[0]!r}" + (f" ({command.label})" if command.label else "")
                raise BenchmarkFailedError(
                    f"{what} exited with status {process.returncode}; last lines:\n{_tail(log_path)}",
                    log_path=log_path,
                )
        runs, scores = self.parse(config, log_dir)
        return config.result(started_at=started, runs=runs, accuracy=scores)
