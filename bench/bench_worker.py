"""runpod-worker against runpod 1.12.0 and a raw standard-library loop, on one job queue, in one run.

Run it with `make bench` (all benchmarks) or alone: `uv run python bench/bench_worker.py`.

It installs runpod==1.12.0 and runpod-worker (from this checkout) into their own virtual environments under
`.bench/` with uv, starts one `runpod_worker.testing.JobQueueServer` on 127.0.0.1 per measurement, and runs
the same worker script under each package: the scripts differ only in their import line. Each figure is
printed with its baseline from this run, the ratio, the bar from issue 3, and whether it is met; the exit
code is 1 when any bar is missed. Timings come from the queue's own clock: from the first job-take to the
last final result. The machine is shared and noisy, so each throughput figure is the best of a few alternating
rounds, as timeit takes the best of its repeats: noise only ever slows a run down.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packages" / "runpod-worker" / "src"))

from _envs import runpod_python, tree_size, venv  # noqa: E402 - beside this file
from runpod_worker.testing import JobQueueServer  # noqa: E402 - the checkout's own copy, standard library only

FORBIDDEN = ("typer", "click", "rich", "boto3", "fastapi", "graphql", "aiohttp", "requests")

# One worker script for both packages: only the import line differs, as a migration would have it.
WORKER = """
import asyncio, os, sys
import {module} as runpod

KIND = os.environ["BENCH_HANDLER"]
CONCURRENCY = int(os.environ["BENCH_CONCURRENCY"])

def trivial(job):
    return {{"n": job["input"]}}

async def sleepy(job):
    await asyncio.sleep(0.2)
    return {{"n": job["input"]}}

async def trivial_async(job):
    return {{"n": job["input"]}}

handler = {{"trivial": trivial, "sleepy": sleepy, "trivial_async": trivial_async}}[KIND]
runpod.serverless.start({{"handler": handler, "concurrency_modifier": lambda current: CONCURRENCY}})
"""

# The practical upper bound: take, post, repeat, with http.client on one keep-alive connection.
RAW = """
import http.client, json, os, sys
from urllib.parse import urlsplit

take = urlsplit(os.environ["RUNPOD_WEBHOOK_GET_JOB"].replace("$ID", "raw"))
done = os.environ["RUNPOD_WEBHOOK_POST_OUTPUT"].replace("$RUNPOD_POD_ID", "raw")
headers = {"Authorization": os.environ["RUNPOD_AI_API_KEY"], "Content-Type": "application/x-www-form-urlencoded"}
conn = http.client.HTTPConnection(take.netloc)
for _ in range(int(sys.argv[1])):
    conn.request("GET", f"{take.path}?{take.query}&job_in_progress=0", headers=headers)
    job = json.loads(conn.getresponse().read())
    url = urlsplit(done.replace("$ID", job["id"]))
    body = json.dumps({"output": {"n": job["input"]}})
    conn.request("POST", f"{url.path}?{url.query}&isStream=false", body=body, headers=headers)
    conn.getresponse().read()
"""


@dataclass
class Figure:
    name: str
    ours: float
    baseline: float | None
    unit: str
    ratio: float | None
    bar: str
    ok: bool
    note: str = ""


# -- environments -------------------------------------------------------------------------------------------------


def closure_size(python: Path) -> int:
    """Bytes the installed packages add to an empty environment (no byte-code: uv does not compile)."""
    root = python.parent.parent
    for cache in root.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    return tree_size(root) - int((root / ".empty-size").read_text()) - len((root / ".requirements").read_bytes())


# -- running workers ----------------------------------------------------------------------------------------------


def base_env(queue: JobQueueServer, home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNPOD_", "VIRTUAL_ENV", "COVERAGE_"))}
    env.update(queue.worker_env(ping_interval_ms=10_000))
    env.update(
        RUNPOD_LOG_LEVEL="ERROR",
        # runpod 1.12 otherwise runs fitness checks, including a connection to 8.8.8.8 that fails offline.
        RUNPOD_SKIP_AUTO_SYSTEM_CHECKS="true",
        RUNPOD_SKIP_GPU_CHECK="true",
        HOME=home,
    )
    return env


def start(python: Path, script: str, env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    path = Path(env["HOME"]) / "bench_script.py"
    path.write_text(textwrap.dedent(script))
    return subprocess.Popen(
        [str(python), str(path), *args],
        env=env,
        cwd=env["HOME"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def finish(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process.stderr is not None:
        process.stderr.close()


@dataclass
class Run:
    jobs: int
    seconds: float
    finals: Counter[str]

    @property
    def rate(self) -> float:
        return self.jobs / self.seconds if self.seconds > 0 else 0.0


def run_jobs(
    python: Path,
    script: str,
    jobs: int,
    *,
    handler: str = "trivial",
    concurrency: int = 1,
    args: tuple[str, ...] = (),
    faults: Callable[[JobQueueServer], None] | None = None,
    quiet_for: float = 0.0,
    limit: float = 300.0,
) -> Run:
    """Queue `jobs` jobs, run the worker until every one has a final result (or none arrive for `quiet_for` s)."""
    with tempfile.TemporaryDirectory() as home, JobQueueServer(hold=1.0, seed=11, record_bodies=False) as queue:
        for n in range(jobs):
            queue.add_job(n, job_id=f"job-{n}")
        if faults:
            faults(queue)
        env = base_env(queue, home)
        env.update(BENCH_HANDLER=handler, BENCH_CONCURRENCY=str(concurrency))
        process = start(python, script, env, *args)
        try:
            deadline = time.monotonic() + limit
            last, seen = time.monotonic(), 0
            while True:
                done = len({r.job_id for r in queue.results()})
                if done >= jobs:
                    break
                if done != seen:
                    last, seen = time.monotonic(), done
                now = time.monotonic()
                if process.poll() is not None:
                    err = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"the worker exited early: {err}")
                if (quiet_for and done and now - last > quiet_for) or now > deadline:
                    break
                time.sleep(0.05)
        finally:
            finish(process)
        results = queue.results()
        takes = [r.time for r in queue.requests if r.route in ("job-take", "job-take-batch")]
        seconds = max(r.time for r in results) - min(takes) if results else 0.0
        return Run(jobs=len({r.job_id for r in results}), seconds=seconds, finals=Counter(r.job_id for r in results))


def idle_memory(python: Path, script: str) -> tuple[float, int]:
    """Resident memory (MiB) of an idle worker, all of its processes together, and how many processes."""
    with tempfile.TemporaryDirectory() as home, JobQueueServer(hold=30) as queue:
        env = base_env(queue, home)
        env.update(BENCH_HANDLER="trivial", BENCH_CONCURRENCY="1")
        process = start(python, script, env)
        try:
            queue.wait_for(lambda: len(queue.requests_to("job-take")) >= 1, 60, "the first job-take")
            time.sleep(2.0)
            pids = [process.pid, *descendants(process.pid)]
            total = sum(rss_kib(pid) for pid in pids)
        finally:
            finish(process)
    return total / 1024, len(pids)


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def import_time(python: Path, module: str, runs: int) -> tuple[float, float, list[str]]:
    """Median milliseconds `import module` adds to a bare interpreter (wall clock, then CPU), and the forbidden
    modules it loads. Pairs run back to back, so a burst of load on the machine lands on both halves of a pair."""

    def once(code: str) -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start_ = time.perf_counter()
        subprocess.run([str(python), "-c", code], check=True, capture_output=True)
        wall = time.perf_counter() - start_
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    subprocess.run([str(python), "-c", f"import {module}"], check=True, capture_output=True)
    walls, cpus = [], []
    for _ in range(runs):
        (wall_import, cpu_import), (wall_bare, cpu_bare) = once(f"import {module}"), once("pass")
        walls.append(wall_import - wall_bare)
        cpus.append(cpu_import - cpu_bare)
    probe = f"import sys, {module}; print(sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r})))"
    out = subprocess.run([str(python), "-c", probe], check=True, capture_output=True, text=True).stdout
    loaded = json.loads(out.replace("'", '"'))
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000, loaded


def request_costs(seconds: float = 1.0) -> tuple[float, float, float]:
    """Microseconds per GET round trip on one keep-alive connection: http.client, the worker's own client
    (`runpod_worker._wire`, which carries its job-queue traffic), and httpx2's transport (the package's general
    HTTP library, which carried that traffic before)."""
    import http.client

    import anyio
    import httpx2

    from runpod_worker._wire import WireClient

    with JobQueueServer(record_bodies=False) as queue:
        path = "/v2/ep/ping/bench"
        conn = http.client.HTTPConnection("127.0.0.1", queue.port)
        count, start_ = 0, time.perf_counter()
        while time.perf_counter() - start_ < seconds:
            conn.request("GET", path)
            conn.getresponse().read()
            count += 1
        plain = (time.perf_counter() - start_) / count * 1e6
        conn.close()

        async def with_wire() -> float:
            client = WireClient(headers={})
            count, start_ = 0, time.perf_counter()
            while time.perf_counter() - start_ < seconds:
                await client.get(queue.url + path, time_limit=10)
                count += 1
            await client.aclose()
            return (time.perf_counter() - start_) / count * 1e6

        async def with_httpx2() -> float:
            transport = httpx2.AsyncHTTPTransport()
            count, start_ = 0, time.perf_counter()
            while time.perf_counter() - start_ < seconds:
                response = await transport.handle_async_request(httpx2.Request("GET", queue.url + path))
                await response.aread()
                await response.aclose()
                count += 1
            await transport.aclose()
            return (time.perf_counter() - start_) / count * 1e6

        return plain, anyio.run(with_wire), anyio.run(with_httpx2)


def rounded(values: list[float]) -> str:
    return ", ".join(f"{v:.0f}" for v in values)


# -- the figures --------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of each throughput measurement")
    options = parser.parse_args()

    print("setting up .bench/ (runpod 1.12.0 and runpod-worker from this checkout)", flush=True)
    theirs = runpod_python()
    ours = venv("runpod-worker", str(ROOT / "packages" / "runpod-worker"), reinstall="runpod-worker")
    ours_script = WORKER.format(module="runpod_worker")
    theirs_script = WORKER.format(module="runpod")
    figures: list[Figure] = []

    # 1. trivial jobs at concurrency 1; the same job from an async handler too, which needs no thread hop
    print("trivial jobs at concurrency 1 ...", flush=True)
    ours_rates, raw_rates, async_rates = [], [], []
    for _ in range(options.rounds):
        raw_rates.append(run_jobs(Path(sys.executable), RAW, 2000, args=("2000",)).rate)
        ours_rates.append(run_jobs(ours, ours_script, 2000).rate)
        async_rates.append(run_jobs(ours, ours_script, 2000, handler="trivial_async").rate)
    ours_rate, raw_rate, async_rate = max(ours_rates), max(raw_rates), max(async_rates)
    theirs_rate = run_jobs(theirs, theirs_script, 12).rate
    vs_theirs = ours_rate / theirs_rate
    figures.append(
        Figure(
            "trivial jobs, concurrency 1, vs runpod 1.12",
            ours_rate,
            theirs_rate,
            "jobs/s",
            vs_theirs,
            ">= 20x",
            vs_theirs >= 20,
        )
    )
    plain_us, wire_us, httpx2_us = request_costs()
    vs_raw = ours_rate / raw_rate
    figures.append(
        Figure(
            "trivial jobs, concurrency 1, vs raw loop",
            ours_rate,
            raw_rate,
            "jobs/s",
            vs_raw,
            ">= 0.7x",
            vs_raw >= 0.7,
            note=f"rounds: ours {rounded(ours_rates)}; raw {rounded(raw_rates)}. The sync handler runs in a thread; "
            f"the same job from an async handler (no thread hop): {async_rate:.0f} jobs/s, "
            f"{async_rate / raw_rate:.2f}x ({rounded(async_rates)}). One GET round trip: http.client "
            f"{plain_us:.0f} us, the worker's client {wire_us:.0f} us, httpx2 {httpx2_us:.0f} us",
        )
    )

    # 2. async handler sleeping 200 ms at concurrency 8
    print("async 200 ms jobs at concurrency 8 ...", flush=True)
    sleepy_rates = [
        run_jobs(ours, ours_script, 240, handler="sleepy", concurrency=8).rate for _ in range(options.rounds)
    ]
    sleepy = max(sleepy_rates)
    sleepy_theirs = run_jobs(theirs, theirs_script, 40, handler="sleepy", concurrency=8).rate
    figures.append(
        Figure(
            "async 200 ms jobs, concurrency 8 (ideal 40/s)",
            sleepy,
            sleepy_theirs,
            "jobs/s",
            sleepy / 40,
            ">= 36 jobs/s",
            sleepy >= 36,
            note="ratio against the ideal 8 / 0.2 s; baseline column: runpod 1.12; rounds: "
            + ", ".join(f"{r:.1f}" for r in sleepy_rates),
        )
    )

    # 3. 1,000 jobs through a faulty queue
    print("1,000 jobs with injected faults ...", flush=True)

    def faults(queue: JobQueueServer) -> None:
        queue.inject("job-done", status=503, probability=0.20, times=None)
        queue.inject("job-take", drop=True, probability=0.05, times=None)
        queue.inject("job-take-batch", drop=True, probability=0.05, times=None)
        queue.inject("*", delay=0.05, probability=0.05, times=None)

    faulty = run_jobs(ours, ours_script, 1000, handler="trivial_async", concurrency=50, faults=faults, quiet_for=30)
    faulty_theirs = run_jobs(
        theirs, theirs_script, 1000, handler="trivial_async", concurrency=50, faults=faults, quiet_for=15
    )
    for label, run in (("ours", faulty), ("runpod 1.12", faulty_theirs)):
        lost = 1000 - run.jobs
        dup = sum(count - 1 for count in run.finals.values() if count > 1)
        print(f"  {label:<12} {run.jobs} jobs with a result, {lost} lost, {dup} duplicated, {run.seconds:.1f} s")
    ours_bad = (1000 - faulty.jobs) + sum(c - 1 for c in faulty.finals.values() if c > 1)
    theirs_bad = (1000 - faulty_theirs.jobs) + sum(c - 1 for c in faulty_theirs.finals.values() if c > 1)
    figures.append(
        Figure(
            "1,000 faulty jobs: lost + duplicated",
            ours_bad,
            theirs_bad,
            "jobs",
            None,
            "== 0",
            ours_bad == 0,
            note="20% job-done 503, 5% job-take connections dropped, 5% of responses delayed 50 ms; concurrency 50",
        )
    )

    # 4. installed closure (as installed, without byte-code), then import time with byte-code compiled, as pip
    # leaves it in a worker image (this machine sets PYTHONDONTWRITEBYTECODE, so nothing else would write it).
    print("import time and footprint ...", flush=True)
    ours_size, theirs_size = closure_size(ours) / 1e6, closure_size(theirs) / 1e6
    for python in (ours, theirs):
        subprocess.run([str(python), "-m", "compileall", "-q", str(python.parent.parent / "lib")], check=False)
    ours_import, ours_cpu, ours_loaded = import_time(ours, "runpod_worker", 15)
    theirs_import, theirs_cpu, _ = import_time(theirs, "runpod", 5)
    figures.append(
        Figure(
            "import runpod_worker (median)",
            ours_import,
            theirs_import,
            "ms",
            ours_import / theirs_import,
            "<= 150 ms",
            ours_import <= 150,
            note=f"baseline: `import runpod`; CPU time: ours {ours_cpu:.0f} ms, runpod 1.12 {theirs_cpu:.0f} ms",
        )
    )
    figures.append(
        Figure(
            "heavy modules after import",
            len(ours_loaded),
            None,
            "modules",
            None,
            "none of " + ",".join(FORBIDDEN),
            not ours_loaded,
            note=", ".join(ours_loaded),
        )
    )
    figures.append(
        Figure("installed closure", ours_size, theirs_size, "MB", ours_size / theirs_size, "<= 15 MB", ours_size <= 15)
    )

    # 5. idle memory, every process of the worker
    print("idle memory ...", flush=True)
    ours_mem, ours_procs = idle_memory(ours, ours_script)
    theirs_mem, theirs_procs = idle_memory(theirs, theirs_script)
    mem_ratio = ours_mem / theirs_mem
    figures.append(
        Figure(
            "idle worker resident memory, all processes",
            ours_mem,
            theirs_mem,
            "MiB",
            mem_ratio,
            "<= 0.5x",
            mem_ratio <= 0.5,
            note=f"ours {ours_procs} processes, runpod 1.12 {theirs_procs}",
        )
    )

    print()
    print(f"{'figure':<46} {'runpod-worker':>16} {'baseline':>16} {'ratio':>8}  {'bar':<14} verdict")
    for f in figures:
        baseline = f"{f.baseline:.1f} {f.unit}" if f.baseline is not None else "-"
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else "-"
        verdict = "ok" if f.ok else "MISSED"
        print(f"{f.name:<46} {f.ours:>10.1f} {f.unit:<5} {baseline:>16} {ratio:>8}  {f.bar:<14} {verdict}")
        if f.note:
            print(f"{'':<48}({f.note})")
    missed = [f.name for f in figures if not f.ok]
    print(f"\nbars missed: {', '.join(missed)}" if missed else "\nevery bar met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
