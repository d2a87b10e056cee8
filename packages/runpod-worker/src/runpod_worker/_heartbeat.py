"""The worker's side of the heartbeat: start the ping process, tell it which jobs are in progress, stop it."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import anyio
import anyio.to_thread

from ._config import WorkerConfig

__all__ = ("Heartbeat",)

logger = logging.getLogger(__name__)

_SCRIPT = Path(__file__).with_name("_pinger.py")
_READY_TIMEOUT = 5.0


class Heartbeat:
    """A running ping process (see `_pinger`), fed the ids of the jobs in progress."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._pending = b""
        self._last: tuple[str, ...] | None = None
        self._broken = False

    @classmethod
    def start(cls, config: WorkerConfig, *, version: str, user_agent: str, log_json: bool, log_level: int) -> Heartbeat:
        """Start the ping process for this worker; it sends its first ping at once."""
        settings = {
            "url": config.ping_url,
            "interval": config.ping_interval,
            "version": version,
            "api_key": config.api_key,
            "user_agent": user_agent,
            "log_json": log_json,
            "log_level": log_level,
        }
        # -I: isolated from the user's environment and working directory, so it imports only the stdlib.
        process = subprocess.Popen(
            [sys.executable, "-I", str(_SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True
        )
        assert process.stdin is not None
        # The settings line carries the API key, so it goes through the pipe, never argv or the environment.
        process.stdin.write(json.dumps(settings).encode() + b"\n")
        process.stdin.flush()
        # Updates must never block the event loop, even if the child stops reading.
        os.set_blocking(process.stdin.fileno(), False)
        logger.debug("Heartbeat process %d started, every %g s", process.pid, config.ping_interval)
        return cls(process)

    async def wait_ready(self, within: float = _READY_TIMEOUT) -> bool:
        """Wait until the first ping went out (or failed), at most `within` seconds; False if it did not."""
        stdout = self._process.stdout
        assert stdout is not None
        with anyio.move_on_after(within):
            line = await anyio.to_thread.run_sync(stdout.readline, abandon_on_cancel=True)
            return line.strip() == b"ready"
        logger.warning("The first heartbeat took longer than %g s; taking jobs anyway", within)
        return False

    def update(self, job_ids: Iterable[str]) -> None:
        """Report the jobs now in progress; the next ping lists them."""
        ids = tuple(job_ids)
        if ids == self._last:
            return
        self._last = ids
        self._pending += (",".join(ids) + "\n").encode()
        self._flush()

    def _flush(self) -> None:
        stdin = self._process.stdin
        if stdin is None or not self._pending or self._broken:
            return
        try:
            written = os.write(stdin.fileno(), self._pending)
        except BlockingIOError:
            return
        except OSError as exc:
            logger.warning("The heartbeat process stopped taking updates: %s", exc)
            self._pending = b""
            self._broken = True
            return
        self._pending = self._pending[written:]

    def close(self, timeout: float = 5.0) -> None:
        """Stop the ping process: close its input, then wait for it (and kill it if it does not exit)."""
        stdin = self._process.stdin
        if stdin is not None:
            with contextlib.suppress(OSError):
                stdin.close()
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        logger.debug("Heartbeat process stopped")

    @property
    def pid(self) -> int:
        """The ping process's id."""
        return self._process.pid
