"""Fixtures for the worker tests: a real job queue on loopback, and a worker with instant backoff."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import anyio.to_thread
import pytest

from runpod_worker import RetryPolicy, Worker, WorkerConfig
from runpod_worker.testing import JobQueueServer, PostedResult

# Tiny waits so that retries and backoff cost milliseconds, not seconds.
FAST_POLL = RetryPolicy(initial_delay=0.01, max_delay=0.05)
FAST_POST = RetryPolicy(initial_delay=0.01, max_delay=0.05, budget=3.0)


@pytest.fixture
def queue() -> Iterator[JobQueueServer]:
    with JobQueueServer(hold=0.2, seed=7) as server:
        yield server


def worker_env(queue: JobQueueServer, *, heartbeat: bool = False, **extra: str) -> dict[str, str]:
    """The RUNPOD_* variables for `queue`; the heartbeat process is left off unless asked for."""
    env = queue.worker_env(ping_interval_ms=200)
    if not heartbeat:
        del env["RUNPOD_WEBHOOK_PING"]
    env.update(extra)
    return env


def fast_worker(handler: Any, **options: Any) -> Worker:
    options.setdefault("poll_backoff", FAST_POLL)
    options.setdefault("post_retry", FAST_POST)
    return Worker(handler, **options)


@contextlib.asynccontextmanager
async def serving(worker: Worker, queue: JobQueueServer, **env: str) -> AsyncIterator[None]:
    """Run `worker.serve()` against `queue` for the duration of the block, then shut it down gracefully."""
    heartbeat = env.pop("heartbeat", "") == "on"
    config = WorkerConfig.from_env(worker_env(queue, heartbeat=heartbeat, **env))
    async with anyio.create_task_group() as tg:
        tg.start_soon(worker.serve, config)
        with anyio.fail_after(30):
            yield
        worker.shutdown()


async def results(queue: JobQueueServer, count: int, within: float = 10.0) -> list[PostedResult]:
    """Wait (off the event loop) for `count` final results."""
    return await anyio.to_thread.run_sync(queue.wait_for_results, count, within)


async def wait_for(queue: JobQueueServer, predicate: Any, what: str, within: float = 10.0) -> None:
    await anyio.to_thread.run_sync(queue.wait_for, predicate, within, what)


def python_prints(code: str) -> str:
    """What a fresh interpreter running `code` prints (it fails the test if the code fails)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def sleepy_handler(seconds: float, result: str = "done") -> tuple[Any, anyio.Event]:
    """An async handler that sleeps, and an event set when it starts."""
    started = anyio.Event()

    async def handler(job: dict[str, Any]) -> str:
        started.set()
        await anyio.sleep(seconds)
        return result

    return handler, started
