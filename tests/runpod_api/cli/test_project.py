"""`runpod project new`: a worker project whose image pins only runpod-worker and that runs its test input."""

from __future__ import annotations

import tomllib
from pathlib import Path

from runpod_api.cli._scaffold import WORKER_REQUIREMENT

from .conftest import Runpod

ROOT = Path(__file__).resolve().parents[3]
FILES = [".dockerignore", "Dockerfile", "README.md", "handler.py", "requirements.txt", "test_input.json"]


def test_new_writes_the_project_files(runpod: Runpod) -> None:
    result = runpod.ok("project", "new", "hello-worker", "--json").json()
    project = runpod.cwd / "hello-worker"
    assert result == {"name": "hello-worker", "path": str(project), "files": FILES}
    assert sorted(p.name for p in project.iterdir()) == FILES


def test_image_installs_runpod_worker_alone_pinned(runpod: Runpod) -> None:
    runpod.ok("project", "new", "w")
    requirements = (runpod.cwd / "w" / "requirements.txt").read_text().splitlines()
    assert [line for line in requirements if line and not line.startswith("#")] == [WORKER_REQUIREMENT]
    dockerfile = (runpod.cwd / "w" / "Dockerfile").read_text()
    assert "pip install --no-cache-dir -r requirements.txt" in dockerfile
    assert dockerfile.count("pip install") == 1


def test_pinned_worker_version_is_the_workspace_one() -> None:
    pyproject = tomllib.loads((ROOT / "packages" / "runpod-worker" / "pyproject.toml").read_text())
    assert f"runpod-worker=={pyproject['project']['version']}" == WORKER_REQUIREMENT


def test_new_refuses_a_directory_that_is_not_empty(runpod: Runpod) -> None:
    (runpod.cwd / "taken").mkdir()
    (runpod.cwd / "taken" / "keep.txt").write_text("mine")
    result = runpod("project", "new", "taken")
    assert result.code == 2
    assert result.error == "error: 'taken' exists and is not an empty directory"
    assert sorted(p.name for p in (runpod.cwd / "taken").iterdir()) == ["keep.txt"]


def test_new_into_another_directory(runpod: Runpod, tmp_path: Path) -> None:
    runpod.ok("project", "new", "w", "--dir", str(tmp_path / "elsewhere"))
    assert (tmp_path / "elsewhere" / "handler.py").exists()


def test_new_refuses_a_name_that_is_not_a_plain_directory_name(runpod: Runpod) -> None:
    result = runpod("project", "new", "../escape")
    assert result.code == 2
    assert "project name '../escape' may hold only" in result.error
    assert not (runpod.cwd.parent / "escape").exists()


def test_new_needs_no_api_key(runpod: Runpod) -> None:
    runpod.ok("project", "new", "w", env={"RUNPOD_API_KEY": None})
