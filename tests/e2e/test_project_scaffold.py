"""`runpod project new` (runpod-api's CLI) scaffolds a worker that runs on runpod-worker out of the box."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def project(tmp_path: Path) -> Path:
    made = subprocess.run(
        [sys.executable, "-c", "from runpod_api._entry import main; main()", "project", "new", "hello", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    path = Path(json.loads(made.stdout)["path"])
    assert (path / "handler.py").is_file()
    return path


def run_handler(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "handler.py", *args], cwd=project, capture_output=True, text=True, timeout=60
    )


def test_scaffolded_handler_passes_its_own_test_input_json(project: Path) -> None:
    run = run_handler(project)
    assert run.returncode == 0, run.stderr
    assert "Hello, Runpod!" in run.stdout + run.stderr


def test_scaffolded_handler_takes_a_test_input_argument(project: Path) -> None:
    run = run_handler(project, "--test_input", '{"input": {"name": "Ada"}}')
    assert run.returncode == 0, run.stderr
    assert "Hello, Ada!" in run.stdout + run.stderr


def test_scaffolded_handler_fails_on_a_test_input_without_input(project: Path) -> None:
    run = run_handler(project, "--test_input", '{"name": "Ada"}')
    assert run.returncode == 1
    assert "input" in run.stderr
