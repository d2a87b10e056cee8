"""Import time of each package, as a ratio against importing its own direct dependencies in the same run.

A package's import should cost little beyond what its dependencies already cost: the ratio shows how much
our own modules add. Medians of repeated fresh interpreters, so machine noise is shared by both sides.
"""

import statistics
import subprocess
import sys
import time

RUNS = 15
CASES = {
    "runpod_worker": ("import runpod_worker", "import anyio, httpx2, pydantic; from pydantic import BaseModel"),
    "runpod_api": ("import runpod_api", "import httpx2, pydantic; from pydantic import BaseModel"),
    "srtctl": ("import srtctl", "import yaml, jinja2, pydantic; from pydantic import BaseModel"),
}
# Our modules may add at most this factor on top of the dependencies they build on.
MAX_RATIO = 1.5


def wall(stmt: str) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", stmt], check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    bare = wall("pass")
    ok = True
    for name, (ours, deps) in CASES.items():
        t_ours, t_deps = wall(ours) - bare, wall(deps) - bare
        ratio = t_ours / t_deps if t_deps > 0 else float("inf")
        verdict = "ok" if ratio <= MAX_RATIO else "TOO SLOW"
        ok &= ratio <= MAX_RATIO
        figures = f"{t_ours * 1e3:7.1f} ms  deps alone {t_deps * 1e3:7.1f} ms  ratio {ratio:4.2f}"
        print(f"import {name:<14} {figures}  {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
