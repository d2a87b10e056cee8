"""Run `runpod` on a pseudo-terminal, as a person at a terminal would: read what it shows, type answers."""

from __future__ import annotations

import os
import pty
import select
import signal
import termios
import time

from .conftest import RUNPOD, Runpod


class Terminal:
    """`runpod` started on a pseudo-terminal: read what it shows, type answers."""

    def __init__(self, runpod: Runpod, *args: str) -> None:
        env = {k: v for k, v in {**os.environ, **runpod._changes(None)}.items() if v is not None}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["TERM"] = "xterm"
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the command
            # As a shell does for a foreground command: Ctrl-C must reach it even when this test run was
            # started with SIGINT ignored (a background job of a non-interactive shell, some CI runners).
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.chdir(runpod.cwd)
            os.execve(str(RUNPOD), [str(RUNPOD), *args], env)
        self.shown = ""

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 4096)
        except OSError:  # the child closed the terminal
            return False
        self.shown += data.decode(errors="replace")
        return bool(data)

    def expect(self, *texts: str, timeout: float = 60) -> None:
        """Read until the terminal has shown one of `texts`."""
        deadline = time.monotonic() + timeout
        while not any(text in self.shown for text in texts):
            assert time.monotonic() < deadline, f"never saw {texts!r}; saw {self.shown!r}"
            assert self._read(0.1), f"the command ended before showing {texts!r}; it showed {self.shown!r}"

    def expect_hidden_input(self, timeout: float = 30) -> None:
        """Wait until the terminal stops echoing what is typed (a password prompt): fail if it never does."""
        deadline = time.monotonic() + timeout
        while termios.tcgetattr(self.fd)[3] & termios.ECHO:
            assert time.monotonic() < deadline, f"the terminal still echoes input; it showed {self.shown!r}"
            self._read(0.02)

    def interrupt(self) -> None:
        """Press Ctrl-C."""
        os.write(self.fd, b"\x03")

    def type(self, line: str) -> None:
        os.write(self.fd, (line + "\n").encode())

    def wait(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while self._read(0.1):
            assert time.monotonic() < deadline, f"still running; it showed {self.shown!r}"
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)
