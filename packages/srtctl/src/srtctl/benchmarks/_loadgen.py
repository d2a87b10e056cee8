"""The load generator: one worker per concurrent slot, each with its own keep-alive connection.

Each worker takes the next request in order and, with a request rate, waits for its Poisson arrival time
first; so request i starts at the later of its arrival and a free slot, as with a semaphore, but without
a task per request. Requests are built before the clock starts; while it runs, only timing is recorded.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

import anyio
import httpx2

from ._http import send_streaming
from ._progress import Progress
from ._stats import RequestRecord

__all__ = ("arrival_offsets", "run_phase")


def arrival_offsets(count: int, rate: float | None, *, seed: int) -> list[float] | None:
    """Seconds after the start at which each request arrives (a Poisson process); None without a rate."""
    if rate is None:
        return None
    rng = random.Random(seed)
    offsets, now = [], 0.0
    for _ in range(count):
        offsets.append(now)
        now += rng.expovariate(rate)
    return offsets


async def run_phase(
    connections: Sequence[httpx2.AsyncHTTPTransport],
    requests: Sequence[httpx2.Request],
    prompt_tokens: Sequence[int],
    *,
    arrivals: Sequence[float] | None,
    timeout_s: float,
    progress: Progress,
) -> tuple[list[RequestRecord], float]:
    """Send every request, one worker per connection (so at most `len(connections)` in flight).

    Returns the records, in request order, and the wall time from the first send to the last answer.
    """
    records: list[RequestRecord | None] = [None] * len(requests)
    position = 0
    start = time.perf_counter()

    async def worker(connection: httpx2.AsyncHTTPTransport) -> None:
        nonlocal position
        while position < len(requests):
            index = position
            position += 1
            if arrivals is not None:
                delay = start + arrivals[index] - time.perf_counter()
                if delay > 0:
                    await anyio.sleep(delay)
            record = await send_streaming(
                connection, requests[index], prompt_tokens=prompt_tokens[index], timeout_s=timeout_s
            )
            records[index] = record
            progress.advance(record)

    async with anyio.create_task_group() as group:
        for connection in connections[: len(requests)]:
            group.start_soon(worker, connection)
    elapsed = time.perf_counter() - start
    return [r for r in records if r is not None], elapsed
