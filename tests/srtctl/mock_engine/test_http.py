"""The mock engine's HTTP/1.1 layer, spoken to over raw sockets to control every byte."""

import anyio
import anyio.abc
import anyio.lowlevel
import pytest

from srtctl.mock_engine import MockEngine
from srtctl.mock_engine._http import HTTPServer, Request, Responder

pytestmark = pytest.mark.anyio


async def exchange(engine: MockEngine, payload: bytes, *, until: bytes | None = None) -> bytes:
    """Send raw bytes and read until `until` appears, or until the server closes."""
    assert engine.port is not None
    async with await anyio.connect_tcp("127.0.0.1", engine.port) as stream:
        await stream.send(payload)
        return await read_until(stream, until)


async def read_until(stream: anyio.abc.SocketStream, until: bytes | None) -> bytes:
    data = b""
    with anyio.fail_after(5):
        while until is None or until not in data:
            try:
                data += await stream.receive()
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                break
    return data


async def test_two_requests_on_one_keep_alive_connection_both_get_answers(engine: MockEngine) -> None:
    assert engine.port is not None
    async with await anyio.connect_tcp("127.0.0.1", engine.port) as stream:
        await stream.send(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        first = await read_until(stream, b"content-length: 0\r\n\r\n")
        await stream.send(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        second = await read_until(stream, b"content-length: 0\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 200 OK\r\n")
    assert second.startswith(b"HTTP/1.1 200 OK\r\n")


async def test_pipelined_requests_are_answered_in_order(engine: MockEngine) -> None:
    body = b'{"model":"m","prompt":"a","max_tokens":1}'
    post = b"POST /v1/completions HTTP/1.1\r\nhost: x\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
    data = await exchange(engine, b"GET /nope HTTP/1.1\r\n\r\n" + post, until=b"total_tokens")
    assert data.index(b"404 Not Found") < data.index(b"200 OK")


async def test_chunked_request_body_is_decoded(engine: MockEngine) -> None:
    body = b'{"model":"m","prompt":"a b","max_tokens":1}'
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    request = b"POST /v1/completions HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n" + chunked
    data = await exchange(engine, request, until=b"total_tokens")
    assert b'"prompt_tokens": 2' in data


async def test_request_split_across_packets_is_reassembled(engine: MockEngine) -> None:
    assert engine.port is not None
    body = b'{"model":"m","prompt":"a b c","max_tokens":1}'
    request = b"POST /v1/completions HTTP/1.1\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
    async with await anyio.connect_tcp("127.0.0.1", engine.port) as stream:
        for i in range(0, len(request), 7):
            await stream.send(request[i : i + 7])
            await anyio.sleep(0.001)
        data = await read_until(stream, b"total_tokens")
    assert b'"prompt_tokens": 3' in data


async def test_expect_100_continue_gets_an_interim_answer(engine: MockEngine) -> None:
    assert engine.port is not None
    body = b'{"model":"m","prompt":"a","max_tokens":1}'
    head = b"POST /v1/completions HTTP/1.1\r\nexpect: 100-continue\r\ncontent-length: %d\r\n\r\n" % len(body)
    async with await anyio.connect_tcp("127.0.0.1", engine.port) as stream:
        await stream.send(head)
        interim = await read_until(stream, b"\r\n\r\n")
        await stream.send(body)
        final = await read_until(stream, b"total_tokens")
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert final.startswith(b"HTTP/1.1 200 OK")


async def test_http2_prior_knowledge_probe_is_closed_without_an_answer(engine: MockEngine) -> None:
    assert await exchange(engine, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") == b""


async def test_partial_http2_preface_is_closed_too(engine: MockEngine) -> None:
    assert await exchange(engine, b"PRI * HTTP/2.0\r\n") == b""


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"GET / HTTP/3\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nno-colon\r\n\r\n", b"400"),
        (b"POST / HTTP/1.1\r\ncontent-length: x\r\n\r\n", b"400"),
        (b"POST / HTTP/1.1\r\ncontent-length: -3\r\n\r\n", b"400"),
        (b"POST / HTTP/1.1\r\ncontent-length: 999999999999\r\n\r\n", b"413"),
        (b"POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nx: " + b"a" * 70000, b"431"),
    ],
)
async def test_malformed_request_gets_an_error_and_the_connection_closes(
    engine: MockEngine, request_bytes: bytes, status: bytes
) -> None:
    data = await exchange(engine, request_bytes)
    assert data.startswith(b"HTTP/1.1 " + status)
    assert b"connection: close" in data


async def test_connection_close_header_closes_after_the_answer(engine: MockEngine) -> None:
    data = await exchange(engine, b"GET /health HTTP/1.1\r\nconnection: close\r\n\r\n")
    assert data.startswith(b"HTTP/1.1 200 OK")
    assert b"connection: close" in data


async def test_http10_stream_is_sent_raw_and_ends_by_closing(engine: MockEngine) -> None:
    body = b'{"model":"m","prompt":"a","max_tokens":2,"stream":true}'
    request = b"POST /v1/completions HTTP/1.0\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
    data = await exchange(engine, request)
    head, _, rest = data.partition(b"\r\n\r\n")
    assert b"transfer-encoding" not in head
    assert rest.startswith(b"data: {")
    assert rest.endswith(b"data: [DONE]\n\n")


async def test_half_closed_client_still_gets_its_answer(engine: MockEngine) -> None:
    assert engine.port is not None
    async with await anyio.connect_tcp("127.0.0.1", engine.port) as stream:
        await stream.send(b"POST /v1/completions HTTP/1.1\r\ncontent-length: 30\r\n\r\n")
        await stream.send(b'{"prompt":"a","max_tokens":1} ')
        await stream.send_eof()
        data = await read_until(stream, None)
    assert data.startswith(b"HTTP/1.1 200 OK")


async def serve(handler: object) -> tuple[HTTPServer, int]:
    server = HTTPServer(handler)  # type: ignore[arg-type]
    return server, await server.start("127.0.0.1", 0)


async def test_handler_that_raises_gets_a_500() -> None:
    async def broken(request: Request, responder: Responder) -> None:
        raise ValueError("boom")

    server, port = await serve(broken)
    try:
        async with await anyio.connect_tcp("127.0.0.1", port) as stream:
            await stream.send(b"GET / HTTP/1.1\r\n\r\n")
            data = await read_until(stream, None)
    finally:
        await server.close()
    assert data.startswith(b"HTTP/1.1 500")


async def test_handler_that_sends_nothing_gets_a_500() -> None:
    async def silent(request: Request, responder: Responder) -> None:
        return None

    server, port = await serve(silent)
    try:
        async with await anyio.connect_tcp("127.0.0.1", port) as stream:
            await stream.send(b"GET / HTTP/1.1\r\n\r\n")
            data = await read_until(stream, b"}}")
    finally:
        await server.close()
    assert data.startswith(b"HTTP/1.1 500")


async def test_unfinished_stream_is_ended_for_the_handler() -> None:
    async def half(request: Request, responder: Responder) -> None:
        await responder.start_stream()
        await responder.write(b"data: x\n\n")

    server, port = await serve(half)
    try:
        async with await anyio.connect_tcp("127.0.0.1", port) as stream:
            await stream.send(b"GET / HTTP/1.1\r\n\r\n")
            data = await read_until(stream, b"0\r\n\r\n")
    finally:
        await server.close()
    assert data.endswith(b"9\r\ndata: x\n\n\r\n0\r\n\r\n")


async def test_responder_refuses_misuse() -> None:
    errors: list[str] = []

    async def misuse(request: Request, responder: Responder) -> None:
        try:
            await responder.write(b"x")
        except RuntimeError as exc:
            errors.append(str(exc))
        await responder.send(200, b"ok", "text/plain")
        try:
            await responder.start_stream()
        except RuntimeError as exc:
            errors.append(str(exc))

    server, port = await serve(misuse)
    try:
        async with await anyio.connect_tcp("127.0.0.1", port) as stream:
            await stream.send(b"GET / HTTP/1.1\r\n\r\n")
            await read_until(stream, b"ok")
    finally:
        await server.close()
    assert errors == ["write() needs a started, unfinished stream", "the response has already been started"]


async def test_stream_to_a_client_that_left_stops_the_handler() -> None:
    stopped = anyio.Event()

    async def endless(request: Request, responder: Responder) -> None:
        await responder.start_stream()
        try:
            while True:
                await responder.write(b"data: x\n\n" * 1000)
                await anyio.lowlevel.checkpoint()
        finally:
            stopped.set()

    server, port = await serve(endless)
    try:
        async with await anyio.connect_tcp("127.0.0.1", port) as stream:
            await stream.send(b"GET / HTTP/1.1\r\n\r\n")
            await stream.receive()
        with anyio.fail_after(5):
            await stopped.wait()
    finally:
        await server.close(abort=True)
