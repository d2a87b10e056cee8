"""srtctl's planning speed: dry-run of a 128-node job, allocation of 1,024 nodes, and `srtctl --help`.

Each figure is printed next to a baseline measured in the same run: a bare `python -c pass` for the
commands (what any Python CLI pays to start), and the same allocation's own setup for the in-process one.
Bars (absolute, as the issue sets them): dry-run under 1 s, allocation under 50 ms, --help under 0.3 s.
Exits non-zero when a bar is missed. Medians of repeated runs, so machine noise is shared by both sides.
"""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 7
JOB = """\
name: bench-128
model: {path: hf:org/model, container: "lmsysorg/sglang:v0.5.5"}
resources:
  gpu_type: h100
  gpus_per_node: 8
  prefill_nodes: 64
  prefill_workers: 128
  decode_nodes: 64
  decode_workers: 512
backend:
  prefill: {args: {tp-size: 4, mem-fraction-static: 0.85}}
  decode: {args: {tp-size: 1, mem-fraction-static: 0.9}}
benchmark: {type: serving, isl: 1024, osl: 1024, concurrencies: [1024, 2048]}
"""


def srtctl_command() -> list[str]:
    script = Path(sys.executable).with_name("srtctl")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from srtctl.cli import main; sys.argv[0] = 'srtctl'; main()"]


def wall(argv: list[str]) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def allocation_time() -> tuple[float, float]:
    from srtctl.plan import allocate_endpoints

    nodes = [f"gpu-{i:04d}" for i in range(1024)]
    # 256 prefill workers of 16 GPUs (512 nodes) and 4,096 decode workers of 1 GPU (512 nodes).
    args = (256, 4096, 0, 16, 1, 0, 8, nodes)
    allocate_endpoints(*args)  # warm up
    alloc, setup = [], []
    for _ in range(RUNS * 3):
        start = time.perf_counter()
        placed = allocate_endpoints(*args)
        alloc.append(time.perf_counter() - start)
        assert len(placed) == 256 + 4096
        start = time.perf_counter()
        list(nodes)  # the baseline: copying the node list the allocator walks
        setup.append(time.perf_counter() - start)
    return statistics.median(alloc), statistics.median(setup)


def main() -> int:
    srtctl = srtctl_command()
    bare = wall([sys.executable, "-c", "pass"])
    with tempfile.TemporaryDirectory() as tmp:
        job = Path(tmp) / "job.yaml"
        job.write_text(JOB)
        dry_run = wall([*srtctl, "dry-run", "-f", str(job), "--output-dir", tmp])
    help_ = wall([*srtctl, "--help"])
    alloc, copy = allocation_time()

    results = [
        ("srtctl dry-run, 128 nodes, 641 processes", dry_run, 1.0, f"python -c pass {bare * 1e3:6.1f} ms"),
        ("allocate_endpoints, 1,024 nodes, 4,352 workers", alloc, 0.050, f"copying the node list {copy * 1e6:.0f} us"),
        ("srtctl --help", help_, 0.3, f"python -c pass {bare * 1e3:6.1f} ms"),
    ]
    ok = True
    for name, seconds, bar, baseline in results:
        met = seconds < bar
        ok &= met
        verdict = "ok" if met else "TOO SLOW"
        print(f"{name:<48} {seconds * 1e3:8.1f} ms  (bar {bar * 1e3:.0f} ms; baseline {baseline}) {verdict}")
    print(f"dry-run costs {dry_run / bare:.1f}x a bare interpreter start; --help {help_ / bare:.1f}x")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
