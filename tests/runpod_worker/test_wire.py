"""The lean HTTP/1.1 client: the job queue's real traffic, then every edge of HTTP framing on raw sockets."""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path

import anyio
import pytest

from runpod_worker._http import HTTPFailure, HTTPTimeout
from runpod_worker._wire import WireClient
from runpod_worker.testing import JobQueueServer

pytestmark = pytest.mark.anyio

HEADERS = {"Authorization": "raw-key", "User-Agent": "runpod-worker/test"}
POST_HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "charset": "utf-8", "X-Request-ID": "j1"}


# -- against the job queue --------------------------------------------------------------------------------------


async def test_a_take_and_a_result_go_out_with_the_protocols_headers(queue: JobQueueServer) -> None:
    queue.add_job({"n": 1}, job_id="j1")
    client = WireClient(headers=HEADERS)
    take = await client.get(f"{queue.url}/v2/ep/job-take/w1?gpu=t&job_in_progress=0", time_limit=5)
    done = await client.post(
        f"{queue.url}/v2/ep/job-done/w1/j1?gpu=t&isStream=false", b'{"output":1}', headers=POST_HEADERS, time_limit=5
    )
    await client.aclose()
    assert (take.status, take.content) == (200, b'{"id": "j1", "input": {"n": 1}}')
    assert take.headers["content-type"] == "application/json"
    assert done.status == 200
    [result] = queue.results()
    assert result.body == {"output": 1}
    headers = result.request.headers
    assert headers["authorization"] == "raw-key"
    assert headers["user-agent"] == "runpod-worker/test"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers["charset"] == "utf-8"
    assert headers["x-request-id"] == "j1"
    assert headers["content-length"] == "12"
    assert headers["host"] == f"127.0.0.1:{queue.port}"


async def test_a_held_long_poll_does_not_hold_up_a_post() -> None:
    with JobQueueServer(hold=3) as queue:
        client = WireClient(headers=HEADERS)
        async with anyio.create_task_group() as tg:
            tg.start_soon(partial(client.get, f"{queue.url}/v2/ep/job-take/w1?gpu=t", time_limit=10))
            await anyio.to_thread.run_sync(queue.wait_for_requests, "job-take", 1)
            with anyio.fail_after(1.5):
                reply = await client.post(f"{queue.url}/v2/ep/job-done/w1/j1", b"{}", headers={}, time_limit=5)
            tg.cancel_scope.cancel()
        await client.aclose()
    assert reply.status == 200


async def test_a_refused_connection_is_an_http_failure() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = WireClient(headers=HEADERS)
    with pytest.raises(HTTPFailure, match=r"GET http://127\.0\.0\.1:\d+/x failed: .*ConnectionRefusedError"):
        await client.get(f"http://127.0.0.1:{port}/x?secret=1", time_limit=5)


# -- raw socket servers -----------------------------------------------------------------------------------------


class RawServer:
    """A TCP server on 127.0.0.1 that hands each connection it accepts to `serve(conn, number)` in a thread."""

    def __init__(self, serve: Callable[[socket.socket, int], None], *, wrap: ssl.SSLContext | None = None) -> None:
        self._serve = serve
        self._wrap = wrap
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"{'https' if wrap else 'http'}://127.0.0.1:{self.port}"
        self.connections = 0
        self.requests: list[bytes] = []
        self.errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            thread = threading.Thread(target=self._run, args=(conn, self.connections), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self, conn: socket.socket, number: int) -> None:
        if self._wrap is not None:
            conn = self._wrap.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        with conn:
            try:
                if isinstance(conn, ssl.SSLSocket):
                    conn.do_handshake()
                self._serve(conn, number)
            except OSError as exc:
                self.errors.append(exc)

    def read_request(self, conn: socket.socket) -> bytes:
        """One request (head and Content-Length body) from `conn`, recorded; b"" at the end of the stream."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return b""
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            body += conn.recv(65536)
        self.requests.append(head + b"\r\n\r\n" + body)
        return head

    def close(self) -> None:
        self._listener.close()
        for thread in self._threads:
            thread.join(5)


@contextlib.asynccontextmanager
async def raw_server(
    serve: Callable[[RawServer, socket.socket, int], None], *, wrap: ssl.SSLContext | None = None
) -> AsyncIterator[RawServer]:
    server: RawServer
    server = RawServer(lambda conn, number: serve(server, conn, number), wrap=wrap)
    try:
        yield server
    finally:
        # Off the event loop: asyncio finishes closing the client's sockets on its next turns.
        await anyio.to_thread.run_sync(server.close)


def replies(*answers: bytes) -> Callable[[RawServer, socket.socket, int], None]:
    """Each connection answers its requests with `answers` in turn, then waits for the client to close."""

    def serve(server: RawServer, conn: socket.socket, number: int) -> None:
        for answer in answers:
            if not server.read_request(conn):
                return
            conn.sendall(answer)
        server.read_request(conn)

    return serve


async def fetch(url: str, *, method: str = "GET", time_limit: float = 5, **options: float) -> tuple[int, bytes]:
    client = WireClient(headers=HEADERS, **options)
    try:
        if method == "GET":
            reply = await client.get(url, time_limit=time_limit)
        else:
            reply = await client.post(url, b"{}", headers={}, time_limit=time_limit)
    finally:
        await client.aclose()
    return reply.status, reply.content


async def test_a_chunked_body_is_joined_with_extensions_and_trailers_ignored() -> None:
    answer = (
        b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\n{"a"\r\n3\r\n:1}\r\n0\r\nX-Trailer: t\r\n\r\n'
    )
    async with raw_server(replies(answer, answer)) as server:
        client = WireClient(headers=HEADERS)
        first = await client.get(server.url + "/x", time_limit=5)
        second = await client.get(server.url + "/x", time_limit=5)
        await client.aclose()
    assert first.content == second.content == b'{"a":1}'
    assert server.connections == 1


async def test_a_body_without_length_ends_with_the_connection_which_is_not_reused() -> None:
    def serve(server: RawServer, conn: socket.socket, number: int) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + b"x" * 100_000)

    async with raw_server(serve) as server:
        client = WireClient(headers=HEADERS)
        first = await client.get(server.url + "/x", time_limit=5)
        second = await client.get(server.url + "/x", time_limit=5)
        await client.aclose()
    assert first.content == second.content == b"x" * 100_000
    assert server.connections == 2


async def test_a_204_has_no_body_and_keeps_the_connection() -> None:
    async with raw_server(
        replies(b"HTTP/1.1 204 No Content\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    ) as server:
        client = WireClient(headers=HEADERS)
        first = await client.get(server.url + "/x", time_limit=5)
        second = await client.get(server.url + "/x", time_limit=5)
        await client.aclose()
    assert (first.status, first.content) == (204, b"")
    assert (second.status, second.content) == (200, b"ok")
    assert server.connections == 1


async def test_informational_replies_are_skipped() -> None:
    answer = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
        b"HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone"
    )
    async with raw_server(replies(answer)) as server:
        assert await fetch(server.url + "/x", method="POST") == (201, b"done")


async def test_switching_protocols_is_refused() -> None:
    answer = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"
    async with raw_server(replies(answer)) as server:
        with pytest.raises(HTTPFailure, match="switched protocols"):
            await fetch(server.url + "/x")


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b"SSH-2.0-OpenSSH_9.2\r\n\r\n", "does not start with an HTTP/1.x status line"),
        (b"HTTP/1.1 2xx OK\r\n\r\n", "does not start with an HTTP/1.x status line"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed header line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nabc", "invalid Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "invalid Content-Length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "malformed chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", "longer than its declared"),
    ],
    ids=["not-http", "bad-status", "bad-header", "conflicting-length", "negative-length", "bad-chunk", "long-chunk"],
)
async def test_a_garbled_reply_is_an_http_failure_that_says_what_is_wrong(answer: bytes, message: str) -> None:
    async with raw_server(replies(answer)) as server:
        with pytest.raises(HTTPFailure, match=message):
            await fetch(server.url + "/x")


async def test_headers_that_never_end_are_refused() -> None:
    def serve(server: RawServer, conn: socket.socket, number: int) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\n" + b"X-Filler: " + b"y" * 70_000 + b"\r\n")
        server.read_request(conn)

    async with raw_server(serve) as server:
        with pytest.raises(HTTPFailure, match="more than 65536 bytes without the end of the reply's headers"):
            await fetch(server.url + "/x")


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
            "closed the connection 3 bytes into a 10-byte reply body",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
            "closed the connection 2 bytes into a 5-byte",
        ),
        (b"HTTP/1.1 200 OK\r\nContent-Le", "in the middle of the reply's headers"),
    ],
    ids=["content-length", "chunked", "headers"],
)
async def test_a_disconnect_mid_reply_is_an_http_failure(answer: bytes, message: str) -> None:
    def serve(server: RawServer, conn: socket.socket, number: int) -> None:
        server.read_request(conn)
        conn.sendall(answer)

    async with raw_server(serve) as server:
        with pytest.raises(HTTPFailure, match=message):
            await fetch(server.url + "/x", method="POST")


async def test_a_server_that_closes_without_replying_is_an_http_failure() -> None:
    def serve(server: RawServer, conn: socket.socket, number: int) -> None:
        server.read_request(conn)

    async with raw_server(serve) as server:
        with pytest.raises(HTTPFailure, match="closed the connection without replying"):
            await fetch(server.url + "/x")


async def test_slow_headers_run_out_the_request_time_limit() -> None:
    gate = threading.Event()

    def serve(server: RawServer, conn: socket.socket, number: int) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        gate.wait(10)

    async with raw_server(serve) as server:
        start = time.monotonic()
        with pytest.raises(HTTPTimeout, match=r"GET http://127\.0\.0\.1:\d+/x timed out after 0\.3 s"):
            await fetch(server.url + "/x", time_limit=0.3)
        gate.set()
    assert time.monotonic() - start < 3


async def test_a_reply_that_stops_flowing_runs_out_the_read_time_limit() -> None:
    gate = threading.Event()

    def serve(server: RawServer, conn: socket.socket, number: int) -> None:
        server.read_request(conn)
        for piece in (b"HTTP/1.1 200 OK\r\n", b"Content-Length: 5\r\n", b"\r\nab"):
            conn.sendall(piece)
            time.sleep(0.1)
        gate.wait(10)

    async with raw_server(serve) as server:
        with pytest.raises(HTTPTimeout, match="got no data for 0.5 s"):
            await fetch(server.url + "/x", time_limit=30, read_timeout=0.5)
        gate.set()


async def test_a_trickling_reply_within_the_read_time_limit_arrives() -> None:
    def serve(server: RawServer, conn: socket.socket, number: int) -> None:
        server.read_request(conn)
        for piece in (b"HTTP/1.1 200 OK\r\n", b"Content-Length: 5\r\n", b"\r\nab", b"cde"):
            conn.sendall(piece)
            time.sleep(0.1)
        server.read_request(conn)

    async with raw_server(serve) as server:
        assert await fetch(server.url + "/x", time_limit=30, read_timeout=1) == (200, b"abcde")


async def test_a_connection_the_server_closed_while_idle_is_not_used_again() -> None:
    def serve(server: RawServer, conn: socket.socket, number: int) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        # Closed after a keep-alive reply, as a server's idle timeout does.

    async with raw_server(serve) as server:
        client = WireClient(headers=HEADERS)
        await client.post(server.url + "/done", b"1", headers={}, time_limit=5)
        await anyio.sleep(0.2)
        # A POST is never sent twice by the client: it succeeding shows it never went down the closed connection.
        reply = await client.post(server.url + "/done", b"2", headers={}, time_limit=5)
        await client.aclose()
    assert reply.status == 200
    assert server.connections == 2
    assert [request.endswith(body) for request, body in zip(server.requests, (b"1", b"2"), strict=True)] == [True, True]


def closes_the_second_request_unanswered(server: RawServer, conn: socket.socket, number: int) -> None:
    """The first connection answers once, then takes a second request and closes without a word (the race of a
    server's idle timeout against a request that was on its way); later connections answer everything."""
    while server.read_request(conn):
        if number == 1 and len(server.requests) == 2:
            return
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")


async def test_a_get_on_a_reused_connection_closed_before_replying_is_sent_once_more() -> None:
    async with raw_server(closes_the_second_request_unanswered) as server:
        client = WireClient(headers=HEADERS)
        await client.get(server.url + "/take", time_limit=5)
        reply = await client.get(server.url + "/take", time_limit=5)
        await client.aclose()
    assert (reply.status, reply.content) == (200, b"ok")
    assert server.connections == 2
    assert len(server.requests) == 3


async def test_a_post_on_a_reused_connection_closed_before_replying_is_not_sent_again() -> None:
    async with raw_server(closes_the_second_request_unanswered) as server:
        client = WireClient(headers=HEADERS)
        await client.post(server.url + "/done", b"{}", headers={}, time_limit=5)
        with pytest.raises(HTTPFailure, match="closed the connection without replying"):
            await client.post(server.url + "/done", b"{}", headers={}, time_limit=5)
        await client.aclose()
    # The server may have received it: whether to send it again is the caller's retry policy's decision.
    assert server.connections == 1
    assert len(server.requests) == 2


async def test_connection_close_and_http_1_0_replies_are_not_reused() -> None:
    answers = [
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na",
        b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nb",
        b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nc",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nd",
    ]

    def serve(server: RawServer, conn: socket.socket, number: int) -> None:
        while server.read_request(conn):
            conn.sendall(answers[len(server.requests) - 1])

    async with raw_server(serve) as server:
        client = WireClient(headers=HEADERS)
        bodies = [(await client.get(server.url + "/x", time_limit=5)).content for _ in answers]
        await client.aclose()
    assert bodies == [b"a", b"b", b"c", b"d"]
    assert server.connections == 3


async def test_bytes_after_a_reply_make_the_connection_unusable() -> None:
    async with raw_server(replies(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naEXTRA", b"")) as server:
        client = WireClient(headers=HEADERS)
        await client.get(server.url + "/x", time_limit=5)
        reply = await client.get(server.url + "/x", time_limit=5)
        await client.aclose()
    assert reply.content == b"a"
    assert server.connections == 2


async def test_a_large_body_goes_out_whole_and_a_large_reply_comes_back_whole() -> None:
    body = bytes(range(256)) * 40_000

    def serve(server: RawServer, conn: socket.socket, number: int) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        server.read_request(conn)

    async with raw_server(serve) as server:
        client = WireClient(headers=HEADERS)
        reply = await client.post(server.url + "/x", body, headers={}, time_limit=30)
        await client.aclose()
    assert reply.content == body
    assert server.requests[0].endswith(b"\r\n\r\n" + body)


async def test_repeated_headers_are_joined() -> None:
    answer = b"HTTP/1.1 200 OK\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 0\r\n\r\n"
    async with raw_server(replies(answer)) as server:
        client = WireClient(headers=HEADERS)
        reply = await client.get(server.url + "/x", time_limit=5)
        await client.aclose()
    assert reply.headers["x-a"] == "1, 2"


async def test_a_request_line_and_headers_cannot_be_broken_apart() -> None:
    async with raw_server(replies(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) as server:
        client = WireClient(headers=HEADERS)
        await client.post(
            server.url + "/job-done/w/j b?q=é", b"", headers={"X-Request-ID": "j\r\nX-Evil: 1"}, time_limit=5
        )
        await client.aclose()
    head = server.requests[0]
    assert head.startswith(b"POST /job-done/w/j%20b?q=%C3%A9 HTTP/1.1\r\n")
    assert b"X-Request-ID: j%0D%0AX-Evil: 1\r\n" in head
    assert b"\r\nX-Evil" not in head


@pytest.mark.parametrize(
    "headers", [{"Authorization": "key\r\nX-Evil: 1"}, {"Bad Name": "x"}, {"Authorization": "k\x00"}], ids=repr
)
def test_fixed_headers_that_could_break_a_request_are_refused_without_echoing_the_value(
    headers: dict[str, str],
) -> None:
    with pytest.raises(ValueError) as info:
        WireClient(headers=headers)
    assert "X-Evil" not in str(info.value) and "\x00" not in str(info.value)


@pytest.mark.parametrize("url", ["ftp://host/x", "no-scheme", "http:///x", "http://host:99999/x"])
async def test_a_url_it_cannot_use_is_an_http_failure(url: str) -> None:
    with pytest.raises(HTTPFailure, match="GET .* failed"):
        await fetch(url)


async def test_a_cancelled_caller_sends_nothing() -> None:
    async with raw_server(replies(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) as server:
        client = WireClient(headers=HEADERS)
        with anyio.CancelScope() as scope:
            scope.cancel()
            await client.post(server.url + "/done", b"{}", headers={}, time_limit=5)
        await client.aclose()
    assert server.connections == 0


async def test_closing_the_client_closes_its_idle_connections() -> None:
    ended = threading.Event()

    def serve(server: RawServer, conn: socket.socket, number: int) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        if not server.read_request(conn):
            ended.set()

    async with raw_server(serve) as server:
        client = WireClient(headers=HEADERS)
        await client.get(server.url + "/x", time_limit=5)
        await client.aclose()
        assert await anyio.to_thread.run_sync(ended.wait, 5)


# -- https ------------------------------------------------------------------------------------------------------


def openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A test CA, a server certificate it issued for 127.0.0.1, and a self-signed one it did not."""
    where = tmp_path_factory.mktemp("tls")
    key = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl(
        "req",
        "-x509",
        *key,
        "-keyout",
        where / "ca.key",
        "-out",
        where / "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=test CA",
    )
    openssl("req", *key, "-keyout", where / "server.key", "-out", where / "server.csr", "-subj", "/CN=127.0.0.1")
    (where / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl(
        "x509", "-req", "-in", where / "server.csr", "-CA", where / "ca.pem", "-CAkey", where / "ca.key",
        "-CAcreateserial", "-out", where / "server.pem", "-days", "2", "-extfile", where / "san.ext",
    )  # fmt: skip
    openssl(
        "req", "-x509", *key, "-keyout", where / "rogue.key", "-out", where / "rogue.pem", "-days", "2",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    )  # fmt: skip
    return where


def server_context(certificates: Path, name: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates / f"{name}.pem", certificates / f"{name}.key")
    return context


async def test_https_to_a_server_the_trusted_ca_vouches_for(certificates: Path) -> None:
    serve = replies(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure", b"HTTP/1.1 204 No Content\r\n\r\n")
    async with raw_server(serve, wrap=server_context(certificates, "server")) as server:
        client = WireClient(headers=HEADERS, ssl_context=ssl.create_default_context(cafile=certificates / "ca.pem"))
        first = await client.get(server.url + "/v2/ep/job-take/w1", time_limit=5)
        second = await client.get(server.url + "/v2/ep/job-take/w1", time_limit=5)
        await client.aclose()
    assert (first.status, first.content, second.status) == (200, b"secure", 204)
    assert server.connections == 1
    assert server.requests[0].startswith(b"GET /v2/ep/job-take/w1 HTTP/1.1\r\n")


async def test_https_to_a_server_with_a_certificate_nobody_vouches_for_fails(certificates: Path) -> None:
    async with raw_server(
        replies(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), wrap=server_context(certificates, "rogue")
    ) as server:
        client = WireClient(headers=HEADERS, ssl_context=ssl.create_default_context(cafile=certificates / "ca.pem"))
        with pytest.raises(HTTPFailure, match="CERTIFICATE_VERIFY_FAILED"):
            await client.post(server.url + "/done", b"secret output", headers={}, time_limit=5)
        await client.aclose()
    assert server.requests == []


async def test_https_checks_certificates_by_default(certificates: Path) -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    async with raw_server(replies(answer), wrap=server_context(certificates, "server")) as server:
        with pytest.raises(HTTPFailure, match="CERTIFICATE_VERIFY_FAILED"):
            await fetch(server.url + "/x")
    assert server.requests == []


async def test_a_tls_handshake_that_never_comes_runs_out_the_connect_time_limit() -> None:
    gate = threading.Event()
    async with raw_server(lambda server, conn, number: gate.wait(10)) as server:
        url = server.url.replace("http://", "https://")
        with pytest.raises(HTTPTimeout, match="could not connect within 0.3 s"):
            await fetch(url + "/x", time_limit=30, connect_timeout=0.3)
        gate.set()
