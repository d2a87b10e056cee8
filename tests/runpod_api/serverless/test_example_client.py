"""examples/endpoint/client.py runs against the fake API playing the example worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from .fake_serverless import API_KEY, FakeServerless, Script

CLIENT = Path(__file__).resolve().parents[3] / "examples" / "endpoint" / "client.py"


def example_worker(job_input: Any) -> Script:
    """What examples/worker/handler.py does with each mode, as a script."""
    text = job_input.get("text", "hello")
    mode = job_input.get("mode", "echo")
    if mode == "echo":
        return Script(statuses=["IN_PROGRESS", "COMPLETED"], output={"text": text.upper()})
    if mode == "async":
        return Script(statuses=["IN_QUEUE", "COMPLETED"], output={"text": text[::-1]})
    if mode == "stream":
        words = [[{"index": i, "word": w}] for i, w in enumerate(text.split())]
        return Script(statuses=["IN_PROGRESS"] * len(words) + ["COMPLETED"], chunks=words)
    return Script(statuses=["IN_PROGRESS"], chunks=[[{"started": True}]])


def test_the_example_client_runs_each_call(fake: FakeServerless) -> None:
    fake.script_for = example_worker
    env = {**os.environ, "RUNPOD_API_KEY": API_KEY}
    proc = subprocess.run(
        [sys.executable, str(CLIENT), "--base-url", fake.url], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "run_sync: {'text': 'HELLO'}",
        "run, then output: {'text': 'desserts'}",
        "stream: ['one', 'two', 'three']",
        "slow job, first chunk: {'started': True}",
        "cancel: CANCELLED",
        "output after cancel: JobCancelledError",
        "health: 3 completed, 1 worker(s)",
    ]
