"""Every kind of handler, run the same way: sync in a worker thread, async on the loop, generators streamed.

A handler is called with the job dict. It may be a plain or `async` function, a sync or async generator
function, or any callable (an object with `__call__`, a `functools.partial`, a lambda) that returns a value,
an awaitable, a generator or an async iterator. What it returns decides how the job ends, not how it was
declared, so a plain function that returns a generator streams like a generator function.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import anyio
import anyio.to_thread

__all__ = ("Outcome", "handler_kind", "run_handler")

Handler = Callable[[dict[str, Any]], Any]
ChunkSink = Callable[[object], Awaitable[None]]
"""Receives each streamed chunk in order; raising ends the job with that error."""

_END = object()


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a handler ended: it returned a value, streamed to its end, or raised."""

    kind: Literal["returned", "streamed", "raised"]
    value: object = None
    """The returned value; for a stream that stopped on an error chunk, that chunk."""
    chunks: list[object] | None = None
    """A stream's chunks, kept only when the worker aggregates them."""
    error: BaseException | None = None
    """The exception a handler raised."""
    stopped_on_error: bool = False
    """A stream ended because it yielded a dict with a truthy `error`."""
    streaming: bool = False
    """The handler streamed (or was declared a generator): its final result goes out with `isStream=true`."""


def handler_kind(handler: object) -> Literal["sync", "async", "sync generator", "async generator"]:
    """Name the kind of a handler from its declaration (a callable that returns a generator reads "sync")."""
    # A function (or a functools.partial of one) carries the flags itself; a callable object on its __call__.
    for target in (handler, type(handler).__call__):
        if inspect.isasyncgenfunction(target):
            return "async generator"
        if inspect.iscoroutinefunction(target):
            return "async"
        if inspect.isgeneratorfunction(target):
            return "sync generator"
    return "sync"


async def run_handler(
    handler: Handler,
    job: dict[str, Any],
    *,
    limiter: anyio.CapacityLimiter,
    on_chunk: ChunkSink,
    aggregate: bool,
) -> Outcome:
    """Call the handler with the job and follow what it returns to the end.

    Sync code (the call itself, each step of a sync generator) runs in a worker thread from `limiter`, so a
    blocking handler never stalls the event loop. When the surrounding scope is cancelled, a thread that is still
    running is abandoned: Python cannot interrupt it, and its eventual result is discarded.
    """
    kind = handler_kind(handler)
    streaming = kind in ("sync generator", "async generator")
    try:
        if kind != "sync":
            # Calling these runs none of the handler's code yet: the coroutine or generator does, below.
            result = handler(job)
        else:
            result = await anyio.to_thread.run_sync(handler, job, limiter=limiter, abandon_on_cancel=True)
        if inspect.isawaitable(result):
            result = await result
        if isinstance(result, AsyncIterator):
            streaming = True
            return await _stream_async(result, on_chunk, aggregate)
        if isinstance(result, Iterator):
            streaming = True
            return await _stream_sync(result, on_chunk, aggregate, limiter)
        return Outcome("returned", value=result)
    except anyio.get_cancelled_exc_class():
        raise
    except (Exception, SystemExit) as exc:
        # SystemExit too: a handler calling sys.exit() fails its job; it does not take the worker down.
        return Outcome("raised", error=exc, streaming=streaming)


def _is_error_chunk(chunk: object) -> bool:
    return isinstance(chunk, dict) and bool(chunk.get("error"))


async def _stream_async(stream: AsyncIterator[object], on_chunk: ChunkSink, aggregate: bool) -> Outcome:
    chunks: list[object] | None = [] if aggregate else None
    try:
        async for chunk in stream:
            if _is_error_chunk(chunk):
                return Outcome("streamed", value=chunk, chunks=chunks, stopped_on_error=True, streaming=True)
            await on_chunk(chunk)
            if chunks is not None:
                chunks.append(chunk)
        return Outcome("streamed", chunks=chunks, streaming=True)
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            # Finalise the generator even when the job was cancelled, but never wait on it for long.
            with anyio.move_on_after(1, shield=True):
                await aclose()


async def _stream_sync(
    stream: Iterator[object], on_chunk: ChunkSink, aggregate: bool, limiter: anyio.CapacityLimiter
) -> Outcome:
    chunks: list[object] | None = [] if aggregate else None
    step = _stepper(stream)
    while True:
        chunk = await anyio.to_thread.run_sync(step, limiter=limiter, abandon_on_cancel=True)
        if chunk is _END:
            return Outcome("streamed", chunks=chunks, streaming=True)
        if _is_error_chunk(chunk):
            _close_quietly(stream)
            return Outcome("streamed", value=chunk, chunks=chunks, stopped_on_error=True, streaming=True)
        try:
            await on_chunk(chunk)
        except Exception:
            _close_quietly(stream)
            raise
        if chunks is not None:
            chunks.append(chunk)


def _stepper(stream: Iterator[object]) -> Callable[[], object]:
    def step() -> object:
        return next(stream, _END)

    return step


def _close_quietly(stream: Iterator[object]) -> None:
    close = getattr(stream, "close", None)
    if close is not None:
        # A generator failing to close must not mask the job's own result.
        with contextlib.suppress(Exception):
            close()
