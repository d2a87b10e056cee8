"""The handler threads: reused, never the event loop's, abandoned (not waited for) when the caller is cancelled."""

from __future__ import annotations

import contextvars
import threading

import anyio
import anyio.to_thread
import pytest

from runpod_worker._threads import THREAD_NAME, HandlerThreads

pytestmark = pytest.mark.anyio

tag: contextvars.ContextVar[str] = contextvars.ContextVar("tag", default="none")


async def test_a_call_runs_in_a_named_thread_off_the_event_loop_and_returns_its_value() -> None:
    threads = HandlerThreads(keep=1)
    loop_thread = threading.get_ident()
    name, ident = await threads.run(lambda: (threading.current_thread().name, threading.get_ident()))
    threads.close()
    assert name == THREAD_NAME
    assert ident != loop_thread


async def test_what_the_call_raises_is_raised_to_the_caller() -> None:
    threads = HandlerThreads(keep=1)

    def fail() -> None:
        raise ValueError("from the handler")

    with pytest.raises(ValueError, match="from the handler"):
        await threads.run(fail)
    threads.close()


async def test_one_thread_serves_call_after_call() -> None:
    threads = HandlerThreads(keep=1)
    idents = {await threads.run(threading.get_ident) for _ in range(20)}
    threads.close()
    assert len(idents) == 1


async def test_calls_at_once_get_threads_of_their_own_and_extras_end_afterwards() -> None:
    threads = HandlerThreads(keep=1)
    barrier = threading.Barrier(3, timeout=5)
    idents: list[int] = []

    def meet() -> None:
        barrier.wait()
        idents.append(threading.get_ident())

    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(threads.run, meet)
    assert len(set(idents)) == 3
    await anyio.sleep(0.2)
    alive = [t for t in threading.enumerate() if t.ident in idents and t.is_alive()]
    assert len(alive) == 1
    threads.close()


async def test_the_call_sees_the_callers_context_variables() -> None:
    threads = HandlerThreads(keep=1)
    tag.set("job-7")
    assert await threads.run(tag.get) == "job-7"
    threads.close()


async def test_a_cancelled_caller_stops_waiting_and_the_thread_rejoins_when_its_call_ends() -> None:
    threads = HandlerThreads(keep=1)
    release = threading.Event()
    with anyio.move_on_after(0.1):
        await threads.run(release.wait, 10)
    assert threads.running == 1
    release.set()
    for _ in range(500):
        if not threads.running:
            break
        await anyio.sleep(0.01)
    assert threads.running == 0
    first = await threads.run(threading.get_ident)
    assert await threads.run(threading.get_ident) == first
    threads.close()


async def test_a_caller_cancelled_before_the_call_starts_never_runs_it() -> None:
    threads = HandlerThreads(keep=1)
    ran: list[int] = []
    with anyio.CancelScope() as scope:
        scope.cancel()
        await threads.run(ran.append, 1)
    await anyio.sleep(0.1)
    assert ran == [] and threads.running == 0


async def test_closing_ends_the_idle_threads() -> None:
    threads = HandlerThreads(keep=2)
    ident = await threads.run(threading.get_ident)
    threads.close()
    thread = next(t for t in threading.enumerate() if t.ident == ident)
    await anyio.to_thread.run_sync(thread.join, 5)
    assert not thread.is_alive()


def test_a_call_that_outlives_its_event_loop_ends_quietly() -> None:
    threads = HandlerThreads(keep=1)
    release = threading.Event()
    idents: list[int] = []

    def slow() -> None:
        idents.append(threading.get_ident())
        release.wait(10)

    async def abandon() -> None:
        with anyio.move_on_after(0.1):
            await threads.run(slow)

    anyio.run(abandon)
    release.set()
    thread = next(t for t in threading.enumerate() if t.ident == idents[0])
    thread.join(5)
    assert not thread.is_alive()
