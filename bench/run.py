"""Run the benchmarks under bench/ (every `bench_*.py`, or the names given) one after another.

Each benchmark measures its baseline in the same run and prints ratios; it exits non-zero when a figure
misses its bar. This runner stops at nothing: it runs them all and fails if any failed.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    failed = []
    for name in names:
        script = HERE / f"bench_{name}.py"
        if not script.is_file():
            print(f"no benchmark named {name!r} (expected {script})")
            return 2
        print(f"== bench {name}", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)])
        print(
            f"== bench {name}: {'ok' if code == 0 else f'FAILED (exit {code})'} in {time.perf_counter() - start:.1f}s"
        )
        if code:
            failed.append(name)
    if failed:
        print(f"benchmarks that missed their bar: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
