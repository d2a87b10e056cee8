"""A fake of Runpod's serverless API: a real HTTP server on 127.0.0.1 whose jobs follow a script.

Each job walks through the statuses of its `Script`, one per read (`/runsync`'s answer, `/status`,
`/stream`); the last status stays. `/stream` hands out the script's chunk batches one per read, and all
that are left once the job has ended. Faults (an error status, a dropped connection, a slow answer) are
queued per route with `fail`. Every request is recorded. The tests and the endpoint benchmark share it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

API_KEY = "rpa_FAKEKEY0123456789abcdef"
TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"})


@dataclass
class Script:
    """How a fake job behaves."""

    statuses: list[str] = field(default_factory=lambda: ["COMPLETED"])
    output: Any = None
    error: Any = None
    chunks: list[list[Any]] = field(default_factory=list)
    after_retry: Script | None = None


@dataclass
class Fault:
    """What one request to a route gets instead of its normal answer."""

    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    delay: float = 0.0


@dataclass
class Recorded:
    method: str
    route: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeJob:
    id: str
    input: Any
    script: Script
    reads: int = 0
    streamed: int = 0
    status: str = "IN_QUEUE"

    def read(self) -> str:
        steps = self.script.statuses
        self.status = steps[min(self.reads, len(steps) - 1)]
        self.reads += 1
        return self.status

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "status": self.status}
        if self.status in TERMINAL:
            body.update(delayTime=12, executionTime=34, workerId="fake-worker")
        if self.status == "COMPLETED" and self.script.output is not None:
            body["output"] = self.script.output
        if self.status in ("FAILED", "TIMED_OUT") and self.script.error is not None:
            body["error"] = self.script.error
        return body


class FakeServerless:
    """The fake API. `url` is the base URL to give a client (`http://127.0.0.1:<port>/v2`)."""

    def __init__(self, api_key: str = API_KEY) -> None:
        self.api_key = api_key
        self.jobs: dict[str, FakeJob] = {}
        self.requests: list[Recorded] = []
        self.script = Script()
        self.script_for: Callable[[Any], Script] | None = None
        """When set, picks each submitted job's script from its input (else every job follows `script`)."""
        self.health_body: dict[str, Any] | None = None
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="fake-serverless", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v2"

    def start(self) -> FakeServerless:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail(self, route: str, *faults: Fault) -> None:
        """Queue faults for the next requests to a route (`run`, `runsync`, `status`, `stream`...)."""
        self._faults[route].extend(faults)

    def add_job(self, script: Script, job_input: Any = None) -> FakeJob:
        with self._lock:
            job = FakeJob(id=f"job-{uuid.uuid4().hex[:12]}", input=job_input, script=script)
            self.jobs[job.id] = job
            return job

    def routes(self) -> list[str]:
        """The route of every request so far, in order."""
        return [r.route for r in self.requests]

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(target)
        segments = parts.path.strip("/").split("/")
        if len(segments) < 3 or segments[0] != "v2":
            return 404, {"error": f"no route {parts.path}"}, {}
        route, rest = segments[2], segments[3:]
        body = json.loads(raw) if raw else None
        query = dict(parse_qsl(parts.query))
        with self._lock:
            self.requests.append(Recorded(method, route, parts.path, query, headers, body))
            fault = self._faults[route].popleft() if self._faults[route] else None
        if fault is not None:
            time.sleep(fault.delay)
            if fault.drop:
                raise ConnectionAbortedError
            return fault.status, fault.body, fault.headers
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, {"error": "Unauthorized"}, {}
        with self._lock:
            return self._answer(method, route, rest, body)

    def _answer(self, method: str, route: str, rest: list[str], body: Any) -> tuple[int, Any, dict[str, str]]:
        if route in ("run", "runsync") and method == "POST":
            if not isinstance(body, dict) or "input" not in body:
                return 400, {"error": "the body needs an input"}, {}
            script = self.script_for(body["input"]) if self.script_for is not None else self.script
            job = FakeJob(id=f"job-{uuid.uuid4().hex[:12]}", input=body["input"], script=script)
            self.jobs[job.id] = job
            if route == "runsync":
                job.read()
                return 200, job.body(), {}
            return 200, {"id": job.id, "status": "IN_QUEUE"}, {}
        if route == "health" and method == "GET":
            return 200, self.health_body or self._health(), {}
        if route == "purge-queue" and method == "POST":
            queued = [j for j in self.jobs.values() if j.status == "IN_QUEUE"]
            for job in queued:
                self._end(job, "CANCELLED")
            return 200, {"removed": len(queued), "status": "completed"}, {}
        if len(rest) != 1 or route not in ("status", "stream", "cancel", "retry"):
            return 404, {"error": f"no route {route}"}, {}
        job = self.jobs.get(rest[0])
        if job is None:
            return 404, {"error": f"no job {rest[0]!r}"}, {}
        if route == "status":
            job.read()
            return 200, job.body(), {}
        if route == "stream":
            job.read()
            batches = job.script.chunks
            end = len(batches) if job.status in TERMINAL else min(job.streamed + 1, len(batches))
            chunks = [c for batch in batches[job.streamed : end] for c in batch]
            job.streamed = max(job.streamed, end)
            return 200, {"id": job.id, "status": job.status, "stream": [{"output": c} for c in chunks]}, {}
        if route == "cancel":
            if job.status not in TERMINAL:
                self._end(job, "CANCELLED")
            return 200, {"id": job.id, "status": job.status}, {}
        if job.status not in ("FAILED", "TIMED_OUT"):
            return 409, {"error": f"job {job.id} is {job.status}; only FAILED or TIMED_OUT jobs can be retried"}, {}
        job.script = job.script.after_retry or Script()
        job.reads, job.streamed, job.status = 0, 0, "IN_QUEUE"
        return 200, {"id": job.id, "status": "IN_QUEUE"}, {}

    @staticmethod
    def _end(job: FakeJob, status: str) -> None:
        job.script = Script(statuses=[status], chunks=job.script.chunks)
        job.reads, job.status = 0, status

    def _health(self) -> dict[str, Any]:
        states = [j.status for j in self.jobs.values()]
        return {
            "jobs": {
                "completed": states.count("COMPLETED"),
                "failed": states.count("FAILED"),
                "inProgress": states.count("IN_PROGRESS"),
                "inQueue": states.count("IN_QUEUE"),
                "retried": 0,
            },
            "workers": {"idle": 1, "running": 0},
        }


def _handler(fake: FakeServerless) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # One write per answer and no Nagle: a keep-alive client would otherwise stall ~40 ms per answer.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                status, body, extra = fake.handle(self.command, self.path, headers, raw)
            except ConnectionAbortedError:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            payload = b"" if body is None else json.dumps(body).encode()
            head = [f"HTTP/1.1 {status} X", f"Content-Length: {len(payload)}"]
            if body is not None:
                head.append("Content-Type: application/json")
            head += [f"{k}: {v}" for k, v in extra.items()]
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
