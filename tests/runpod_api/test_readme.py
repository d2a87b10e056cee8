"""The package README stays true: its example runs, and every method it names exists."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from runpod_api import Runpod

README = Path(__file__).resolve().parents[2] / "packages" / "runpod-api" / "README.md"
TEXT = README.read_text()


def _run(code: str, fake: dict[str, str]) -> str:
    env = {**os.environ, "RUNPOD_API_KEY": fake["api_key"], "RUNPOD_API_BASE_URL": fake["url"]}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_shortest_example_runs(booted_fake_process: dict[str, str]) -> None:
    example = re.search(r"```python\n(.*?)```", TEXT, re.S)
    assert example is not None
    out = _run(example.group(1), booted_fake_process)
    assert out.strip().endswith("('203.0.113.10', 40022)")


def test_main_command_runs(booted_fake_process: dict[str, str]) -> None:
    command = re.search(r"^python -c '(.*)'$", TEXT, re.M)
    assert command is not None
    assert _run(command.group(1), booted_fake_process).strip().startswith("[")


def test_every_client_method_named_exists() -> None:
    client = Runpod(api_key="k" * 20, base_url="http://127.0.0.1:9")
    named = set(re.findall(r"client\.(\w+)\.(\w+)\(", TEXT))
    for namespace, methods in re.findall(r"`client\.(\w+)` \(([^)]*)\)", TEXT):
        named |= {
            (namespace, item.split()[0]) for item in re.split(r",\s*", methods)
        }  # "get with the lowest price" -> get
    assert len(named) > 20
    for namespace, method in sorted(named):
        assert callable(getattr(getattr(client, namespace), method)), f"client.{namespace}.{method}"
