"""Fixtures for the benchmark tests: mock engines in child processes, and specs pointed at them."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from srtctl.benchmarks import BenchmarkSpec, BenchmarkTarget, JobInfo, ServingSettings
from srtctl.mock_engine import EngineConfig, EngineProcess

StartEngine = Callable[..., EngineProcess]


@pytest.fixture
def start_engine() -> Iterator[StartEngine]:
    """Start a mock engine process on a free port: `start_engine(decode_ms_per_token=5)`; stopped after the test."""
    with ExitStack() as stack:

        def start(**settings: Any) -> EngineProcess:
            return stack.enter_context(EngineProcess.start(EngineConfig(port=0, served_model_name="mock", **settings)))

        yield start


def serving_spec(engine: EngineProcess, *, gpus: int = 1, job: JobInfo | None = None, **settings: Any) -> BenchmarkSpec:
    """A built-in serving benchmark of `engine`; small and quick unless told otherwise."""
    defaults: dict[str, Any] = {"input_tokens": 8, "output_tokens": 4, "concurrencies": (2,), "num_prompts": 6}
    return BenchmarkSpec(
        settings=ServingSettings(**(defaults | settings)),
        target=BenchmarkTarget(base_url=engine.url, model="mock", gpus=gpus),
        job=job or JobInfo(),
    )


@pytest.fixture
def make_spec() -> Callable[..., BenchmarkSpec]:
    return serving_spec
