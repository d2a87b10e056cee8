"""A small HTTP/1.1 server on asyncio protocols, built for one job: many short requests, answered fast.

The mock engine needs three things a general server makes costly on a 2-core machine: low per-request CPU
(so a load generator on the same host measures the client, not the server), responses written in one
`write` each (so Nagle and delayed ACKs never stall a keep-alive client), and server-sent events flushed
the moment they are produced (so injected latencies reach the client unchanged). It speaks keep-alive,
`Content-Length` and chunked request bodies, `Expect: 100-continue`, and chunked streaming responses.
HTTP/2 prior-knowledge probes (the SGLang router sends two per worker) are closed without an answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus

__all__ = ("HTTPServer", "Request", "Responder")

logger = logging.getLogger(__name__)

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024
# Requests parsed ahead of the one being answered (pipelining); past this, reading pauses.
MAX_QUEUED_REQUESTS = 64


@dataclass(slots=True)
class Request:
    """One parsed request."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    """Header names in lower case; a repeated header keeps its last value."""
    body: bytes
    received_at: float
    """The event loop's clock when the whole request had arrived."""


Handler = Callable[[Request, "Responder"], Awaitable[None]]


class _BadRequest:
    """A request that could not be parsed: answered with `status` and the connection closed."""

    __slots__ = ("message", "status")

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class Responder:
    """Writes the response to one request: either `send` once, or `start_stream`, `write`..., `finish`."""

    __slots__ = ("_conn", "_chunked", "finished", "keep_alive", "started")

    def __init__(self, conn: _Connection, *, keep_alive: bool, chunked: bool) -> None:
        self._conn = conn
        self._chunked = chunked
        self.keep_alive = keep_alive
        self.started = False
        self.finished = False

    def _head(self, status: int, headers: Iterable[tuple[str, str]]) -> bytearray:
        head = bytearray(b"HTTP/1.1 %d %s\r\n" % (status, _reason(status).encode()))
        for name, value in headers:
            head += b"%s: %s\r\n" % (name.encode("latin-1"), value.encode("latin-1"))
        if not self.keep_alive:
            head += b"connection: close\r\n"
        return head

    async def send(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Write a whole response, head and body, in one write."""
        self._check_unstarted()
        head = self._head(status, [("content-type", content_type), ("content-length", str(len(body))), *headers])
        head += b"\r\n"
        head += body
        self.started = self.finished = True
        await self._conn.write(head)

    async def start_stream(
        self,
        status: int = 200,
        content_type: str = "text/event-stream",
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Send the head of a streamed response now, as SGLang does before its first token."""
        self._check_unstarted()
        extra = [("transfer-encoding", "chunked")] if self._chunked else []
        if not self._chunked:
            self.keep_alive = False  # without chunked encoding only closing the connection ends the body
        head = self._head(status, [("content-type", content_type), ("cache-control", "no-cache"), *extra, *headers])
        head += b"\r\n"
        self.started = True
        await self._conn.write(head)

    async def write(self, data: bytes, *, last: bool = False) -> None:
        """Write one piece of the stream, flushed at once; `last=True` also ends the response in the same write."""
        if not self.started or self.finished:
            raise RuntimeError("write() needs a started, unfinished stream")
        out = bytearray()
        if data:
            if self._chunked:
                out += b"%x\r\n" % len(data)
                out += data
                out += b"\r\n"
            else:
                out += data
        if last:
            self.finished = True
            if self._chunked:
                out += b"0\r\n\r\n"
        if out:
            await self._conn.write(out)

    async def finish(self) -> None:
        """End the streamed response."""
        await self.write(b"", last=True)

    def _check_unstarted(self) -> None:
        if self.started:
            raise RuntimeError("the response has already been started")


class _Connection(asyncio.Protocol):
    """One client connection: parses requests as bytes arrive and answers them in order."""

    def __init__(self, server: HTTPServer) -> None:
        self._server = server
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._head: tuple[str, str, str, dict[str, str]] | None = None
        self._body_length = 0
        self._queue: deque[Request | _BadRequest] = deque()
        self._task: asyncio.Task[None] | None = None
        self._paused_writing = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        self._reading_paused = False
        self._parsing = True
        self._eof = False

    # -- asyncio.Protocol -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._parsing = False
        self._server.connections.discard(self)
        if self._task is not None:
            self._task.cancel()
        self._wake_drainers(ConnectionResetError("the client closed the connection"))

    def pause_writing(self) -> None:
        self._paused_writing = True

    def resume_writing(self) -> None:
        self._paused_writing = False
        self._wake_drainers()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        self._parse()
        if self._queue and self._task is None:
            self._task = self._loop.create_task(self._serve())
        if len(self._queue) >= MAX_QUEUED_REQUESTS and not self._reading_paused and self._transport is not None:
            self._transport.pause_reading()
            self._reading_paused = True

    def eof_received(self) -> bool | None:
        # Half-closed by the client: answer what was already asked, then close.
        self._eof = True
        return self._task is not None

    # -- parsing ----------------------------------------------------------------------------------

    def _parse(self) -> None:
        while self._parsing:
            current = self._head
            if current is None:
                end = self._buffer.find(b"\r\n\r\n")
                if end < 0:
                    if self._buffer.startswith(b"PRI * HTTP/2"):
                        self.close()  # an HTTP/2 prior-knowledge probe: refuse by closing
                    elif len(self._buffer) > MAX_HEADER_BYTES:
                        self._reject(431, "request head too large")
                    return
                head = bytes(self._buffer[:end])
                del self._buffer[: end + 4]
                if head.startswith(b"PRI * HTTP/2"):
                    self.close()
                    return
                current = self._parse_head(head)
                if current is None:
                    return
            method, path, query, headers = current
            if self._body_length < 0:
                body = self._take_chunked_body()
                if body is None:
                    return
            else:
                if len(self._buffer) < self._body_length:
                    return
                body = bytes(self._buffer[: self._body_length])
                del self._buffer[: self._body_length]
            self._head = None
            self._queue.append(Request(method, path, query, headers, body, self._loop.time()))

    def _parse_head(self, head: bytes) -> tuple[str, str, str, dict[str, str]] | None:
        """Parse a request head; None when it was rejected."""
        try:
            text = head.decode("latin-1")
            request_line, *header_lines = text.split("\r\n")
            method, target, version = request_line.split(" ")
            if not version.startswith("HTTP/1."):
                raise ValueError(f"unsupported protocol {version!r}")
            headers: dict[str, str] = {}
            for line in header_lines:
                name, sep, value = line.partition(":")
                if not sep:
                    raise ValueError(f"malformed header line {line!r}")
                headers[name.strip().lower()] = value.strip()
        except ValueError as exc:
            self._reject(400, f"malformed request: {exc}")
            return None
        headers[":version"] = version
        path, _, query = target.partition("?")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            self._body_length = -1
        else:
            try:
                self._body_length = int(headers.get("content-length", "0"))
            except ValueError:
                self._reject(400, "content-length is not a number")
                return None
            if self._body_length < 0:
                self._reject(400, "content-length is negative")
                return None
        if self._body_length > MAX_BODY_BYTES:
            self._reject(413, f"request body over {MAX_BODY_BYTES} bytes")
            return None
        if headers.get("expect", "").lower() == "100-continue" and self._transport is not None:
            self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self._head = (method, path, query, headers)
        return self._head

    def _take_chunked_body(self) -> bytes | None:
        """Decode a chunked body from the buffer, or return None while it is incomplete."""
        body = bytearray()
        pos = 0
        buf = self._buffer
        while True:
            line_end = buf.find(b"\r\n", pos)
            if line_end < 0:
                return None
            try:
                size = int(bytes(buf[pos:line_end]).split(b";")[0], 16)
            except ValueError:
                self._reject(400, "malformed chunk size")
                return None
            start = line_end + 2
            if size == 0:
                trailer_end = buf.find(b"\r\n\r\n", line_end)
                if trailer_end < 0:
                    return None
                del buf[: trailer_end + 4]
                return bytes(body)
            if len(buf) < start + size + 2:
                return None
            body += buf[start : start + size]
            if len(body) > MAX_BODY_BYTES:
                self._reject(413, f"request body over {MAX_BODY_BYTES} bytes")
                return None
            pos = start + size + 2

    def _reject(self, status: int, message: str) -> None:
        self._queue.append(_BadRequest(status, message))
        self._buffer.clear()
        self._head = None
        self._parsing = False  # the serve loop answers and closes

    # -- answering --------------------------------------------------------------------------------

    async def _serve(self) -> None:
        try:
            while self._queue:
                request = self._queue.popleft()
                if self._reading_paused and len(self._queue) < MAX_QUEUED_REQUESTS // 2 and self._transport:
                    self._transport.resume_reading()
                    self._reading_paused = False
                if isinstance(request, _BadRequest):
                    responder = Responder(self, keep_alive=False, chunked=False)
                    body = b'{"error":{"message":"%s","type":"BadRequestError","code":%d}}' % (
                        request.message.replace('"', "'").encode(),
                        request.status,
                    )
                    await responder.send(request.status, body)
                    self.close()
                    return
                if not await self._answer(request):
                    self.close()
                    return
        finally:
            self._task = None
            if self._eof:
                self.close()

    async def _answer(self, request: Request) -> bool:
        """Run the handler for one request; True when the connection may carry another."""
        headers = request.headers
        version = headers[":version"]
        connection = headers.get("connection", "").lower()
        keep_alive = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        responder = Responder(self, keep_alive=keep_alive, chunked=version == "HTTP/1.1")
        try:
            await self._server.handler(request, responder)
        except asyncio.CancelledError:
            raise
        except ConnectionError:
            return False
        except Exception:
            logger.exception("handler failed on %s %s", request.method, request.path)
            if responder.started:
                return False
            responder.keep_alive = False
            await responder.send(500, b'{"error":{"message":"internal error in the mock engine","code":500}}')
            return False
        if not responder.started:
            logger.error("handler for %s %s sent no response", request.method, request.path)
            await responder.send(500, b'{"error":{"message":"no response","code":500}}')
        elif not responder.finished:
            await responder.finish()
        return responder.keep_alive

    async def write(self, data: bytes | bytearray) -> None:
        if self._transport is None or self._transport.is_closing():
            raise ConnectionResetError("the client closed the connection")
        self._transport.write(data)
        if self._paused_writing:
            waiter = self._loop.create_future()
            self._drain_waiters.append(waiter)
            await waiter

    def _wake_drainers(self, exc: Exception | None = None) -> None:
        waiters, self._drain_waiters = self._drain_waiters, []
        for waiter in waiters:
            if waiter.done():
                continue
            if exc is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(exc)

    def close(self) -> None:
        self._parsing = False
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()

    def abort(self) -> None:
        self._parsing = False
        if self._transport is not None:
            self._transport.abort()


class HTTPServer:
    """Serves `handler(request, responder)` on one TCP listener."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections: set[_Connection] = set()
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        """Start listening and return the bound port (useful when `port` is 0)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self), host, port, reuse_address=True, backlog=1024)
        return self._server.sockets[0].getsockname()[1]

    async def close(self, *, abort: bool = False) -> None:
        """Stop listening and close every connection (`abort=True` resets them, as a crash would)."""
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections):
            if abort:
                conn.abort()
            else:
                conn.close()
        if self._server is not None:
            await self._server.wait_closed()
