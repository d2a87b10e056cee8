"""The runner registry."""

from pathlib import Path

import pytest

from srtctl.benchmarks import (
    BenchmarkResult,
    BenchmarkRunner,
    BenchmarkSpec,
    UnknownRunnerError,
    get_runner,
    register_runner,
    runner_names,
)


def test_every_built_in_runner_is_registered() -> None:
    assert runner_names() == ("aiperf", "custom", "gpqa", "gsm8k", "mmlu", "serving", "sglang-bench")


def test_unknown_runner_error_lists_the_known_names() -> None:
    with pytest.raises(UnknownRunnerError, match="no benchmark runner named 'vllm-bench'; known runners: aiperf, "):
        get_runner("vllm-bench")


def test_a_second_runner_under_a_taken_name_is_refused() -> None:
    class Impostor(BenchmarkRunner):
        name = "serving"

        def run(self, config: BenchmarkSpec, log_dir: Path) -> BenchmarkResult:
            raise NotImplementedError

    with pytest.raises(ValueError, match="'serving' is already registered"):
        register_runner(Impostor())


def test_registering_the_same_runner_twice_is_harmless() -> None:
    runner = get_runner("serving")
    assert register_runner(runner) is runner
