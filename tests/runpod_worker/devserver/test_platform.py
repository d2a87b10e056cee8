"""Platform bookkeeping that needs a controlled clock."""

from __future__ import annotations

import pytest

from runpod_worker.devserver import Platform
from runpod_worker.devserver._platform import UnknownJobError

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_finished_jobs_are_forgotten_after_the_retention_time() -> None:
    clock = Clock()
    platform = Platform(retention=60, clock=clock)
    old = platform.submit({"input": 1})
    [taken] = await platform.take("w", 1, hold=0)
    assert taken is old
    platform.post_result(old.id, {"output": 2})
    running = platform.submit({"input": 3})
    clock.now += 61
    platform.submit({"input": 4})
    with pytest.raises(UnknownJobError):
        platform.get(old.id)
    assert platform.get(running.id).status == "IN_QUEUE"


async def test_times_are_reported_in_milliseconds() -> None:
    clock = Clock()
    platform = Platform(clock=clock)
    job = platform.submit({"input": 1})
    clock.now += 0.25
    await platform.take("w", 1, hold=0)
    clock.now += 1.5
    platform.post_result(job.id, {"output": None})
    body = job.status_body()
    assert (body["delayTime"], body["executionTime"], body["output"]) == (250, 1500, None)
