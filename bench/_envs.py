"""Virtual environments the benchmarks measure against, built once under `.bench/` with uv and reused.

runpod-python 1.12.0, the baseline of the worker, endpoint-client and CLI benchmarks, lives in one of them,
so a `make bench` installs it once for all three.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / ".bench"
RUNPOD = "runpod==1.12.0"


def uv(*args: str) -> list[str]:
    exe = os.environ.get("UV") or shutil.which("uv")  # `uv run` names itself in $UV
    return [exe, *args] if exe else [sys.executable, "-m", "uv", *args]


def venv(name: str, *requirements: str, reinstall: str | None = None) -> Path:
    """A virtual environment under .bench/ holding `requirements`, built once and reused."""
    path = BENCH / name
    python = path / "bin" / "python"
    marker = path / ".requirements"
    wanted = json.dumps(requirements)
    if not python.exists() or not marker.exists() or marker.read_text() != wanted:
        print(f"installing {' '.join(requirements)} into {path.relative_to(ROOT)} (once)", flush=True)
        shutil.rmtree(path, ignore_errors=True)
        subprocess.run(uv("venv", "--quiet", "--python", sys.executable, str(path)), check=True)
        empty = tree_size(path)
        (path / ".empty-size").write_text(str(empty))
        install = uv("pip", "install", "--quiet", "--link-mode=copy", "--python", str(python), *requirements)
        subprocess.run(install, check=True)
        marker.write_text(wanted)
    elif reinstall:
        install = uv("pip", "install", "--quiet", "--link-mode=copy", "--python", str(python))
        subprocess.run([*install, "--reinstall-package", reinstall, *requirements], check=True)
    return python


def tree_size(path: Path) -> int:
    """Bytes of the regular files under `path`."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def runpod_python() -> Path:
    """The interpreter of the environment holding runpod-python 1.12.0 (the baseline), made on first use."""
    return venv("runpod-1.12.0", RUNPOD)
