"""The README's serverless example runs, against the fake serverless API."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .fake_serverless import API_KEY, FakeServerless, Script

README = Path(__file__).resolve().parents[3] / "packages" / "runpod-api" / "README.md"


def test_the_serverless_example_runs(fake: FakeServerless) -> None:
    section = README.read_text().split("## Serverless endpoints", 1)[1]
    example = re.search(r"```python\n(.*?)```", section, re.S)
    assert example is not None
    fake.script = Script(statuses=["COMPLETED"], output={"text": "HELLO"}, chunks=[["once"], ["upon"]])
    env = {**os.environ, "RUNPOD_API_KEY": API_KEY, "RUNPOD_ENDPOINT_BASE_URL": fake.url}
    proc = subprocess.run([sys.executable, "-c", example.group(1)], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["{'text': 'HELLO'}", "once", "upon", "1"]
    assert fake.requests[1].body["policy"] == {"executionTimeout": 600_000}
