"""Serving the dev server: a worker beside it through the platform's environment, and the platform alone."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping

import anyio
import httpx2
import pytest

pytest.importorskip("uvicorn")

from runpod_worker.devserver import bind, connect_url, create_app, serve, worker_environment

pytestmark = pytest.mark.anyio


def test_environment_is_the_platforms_template_form() -> None:
    env = worker_environment("http://127.0.0.1:9/", endpoint_id="ep", worker_id="w")
    assert env["RUNPOD_WEBHOOK_GET_JOB"] == "http://127.0.0.1:9/v2/ep/job-take/$ID?gpu=local"
    assert env["RUNPOD_WEBHOOK_POST_OUTPUT"] == "http://127.0.0.1:9/v2/ep/job-done/$RUNPOD_POD_ID/$ID?gpu=local"
    assert env["RUNPOD_WEBHOOK_POST_STREAM"] == "http://127.0.0.1:9/v2/ep/job-stream/$RUNPOD_POD_ID/$ID?gpu=local"
    assert env["RUNPOD_WEBHOOK_PING"] == "http://127.0.0.1:9/v2/ep/ping/$RUNPOD_POD_ID?gpu=local"
    assert env["RUNPOD_POD_ID"] == "w"


def test_wildcard_addresses_are_reached_through_loopback() -> None:
    with bind("0.0.0.0", 0) as sock:
        assert connect_url(sock) == f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_address_in_use_is_reported_with_the_address() -> None:
    with bind("127.0.0.1", 0) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match=f"the dev server cannot listen on 127.0.0.1:{port}"):
            bind("127.0.0.1", port).close()


async def test_worker_runs_against_the_server_through_its_environment() -> None:
    app = create_app()
    sock = bind("127.0.0.1", 0)
    base = connect_url(sock)
    results: list[dict] = []

    async def worker(env: Mapping[str, str]) -> None:
        pod = env["RUNPOD_POD_ID"]
        take = env["RUNPOD_WEBHOOK_GET_JOB"].replace("$ID", pod)
        async with httpx2.AsyncClient() as http:
            job_id = (await http.post(f"{base}/run", json={"input": {"n": 20}})).json()["id"]
            job = (await http.get(take)).json()
            done = env["RUNPOD_WEBHOOK_POST_OUTPUT"].replace("$RUNPOD_POD_ID", pod).replace("$ID", job["id"])
            await http.post(f"{done}&isStream=false", json={"output": job["input"]["n"] + 1})
            results.append((await http.get(f"{base}/status/{job_id}")).json())

    with anyio.fail_after(10):
        await serve(app, sock, worker=worker)
    assert results[0]["status"] == "COMPLETED"
    assert results[0]["output"] == 21
    assert sock.fileno() == -1


async def test_a_held_long_poll_does_not_delay_shutdown() -> None:
    app = create_app()
    sock = bind("127.0.0.1", 0)
    base = connect_url(sock)
    answers: list[int] = []

    async with httpx2.AsyncClient(timeout=30) as http, anyio.create_task_group() as outside:

        async def held_take(url: str) -> None:
            answers.append((await http.get(url)).status_code)

        async def worker(env: Mapping[str, str]) -> None:
            # A take with no job queued is held open (20 s by default); it is still waiting when the worker stops.
            outside.start_soon(held_take, env["RUNPOD_WEBHOOK_GET_JOB"].replace("$ID", "w1"))
            while (await http.get(f"{base}/health")).json()["workers"]["idle"] == 0:
                await anyio.lowlevel.checkpoint()

        with anyio.fail_after(5):
            await serve(app, sock, worker=worker)
    assert answers == [204]


def test_platform_alone_prints_the_worker_environment_and_stops_on_sigint() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "runpod_worker.devserver", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "Point a worker at this server with:\n"
        env = dict(
            line.strip().removeprefix("export ").split("=", 1) for line in [proc.stdout.readline() for _ in range(7)]
        )
        take = env["RUNPOD_WEBHOOK_GET_JOB"].strip("'")
        base = take.split("/v2/")[0]
        job = httpx2.post(f"{base}/run", json={"input": 1}).json()
        assert httpx2.get(take.replace("$ID", "w1"), timeout=10).json() == {"id": job["id"], "input": 1}
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


def test_platform_alone_reports_a_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "runpod_worker.devserver", "--port", str(port)], capture_output=True, text=True
        )
    assert proc.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in proc.stderr
