"""The package README's worker and its test run as printed."""

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "packages" / "runpod-worker" / "README.md"


def block(first_line: str) -> str:
    for code in re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL):
        if code.startswith(first_line):
            return code
    raise AssertionError(f"no code block starting with {first_line!r} in the README")


def test_readme_worker_passes_the_readme_test(tmp_path: Path) -> None:
    (tmp_path / "worker.py").write_text(block("# worker.py"))
    (tmp_path / "test_worker.py").write_text(block("# test_worker.py"))
    assert len(block("# worker.py").strip().splitlines()) <= 11
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNPOD_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_worker.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
