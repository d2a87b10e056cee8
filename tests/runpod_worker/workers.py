"""Worker processes for the tests that need a real process: signals, the GIL, the heartbeat, logging."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from runpod_worker.testing import JobQueueServer


def start_worker(
    tmp_path: Path, queue: JobQueueServer, body: str, *, heartbeat: bool = True, **env: str
) -> subprocess.Popen[str]:
    """Run a worker script (`body` defines `handler` and calls start()) against `queue` in its own process."""
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(body))
    full_env = {**os.environ, **queue.worker_env(ping_interval_ms=500), "RUNPOD_LOG_LEVEL": "DEBUG", **env}
    if not heartbeat:
        full_env.pop("RUNPOD_WEBHOOK_PING")
    return subprocess.Popen(
        [sys.executable, str(script)],
        env=full_env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen[str], sig: int = signal.SIGTERM, timeout: float = 20) -> tuple[int, str]:
    """Send a signal, wait for the exit, and return the exit code and everything the process printed."""
    if process.poll() is None:
        process.send_signal(sig)
    out, _ = process.communicate(timeout=timeout)
    return process.returncode, out
