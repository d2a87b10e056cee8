"""The benchmarks' one door to HTTP: a pooled httpx2 client and one streamed completion, timed."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Sequence
from typing import Any

import httpx2

from ._errors import BenchmarkError
from ._spec import BenchmarkTarget
from ._stats import RequestRecord

__all__ = ("EventReader", "build_requests", "first_model", "open_connections", "send_streaming")

_ERROR_CHARS = 160


def open_connections(count: int) -> list[httpx2.AsyncHTTPTransport]:
    """One transport per concurrent slot, each keeping a single keep-alive connection; close them when done.

    The load generator talks to httpx2's transport directly: its requests are built up front and need
    none of the client's merging, redirects, cookies or auth. A transport of its own per slot keeps
    the pool's bookkeeping O(1) per request, and one shared TLS context keeps creating them cheap.
    """
    context = ssl.create_default_context()
    one = httpx2.Limits(max_connections=1, max_keepalive_connections=1)
    return [httpx2.AsyncHTTPTransport(verify=context, limits=one) for _ in range(count)]


def build_requests(
    target: BenchmarkTarget, path: str, bodies: Sequence[bytes], *, timeout_s: float
) -> list[httpx2.Request]:
    """Build every request before the clock starts, so sending one costs no URL or header work."""
    headers = {"content-type": "application/json", "accept": "text/event-stream"}
    if target.api_key:
        headers["authorization"] = f"Bearer {target.api_key}"
    extensions = {"timeout": httpx2.Timeout(timeout_s, connect=min(timeout_s, 30.0)).as_dict()}
    url = httpx2.URL(target.root + path)
    return [httpx2.Request("POST", url, headers=headers, content=body, extensions=extensions) for body in bodies]


def first_model(base_url: str, *, api_key: str | None = None) -> str:
    """The first model an endpoint lists at `/v1/models`.

    Raises:
        BenchmarkError: the endpoint cannot be reached, answers with an error, or lists no model.
    """
    headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
    where = f"{base_url.rstrip('/')}/v1/models"
    try:
        response = httpx2.get(where, headers=headers, timeout=30.0)
    except httpx2.HTTPError as exc:
        raise BenchmarkError(f"cannot ask {where} for its models: {exc}") from None
    if response.status_code != 200:
        raise BenchmarkError(f"{where} answered HTTP {response.status_code}: {_short(response.text)}")
    try:
        return str(response.json()["data"][0]["id"])
    except (ValueError, KeyError, IndexError, TypeError):
        raise BenchmarkError(f"{where} lists no model: {_short(response.text)}") from None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _ERROR_CHARS else text[: _ERROR_CHARS - 3] + "..."


class EventReader:
    """Reads a server-sent-event stream of completion chunks into a `RequestRecord` as bytes arrive.

    Each `data:` event carrying generated text counts as a token arriving at the time its bytes were
    read; the server's `usage` event, when sent, gives the exact output token count.
    """

    __slots__ = ("_buffer", "_last", "_pieces", "_record", "_usage_tokens")

    def __init__(self, record: RequestRecord) -> None:
        self._record = record
        self._buffer = b""
        self._last = 0.0
        self._pieces = 0
        self._usage_tokens: int | None = None

    def feed(self, chunk: bytes, now: float) -> None:
        """Take the next bytes of the stream, read at `now`."""
        lines = (self._buffer + chunk).split(b"\n")
        self._buffer = lines.pop()
        for line in lines:
            if line.startswith(b"data:"):
                self._event(line[5:].strip(), now)

    def _event(self, payload: bytes, now: float) -> None:
        if not payload or payload == b"[DONE]" or self._record.error is not None:
            return
        try:
            event: Any = json.loads(payload)
        except ValueError:
            self._record.error = f"malformed stream event: {_short(payload.decode(errors='replace'))}"
            return
        if not isinstance(event, dict):
            return
        if "error" in event:
            error = event["error"]
            message = error.get("message", error) if isinstance(error, dict) else error
            self._record.error = f"error event: {_short(str(message))}"
            return
        usage = event.get("usage")
        if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int):
            self._usage_tokens = usage["completion_tokens"]
        for choice in event.get("choices") or ():
            text = choice.get("text")
            if text is None:
                delta = choice.get("delta") or {}
                text = delta.get("content") or delta.get("reasoning_content")
            if text:
                self._piece(now)

    def _piece(self, now: float) -> None:
        record = self._record
        if record.ttft is None:
            record.ttft = now - record.start
        else:
            record.itl.append(now - self._last)
        self._last = now
        self._pieces += 1

    def close(self) -> None:
        """End of stream: settle the output token count."""
        if self._buffer.startswith(b"data:"):
            self._event(self._buffer[5:].strip(), self._last)
        self._record.output_tokens = self._usage_tokens if self._usage_tokens is not None else self._pieces


async def send_streaming(
    connection: httpx2.AsyncHTTPTransport, request: httpx2.Request, *, prompt_tokens: int, timeout_s: float
) -> RequestRecord:
    """Send one streamed completion and time it; failures are recorded on the record, never raised.

    httpx2's timeouts stop a request whose server goes quiet for `timeout_s`; one that keeps streaming
    but finishes later than `timeout_s` after it was sent is recorded as failed too.
    """
    record = RequestRecord(start=time.perf_counter(), prompt_tokens=prompt_tokens)
    try:
        response = await connection.handle_async_request(request)
        try:
            if response.status_code != 200:
                detail = (await response.aread()).decode(errors="replace")
                record.error = f"HTTP {response.status_code}: {_short(detail)}"
            else:
                reader = EventReader(record)
                stream = response.stream
                assert isinstance(stream, httpx2.AsyncByteStream)  # an async transport's responses always are
                async for chunk in stream:
                    reader.feed(chunk, time.perf_counter())
                reader.close()
        finally:
            await response.aclose()
    except httpx2.TimeoutException:
        record.error = f"no complete answer within {timeout_s:g}s"
    except httpx2.HTTPError as exc:
        record.error = f"{type(exc).__name__}: {_short(str(exc))}"
    record.end = time.perf_counter()
    if record.error is None and record.latency > timeout_s:
        record.error = f"no complete answer within {timeout_s:g}s"
    return record
