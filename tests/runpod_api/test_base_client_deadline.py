"""The request core's deadline: a call that must end by a moment cuts its time limits and its retries to fit."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from runpod_api._base_client import AsyncAPIClient, RequestOptions, SyncAPIClient
from runpod_api._exceptions import InternalServerError
from runpod_api._retry import RetryPolicy
from runpod_api._types import Timeout

pytestmark = pytest.mark.anyio

Handler = Callable[[httpx2.Request], httpx2.Response]


@pytest.fixture(params=["sync", "async"])
def make_core(request: pytest.FixtureRequest, policy: RetryPolicy) -> Callable[[Handler], Any]:
    def make(handler: Handler) -> SyncAPIClient | AsyncAPIClient:
        transport = httpx2.MockTransport(handler)
        common: dict[str, Any] = {"api_key": "rpa_TESTKEY1234567890", "base_url": "https://api.test", "timeout": 30}
        if request.param == "sync":
            return SyncAPIClient(**common, retry_policy=policy, http_client=httpx2.Client(transport=transport))
        return AsyncAPIClient(**common, retry_policy=policy, http_client=httpx2.AsyncClient(transport=transport))

    return make


async def test_each_attempt_gets_at_most_the_time_left(make_core: Any, resolve: Any) -> None:
    seen: list[dict[str, float]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.extensions["timeout"])
        return httpx2.Response(200, json={})

    options = RequestOptions(method="GET", path="/x", deadline=time.monotonic() + 2.0)
    await resolve(make_core(handler).request(options))
    assert set(seen[0]) == {"connect", "read", "write", "pool"}
    assert all(1.5 < limit <= 2.0 for limit in seen[0].values())


async def test_without_a_deadline_the_client_time_limits_apply(make_core: Any, resolve: Any) -> None:
    seen: list[dict[str, float]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.extensions["timeout"])
        return httpx2.Response(200, json={})

    await resolve(make_core(handler).request(RequestOptions(method="GET", path="/x")))
    assert seen[0] == {"connect": 30, "read": 30, "write": 30, "pool": 30}


async def test_no_retry_starts_that_would_end_after_the_deadline(
    make_core: Any, resolve: Any, sleeps: list[float]
) -> None:
    calls: list[int] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(1)
        return httpx2.Response(503, headers={"Retry-After": "5"})

    options = RequestOptions(method="GET", path="/x", deadline=time.monotonic() + 1.0)
    with pytest.raises(InternalServerError):
        await resolve(make_core(handler).request(options))
    assert len(calls) == 1
    assert sleeps == []


def test_a_phase_without_a_limit_is_limited_by_the_deadline() -> None:
    options = RequestOptions(method="GET", path="/x", deadline=time.monotonic() + 3.0)
    clipped = SyncAPIClient.attempt_timeout(Timeout.of(None), options)
    assert clipped.read is not None and 2.5 < clipped.read <= 3.0
