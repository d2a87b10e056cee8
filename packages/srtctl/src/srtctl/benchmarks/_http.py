"""The benchmarks' one door to HTTP: a pooled httpx2 client and one streamed completion, timed."""

from __future__ import annotations

import json
import time
from typing import Any

import anyio
import httpx2

from ._spec import BenchmarkTarget
from ._stats import RequestRecord

__all__ = ("EventReader", "open_client", "send_streaming")

_ERROR_CHARS = 160


def open_client(target: BenchmarkTarget, *, connections: int, timeout_s: float) -> httpx2.AsyncClient:
    """A client that keeps up to `connections` keep-alive connections to the target, reused by every request."""
    headers = {"content-type": "application/json", "accept": "text/event-stream"}
    if target.api_key:
        headers["authorization"] = f"Bearer {target.api_key}"
    return httpx2.AsyncClient(
        base_url=target.root,
        headers=headers,
        limits=httpx2.Limits(max_connections=connections, max_keepalive_connections=connections),
        timeout=httpx2.Timeout(timeout_s, connect=min(timeout_s, 30.0)),
    )


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
    client: httpx2.AsyncClient, path: str, body: bytes, *, prompt_tokens: int, timeout_s: float
) -> RequestRecord:
    """POST one streamed completion and time it; failures are recorded on the record, never raised."""
    record = RequestRecord(start=time.perf_counter(), prompt_tokens=prompt_tokens)
    reader = EventReader(record)
    try:
        with anyio.fail_after(timeout_s):
            async with client.stream("POST", path, content=body) as response:
                if response.status_code != 200:
                    detail = (await response.aread()).decode(errors="replace")
                    record.error = f"HTTP {response.status_code}: {_short(detail)}"
                else:
                    async for chunk in response.aiter_bytes():
                        reader.feed(chunk, time.perf_counter())
                    reader.close()
    except TimeoutError:
        record.error = f"no complete answer within {timeout_s:g}s"
    except httpx2.HTTPError as exc:
        record.error = f"{type(exc).__name__}: {_short(str(exc))}"
    record.end = time.perf_counter()
    return record
