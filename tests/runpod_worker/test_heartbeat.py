"""The heartbeat: its own process, first before any take, the right job ids, steady while the GIL is held."""

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from runpod_worker import _pinger
from runpod_worker._heartbeat import Heartbeat
from runpod_worker.testing import JobQueueServer

from .conftest import fast_worker, results, serving, sleepy_handler, wait_for
from .workers import start_worker, stop

PINGER = Path(_pinger.__file__)


def test_ping_url_lists_jobs_and_the_version() -> None:
    url = _pinger.ping_url("http://h/ping/w?gpu=x", ["a", "b c"], "0.1.0")
    assert url == "http://h/ping/w?gpu=x&job_id=a,b%20c&runpod_version=0.1.0"


def test_ping_url_leaves_out_job_id_when_idle() -> None:
    assert _pinger.ping_url("http://h/ping/w", [], "1.0") == "http://h/ping/w?runpod_version=1.0"


def run_pinger(
    queue: JobQueueServer, mirror: _pinger.JobMirror | None = None, **settings: Any
) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-I", str(PINGER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        pass_fds=(mirror.fd,) if mirror else (),
    )
    base = {"url": f"{queue.url}/v2/ep/ping/w1?gpu=t", "interval": 0.1, "version": "9.9", "api_key": "k"}
    if mirror:
        base.update(jobs_fd=mirror.fd, jobs_size=mirror.size)
    assert process.stdin is not None
    process.stdin.write(json.dumps({**base, **settings}) + "\n")
    process.stdin.flush()
    return process


def test_pinger_pings_at_once_then_on_its_cadence_until_stdin_closes(queue: JobQueueServer) -> None:
    mirror = _pinger.JobMirror.create()
    with run_pinger(queue, mirror) as process:
        assert process.stdout is not None and process.stdin is not None
        assert process.stdout.readline() == "ready\n"
        assert len(queue.pings()) == 1
        mirror.write(["j1", "j2"])
        queue.wait_for(lambda: any(p.query.get("job_id") == "j1,j2" for p in queue.pings()), 5, "a ping with jobs")
        process.stdin.close()
        assert process.wait(5) == 0
    mirror.close()
    pings = queue.pings()
    assert pings[0].headers["authorization"] == "k"
    assert pings[0].query == {"gpu": "t", "runpod_version": "9.9"}


def test_pinger_logs_a_failing_heartbeat_once_and_its_recovery(queue: JobQueueServer) -> None:
    queue.inject("ping", status=500, times=3)
    with run_pinger(queue, log_json=True) as process:
        queue.wait_for(lambda: len(queue.pings()) >= 5, 5, "five pings")
        _, err = process.communicate(timeout=5)
    lines = [json.loads(line) for line in err.splitlines()]
    assert lines == [
        {"requestId": None, "message": "Heartbeat answered HTTP 500, will keep trying", "level": "WARN"},
        {"requestId": None, "message": "Heartbeat recovered", "level": "INFO"},
    ]


def test_pinger_keeps_trying_when_the_queue_is_unreachable(queue: JobQueueServer) -> None:
    # Nothing listens before the pinger starts, so its first ping is refused rather than cut off mid-way.
    with queue.refuse_connections():
        process = run_pinger(queue, log_level=10)
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n"
        time.sleep(0.3)
    with process:
        queue.wait_for(lambda: len(queue.pings()) >= 1, 5, "a ping after the outage")
        _, err = process.communicate(timeout=5)
    # Refused, or reset when the first ping was already on its way as the queue went down.
    assert re.search(r"WARN   \| Heartbeat failed, will keep trying: Connection(Refused|Reset)Error", err), err
    assert "DEBUG  | Heartbeat sent, HTTP 200" in err


def test_pinger_ignores_sigint_and_sigterm(queue: JobQueueServer) -> None:
    with run_pinger(queue) as process:
        assert process.stdout is not None
        process.stdout.readline()
        process.send_signal(signal.SIGINT)
        process.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        assert process.poll() is None
        process.communicate(timeout=5)
    assert process.returncode == 0


def test_pinger_without_settings_exits() -> None:
    process = subprocess.run([sys.executable, "-I", str(PINGER)], input="", capture_output=True, text=True, timeout=10)
    assert process.returncode == 0


@pytest.mark.anyio
async def test_first_ping_goes_out_before_the_first_take(queue: JobQueueServer) -> None:
    queue.add_job(1)
    async with serving(fast_worker(lambda job: 1), queue, heartbeat="on"):
        await results(queue, 1)
    routes = [r.route for r in queue.requests]
    assert routes.index("ping") < routes.index("job-take")


@pytest.mark.anyio
async def test_pings_list_the_jobs_in_progress_and_drop_a_stopped_one(queue: JobQueueServer) -> None:
    handler, _ = sleepy_handler(30)
    queue.add_job(1, job_id="a")
    queue.add_job(2, job_id="b")

    def lists(*ids: str) -> bool:
        return any(sorted(p.query.get("job_id", "").split(",")) == sorted(ids) for p in queue.pings())

    async with serving(fast_worker(handler, concurrency=2, shutdown_grace_period=0), queue, heartbeat="on"):
        await wait_for(queue, lambda: lists("a", "b"), "a ping listing both jobs")
        queue.stop_job("a")
        await wait_for(queue, lambda: lists("b"), "a ping listing only b")
    assert queue.pings()[0].query == {"gpu": "test", "runpod_version": queue.pings()[0].query["runpod_version"]}


def test_heartbeat_keeps_its_cadence_while_a_handler_holds_the_gil(tmp_path: Path, queue: JobQueueServer) -> None:
    # The handler runs one regular expression that backtracks for about five seconds: a single C call that
    # never releases the GIL. A thread in the worker process records when it gets to run, to show the stall.
    body = """
        import math, re, threading, time
        import runpod_worker

        def seconds(n):
            start = time.perf_counter()
            re.match(r"(a+)+$", "a" * n + "b")
            return time.perf_counter() - start

        # Each extra character doubles the work: aim at five seconds or a little more on this machine, now.
        N = 20
        while seconds(N) < 0.3:
            N += 1
        N += max(0, math.ceil(math.log2(5.0 / min(seconds(N), seconds(N)))))

        def ticker():
            with open("ticks.txt", "w") as out:
                while True:
                    out.write(f"{time.monotonic()}\\n")
                    out.flush()
                    time.sleep(0.05)

        def handler(job):
            start = time.monotonic()
            re.match(r"(a+)+$", "a" * N + "b")
            return {"start": start, "end": time.monotonic()}

        threading.Thread(target=ticker, daemon=True).start()
        runpod_worker.start({"handler": handler})
    """
    queue.add_job({}, job_id="regex")
    process = start_worker(tmp_path, queue, body)
    try:
        [result] = queue.wait_for_results(1, timeout=90)
    finally:
        code, out = stop(process)
    assert code == 0, out
    start, end = result.body["output"]["start"], result.body["output"]["end"]
    assert end - start >= 3.0, f"the regular expression ran only {end - start:.1f} s"
    # The worker process itself was frozen: its own thread could not run during the match.
    ticks = [float(t) for t in (tmp_path / "ticks.txt").read_text().split()]
    assert max(b - a for a, b in zip(ticks, ticks[1:], strict=False)) >= 0.8 * (end - start)
    # The heartbeat process was not: pings kept coming every 0.5 s.
    during = [p.time for p in queue.pings() if start <= p.time <= end]
    assert len(during) >= (end - start) / 0.5 - 2
    edges = [start, *during, end]
    assert max(b - a for a, b in zip(edges, edges[1:], strict=False)) < 1.25
    assert all(p.query.get("job_id") == "regex" for p in queue.pings() if start + 0.1 <= p.time <= end)


def test_heartbeat_process_exits_when_the_worker_is_killed(tmp_path: Path, queue: JobQueueServer) -> None:
    process = start_worker(tmp_path, queue, "import runpod_worker\nrunpod_worker.start({'handler': lambda job: 1})\n")
    assert process.stdout is not None
    pid = None
    for line in process.stdout:
        if "Heartbeat process" in line:
            pid = int(line.split("Heartbeat process ")[1].split()[0])
            break
    assert pid is not None
    queue.wait_for(lambda: len(queue.pings()) >= 1, 10, "a ping")
    process.kill()
    process.communicate(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"heartbeat process {pid} outlived its worker")


@pytest.mark.anyio
async def test_a_finished_job_leaves_the_pings_while_another_still_runs(queue: JobQueueServer) -> None:
    release = anyio.Event()

    async def handler(job: dict[str, Any]) -> str:
        if job["id"] == "long":
            await release.wait()
        return "done"

    queue.add_job(1, job_id="long")
    queue.add_job(2, job_id="short")
    async with serving(fast_worker(handler, concurrency=2), queue, heartbeat="on"):
        await results(queue, 1)
        await wait_for(queue, lambda: queue.pings()[-1].query.get("job_id") == "long", "a ping listing only long")
        release.set()


# The ping process runs the module as a script, which coverage cannot attribute to the package; these run the
# same code in this process.


class Beating:
    """`_pinger.beat` in a thread of this process, its settings through a pipe, its job ids through a mirror."""

    def __init__(self, settings: dict[str, Any]) -> None:
        read_fd, write_fd = os.pipe()
        self.mirror = _pinger.JobMirror.create()
        self.stdin = os.fdopen(read_fd, "r")
        self.feed = os.fdopen(write_fd, "w", buffering=1)
        self.out, self.err = io.StringIO(), io.StringIO()
        self.feed.write(json.dumps({**settings, "jobs_fd": self.mirror.fd, "jobs_size": self.mirror.size}) + "\n")
        self.thread = threading.Thread(target=_pinger.beat, args=(self.stdin, self.out, self.err))
        self.thread.start()

    def finish(self) -> None:
        self.feed.close()
        self.thread.join(5)
        self.stdin.close()
        assert not self.thread.is_alive()


def test_beat_pings_with_the_current_jobs_until_its_input_ends(queue: JobQueueServer) -> None:
    url = f"{queue.url}/v2/ep/ping/w1?gpu=t"
    beating = Beating({"url": url, "interval": 0.05, "version": "1", "api_key": "k"})
    queue.wait_for(lambda: len(queue.pings()) >= 1, 5, "the first ping")
    beating.mirror.write(["a", "b"])
    queue.wait_for(lambda: queue.pings()[-1].query.get("job_id") == "a,b", 5, "a ping listing a and b")
    beating.finish()
    assert beating.out.getvalue() == "ready\n"
    assert queue.pings()[0].headers["authorization"] == "k"


def test_beat_logs_failures_once_and_recovery(queue: JobQueueServer) -> None:
    queue.inject("ping", status=503, times=2)
    url = f"{queue.url}/v2/ep/ping/w1"
    beating = Beating({"url": url, "interval": 0.05, "log_level": 10})
    queue.wait_for(lambda: len(queue.pings()) >= 4, 5, "four pings")
    beating.finish()
    lines = beating.err.getvalue().splitlines()
    assert lines[0] == "WARN   | Heartbeat answered HTTP 503, will keep trying"
    assert lines[1] == "INFO   | Heartbeat recovered"
    assert lines[2].startswith("DEBUG  | Heartbeat sent, HTTP 200, jobs in progress: 0")


def test_beat_survives_an_unreachable_queue(queue: JobQueueServer) -> None:
    port = queue.port
    with queue.refuse_connections():
        beating = Beating({"url": f"http://127.0.0.1:{port}/ping", "interval": 0.05})
        deadline = time.monotonic() + 5
        while "ready" not in beating.out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        beating.finish()
    assert "WARN   | Heartbeat failed, will keep trying: ConnectionRefusedError" in beating.err.getvalue()


def test_beat_without_settings_returns() -> None:
    _pinger.beat(io.StringIO(""), io.StringIO(), io.StringIO())


def test_a_reply_without_a_status_line_is_a_ping_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def answer() -> None:
            conn, _ = server.accept()
            conn.recv(4096)
            conn.sendall(b"garbage\r\n")
            conn.close()

        threading.Thread(target=answer).start()
        with pytest.raises(_pinger.PingError, match="no HTTP status line"):
            _pinger.http_get_status(f"http://127.0.0.1:{port}/ping", {"Authorization": "k\r\nX: y"}, 5)


def test_a_header_value_cannot_inject_a_header() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        seen: list[bytes] = []

        def answer() -> None:
            conn, _ = server.accept()
            seen.append(conn.recv(4096))
            conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
            conn.close()

        threading.Thread(target=answer).start()
        assert _pinger.http_get_status(f"http://127.0.0.1:{port}/p?q=1", {"Authorization": "k\r\nX-Evil: 1"}, 5) == 204
    assert b"Authorization: k X-Evil: 1\r\n" in seen[0]
    assert seen[0].startswith(b"GET /p?q=1 HTTP/1.1\r\n")


def sleeper(seconds: float = 30) -> subprocess.Popen[bytes]:
    """A child that never reads its stdin, never prints and ignores its stdin closing."""
    process = subprocess.Popen(
        [sys.executable, "-c", f"import time; time.sleep({seconds})"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert process.stdin is not None
    os.set_blocking(process.stdin.fileno(), False)
    return process


@pytest.mark.anyio
async def test_waiting_for_the_first_ping_gives_up_after_a_while(caplog: pytest.LogCaptureFixture) -> None:
    heartbeat = Heartbeat(sleeper(), _pinger.JobMirror.create())
    assert not await heartbeat.wait_ready(within=0.2)
    assert "The first heartbeat took longer than 0.2 s; taking jobs anyway" in caplog.text
    heartbeat.close(timeout=0.1)


def test_updates_cost_the_worker_no_wait_even_when_the_process_never_reads() -> None:
    heartbeat = Heartbeat(sleeper(), _pinger.JobMirror.create())
    start = time.monotonic()
    for n in range(3000):
        heartbeat.update([f"job-{n:05d}-{'x' * 40}"])
    assert time.monotonic() - start < 5
    heartbeat.close(timeout=0.1)


def test_a_process_that_does_not_exit_is_killed_on_close() -> None:
    process = sleeper()
    heartbeat = Heartbeat(process, _pinger.JobMirror.create())
    assert heartbeat.pid == process.pid
    heartbeat.close(timeout=0.1)
    assert process.returncode == -signal.SIGKILL


def test_the_mirror_reader_sees_the_last_list_written() -> None:
    writer = _pinger.JobMirror.create()
    reader = _pinger.JobMirror(os.dup(writer.fd), writer.size)
    assert reader.read() == []
    writer.write(["a", "b,c"])
    writer.write(["d"])
    assert reader.read() == ["d"]
    writer.write([])
    assert reader.read() == []
    reader.close()
    writer.close()


def test_the_mirror_reader_keeps_the_previous_list_while_a_write_is_under_way() -> None:
    writer = _pinger.JobMirror.create()
    reader = _pinger.JobMirror(os.dup(writer.fd), writer.size)
    writer.write(["a"])
    assert reader.read() == ["a"]
    # A write interrupted half-way (its thread lost the GIL to a handler): an odd sequence number, new bytes.
    struct_ = _pinger.JobMirror._HEADER
    sequence, length, crc = struct_.unpack_from(writer._map, 0)
    struct_.pack_into(writer._map, 0, sequence + 1, 0, 0)
    writer._map[struct_.size : struct_.size + 5] = b'["zz"'
    assert reader.read() == ["a"]
    # Bytes that do not match their checksum are never taken for a list either.
    struct_.pack_into(writer._map, 0, sequence + 2, 5, crc)
    assert reader.read() == ["a"]
    reader.close()
    writer.close()


def test_a_list_too_long_for_the_mirror_keeps_its_first_ids_and_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    mirror = _pinger.JobMirror.create(size=64)
    heartbeat = Heartbeat(sleeper(), mirror)
    ids = [f"job-{n}" for n in range(20)]
    heartbeat.update(ids)
    heartbeat.update(ids[:19])
    reader = _pinger.JobMirror(os.dup(mirror.fd), mirror.size)
    listed = reader.read()
    assert listed and listed == ids[: len(listed)] and len(listed) < 19
    assert caplog.text.count("Too many jobs in progress to list them all in the heartbeat") == 1
    reader.close()
    heartbeat.close(timeout=0.1)
