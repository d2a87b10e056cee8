"""A real GraphQL server on loopback that serves runpod-api's schema, with faults on demand.

`FakeRunpod` runs in a thread of the test process (`with FakeRunpod() as server:`) or as a process of
its own (`python -m runpod_api.testing`), for tests that drive the `runpod` command line. Either way:

- `POST /graphql` executes the request with graphql-core against the checked-in schema and the
  in-memory `FakeState`, after checking `Authorization: Bearer <api_key>` (401 otherwise);
- queued `Fault`s answer matching requests first: an HTTP status (with `Retry-After`), GraphQL
  errors with partial data, or a dropped connection, optionally after really executing the request;
- every request is recorded (operation, variables, headers) for tests to inspect;
- control routes serve the same from another process: `POST /_fake/faults` (a Fault as JSON),
  `GET /_fake/requests`, `GET /_fake/state`, `POST /_fake/reset`.
"""

from __future__ import annotations

import functools
import json
import socket
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from graphql import GraphQLSchema, build_schema, graphql_sync

from .._graphql import schema_sdl
from ._state import FakeState

__all__ = ("DEFAULT_API_KEY", "Fault", "FakeRunpod", "RecordedRequest")

DEFAULT_API_KEY = "rpa_FAKEKEY0000000000000000000000000000"


@dataclass
class Fault:
    """How to answer the next matching requests instead of (or after) executing them."""

    status: int = 503
    """The HTTP status to answer with (ignored when `graphql_errors` or `disconnect` is set)."""
    times: int = 1
    """How many matching requests this fault answers."""
    operation: str | None = None
    """Only requests for this operation name match; None matches any."""
    retry_after: float | None = None
    """Send `Retry-After` with this many seconds."""
    body: Any = None
    """The JSON body of an error status; a GraphQL-style error body by default."""
    graphql_errors: list[dict[str, Any]] | None = None
    """Answer 200 with these `errors` (and `data`) instead of a status."""
    data: Any = None
    """The partial `data` sent with `graphql_errors`."""
    disconnect: bool = False
    """Close the connection without answering."""
    execute: bool = False
    """Execute the request for real before answering with the fault (the request did reach the server)."""
    delay: float = 0.0
    """Seconds to wait before answering (to trigger client read timeouts)."""

    @classmethod
    def from_json(cls, payload: Mapping[str, Any]) -> Fault:
        """Build a fault from the JSON a control request carries."""
        unknown = set(payload) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        return cls(**payload)


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received."""

    path: str
    operation: str | None
    variables: dict[str, Any]
    query: str
    headers: dict[str, str] = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return asdict(self)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    @property
    def fake(self) -> FakeRunpod:
        server = self.server
        assert isinstance(server, _HTTPServer)
        return server.fake

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests read the recorded requests instead."""

    def _send(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        head = [f"HTTP/1.1 {status} {self.responses.get(status, ('Error',))[0]}"]
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        # One write for head and body: with keep-alive, separate writes stall on Nagle + delayed ACK.
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        self.wfile.flush()

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw.decode("utf-8")) if raw else None

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        fake = self.fake
        if self.path == "/_fake/requests":
            self._send(200, [r.to_json() for r in fake.requests])
        elif self.path == "/_fake/state":
            self._send(200, fake.state.snapshot())
        else:
            self._send(404, {"error": f"no route {self.path}"})

    def do_POST(self) -> None:
        fake = self.fake
        try:
            body = self._body()
        except (ValueError, UnicodeDecodeError):
            self._send(400, {"errors": [{"message": "the body is not JSON"}]})
            return
        if self.path == "/_fake/faults":
            try:
                fake.add_fault(Fault.from_json(body or {}))
            except (TypeError, ValueError) as exc:
                self._send(400, {"error": str(exc)})
                return
            self._send(200, {"ok": True})
        elif self.path == "/_fake/reset":
            fake.reset()
            self._send(200, {"ok": True})
        elif self.path == "/graphql":
            self._graphql(body)
        else:
            self._send(404, {"error": f"no route {self.path}"})

    def _graphql(self, body: Any) -> None:
        fake = self.fake
        payload = body if isinstance(body, dict) else {}
        operation = payload.get("operationName")
        fake._record(
            RecordedRequest(
                path=self.path,
                operation=operation,
                variables=payload.get("variables") or {},
                query=payload.get("query") or "",
                headers={k.lower(): v for k, v in self.headers.items()},
            )
        )
        if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
            self._send(401, {"errors": [{"message": "Unauthorized: invalid or missing API key"}]})
            return
        fault = fake._take_fault(operation)
        if fault is None:
            self._send(*fake.execute(payload))
            return
        if fault.delay:
            time.sleep(fault.delay)
        if fault.execute:
            fake.execute(payload)
        if fault.disconnect:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif fault.graphql_errors is not None:
            self._send(200, {"data": fault.data, "errors": fault.graphql_errors})
        else:
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
            default = {"errors": [{"message": f"injected fault: HTTP {fault.status}"}]}
            self._send(fault.status, fault.body if fault.body is not None else default, headers)


@functools.cache
def _schema() -> GraphQLSchema:
    return build_schema(schema_sdl())


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: FakeRunpod) -> None:
        super().__init__(address, _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client hung up first (one that timed out on purpose); report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeRunpod:
    """A fake Runpod control plane: a GraphQL server on 127.0.0.1 with in-memory state and fault injection.

    Example:
        >>> with FakeRunpod() as server:  # doctest: +SKIP
        ...     client = Runpod(api_key=server.api_key, base_url=server.url)
        ...     server.add_fault(Fault(status=503, times=2))  # the next two requests fail
        ...     client.pods.list()  # retried, then answered
    """

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, api_key: str = DEFAULT_API_KEY, boot_polls: int = 1
    ) -> None:
        self.api_key = api_key
        self.boot_polls = boot_polls
        self.state = FakeState(boot_polls=boot_polls)
        self.requests: list[RecordedRequest] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._schema: GraphQLSchema = _schema()
        self._httpd = _HTTPServer((host, port), self)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL to give a client (`Runpod(base_url=server.url)`)."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self.serve_forever, name="fake-runpod", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until `shutdown` is called from another."""
        self._httpd.serve_forever(poll_interval=0.01)  # shutdown waits up to one poll interval

    def shutdown(self) -> None:
        """Stop serving and release the port."""
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.shutdown()

    def add_fault(self, fault: Fault) -> None:
        """Queue a fault; faults answer in the order they were added."""
        with self._lock:
            self._faults.append(fault)

    def reset(self) -> None:
        """Forget every record, request and queued fault, as if just started."""
        with self._lock:
            self._faults.clear()
            self.requests.clear()
        with self.state.lock:
            self.state = FakeState(boot_polls=self.boot_polls)

    def operations(self) -> list[str | None]:
        """The operation names of the requests received, in order."""
        with self._lock:
            return [r.operation for r in self.requests]

    def execute(self, payload: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        """Execute a GraphQL request body; return the HTTP status and the JSON answer."""
        query = payload.get("query")
        if not isinstance(query, str):
            return 400, {"errors": [{"message": "the request has no query"}]}
        with self.state.lock:
            result = graphql_sync(
                self._schema,
                query,
                root_value=self.state,
                variable_values=payload.get("variables"),
                operation_name=payload.get("operationName"),
            )
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [error.formatted for error in result.errors]
        # Requests that fail validation never execute: GraphQL over HTTP answers them with 400 and no data.
        return (400 if result.errors and result.data is None else 200), answer

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _take_fault(self, operation: str | None) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.operation is None or fault.operation == operation:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None
