"""Fixtures for the runpod-api tests: instant, recorded backoff and a sync/async switch."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from runpod_api._retry import RetryPolicy


class Sleeps(list[float]):
    """Records the delays a client asked for, without waiting."""

    def sleep(self, seconds: float) -> None:
        self.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def policy(sleeps: Sleeps) -> RetryPolicy:
    """The default policy, with jitter fixed at none and sleeps recorded instead of waited."""
    return RetryPolicy(sleep=sleeps.sleep, async_sleep=sleeps.async_sleep, random=lambda: 0.0)


async def _resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


@pytest.fixture
def resolve() -> Any:
    """`await resolve(x)`: awaits a value from an async client, passes a sync client's result through."""
    return _resolve
