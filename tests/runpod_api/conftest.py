"""Fixtures for the runpod-api tests: the fake control plane, sync and async clients, instant backoff."""

from __future__ import annotations

import contextlib
import inspect
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from runpod_api import AsyncRunpod, Runpod
from runpod_api._resource import AsyncAPIResource, SyncAPIResource
from runpod_api._retry import RetryPolicy
from runpod_api.testing import FakeRunpod


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


class Api:
    """One face for both clients: every method call is awaited, whichever client is underneath.

    `await api.pods.get(pod_id)` runs `Runpod.pods.get` or `AsyncRunpod.pods.get`, so one test body checks
    the behaviour of both.
    """

    def __init__(self, target: Any) -> None:
        self._target = target

    @property
    def client(self) -> Runpod | AsyncRunpod:
        assert isinstance(self._target, Runpod | AsyncRunpod)
        return self._target

    @property
    def is_async(self) -> bool:
        return isinstance(self._target, AsyncRunpod | AsyncAPIResource)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if isinstance(attr, SyncAPIResource | AsyncAPIResource | Runpod | AsyncRunpod):
            return Api(attr)
        if callable(attr):

            async def call(*args: Any, **kwargs: Any) -> Any:
                result = await _resolve(attr(*args, **kwargs))
                return Api(result) if isinstance(result, Runpod | AsyncRunpod) else result

            return call
        return attr


@contextlib.contextmanager
def _fake_process(*args: str) -> Iterator[dict[str, str]]:
    cmd = [sys.executable, "-m", "runpod_api.testing", "--port", "0", *args]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        try:
            yield json.loads(proc.stdout.readline())
        finally:
            proc.terminate()
            proc.wait(timeout=30)


@pytest.fixture(scope="session")
def fake_process() -> Iterator[dict[str, str]]:
    """The fake control plane as a process of its own (`python -m runpod_api.testing`): its url and api_key."""
    with _fake_process() as started:
        yield started


@pytest.fixture(scope="session")
def booted_fake_process() -> Iterator[dict[str, str]]:
    """The same, with pods that run as soon as they are created (so nothing waits on them)."""
    with _fake_process("--boot-polls", "0") as started:
        yield started


@pytest.fixture
def fake() -> Iterator[FakeRunpod]:
    """A fake control plane on 127.0.0.1 of this test's own.

    One per test, not one per session: a request a previous test abandoned (its client timed out before
    the server read it) must not reach this test's server, consume its faults or show in its records.
    """
    with FakeRunpod() as server:
        yield server


@pytest.fixture(params=["sync", "async"])
async def api(request: pytest.FixtureRequest, fake: FakeRunpod, policy: RetryPolicy) -> AsyncIterator[Api]:
    """A client of the parametrized kind, talking to the fake control plane."""
    if request.param == "sync":
        with Runpod(api_key=fake.api_key, base_url=fake.url, retry_policy=policy) as client:
            yield Api(client)
    else:
        async with AsyncRunpod(api_key=fake.api_key, base_url=fake.url, retry_policy=policy) as aclient:
            yield Api(aclient)


@pytest.fixture(params=["sync", "async"])
async def make_api(request: pytest.FixtureRequest, fake: FakeRunpod, policy: RetryPolicy) -> AsyncIterator[Any]:
    """Build clients of the parametrized kind with extra settings: `make_api(max_retries=0)`."""
    made: list[Any] = []

    def make(**kwargs: Any) -> Api:
        kwargs.setdefault("api_key", fake.api_key)
        kwargs.setdefault("base_url", fake.url)
        kwargs.setdefault("retry_policy", policy)
        client = Runpod(**kwargs) if request.param == "sync" else AsyncRunpod(**kwargs)
        made.append(client)
        return Api(client)

    yield make
    for client in made:
        await _resolve(client.close() if isinstance(client, Runpod) else client.aclose())
