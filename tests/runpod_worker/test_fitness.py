"""Fitness checks: run before the heartbeat and the first take; the first failure is reported once and exits 1."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import runpod_worker
from runpod_worker import ConfigError, FitnessCheckError
from runpod_worker._fitness import available_memory_gb, checks_for
from runpod_worker.testing import JobQueueServer

from .workers import start_worker, stop

FAILING = """
    import runpod_worker

    @runpod_worker.register_fitness_check
    def weights_present():
        raise RuntimeError("the model weights are missing from /models")

    runpod_worker.start({"handler": lambda job: "never"})
"""


def finish(process: subprocess.Popen[str], timeout: float = 30) -> tuple[int, str]:
    """Wait for a worker that is expected to exit by itself; its exit code and output."""
    out, _ = process.communicate(timeout=timeout)
    return process.returncode, out


def test_a_failed_check_is_reported_once_and_the_worker_exits_1(tmp_path: Path, queue: JobQueueServer) -> None:
    queue.add_job(1)
    code, out = finish(start_worker(tmp_path, queue, FAILING))
    assert code == 1, out
    [ping] = queue.pings()
    assert ping.query == {
        "gpu": "test",
        "status": "unhealthy",
        "check": "weights_present",
        "reason": "RuntimeError: the model weights are missing from /models",
        "runpod_version": runpod_worker.__version__,
    }
    assert ping.headers["authorization"] == "test-key"
    # Nothing else: no heartbeat, no job taken.
    assert [r.route for r in queue.requests] == ["ping"]
    assert queue.pending_jobs == 1
    assert "Fitness check 'weights_present' failed: RuntimeError: the model weights are missing" in out
    assert "exiting with code 1" in out


def test_an_async_check_that_fails_is_reported_by_its_name(tmp_path: Path, queue: JobQueueServer) -> None:
    body = """
        import asyncio
        import runpod_worker

        @runpod_worker.serverless.register_fitness_check
        async def gpu_warm():
            await asyncio.sleep(0.01)
            raise ValueError("CUDA out of memory")

        runpod_worker.start({"handler": lambda job: "never"})
    """
    code, out = finish(start_worker(tmp_path, queue, body))
    assert code == 1, out
    [ping] = queue.pings()
    assert (ping.query["check"], ping.query["reason"]) == ("gpu_warm", "ValueError: CUDA out of memory")


def test_a_check_that_returns_false_fails(tmp_path: Path, queue: JobQueueServer) -> None:
    body = """
        import runpod_worker

        runpod_worker.register_fitness_check(lambda: False)
        runpod_worker.start({"handler": lambda job: "never"})
    """
    code, out = finish(start_worker(tmp_path, queue, body))
    assert code == 1, out
    [ping] = queue.pings()
    assert (ping.query["check"], ping.query["reason"]) == ("<lambda>", "the check returned False")


def test_checks_that_pass_run_in_order_before_the_heartbeat_and_the_first_take(
    tmp_path: Path, queue: JobQueueServer
) -> None:
    body = """
        import asyncio, threading, time
        import runpod_worker

        def record(name):
            with open("checks.txt", "a") as out:
                out.write(f"{name} {time.monotonic()} {threading.current_thread() is threading.main_thread()}\\n")

        @runpod_worker.register_fitness_check
        def first():
            record("first")

        @runpod_worker.register_fitness_check
        async def second():
            await asyncio.sleep(0)
            record("second")

        runpod_worker.start({"handler": lambda job: job["input"] * 2})
    """
    queue.add_job(21, job_id="j1")
    process = start_worker(tmp_path, queue, body)
    try:
        [result] = queue.wait_for_results(1, timeout=30)
    finally:
        code, out = stop(process)
    assert code == 0, out
    assert result.body == {"output": 42}
    lines = [line.split() for line in (tmp_path / "checks.txt").read_text().splitlines()]
    assert [line[0] for line in lines] == ["first", "second"]
    # A sync check runs off the event loop's thread; an async one on it.
    assert [line[2] for line in lines] == ["False", "True"]
    first_request = queue.requests[0]
    assert first_request.route == "ping" and "status" not in first_request.query
    assert float(lines[-1][1]) < first_request.time


def test_checks_do_not_run_in_local_test_mode(tmp_path: Path) -> None:
    script = tmp_path / "worker.py"
    script.write_text(
        "import runpod_worker\n"
        "runpod_worker.register_fitness_check(lambda: False)\n"
        "runpod_worker.start({'handler': lambda job: {'echo': job['input']}})\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNPOD_")}
    done = subprocess.run(
        [sys.executable, str(script), "--test_input", '{"input": 5}'],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_memory_check_fails_below_its_threshold(tmp_path: Path, queue: JobQueueServer) -> None:
    body = "import runpod_worker\nrunpod_worker.start({'handler': lambda job: 1})\n"
    env = {"RUNPOD_SKIP_AUTO_SYSTEM_CHECKS": "false", "RUNPOD_MIN_MEMORY_GB": "1000000"}
    code, out = finish(start_worker(tmp_path, queue, body, **env))
    assert code == 1, out
    [ping] = queue.pings()
    assert ping.query["check"] == "memory"
    assert ping.query["reason"].startswith("RuntimeError: only ")
    assert ping.query["reason"].endswith("GB of memory available, 1e+06 GB needed (RUNPOD_MIN_MEMORY_GB)")


def test_the_disk_check_fails_below_its_threshold(tmp_path: Path, queue: JobQueueServer) -> None:
    body = "import runpod_worker\nrunpod_worker.start({'handler': lambda job: 1})\n"
    env = {"RUNPOD_SKIP_AUTO_SYSTEM_CHECKS": "false", "RUNPOD_MIN_DISK_PERCENT": "100", "RUNPOD_SKIP_GPU_CHECK": "true"}
    code, out = finish(start_worker(tmp_path, queue, body, **env))
    assert code == 1, out
    [ping] = queue.pings()
    assert ping.query["check"] == "disk"
    assert "of / free, 100% needed (RUNPOD_MIN_DISK_PERCENT)" in ping.query["reason"]


def run_one_job(tmp_path: Path, queue: JobQueueServer, **env: str) -> str:
    """Run a trivial worker with `env` until it has posted one result; its output (it must exit 0 on SIGTERM)."""
    body = "import runpod_worker\nrunpod_worker.start({'handler': lambda job: 'ok'})\n"
    queue.add_job(1)
    process = start_worker(tmp_path, queue, body, **env)
    try:
        queue.wait_for_results(1, timeout=30)
    finally:
        code, out = stop(process)
    assert code == 0, out
    return out


def test_the_built_in_checks_pass_on_a_fit_machine_and_the_worker_runs(tmp_path: Path, queue: JobQueueServer) -> None:
    env = {"RUNPOD_SKIP_AUTO_SYSTEM_CHECKS": "false", "RUNPOD_MIN_MEMORY_GB": "0.01", "RUNPOD_MIN_DISK_PERCENT": "0"}
    out = run_one_job(tmp_path, queue, **env)
    assert "All fitness checks passed" in out
    assert all("status" not in ping.query for ping in queue.pings())


def test_skipping_the_system_checks_skips_them(tmp_path: Path, queue: JobQueueServer) -> None:
    out = run_one_job(tmp_path, queue, RUNPOD_SKIP_AUTO_SYSTEM_CHECKS="TRUE", RUNPOD_MIN_MEMORY_GB="1000000")
    assert "fitness check" not in out.lower()


def test_the_report_waits_at_most_two_seconds(tmp_path: Path, queue: JobQueueServer) -> None:
    queue.inject("ping", delay=20)
    process = start_worker(tmp_path, queue, FAILING)
    code, out = finish(process)
    ended = time.monotonic()
    assert code == 1, out
    [ping] = queue.pings()
    assert ended - ping.time < 4.5
    assert "Could not report the failed check to the platform" in out


def test_the_reason_is_cut_to_256_characters(tmp_path: Path, queue: JobQueueServer) -> None:
    body = """
        import runpod_worker

        @runpod_worker.register_fitness_check
        def chatty():
            raise RuntimeError("x" * 1000)

        runpod_worker.start({"handler": lambda job: 1})
    """
    code, out = finish(start_worker(tmp_path, queue, body))
    assert code == 1, out
    [ping] = queue.pings()
    assert ping.query["reason"] == ("RuntimeError: " + "x" * 1000)[:256]


def test_without_a_ping_url_nothing_is_reported_and_the_worker_still_exits_1(
    tmp_path: Path, queue: JobQueueServer
) -> None:
    code, out = finish(start_worker(tmp_path, queue, FAILING, heartbeat=False))
    assert code == 1, out
    assert queue.requests == []
    assert "Not reporting the failed check: it needs RUNPOD_WEBHOOK_PING and RUNPOD_AI_API_KEY" in out


def test_a_threshold_that_is_not_a_number_stops_the_worker_at_start(tmp_path: Path, queue: JobQueueServer) -> None:
    body = "import runpod_worker\nrunpod_worker.start({'handler': lambda job: 1})\n"
    env = {"RUNPOD_SKIP_AUTO_SYSTEM_CHECKS": "false", "RUNPOD_MIN_MEMORY_GB": "lots"}
    code, out = finish(start_worker(tmp_path, queue, body, **env))
    assert code == 1
    assert "runpod-worker: RUNPOD_MIN_MEMORY_GB='lots' is not a number" in out
    assert queue.requests == []


def test_registering_something_that_cannot_be_called_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="a fitness check must be callable, got str"):
        runpod_worker.register_fitness_check("check")  # type: ignore[arg-type]


# -- the built-in checks, as pure functions over a fake machine --------------------------------------------------


def fake_root(tmp_path: Path, files: dict[str, str]) -> str:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(tmp_path)


def test_available_memory_is_the_hosts_without_a_container_limit(tmp_path: Path) -> None:
    root = fake_root(tmp_path, {"proc/meminfo": "MemTotal: 16777216 kB\nMemAvailable:    8388608 kB\n"})
    assert available_memory_gb(root) == 8.0


def test_available_memory_counts_a_cgroup_v2_limit(tmp_path: Path) -> None:
    files = {
        "proc/meminfo": "MemAvailable: 8388608 kB\n",
        "sys/fs/cgroup/memory.max": f"{3 * 1024**3}\n",
        "sys/fs/cgroup/memory.current": f"{2 * 1024**3}\n",
    }
    assert available_memory_gb(fake_root(tmp_path, files)) == 1.0


def test_available_memory_counts_a_cgroup_v1_limit_and_ignores_max(tmp_path: Path) -> None:
    files = {
        "proc/meminfo": "MemAvailable: 8388608 kB\n",
        "sys/fs/cgroup/memory.max": "max\n",
        "sys/fs/cgroup/memory.current": "100\n",
        "sys/fs/cgroup/memory/memory.limit_in_bytes": f"{6 * 1024**3}\n",
        "sys/fs/cgroup/memory/memory.usage_in_bytes": f"{4 * 1024**3}\n",
    }
    assert available_memory_gb(fake_root(tmp_path, files)) == 2.0


def test_available_memory_is_unknown_without_proc(tmp_path: Path) -> None:
    assert available_memory_gb(str(tmp_path)) is None


def fake_nvidia_smi(tmp_path: Path, script: str) -> dict[str, str]:
    path = tmp_path / "bin" / "nvidia-smi"
    path.parent.mkdir(exist_ok=True)
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return {"PATH": str(path.parent)}


def gpu_check(environ: dict[str, str]) -> object:
    [check] = [check for name, check in checks_for(environ) if name == "gpu"]
    return check


def test_the_gpu_check_is_there_only_where_nvidia_smi_is(tmp_path: Path) -> None:
    assert [name for name, _ in checks_for({"PATH": str(tmp_path)})] == ["memory", "disk"]
    env = fake_nvidia_smi(tmp_path, "exit 0\n")
    assert [name for name, _ in checks_for(env)] == ["memory", "disk", "gpu"]
    assert [name for name, _ in checks_for({**env, "RUNPOD_SKIP_GPU_CHECK": "true"})] == ["memory", "disk"]
    assert checks_for({**env, "RUNPOD_SKIP_AUTO_SYSTEM_CHECKS": "true"}) == []


def test_the_gpu_check_passes_with_a_new_enough_cuda(tmp_path: Path) -> None:
    check = gpu_check(
        fake_nvidia_smi(tmp_path, "echo '| NVIDIA-SMI 550.54  Driver Version: 550.54  CUDA Version: 12.4 |'\n")
    )
    assert callable(check)
    check()


@pytest.mark.parametrize(
    ("script", "environ", "message"),
    [
        ("echo 'CUDA Version: 11.2'\n", {}, r"the driver supports CUDA 11\.2, 11\.8 or newer is needed"),
        ("echo 'CUDA Version: 12.1'\n", {"RUNPOD_MIN_CUDA_VERSION": "12.4"}, r"CUDA 12\.1, 12\.4 or newer"),
        ("echo 'Failed to initialize NVML: Driver/library version mismatch'; exit 9\n", {}, "exit code 9: Failed"),
        ("sleep 5\n", {"RUNPOD_GPU_TEST_TIMEOUT": "0.2"}, r"did not answer within 0\.2 s"),
    ],
    ids=["old-cuda", "min-cuda", "broken-driver", "hangs"],
)
def test_the_gpu_check_fails_on_a_broken_or_old_driver(
    tmp_path: Path, script: str, environ: dict[str, str], message: str
) -> None:
    check = gpu_check({**fake_nvidia_smi(tmp_path, script), **environ})
    assert callable(check)
    with pytest.raises(RuntimeError, match=message):
        check()


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"RUNPOD_MIN_DISK_PERCENT": "-5"}, "RUNPOD_MIN_DISK_PERCENT='-5' must be zero or a positive number"),
        ({"RUNPOD_MIN_CUDA_VERSION": "twelve"}, "RUNPOD_MIN_CUDA_VERSION='twelve' is not a version such as 11.8"),
        ({"RUNPOD_GPU_TEST_TIMEOUT": "nan"}, "RUNPOD_GPU_TEST_TIMEOUT='nan' must be zero or a positive number"),
    ],
)
def test_bad_thresholds_are_config_errors(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        checks_for(environ)


def test_off_the_main_thread_run_raises_instead_of_exiting(queue: JobQueueServer) -> None:
    env = {**queue.worker_env(system_checks=True), "RUNPOD_MIN_MEMORY_GB": "1000000"}
    failures: list[BaseException] = []

    def run() -> None:
        try:
            runpod_worker.Worker(lambda job: 1).run(environ=env)
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    [failure] = failures
    assert isinstance(failure, FitnessCheckError)
    assert failure.check == "memory"
    assert [ping.query["check"] for ping in queue.pings()] == ["memory"]
