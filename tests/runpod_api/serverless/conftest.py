"""Fixtures of the endpoint-client tests: the fake serverless API, and clients of each kind against it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from runpod_api._retry import RetryPolicy
from runpod_api.serverless import AsyncEndpoint, Endpoint, PollPolicy

from .fake_serverless import API_KEY, FakeServerless

ENDPOINT_ID = "ep-test"


@pytest.fixture
def fake() -> Iterator[FakeServerless]:
    """A fake serverless API of this test's own, so a request an earlier test abandoned cannot reach it."""
    server = FakeServerless().start()
    yield server
    server.stop()


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def make_endpoint(kind: str, fake: FakeServerless, policy: RetryPolicy) -> AsyncIterator[Callable[..., Any]]:
    """Build an `Endpoint` or an `AsyncEndpoint` (by the test's parameter) against the fake API.

    Sleeps are recorded, not waited (the `sleeps` fixture), unless a test passes its own `retry_policy`.
    """
    made: list[Endpoint | AsyncEndpoint] = []

    def make(**kwargs: Any) -> Endpoint | AsyncEndpoint:
        kwargs.setdefault("api_key", API_KEY)
        kwargs.setdefault("base_url", fake.url)
        kwargs.setdefault("retry_policy", policy)
        endpoint = (Endpoint if kind == "sync" else AsyncEndpoint)(kwargs.pop("endpoint_id", ENDPOINT_ID), **kwargs)
        made.append(endpoint)
        return endpoint

    yield make
    for endpoint in made:
        if isinstance(endpoint, Endpoint):
            endpoint.close()
        else:
            await endpoint.aclose()


@pytest.fixture
def endpoint(make_endpoint: Callable[..., Any]) -> Any:
    return make_endpoint()


@pytest.fixture
def real_time() -> dict[str, Any]:
    """Settings for tests of time limits: real sleeps, short polls."""
    poll = PollPolicy(initial_delay=0.05, max_delay=0.1)
    return {"retry_policy": RetryPolicy(random=lambda: 0.0), "poll_policy": poll}
