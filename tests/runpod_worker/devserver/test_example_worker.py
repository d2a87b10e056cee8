"""The example worker started with --rp_serve_api as a real process, every route driven over HTTP.

The process runs the production job loop against its own dev server, so these tests cover the whole path a
developer uses: client routes -> platform emulator -> worker protocol -> handler -> results.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

pytest.importorskip("uvicorn")

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "worker" / "handler.py"
CONCURRENCY = 3
TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"}

pytestmark = pytest.mark.e2e


class Worker:
    """The example worker process, with the base URL its dev server announced."""

    def __init__(self, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RUNPOD_")} | {"PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, str(EXAMPLE), "--rp_serve_api", "--rp_api_port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if match := re.search(r"dev server listening on (http://\S+)", line):
                self.base = match.group(1)
                break
        else:
            raise AssertionError("the worker exited before serving:\n" + "".join(self.lines))
        # Keep reading, so the process never blocks on a full pipe.
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.proc.stdout or ()), daemon=True)
        self.reader.start()

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=30)
        finally:
            self.proc.kill()
            self.reader.join(timeout=5)
            if self.proc.stdout:
                self.proc.stdout.close()


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    process = Worker("--rp_api_concurrency", str(CONCURRENCY))
    yield process
    # SIGINT drains the job loop, then the server shuts down; a clean exit is 0.
    assert process.stop() == 0, "".join(process.lines)
    assert "Worker stopped" in "".join(process.lines)


@pytest.fixture
def http(worker: Worker) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=worker.base, timeout=30) as client:
        yield client


def submit(http: httpx2.Client, **payload: Any) -> str:
    response = http.post("/run", json={"input": payload})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "IN_QUEUE"
    return response.json()["id"]


def wait_until_finished(http: httpx2.Client, job_id: str) -> dict[str, Any]:
    """Poll /status until the job ends; between polls, /stream holds until the job changes (no sleeping)."""
    for _ in range(100):
        status = http.get(f"/status/{job_id}").json()
        if status["status"] in TERMINAL:
            return status
        http.get(f"/stream/{job_id}?wait=2000")
    raise AssertionError(f"job {job_id} did not finish: {status}")


def first_chunk(http: httpx2.Client, job_id: str) -> dict[str, Any]:
    """The /stream answer that carries the job's first chunk (held open server-side until it exists)."""
    answer = http.get(f"/stream/{job_id}?wait=20000").json()
    assert answer["stream"], answer
    return answer


def test_run_then_poll_reaches_completed(http: httpx2.Client) -> None:
    job_id = submit(http, text="polled")
    final = wait_until_finished(http, job_id)
    assert final["status"] == "COMPLETED"
    assert final["output"] == {"text": "POLLED"}


def test_runsync_returns_the_output(http: httpx2.Client) -> None:
    answer = http.post("/runsync", json={"input": {"mode": "async", "text": "abc"}}).json()
    assert (answer["status"], answer["output"]) == ("COMPLETED", {"text": "cba"})


def test_endpoint_style_urls_work_too(http: httpx2.Client) -> None:
    answer = http.post("/v2/any-endpoint/runsync", json={"input": {"text": "v2"}}).json()
    assert answer["output"] == {"text": "V2"}


def test_invalid_input_fails_the_job_listing_every_field(http: httpx2.Client) -> None:
    answer = http.post("/runsync", json={"input": {"mode": "nope", "seconds": -1}}).json()
    assert answer["status"] == "FAILED"
    assert answer["error"].startswith("input is invalid (2 errors): mode: Input should be 'echo'")
    assert "seconds: Input should be greater than or equal to 0 (got -1)" in answer["error"]


def test_handler_exception_fails_the_job(http: httpx2.Client) -> None:
    answer = http.post("/runsync", json={"input": {"mode": "fail", "text": "x"}}).json()
    assert answer["status"] == "FAILED"
    assert "failing on purpose: x" in answer["error"]


def test_stream_chunks_arrive_before_the_job_ends(http: httpx2.Client) -> None:
    job_id = submit(http, mode="slow", seconds=60)
    answer = first_chunk(http, job_id)
    assert answer["stream"] == [{"output": {"started": True}}]
    assert answer["status"] == "IN_PROGRESS"
    assert http.post(f"/cancel/{job_id}").json()["status"] == "CANCELLED"


def test_streamed_job_delivers_every_chunk_once_and_aggregates_them(http: httpx2.Client) -> None:
    job_id = submit(http, mode="stream", text="a b c d")
    received: list[Any] = []
    while True:  # what a streaming client does: each call is held open until new chunks or the end
        answer = http.get(f"/stream/{job_id}?wait=5000").json()
        received += [item["output"] for item in answer["stream"]]
        if answer["status"] in TERMINAL and not answer["stream"]:
            break
    expected = [{"index": i, "word": w} for i, w in enumerate("abcd")]
    assert received == expected
    assert http.get(f"/status/{job_id}").json()["output"] == expected


def test_n_jobs_run_at_once_and_cancel_frees_a_running_slot(http: httpx2.Client) -> None:
    slow = [submit(http, mode="slow", seconds=60) for _ in range(CONCURRENCY)]
    for job_id in slow:
        first_chunk(http, job_id)  # every one started: CONCURRENCY jobs are running at the same time
    assert http.get("/health").json()["jobs"]["inProgress"] >= CONCURRENCY
    assert http.post(f"/cancel/{slow[0]}").json() == {"id": slow[0], "status": "CANCELLED"}
    # Every slot was busy for a minute: this finishes only because the worker really stopped the cancelled job.
    quick = http.post("/runsync?wait=20000", json={"input": {"text": "next"}}).json()
    assert quick["status"] == "COMPLETED"
    for job_id in slow[1:]:
        http.post(f"/cancel/{job_id}")
    assert http.get(f"/status/{slow[0]}").json()["status"] == "CANCELLED"


def test_purge_queue_removes_waiting_jobs_only(http: httpx2.Client) -> None:
    running = [submit(http, mode="slow", seconds=60) for _ in range(CONCURRENCY)]
    for job_id in running:
        first_chunk(http, job_id)
    waiting = [submit(http, text="never") for _ in range(2)]
    assert http.post("/purge-queue").json() == {"removed": 2, "status": "completed"}
    assert {http.get(f"/status/{j}").json()["status"] for j in waiting} == {"CANCELLED"}
    assert {http.get(f"/status/{j}").json()["status"] for j in running} == {"IN_PROGRESS"}
    for job_id in running:
        http.post(f"/cancel/{job_id}")


def test_retry_runs_a_failed_job_again(http: httpx2.Client) -> None:
    before = http.get("/health").json()["jobs"]["retried"]
    job_id = submit(http, mode="fail")
    assert wait_until_finished(http, job_id)["status"] == "FAILED"
    assert http.post(f"/retry/{job_id}").json() == {"id": job_id, "status": "IN_QUEUE"}
    again = wait_until_finished(http, job_id)
    assert again["status"] == "FAILED"
    assert http.get("/health").json()["jobs"]["retried"] == before + 1


def test_health_counts_finished_jobs(http: httpx2.Client) -> None:
    before = http.get("/health").json()
    http.post("/runsync", json={"input": {"text": "ok"}})
    http.post("/runsync", json={"input": {"mode": "fail"}})
    after = http.get("/health").json()
    assert after["jobs"]["completed"] == before["jobs"]["completed"] + 1
    assert after["jobs"]["failed"] == before["jobs"]["failed"] + 1
    assert after["workers"]["idle"] + after["workers"]["running"] == 1


class Receiver:
    def __init__(self) -> None:
        self.bodies: list[Any] = []
        self.arrived = threading.Event()

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            self.bodies.append(await request.json())
            self.arrived.set()
            return Response()

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


def test_webhook_receives_the_status_body(http: httpx2.Client, serve_asgi) -> None:
    receiver = Receiver()
    url = serve_asgi(receiver.app()) + "/hook"
    job_id = http.post("/run", json={"input": {"text": "hooked"}, "webhook": url}).json()["id"]
    assert receiver.arrived.wait(20)
    assert receiver.bodies == [http.get(f"/status/{job_id}").json()]
    assert receiver.bodies[0]["output"] == {"text": "HOOKED"}


def test_docs_describe_the_handlers_input(http: httpx2.Client) -> None:
    schema = http.get("/openapi.json").json()["components"]["schemas"]["JobInput"]
    assert schema["properties"]["mode"]["enum"] == ["echo", "async", "stream", "slow", "fail"]
    assert "How long the slow mode sleeps." in http.get("/docs").text


def test_bad_concurrency_exits_1_with_the_reason() -> None:
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE), "--rp_serve_api", "--rp_api_concurrency", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "--rp_api_concurrency must be at least 1, got 0" in proc.stderr
