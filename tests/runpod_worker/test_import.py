"""Importing the worker package is cheap and quiet."""

import subprocess
import sys

FORBIDDEN = ("typer", "click", "rich", "boto3", "fastapi", "graphql", "gql", "aiohttp", "requests")


def test_import_prints_nothing_and_pulls_no_heavy_modules() -> None:
    code = f"import sys, runpod_worker; print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stderr == ""
    assert proc.stdout.strip() == "[]"
