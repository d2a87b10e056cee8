"""`runpod --help` wall time: runpod-api's CLI against runpod-python 1.12.0's, both measured in this run.

runpod-python is installed into a virtual environment of its own under `.bench/` (with uv, on first use).
Both commands run with HOME set to an empty directory (neither finds a config file) and with Python free to
write its bytecode caches; a few warm-up runs fill those caches, as any installed command would have them.
Then the two commands take turns, so machine noise falls on both alike. Medians are compared.

Exits 1 when ours is not at least MIN_RATIO times faster.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _envs import runpod_python

MIN_RATIO = 3.0
WARMUP = 2
RUNS = 15


def baseline_command() -> Path:
    """runpod-python's `runpod` script, from the baseline environment under .bench/ (made on first use)."""
    return runpod_python().with_name("runpod")


def wall(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or "Usage:" not in done.stdout:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-500:]}")
    return elapsed


def main() -> int:
    ours = [str(Path(sys.executable).with_name("runpod")), "--help"]
    theirs = [str(baseline_command()), "--help"]
    with tempfile.TemporaryDirectory(prefix="bench-cli-home-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RUNPOD")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["HOME"] = home
        for _ in range(WARMUP):
            wall(ours, env)
            wall(theirs, env)
        samples: dict[str, list[float]] = {"runpod-api": [], "runpod-python 1.12.0": []}
        for _ in range(RUNS):
            samples["runpod-api"].append(wall(ours, env))
            samples["runpod-python 1.12.0"].append(wall(theirs, env))
    medians = {name: statistics.median(times) for name, times in samples.items()}
    for name, median in medians.items():
        print(f"runpod --help  {name:<22} median {median * 1e3:7.1f} ms  best {min(samples[name]) * 1e3:7.1f} ms")
    ratio = medians["runpod-python 1.12.0"] / medians["runpod-api"]
    ok = ratio >= MIN_RATIO
    print(f"runpod --help  runpod-api is {ratio:.1f}x faster (bar: {MIN_RATIO:.0f}x)  {'ok' if ok else 'TOO SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
