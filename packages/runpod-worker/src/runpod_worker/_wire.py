"""A lean HTTP/1.1 client for the job-queue protocol, on asyncio's transports.

A trivial job costs the worker two small requests (its job-take and its job-done), so the HTTP client's own cost
per request sets how many trivial jobs a second a worker can do. A general client pays for features the protocol
never uses (redirects, cookies, auth flows, HTTP/2, a state machine per event); this one does what the protocol
needs and no more, as AWS Lambda's runtime client does for its own pull loop:

- keep-alive HTTP/1.1 connections, pooled per origin, one request at a time on each, so a held long-poll and a
  result being posted never wait for each other;
- requests with the worker's fixed headers (sent as one pre-encoded block) plus a few per request, and a body;
- replies framed by Content-Length, chunked transfer encoding or the end of the connection, 1xx replies skipped;
- https with certificate verification (`ssl.create_default_context()`, loaded only when an https URL is used);
- a time limit for the whole request, a shorter one for connecting, and optionally one between reads, all as
  anyio cancel scopes;
- every socket, TLS, framing or parse error raised as `HTTPFailure`, and a time limit as `HTTPTimeout`.

Each connection is an asyncio protocol that keeps reading: bytes land in its buffer as they arrive and wake the
request waiting for them. That costs about a third of what a request costs on anyio's socket streams, which
re-arm the socket for reading on every read and yield to the event loop on every write. It also means a pooled
connection learns at once that the server closed it while it sat idle, so no request is sent down a closed
connection. If the server closes a reused connection in the instant before a request reaches it, a GET is sent
once more on a new connection (nothing it asks for can be lost by asking again); a POST is not, because the
server may have received it: the error goes up to the caller, whose retry policy decides.

Only asyncio has these transports, and this client speaks no proxy protocol: `_http.open_client` uses httpx2
instead when the worker runs on another anyio backend (trio) or a proxy is configured.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

import anyio
import anyio.lowlevel

from ._http import HTTPFailure, HTTPTimeout, Reply, Requests, describe, safe_url

if TYPE_CHECKING:
    import ssl

__all__ = ("WireClient",)

_CONNECT_TIMEOUT = 10.0
# Drop a connection idle this long rather than risk the server closing it just as a request goes out: servers
# commonly close idle keep-alive connections after 5 s or more.
_KEEPALIVE_EXPIRY = 4.0
_MAX_IDLE = 64
_MAX_HEAD = 65536
_MAX_LINE = 8192
# Bodies up to this size go out in one write with the head (one segment, no Nagle stall); larger ones separately.
_COALESCE = 65536
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
# Characters a request target may carry as they are; anything else is percent-encoded.
_TARGET_SAFE = "/?#[]@!$&'()*+,;=:%~"
_VALUE_SAFE = " !\"#$&'()*+,/:;<=>?@[\\]^`{|}~"


class _Broken(Exception):
    """The connection or the reply is unusable; the message says how."""


class _Closed(Exception):
    """The server closed the connection (or it broke) before a byte of the reply arrived."""

    def __init__(self, cause: BaseException | None) -> None:
        super().__init__(describe(cause) if cause else "the server closed the connection without replying")
        self.cause = cause


class _Origin:
    """Where requests to one `scheme://netloc` go."""

    __slots__ = ("host", "host_header", "port", "tls")

    def __init__(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise _Broken(f"cannot parse {safe_url(url)!r}: {exc}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _Broken(f"not an http(s) URL with a host: {safe_url(url)!r}")
        self.tls = parts.scheme == "https"
        self.host = parts.hostname
        self.port = port or (443 if self.tls else 80)
        self.host_header = parts.netloc.rpartition("@")[2]


class _Connection(asyncio.Protocol):
    """One connection: the bytes read from it and not yet consumed, and whether it is still open."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.open = False
        self.eof = False
        self.error: BaseException | None = None
        self.idle_since = 0.0
        self._waiter: asyncio.Future[None] | None = None
        self._writable: asyncio.Future[None] | None = None

    # -- asyncio's side --------------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.open = True

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._wake()

    def eof_received(self) -> None:
        self.eof = True
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        self.eof = True
        self.error = exc
        self._wake()
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    def pause_writing(self) -> None:
        self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        self._writable = None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- the client's side -----------------------------------------------------------------------------------

    def is_reusable(self, now: float) -> bool:
        """Whether this idle connection can carry another request.

        An idle HTTP/1.1 connection has nothing to say: one the server closed, or that holds bytes no request
        asked for, must not be used. Nor one idle so long that the server may close it at any moment.
        """
        return self.open and not self.eof and not self.buffer and now - self.idle_since <= _KEEPALIVE_EXPIRY

    async def send(self, data: bytes) -> None:
        if not self.open or self.eof:
            raise _Closed(self.error)
        assert self.transport is not None
        self.transport.write(data)
        if self._writable is not None:
            # Flow control: the kernel's buffer is full (a large body); wait until it drains.
            await self._writable
            if not self.open:
                raise _Closed(self.error)

    async def more(self) -> None:
        """Wait until more bytes have arrived; the end of the stream raises `_Closed`."""
        if self.eof:
            raise _Closed(self.error)
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None
        if self.eof and not self.buffer:
            raise _Closed(self.error)

    def close(self) -> None:
        """Close at once (without waiting for unsent data: a connection closed here holds no request)."""
        self.open = False
        if self.transport is not None:
            self.transport.abort()


class WireClient(Requests):
    """Keep-alive HTTP/1.1 for the worker's protocol requests (on asyncio).

    Same interface as `_http.HTTPClient` (`get`, `post`, `aclose`), so `Platform` takes either.

    Args:
        headers: sent with every request (authorization, user agent). A value holding a line break or another
            control character is refused here, before anything is sent.
        ssl_context: verifies https servers; `ssl.create_default_context()` when None.
        connect_timeout: the most seconds to open a connection (and finish the TLS handshake), within the
            request's own time limit.
        read_timeout: the most seconds to wait for each read of a reply; None leaves only the request's time limit
            (a long-poll is silent until it answers).

    Raises:
        ValueError: a header name or value cannot go into an HTTP request.
    """

    def __init__(
        self,
        *,
        headers: Mapping[str, str],
        ssl_context: ssl.SSLContext | None = None,
        connect_timeout: float = _CONNECT_TIMEOUT,
        read_timeout: float | None = None,
    ) -> None:
        lines = [b"Accept: */*\r\n", b"Accept-Encoding: identity\r\n"]
        for name, value in headers.items():
            if not _is_token(name):
                raise ValueError(f"{name!r} is not a valid HTTP header name")
            if not _is_header_value(value):
                # Never echo the value: it may be the API key.
                raise ValueError(f"the {name} header's value holds a line break or another control character")
            lines.append(f"{name}: {value}\r\n".encode("latin-1"))
        self._fixed = b"".join(lines)
        self._ssl_context = ssl_context
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._origins: dict[str, _Origin] = {}
        self._idle: dict[str, list[_Connection]] = {}
        self._idle_count = 0
        self._closed = False

    async def aclose(self) -> None:
        """Close every idle connection; connections in use close when their request ends."""
        self._closed = True
        idle, self._idle, self._idle_count = self._idle, {}, 0
        for connections in idle.values():
            for conn in connections:
                conn.close()

    # -- one request -------------------------------------------------------------------------------------------

    async def _send(
        self, method: str, url: str, content: bytes | None, headers: Mapping[str, str] | None, time_limit: float
    ) -> Reply:
        # A cancelled caller must not start a request (asyncio writes at once, with no checkpoint before).
        await anyio.lowlevel.checkpoint_if_cancelled()
        started = time.monotonic()
        try:
            key, origin, target = self._split(url)
            head = self._head(method, origin, target, content, headers)
            done: tuple[Reply, bool, _Connection] | None = None
            with anyio.CancelScope(deadline=anyio.current_time() + time_limit) as scope:
                done = await self._attempt(key, origin, head, content, scope, method, url)
            if done is None:
                raise TimeoutError
            reply, keep, conn = done
            if keep:
                self._release(key, conn)
            else:
                conn.close()
            return reply
        except TimeoutError:
            waited = time.monotonic() - started
            if self._read_timeout is not None and waited < time_limit:
                detail = f"got no data for {self._read_timeout:g} s"
            else:
                detail = f"timed out after {time_limit:g} s"
            raise HTTPTimeout(f"{method} {safe_url(url)} {detail}") from None
        except _Broken as exc:
            raise HTTPFailure(f"{method} {safe_url(url)} failed: {exc}") from None
        except _Closed as exc:
            raise HTTPFailure(f"{method} {safe_url(url)} failed: {exc}") from None
        except OSError as exc:
            raise HTTPFailure(f"{method} {safe_url(url)} failed: {describe(exc)}") from None

    async def _attempt(
        self,
        key: str,
        origin: _Origin,
        head: bytes,
        body: bytes | None,
        scope: anyio.CancelScope,
        method: str,
        url: str,
    ) -> tuple[Reply, bool, _Connection]:
        """Send the request on a pooled or new connection; returns the reply, whether to keep the connection, and it."""
        deadline = scope.deadline
        while True:
            conn = self._pooled(key)
            reused = conn is not None
            if conn is None:
                conn = await self._connect(origin, deadline, method, url)
            try:
                reply, keep = await self._exchange(conn, head, body, scope, deadline)
            except _Closed:
                conn.close()
                # A GET on a reused connection that the server closed before answering goes out once more.
                if reused and method == "GET":
                    continue
                raise
            except BaseException:
                # Broken, cancelled or out of time in the middle of a reply: the connection's state is unknown.
                conn.close()
                raise
            return reply, keep, conn

    def _split(self, url: str) -> tuple[str, _Origin, str]:
        """The pool key (`scheme://netloc`), the origin, and the request target of `url`."""
        start = url.find("://")
        if start < 0:
            raise _Broken(f"not an http(s) URL: {safe_url(url)!r}")
        end = len(url)
        for mark in "/?#":
            found = url.find(mark, start + 3)
            if 0 <= found < end:
                end = found
        key = url[:end]
        origin = self._origins.get(key)
        if origin is None:
            origin = self._origins[key] = _Origin(key)
        target = url[end:].partition("#")[0]
        if not target.startswith("/"):
            target = "/" + target
        if not (target.isascii() and target.isprintable()) or " " in target:
            target = quote(target, safe=_TARGET_SAFE)
        return key, origin, target

    def _head(
        self, method: str, origin: _Origin, target: str, body: bytes | None, headers: Mapping[str, str] | None
    ) -> bytes:
        parts = [f"{method} {target} HTTP/1.1\r\nHost: {origin.host_header}\r\n".encode("latin-1"), self._fixed]
        if headers:
            for name, value in headers.items():
                if not _is_header_value(value):
                    # A per-request value (such as a job id) must never break the request apart.
                    value = quote(value, safe=_VALUE_SAFE)
                parts.append(f"{name}: {value}\r\n".encode("latin-1"))
        if body is not None:
            parts.append(b"Content-Length: %d\r\n" % len(body))
        parts.append(b"\r\n")
        return b"".join(parts)

    def _pooled(self, key: str) -> _Connection | None:
        """The most recently used idle connection to `key` that can still carry a request; stale ones are closed."""
        idle = self._idle.get(key)
        if not idle:
            return None
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            self._idle_count -= 1
            if conn.is_reusable(now):
                return conn
            conn.close()
        return None

    def _release(self, key: str, conn: _Connection) -> None:
        if self._closed or self._idle_count >= _MAX_IDLE:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        self._idle.setdefault(key, []).append(conn)
        self._idle_count += 1

    async def _connect(self, origin: _Origin, deadline: float, method: str, url: str) -> _Connection:
        limit = min(self._connect_timeout, max(0.0, deadline - anyio.current_time()))
        loop = asyncio.get_running_loop()
        with anyio.move_on_after(limit) as scope:
            if origin.tls:
                _, conn = await loop.create_connection(
                    _Connection, origin.host, origin.port, ssl=self._tls_context(), server_hostname=origin.host
                )
            else:
                _, conn = await loop.create_connection(_Connection, origin.host, origin.port)
            return conn
        if scope.cancelled_caught and anyio.current_time() < deadline:
            raise HTTPTimeout(f"{method} {safe_url(url)} could not connect within {limit:g} s")
        raise TimeoutError

    def _tls_context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            import ssl

            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    async def _exchange(
        self, conn: _Connection, head: bytes, body: bytes | None, scope: anyio.CancelScope, deadline: float
    ) -> tuple[Reply, bool]:
        """Send one request and read its reply; returns the reply and whether the connection may be reused."""
        if body is not None and len(body) <= _COALESCE:
            await conn.send(head + body)
        else:
            await conn.send(head)
            if body:
                await conn.send(body)
        read = _Reader(conn, scope, deadline, self._read_timeout)
        while True:
            version, status, headers = await read.head()
            # 1xx replies (100 Continue, 103 Early Hints) come before the real one; 101 would switch protocols.
            if not 100 <= status < 200:
                break
            if status == 101:
                raise _Broken("the server switched protocols (HTTP 101), which no request asked for")
        keep = _keeps_alive(version, headers.get("connection", ""))
        encoding = headers.get("transfer-encoding")
        if status in (204, 304):
            content = b""
        elif encoding is not None:
            if encoding.rpartition(",")[2].strip().lower() == "chunked":
                content = await read.chunked()
            else:
                content, keep = await read.until_closed(), False
        elif "content-length" in headers:
            content = await read.exactly(_content_length(headers["content-length"]))
        else:
            content, keep = await read.until_closed(), False
        # Bytes after the reply that no request asked for: the connection is out of step.
        keep = keep and not conn.buffer and not self._closed
        return Reply(status=status, headers=headers, content=content), keep


class _Reader:
    """Reads one reply from a connection's buffer, waiting for more bytes as needed."""

    __slots__ = ("conn", "deadline", "read_timeout", "scope", "started")

    def __init__(
        self, conn: _Connection, scope: anyio.CancelScope, deadline: float, read_timeout: float | None
    ) -> None:
        self.conn = conn
        self.scope = scope
        self.deadline = deadline
        self.read_timeout = read_timeout
        self.started = False

    async def _more(self, what: str) -> None:
        if self.read_timeout is not None:
            self.scope.deadline = min(self.deadline, anyio.current_time() + self.read_timeout)
        try:
            await self.conn.more()
        except _Closed as exc:
            if self.started or self.conn.buffer:
                how = f" ({describe(exc.cause)})" if exc.cause else ""
                raise _Broken(f"the server closed the connection {what}{how}") from None
            raise

    async def head(self) -> tuple[bytes, int, dict[str, str]]:
        """The status line and headers (names in lower case; repeated ones joined with commas)."""
        head = await self._until(b"\r\n\r\n", _MAX_HEAD, "the reply's headers", "in the middle of the reply's headers")
        self.started = True
        lines = head.split(b"\r\n")
        version, _, rest = lines[0].partition(b" ")
        code = rest[:3]
        if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit() or rest[3:4] not in (b"", b" "):
            raise _Broken(f"the reply does not start with an HTTP/1.x status line: {bytes(lines[0][:80])!r}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon or not name or name != name.strip():
                raise _Broken(f"the reply has a malformed header line: {line[:80]!r}")
            key = name.decode("latin-1").lower()
            text = value.strip().decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        return version, int(code), headers

    async def exactly(self, size: int) -> bytes:
        buf = self.conn.buffer
        while len(buf) < size:
            await self._more(f"{len(buf)} bytes into a {size}-byte reply body")
        content = bytes(buf[:size])
        del buf[:size]
        return content

    async def line(self) -> bytes:
        return await self._until(
            b"\r\n", _MAX_LINE, "a line of the reply's chunked body", "in the middle of a chunked reply body"
        )

    async def _until(self, mark: bytes, limit: int, what: str, where: str) -> bytes:
        """The bytes up to `mark` (which is consumed too), at most `limit` of them."""
        buf = self.conn.buffer
        searched = 0
        while (end := buf.find(mark, searched)) < 0:
            if len(buf) > limit:
                raise _Broken(f"more than {limit} bytes without the end of {what}")
            searched = max(0, len(buf) - len(mark) + 1)
            await self._more(where)
        found = bytes(buf[:end])
        del buf[: end + len(mark)]
        return found

    async def chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size_text = (await self.line()).partition(b";")[0].strip()
            if not _HEX.fullmatch(size_text):
                raise _Broken(f"the reply has a malformed chunk size: {size_text[:40]!r}")
            size = int(size_text, 16)
            if size == 0:
                # Trailer fields, if any, end with an empty line; none of them matters here.
                while await self.line():
                    pass
                return b"".join(parts)
            parts.append(await self.exactly(size))
            if await self.line():
                raise _Broken("a chunk of the reply body is longer than its declared size")

    async def until_closed(self) -> bytes:
        conn = self.conn
        while not conn.eof:
            if self.read_timeout is not None:
                self.scope.deadline = min(self.deadline, anyio.current_time() + self.read_timeout)
            try:
                await conn.more()
            except _Closed as exc:
                if exc.cause is not None:
                    raise _Broken(f"the connection broke before the end of the reply body: {exc}") from None
        content = bytes(conn.buffer)
        conn.buffer.clear()
        return content


def _keeps_alive(version: bytes, connection: str) -> bool:
    tokens = {token.strip().lower() for token in connection.split(",")} if connection else set()
    if version == b"HTTP/1.0":
        return "keep-alive" in tokens
    return "close" not in tokens


def _content_length(value: str) -> int:
    # Repeated headers arrive joined with commas; they must all agree.
    values = {part.strip() for part in value.split(",")}
    if len(values) != 1 or not (text := values.pop()).isdigit():
        raise _Broken(f"the reply has an invalid Content-Length: {value[:40]!r}")
    return int(text)


def _is_token(name: str) -> bool:
    return bool(name) and name.isascii() and name.isprintable() and not any(c in name for c in ' \t:"(),/;<=>?@[\\]{}')


def _is_header_value(value: str) -> bool:
    return value.isascii() and value.isprintable()
