"""The threads that run sync handlers: started once, reused job after job, never the event loop's own.

A sync handler must not run on the event loop (it would stall every poll, post and other job), so each call
hops to a thread and back. `anyio.to_thread.run_sync` does that with a capacity limiter, a cancel scope and a
concurrent future per call; for a trivial handler those cost more than the handler. This pool does the hop with
two wake-ups and nothing else: the call goes into the idle thread's inbox, and the thread hands the outcome back
through the event loop's own thread-safe callback (asyncio's `call_soon_threadsafe`, trio's `run_sync_soon`),
which sets an `anyio.Event` the caller waits on. All bookkeeping happens on the event loop's thread.

A caller that is cancelled (a job timeout, a stop, the end of the grace period) stops waiting at once; the
thread cannot be interrupted, so it finishes the call in the background, its outcome is dropped, and it
rejoins the pool. Handler code runs in a copy of the caller's context, so context variables (the job id in log
lines) carry over.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.lowlevel

__all__ = ("THREAD_NAME", "HandlerThreads")

T = TypeVar("T")

THREAD_NAME = "runpod-worker handler"
"""The name of every handler thread, so that the worker can tell which threads are running handler code."""


class _Call:
    __slots__ = ("args", "context", "done", "error", "func", "result")

    def __init__(self, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.func = func
        self.args = args
        self.context = contextvars.copy_context()
        self.done = anyio.Event()
        self.result: Any = None
        self.error: BaseException | None = None


class _Thread(threading.Thread):
    def __init__(self, pool: HandlerThreads, notify: Callable[..., object]) -> None:
        super().__init__(name=THREAD_NAME, daemon=True)
        self.inbox: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._pool = pool
        self._notify = notify

    def run(self) -> None:
        while (call := self.inbox.get()) is not None:
            try:
                call.result = call.context.run(call.func, *call.args)
            except BaseException as exc:
                call.error = exc
            try:
                self._notify(self._pool._finished, self, call)
            except RuntimeError:
                # The event loop has closed (the worker is exiting without waiting for this call): nothing to do.
                return
            del call


class HandlerThreads:
    """A pool of threads for sync handler calls.

    Args:
        keep: how many idle threads to keep for the next calls (the worker's concurrency); more are started
            while more calls run at once, and those beyond `keep` end when they finish.
    """

    def __init__(self, *, keep: int) -> None:
        self.keep = keep
        self._idle: list[_Thread] = []
        self._busy: set[_Thread] = set()
        self._notify: Callable[..., object] | None = None

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Call `func(*args)` in a pool thread and return (or raise) what it did.

        If the caller is cancelled, it stops waiting at once and the call finishes in the background.
        """
        # A caller cancelled already (a job stopped as it starts) must not start the call at all.
        await anyio.lowlevel.checkpoint_if_cancelled()
        call = _Call(func, args)
        thread = self._idle.pop() if self._idle else self._start()
        self._busy.add(thread)
        thread.inbox.put(call)
        await call.done.wait()
        if call.error is not None:
            error, call.error = call.error, None
            raise error
        return call.result

    @property
    def running(self) -> int:
        """Threads running a call now, abandoned ones included."""
        return len(self._busy)

    def close(self) -> None:
        """Let every idle thread end; busy ones end when their call does."""
        self.keep = 0
        while self._idle:
            self._idle.pop().inbox.put(None)

    def _start(self) -> _Thread:
        if self._notify is None:
            native: Any = anyio.lowlevel.current_token().native_token
            # asyncio's loop and trio's token each have a thread-safe "call this soon" method.
            self._notify = getattr(native, "call_soon_threadsafe", None) or native.run_sync_soon
        thread = _Thread(self, self._notify)
        thread.start()
        return thread

    def _finished(self, thread: _Thread, call: _Call) -> None:
        """On the event loop: wake the caller and put the thread back (or let it end)."""
        call.done.set()
        self._busy.discard(thread)
        if len(self._idle) < self.keep:
            self._idle.append(thread)
        else:
            thread.inbox.put(None)
