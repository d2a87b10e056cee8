"""Install each built wheel alone into a fresh virtual environment and check what a user would get.

For every wheel in the given folder: a new venv, `uv pip install <wheel>` (its dependencies from the
index), then the package must import and report the wheel's version. runpod-worker is also held to its
promise to worker images: none of the heavy or unrelated distributions below may be pulled in, and the
whole installed closure must stay within the size budget.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

MODULES = {"runpod_api": "runpod_api", "runpod_worker": "runpod_worker", "srtctl": "srtctl"}
WORKER_FORBIDDEN = {"typer", "click", "rich", "boto3", "fastapi", "gql", "graphql-core", "aiohttp", "requests"}
WORKER_MAX_BYTES = 15 * 1024 * 1024


def uv(*args: str) -> list[str]:
    exe = os.environ.get("UV") or shutil.which("uv")  # `uv run` names itself in $UV
    return [exe, *args] if exe else [sys.executable, "-m", "uv", *args]


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kwargs)  # type: ignore[call-overload]


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def smoke(wheel: Path, workdir: Path) -> list[str]:
    dist_name, version = wheel.name.split("-")[:2]
    module = MODULES[dist_name]
    venv = workdir / dist_name
    shutil.rmtree(venv, ignore_errors=True)
    run(uv("venv", "--quiet", "--python", sys.executable, str(venv)))
    python = venv / "bin" / "python"
    empty = tree_size(venv)
    run(uv("pip", "install", "--quiet", "--link-mode=copy", "--python", str(python), str(wheel)))
    problems: list[str] = []

    proc = subprocess.run(
        [str(python), "-c", f"import {module}; print({module}.__version__)"], text=True, capture_output=True
    )
    if proc.returncode != 0 or proc.stdout.strip() != version:
        problems.append(f"`import {module}` failed or gave the wrong version: {proc.stdout}{proc.stderr}".strip())

    installed = json.loads(run(uv("pip", "list", "--format", "json", "--python", str(python))).stdout)
    names = {item["name"].lower() for item in installed}
    size = tree_size(venv) - empty
    print(f"{wheel.name}: {len(names)} distributions, {size / 1e6:.1f} MB installed closure")

    if dist_name == "runpod_worker":
        pulled = sorted(WORKER_FORBIDDEN & names)
        if pulled:
            problems.append(f"runpod-worker pulls forbidden distributions: {', '.join(pulled)}")
        if size > WORKER_MAX_BYTES:
            problems.append(f"runpod-worker closure is {size / 1e6:.1f} MB, over {WORKER_MAX_BYTES / 1e6:.1f} MB")
    for script, expected in (("runpod", "runpod-api"), ("srtctl", "srtctl")):
        exe = venv / "bin" / script
        if exe.exists():
            out = subprocess.run([str(exe), "--version"], text=True, capture_output=True)
            # Without the [cli] extra, `runpod` must say what to install rather than fail with a traceback.
            if out.returncode == 0:
                ok = out.stdout.strip() == f"{expected} {version}"
            else:
                ok = "pip install 'runpod-api[cli]'" in out.stderr and "Traceback" not in out.stderr
            if not ok:
                problems.append(f"`{script} --version` misbehaved (exit {out.returncode}): {out.stdout}{out.stderr}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dist", type=Path, help="folder holding the built wheels")
    parser.add_argument("--workdir", type=Path, default=Path(".smoke"))
    args = parser.parse_args()
    wheels = sorted(args.dist.glob("*.whl"))
    found = {w.name.split("-")[0] for w in wheels}
    if found != set(MODULES):
        print(f"expected one wheel per package {sorted(MODULES)}, found {sorted(found)}")
        return 1
    args.workdir.mkdir(exist_ok=True)
    os.environ.pop("VIRTUAL_ENV", None)
    problems = [p for wheel in wheels for p in smoke(wheel, args.workdir)]
    for problem in problems:
        print(f"FAIL: {problem}")
    print("smoke: ok" if not problems else f"smoke: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
