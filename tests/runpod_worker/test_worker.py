"""The front doors: Worker's options, start()'s config, and whole worker processes with signals."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import runpod_worker
from runpod_worker import ConfigError, Worker, WorkerConfig
from runpod_worker.testing import JobQueueServer

from .workers import start_worker, stop


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"concurrency": 0}, "concurrency must be a positive integer, got 0"),
        ({"concurrency": True}, "concurrency must be a positive integer, got True"),
        ({"concurrency_modifier": 3}, "concurrency_modifier must be callable"),
        ({"job_timeout": 0}, "job_timeout must be a positive number of seconds or None, got 0"),
        ({"job_timeout": float("inf")}, "job_timeout must be"),
        ({"shutdown_grace_period": -1}, "shutdown_grace_period must be zero or more seconds"),
        ({"take_timeout": "90"}, "take_timeout must be a positive number"),
    ],
)
def test_bad_worker_options_are_clear_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Worker(lambda job: 1, **options)


def test_handler_must_be_callable() -> None:
    with pytest.raises(ConfigError, match="handler must be callable, got str"):
        Worker("handler")  # type: ignore[arg-type]


def test_start_config_needs_a_handler() -> None:
    with pytest.raises(ConfigError, match="start\\(\\) needs a 'handler' key"):
        Worker.from_start_config({"concurrency_modifier": lambda n: n})


def test_start_config_must_be_a_dict() -> None:
    with pytest.raises(ConfigError, match="start\\(\\) takes a dict"):
        Worker.from_start_config([("handler", print)])  # type: ignore[arg-type]


def test_start_config_keys_map_onto_the_worker() -> None:
    def modifier(n: int) -> int:
        return n

    worker = Worker.from_start_config(
        {"handler": print, "concurrency_modifier": modifier, "return_aggregate_stream": True, "refresh_worker": True}
    )
    assert worker.handler is print and worker.concurrency_modifier is modifier
    assert worker.return_aggregate_stream and worker.refresh_worker and worker.concurrency == 1


def test_run_without_a_job_queue_says_what_is_missing() -> None:
    with pytest.raises(ConfigError, match="RUNPOD_WEBHOOK_GET_JOB is not set"):
        Worker(print).run(environ={})


@pytest.mark.anyio
async def test_serve_without_a_job_queue_says_what_is_missing() -> None:
    with pytest.raises(ConfigError, match="RUNPOD_WEBHOOK_GET_JOB is not set"):
        await Worker(print).serve(WorkerConfig.from_env({}))


def test_run_with_a_bad_log_level_flag_says_so() -> None:
    with pytest.raises(ConfigError, match="--rp_log_level='LOUD' is not a log level"):
        Worker(print).run(environ={}, log_level="LOUD")


def run_script(tmp_path: Path, body: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "worker.py"
    script.write_text(body)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RUNPOD_")}
    return subprocess.run(
        [sys.executable, str(script), *args], env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


START = "import runpod_worker\nrunpod_worker.start({'handler': lambda job: 1})\n"


def test_start_without_a_job_queue_exits_1_with_a_clear_message(tmp_path: Path) -> None:
    done = run_script(tmp_path, START, {})
    assert done.returncode == 1
    assert done.stderr.startswith("runpod-worker: RUNPOD_WEBHOOK_GET_JOB is not set, so there is no job queue")


@pytest.mark.parametrize("flag", ["--test_input", "--rp_serve_api"])
def test_local_modes_are_not_available_yet_and_say_so(tmp_path: Path, flag: str) -> None:
    args = [flag, '{"input": {}}'] if flag == "--test_input" else [flag]
    done = run_script(tmp_path, START, {}, *args)
    assert done.returncode == 1
    assert f"{flag} (local test mode) is not available" in done.stderr


def test_bad_log_level_is_a_clear_error_at_start_not_at_import(tmp_path: Path, queue: JobQueueServer) -> None:
    env = {**queue.worker_env(), "RUNPOD_LOG_LEVEL": "LOUD"}
    imported = run_script(tmp_path, "import runpod_worker\nprint('imported')\n", env)
    assert imported.returncode == 0 and imported.stdout == "imported\n"
    done = run_script(tmp_path, START, env)
    assert done.returncode == 1
    assert "runpod-worker: RUNPOD_LOG_LEVEL='LOUD' is not a log level" in done.stderr


def test_unknown_start_keys_are_named_in_a_warning(tmp_path: Path, queue: JobQueueServer) -> None:
    queue.add_job(1)
    body = (
        "import runpod_worker\n"
        "runpod_worker.start({'handler': lambda job: 1, 'refresh_worker': True, 'concurency': 4, 'rp_args': {}})\n"
    )
    done = run_script(tmp_path, body, queue.worker_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARN   | start() ignores config keys it does not know: 'concurency'" in done.stdout


def test_debugger_flag_is_ignored_with_a_warning(tmp_path: Path, queue: JobQueueServer) -> None:
    queue.add_job(1)
    body = "import runpod_worker\nrunpod_worker.start({'handler': lambda job: 1, 'refresh_worker': True})\n"
    done = run_script(tmp_path, body, queue.worker_env(), "--rp_debugger")
    assert "--rp_debugger is not supported by runpod-worker; ignored" in done.stdout


def test_a_runpod_worker_moves_over_by_changing_the_import_line(tmp_path: Path, queue: JobQueueServer) -> None:
    body = """
import runpod_worker as runpod  # was: import runpod


def handler(job):
    runpod.serverless.progress_update(job, "half way")
    return {"greeting": f"hello {job['input']['name']}"}


runpod.serverless.start({"handler": handler, "refresh_worker": True})
"""
    queue.add_job({"name": "ada"}, job_id="j1")
    done = run_script(tmp_path, body, queue.worker_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert [p.body for p in queue.job_done_posts("j1")] == [
        {"status": "IN_PROGRESS", "output": "half way"},
        {"output": {"greeting": "hello ada"}, "stopPod": True},
    ]


def test_plain_log_lines_name_the_job(tmp_path: Path, queue: JobQueueServer) -> None:
    queue.add_job(1, job_id="j1")
    body = "import runpod_worker\nrunpod_worker.start({'handler': lambda job: 1, 'refresh_worker': True})\n"
    done = run_script(tmp_path, body, {**queue.worker_env(), "RUNPOD_LOG_LEVEL": "INFO"})
    assert "INFO   | j1 | Started.\n" in done.stdout
    assert "INFO   | j1 | Finished.\n" in done.stdout
    assert "test-key" not in done.stdout + done.stderr


def test_json_log_lines_on_the_platform(tmp_path: Path, queue: JobQueueServer) -> None:
    queue.add_job(1, job_id="j1")
    body = "import runpod_worker\nrunpod_worker.start({'handler': lambda job: 1/0, 'refresh_worker': True})\n"
    env = {**queue.worker_env(), "RUNPOD_ENDPOINT_ID": "ep", "RUNPOD_LOG_LEVEL": "WARN"}
    done = run_script(tmp_path, body, env)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert {line["level"] for line in lines} <= {"WARN", "ERROR"}
    error = next(line for line in lines if line["message"].startswith("Captured handler exception"))
    assert error["requestId"] == "j1" and error["level"] == "ERROR"
    assert "ZeroDivisionError" in error["message"]


SLOW = """
import sys, time
import runpod_worker

def handler(job):
    print("handler started", flush=True)
    time.sleep(job["input"])
    return {"slept": job["input"]}

runpod_worker.Worker(handler, shutdown_grace_period=float(sys.argv[1])).run()
"""


def wait_for_line(process: subprocess.Popen[str], text: str, timeout: float = 30) -> None:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    for line in process.stdout:
        if text in line:
            return
        if time.monotonic() > deadline:
            break
    pytest.fail(f"the worker never printed {text!r}")


def start_slow(tmp_path: Path, queue: JobQueueServer, grace: float, job_seconds: float) -> subprocess.Popen[str]:
    """A worker process with one job of `job_seconds` queued, returned once its handler has started."""
    queue.add_job(job_seconds, job_id="j1")
    script = tmp_path / "slow.py"
    script.write_text(SLOW)
    env = {**os.environ, **queue.worker_env(ping_interval_ms=500), "RUNPOD_LOG_LEVEL": "INFO"}
    process = subprocess.Popen(
        [sys.executable, str(script), str(grace)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_for_line(process, "handler started")
    return process


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_lets_the_running_job_finish_posts_it_and_exits_0(tmp_path: Path, sig: int) -> None:
    with JobQueueServer(hold=60) as queue:
        process = start_slow(tmp_path, queue, grace=30, job_seconds=1.0)
        sent = time.monotonic()
        process.send_signal(sig)
        code, out = stop(process, sig=0)
        took = time.monotonic() - sent
        assert code == 0, out
        assert queue.results("j1")[0].body == {"output": {"slept": 1.0}}
        # Held long-polls (60 s here) were abandoned at once instead of waited for.
        assert took < 10
        assert f"Shutting down (received {signal.Signals(sig).name})" in out


def test_job_running_past_the_grace_period_gets_an_error_result(tmp_path: Path) -> None:
    with JobQueueServer(hold=60) as queue:
        process = start_slow(tmp_path, queue, grace=0.5, job_seconds=60)
        process.send_signal(signal.SIGTERM)
        code, out = stop(process, sig=0)
        assert code == 0, out
        assert queue.results("j1")[0].body["error"].startswith("The worker shut down before this job finished")


def test_second_signal_ends_the_grace_period_at_once(tmp_path: Path) -> None:
    with JobQueueServer(hold=60) as queue:
        process = start_slow(tmp_path, queue, grace=60, job_seconds=60)
        process.send_signal(signal.SIGTERM)
        wait_for_line(process, "Shutting down")
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        code, out = stop(process, sig=0)
        assert code == 0, out
        assert time.monotonic() - sent < 10
        assert "Received SIGINT again: ending the grace period now" in out
        assert queue.results("j1")[0].body["error"].startswith("The worker shut down before this job finished")


def test_pings_go_on_during_the_grace_period(tmp_path: Path) -> None:
    with JobQueueServer(hold=60) as queue:
        process = start_slow(tmp_path, queue, grace=30, job_seconds=2.0)
        process.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        code, _ = stop(process, sig=0)
        assert code == 0
        assert any(p.time > sent + 0.5 and p.query.get("job_id") == "j1" for p in queue.pings())


def test_public_surface_of_start_matches_runpod(tmp_path: Path) -> None:
    assert runpod_worker.serverless.start is runpod_worker.start
    assert runpod_worker.serverless.progress_update is runpod_worker.progress_update


def test_worker_process_helper_runs_a_start_script(tmp_path: Path, queue: JobQueueServer) -> None:
    queue.add_job(2, job_id="j1")
    process = start_worker(
        tmp_path, queue, "import runpod_worker\nrunpod_worker.start({'handler': lambda j: j['input']})\n"
    )
    queue.wait_for_results(1, timeout=30)
    code, out = stop(process)
    assert code == 0, out
    assert queue.results("j1")[0].body == {"output": 2}
