"""Fixtures for the mock engine's tests: engines served in the test's own event loop."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx2
import pytest

from srtctl.mock_engine import EngineConfig, MockEngine

EngineFactory = Callable[..., AbstractAsyncContextManager[MockEngine]]


@pytest.fixture
def engine_factory() -> EngineFactory:
    """Start an in-process engine on a free port: `async with engine_factory(decode_ms_per_token=5) as e:`."""

    @asynccontextmanager
    async def start(**settings: Any) -> AsyncIterator[MockEngine]:
        async with MockEngine(EngineConfig(port=0, **settings)) as engine:
            yield engine

    return start


@pytest.fixture
async def engine(engine_factory: EngineFactory) -> AsyncIterator[MockEngine]:
    async with engine_factory(served_model_name="mock") as running:
        yield running


@pytest.fixture
async def client(engine: MockEngine) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=engine.url) as http:
        yield http
