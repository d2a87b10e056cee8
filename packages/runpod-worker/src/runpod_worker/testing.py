"""A real job queue on 127.0.0.1 for testing workers: scripted jobs, recorded traffic, injected faults.

`JobQueueServer` speaks the platform's worker protocol (job-take, job-take-batch, job-stop, job-done,
job-stream, ping) over real HTTP, so a worker under test runs exactly the code it runs in production::

    from runpod_worker.testing import JobQueueServer

    with JobQueueServer() as queue:
        queue.add_job({"prompt": "hello"}, job_id="job-1")
        env = queue.worker_env()          # the RUNPOD_* variables that point a worker at this queue
        ...                               # start your worker with env
        [result] = queue.wait_for_results(1)
        assert result.body == {"output": "HELLO"}

It needs only the standard library, so it also runs where the worker's own dependencies are not installed.
"""

from __future__ import annotations

import contextlib
import json
import random
import select
import socket
import socketserver
import struct
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ("Fault", "JobQueueServer", "PostedResult", "RecordedRequest", "Route")

Route = Literal["job-take", "job-take-batch", "job-stop", "job-done", "job-stream", "ping"]
_ROUTES: frozenset[str] = frozenset(("job-take", "job-take-batch", "job-stop", "job-done", "job-stream", "ping"))
_REASONS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    404: "Not Found",
    408: "Request Timeout",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the queue received, as it arrived."""

    time: float
    """`time.monotonic()` when the request was read."""
    method: str
    path: str
    """The URL path, without the query."""
    route: str
    """The protocol route (`"job-take"`, `"job-done"`, ...) or `"unknown"`."""
    query: Mapping[str, str]
    headers: Mapping[str, str]
    """Header names are lower-case."""
    body: bytes
    job_id: str | None = None
    """The job id in a job-done or job-stream path."""

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


@dataclass(frozen=True, slots=True)
class PostedResult:
    """A job-done or job-stream post that the queue accepted."""

    job_id: str
    body: Any
    """The parsed JSON body (None when it was not JSON)."""
    raw: bytes
    is_stream: bool
    """The `isStream` query flag."""
    time: float
    request: RecordedRequest

    @property
    def is_progress(self) -> bool:
        """Whether this job-done post is a progress update rather than the final result."""
        return isinstance(self.body, dict) and self.body.get("status") == "IN_PROGRESS"


@dataclass(slots=True, kw_only=True)
class Fault:
    """A misbehaviour the queue shows on some requests to one route (or every route, with `"*"`).

    Each matching request first waits `delay` seconds, then either has its connection dropped (`drop`), is
    answered with `status` and `body` without being processed, or, with neither, is handled normally. A fault
    applies to the next `times` matching requests, or, with `probability`, to each one by chance.
    """

    route: str
    status: int | None = None
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    drop: bool = False
    delay: float = 0.0
    times: int | None = 1
    """How many requests this fault still applies to; None for no limit."""
    probability: float | None = None
    """When set, each matching request is hit with this probability (and `times` bounds the total hits)."""
    hits: int = 0
    """How many requests this fault has hit so far."""

    def _take(self, rng: random.Random) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.probability is not None and rng.random() >= self.probability:
            return False
        self.hits += 1
        return True


class _Dropped(Exception):
    pass


# How often a held poll checks that its client is still there.
_PEER_CHECK = 0.05


def _peer_closed(conn: socket.socket) -> bool:
    try:
        readable, _, _ = select.select([conn], [], [], 0)
        return bool(readable) and conn.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class JobQueueServer:
    """A job queue speaking the worker protocol on 127.0.0.1, with scripted jobs and injected faults.

    Args:
        endpoint_id: the endpoint id in the URL paths (`/v2/<endpoint_id>/job-take/...`).
        hold: seconds a job-take or job-stop poll is held open when there is nothing to hand out (a long poll),
            before it is answered 204. 0 answers at once.
        seed: seeds the random choice of probabilistic faults, so a run can be repeated.
        record_bodies: keep each request's body in `requests` (turn off for long benchmarks).
    """

    def __init__(
        self,
        *,
        endpoint_id: str = "ep",
        hold: float = 1.0,
        seed: int | None = None,
        record_bodies: bool = True,
    ) -> None:
        self.endpoint_id = endpoint_id
        self.hold = hold
        self.record_bodies = record_bodies
        self._rng = random.Random(seed)
        self._cond = threading.Condition()
        self._jobs: deque[dict[str, Any]] = deque()
        self._take_replies: deque[tuple[int, bytes, str]] = deque()
        self._stops: list[str] = []
        self._faults: list[Fault] = []
        self._requests: list[RecordedRequest] = []
        self._results: list[PostedResult] = []
        self._streams: list[PostedResult] = []
        self._taken: list[str] = []
        self._connections: set[socket.socket] = set()
        self._closing = False
        self._port = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------------

    def start(self) -> JobQueueServer:
        """Start serving on 127.0.0.1 (a free port the first time, the same port after `refuse_connections`)."""
        server = _Server(("127.0.0.1", self._port), _Handler, self)
        self._port = server.server_address[1]
        self._server = server
        self._closing = False
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="job-queue", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, release held polls and close every connection."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._drop_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> JobQueueServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def refuse_connections(self) -> Generator[None]:
        """Within this block nothing listens on the port: connections are refused, open ones are closed."""
        self.close()
        try:
            yield
        finally:
            self.start()

    # -- addresses -----------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port the queue listens on."""
        return self._port

    @property
    def url(self) -> str:
        """The base URL, `http://127.0.0.1:<port>`."""
        return f"http://127.0.0.1:{self._port}"

    def worker_env(
        self,
        *,
        pod_id: str = "worker-1",
        api_key: str = "test-key",
        ping_interval_ms: int = 10_000,
        query: str = "gpu=test",
    ) -> dict[str, str]:
        """The `RUNPOD_*` variables that point a worker at this queue, with the platform's placeholders."""
        base = f"{self.url}/v2/{self.endpoint_id}"
        return {
            "RUNPOD_WEBHOOK_GET_JOB": f"{base}/job-take/$ID?{query}",
            "RUNPOD_WEBHOOK_POST_OUTPUT": f"{base}/job-done/$RUNPOD_POD_ID/$ID?{query}",
            "RUNPOD_WEBHOOK_POST_STREAM": f"{base}/job-stream/$RUNPOD_POD_ID/$ID?{query}",
            "RUNPOD_WEBHOOK_PING": f"{base}/ping/$RUNPOD_POD_ID?{query}",
            "RUNPOD_PING_INTERVAL": str(ping_interval_ms),
            "RUNPOD_POD_ID": pod_id,
            "RUNPOD_AI_API_KEY": api_key,
        }

    # -- scripting -----------------------------------------------------------------------------------------------

    def add_job(self, job_input: Any = None, *, job_id: str | None = None, **fields: Any) -> str:
        """Queue a job with this input (and any extra fields the queue should send); returns its id."""
        job = {"id": job_id or f"job-{uuid.uuid4().hex[:12]}", "input": job_input, **fields}
        self.add_raw_job(job)
        return job["id"]

    def add_raw_job(self, job: dict[str, Any]) -> None:
        """Queue a job dict exactly as given (for example one without `input`)."""
        with self._cond:
            self._jobs.append(job)
            self._cond.notify_all()

    def add_take_reply(self, status: int, body: bytes | str = b"", content_type: str = "application/json") -> None:
        """Answer one upcoming job-take (or batch) poll with exactly this reply, before any queued job."""
        data = body.encode() if isinstance(body, str) else body
        with self._cond:
            self._take_replies.append((status, data, content_type))
            self._cond.notify_all()

    def stop_job(self, job_id: str) -> None:
        """Tell the worker, on its next job-stop poll, to stop this job."""
        with self._cond:
            self._stops.append(job_id)
            self._cond.notify_all()

    def inject(self, route: str, **fault: Any) -> Fault:
        """Add a `Fault` on a route (`"job-take"`, `"job-done"`, ..., or `"*"`); see `Fault` for the options."""
        if route != "*" and route not in _ROUTES:
            raise ValueError(f"unknown route {route!r}; use one of {sorted(_ROUTES)} or '*'")
        added = Fault(route=route, **fault)
        with self._cond:
            self._faults.append(added)
        return added

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        with self._cond:
            self._faults.clear()

    # -- observation ---------------------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in order."""
        with self._cond:
            return list(self._requests)

    def requests_to(self, route: str) -> list[RecordedRequest]:
        """The requests received on one route."""
        return [r for r in self.requests if r.route == route]

    @property
    def pending_jobs(self) -> int:
        """Jobs queued and not yet handed out."""
        with self._cond:
            return len(self._jobs)

    @property
    def taken(self) -> list[str]:
        """Ids of the jobs handed out, in order."""
        with self._cond:
            return list(self._taken)

    def results(self, job_id: str | None = None) -> list[PostedResult]:
        """Final job-done posts (progress updates excluded), for one job or all."""
        with self._cond:
            return [r for r in self._results if not r.is_progress and job_id in (None, r.job_id)]

    def progress(self, job_id: str | None = None) -> list[PostedResult]:
        """Progress updates posted to job-done, for one job or all."""
        with self._cond:
            return [r for r in self._results if r.is_progress and job_id in (None, r.job_id)]

    def job_done_posts(self, job_id: str | None = None) -> list[PostedResult]:
        """Every accepted job-done post (progress and final), in arrival order."""
        with self._cond:
            return [r for r in self._results if job_id in (None, r.job_id)]

    def stream(self, job_id: str) -> list[PostedResult]:
        """The job-stream posts of one job, in arrival order."""
        with self._cond:
            return [r for r in self._streams if r.job_id == job_id]

    def pings(self) -> list[RecordedRequest]:
        """The heartbeat requests received."""
        return self.requests_to("ping")

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
        """Wait until `predicate()` holds, re-checking whenever a request arrives; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
                self._cond.wait(min(left, 0.05))

    def wait_for_results(self, count: int, timeout: float = 10.0) -> list[PostedResult]:
        """Wait until at least `count` final results have arrived, and return them all."""
        self.wait_for(lambda: len(self.results()) >= count, timeout, f"{count} final result(s)")
        return self.results()

    def wait_for_requests(self, route: str, count: int, timeout: float = 10.0) -> list[RecordedRequest]:
        """Wait until at least `count` requests have arrived on a route, and return them."""
        self.wait_for(lambda: len(self.requests_to(route)) >= count, timeout, f"{count} {route} request(s)")
        return self.requests_to(route)

    # -- request handling (server threads) ----------------------------------------------------------------------

    def _handle(self, request: RecordedRequest, conn: socket.socket) -> tuple[int, bytes, str, Mapping[str, str]]:
        with self._cond:
            self._requests.append(request)
            self._cond.notify_all()
            faults = [f for f in self._faults if f.route in ("*", request.route) and f._take(self._rng)]
        for fault in faults:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                raise _Dropped
            if fault.status is not None:
                return fault.status, fault.body, "application/json", fault.headers
        route = request.route
        if route in ("job-take", "job-take-batch"):
            return self._take(request, conn)
        if route == "job-stop":
            return self._poll_stops(conn)
        if route in ("job-done", "job-stream") and request.job_id:
            self._record_post(request)
            return 200, b"{}", "application/json", {}
        if route == "ping":
            return 200, b"", "text/plain", {}
        return 404, b'{"error": "no such route"}', "application/json", {}

    def _take(self, request: RecordedRequest, conn: socket.socket) -> tuple[int, bytes, str, Mapping[str, str]]:
        batch = request.route == "job-take-batch"
        try:
            size = max(1, int(request.query.get("batch_size", "1"))) if batch else 1
        except ValueError:
            return 400, b'{"error": "batch_size is not a number"}', "application/json", {}
        with self._cond:
            if not self._hold(conn, lambda: bool(self._take_replies or self._jobs)):
                return 204, b"", "", {}
            if self._take_replies:
                status, body, content_type = self._take_replies.popleft()
                return status, body, content_type, {}
            jobs = [self._jobs.popleft() for _ in range(min(size, len(self._jobs)))]
            self._taken.extend(str(job.get("id")) for job in jobs)
        payload = json.dumps(jobs if batch else jobs[0]).encode()
        return 200, payload, "application/json", {}

    def _poll_stops(self, conn: socket.socket) -> tuple[int, bytes, str, Mapping[str, str]]:
        with self._cond:
            if not self._hold(conn, lambda: bool(self._stops)):
                return 204, b"", "", {}
            stops, self._stops = self._stops, []
        return 200, json.dumps({"jobsToStop": stops}).encode(), "application/json", {}

    def _hold(self, conn: socket.socket, ready: Callable[[], bool]) -> bool:
        """Hold a poll (with the lock held) until `ready()`, for at most `hold` seconds; False if it never was."""
        deadline = time.monotonic() + self.hold
        while not ready():
            left = deadline - time.monotonic()
            if left <= 0 or self._closing:
                return False
            self._cond.wait(min(left, _PEER_CHECK))
            if _peer_closed(conn):
                # A worker that abandoned its poll must not be handed a job it will never see.
                raise _Dropped
        return True

    def _record_post(self, request: RecordedRequest) -> None:
        try:
            body = json.loads(request.body)
        except ValueError:
            body = None
        posted = PostedResult(
            job_id=request.job_id or "",
            body=body,
            raw=request.body,
            is_stream=request.query.get("isStream") == "true",
            time=request.time,
            request=request,
        )
        with self._cond:
            (self._results if request.route == "job-done" else self._streams).append(posted)
            self._cond.notify_all()

    def _route(self, path: str) -> tuple[str, str | None]:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        # /v2/<endpoint>/<route>/<worker>[/<job>]
        if len(parts) >= 4 and parts[0] == "v2" and parts[2] in _ROUTES:
            job_id = parts[4] if len(parts) >= 5 and parts[2] in ("job-done", "job-stream") else None
            return parts[2], job_id
        return "unknown", None

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._cond:
            (self._connections.add if add else self._connections.discard)(conn)

    def _drop_connections(self) -> None:
        with self._cond:
            conns, self._connections = list(self._connections), set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: type[_Handler], queue: JobQueueServer) -> None:
        self.queue = queue
        super().__init__(address, handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Connections that break mid-request are part of the tests; say nothing."""


class _Handler(socketserver.StreamRequestHandler):
    @property
    def queue(self) -> JobQueueServer:
        return cast(_Server, self.server).queue

    def setup(self) -> None:
        super().setup()
        # Without TCP_NODELAY a keep-alive client stalls ~40 ms per response (Nagle plus delayed ACKs).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.queue._track(self.connection, True)

    def finish(self) -> None:
        self.queue._track(self.connection, False)
        with contextlib.suppress(OSError):
            super().finish()

    def handle(self) -> None:
        queue = self.queue
        while True:
            line = self.rfile.readline(65537)
            if not line:
                return
            parts = line.decode("latin-1").split()
            if len(parts) != 3:
                return
            method, target, version = parts
            headers: dict[str, str] = {}
            while True:
                raw = self.rfile.readline(65537)
                if raw in (b"\r\n", b"\n", b""):
                    break
                name, _, value = raw.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            split = urlsplit(target)
            route, job_id = queue._route(split.path)
            request = RecordedRequest(
                time=time.monotonic(),
                method=method,
                path=split.path,
                route=route,
                query=dict(parse_qsl(split.query, keep_blank_values=True)),
                headers=headers,
                body=body if queue.record_bodies or route in ("job-done", "job-stream") else b"",
                job_id=job_id,
            )
            try:
                status, payload, content_type, extra = queue._handle(request, self.connection)
            except _Dropped:
                # An abortive close (RST), as a crashed proxy or a network fault would leave it.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                return
            keep_alive = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
            head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}", f"Content-Length: {len(payload)}"]
            if content_type:
                head.append(f"Content-Type: {content_type}")
            head.extend(f"{name}: {value}" for name, value in extra.items())
            if not keep_alive:
                head.append("Connection: close")
            # One write per response: headers and body in separate segments would meet the Nagle stall.
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
            if not keep_alive:
                return
