"""The runner API and the registry that maps a benchmark `type` to the runner that performs it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from ._errors import UnknownRunnerError
from ._results import BenchmarkResult
from ._spec import BenchmarkSpec

__all__ = ("BenchmarkRunner", "get_runner", "register_runner", "runner_names")


class BenchmarkRunner(ABC):
    """Runs one kind of benchmark against a deployment.

    A runner is registered under `name`, the `type` its settings carry. `run(config, log_dir)` blocks
    until the benchmark is over, writes its logs under `log_dir` (`benchmark.out` at least), and returns
    what it measured. It does not apply the validity gate nor write `results.json`: `run_benchmark`
    does both, for every runner alike.
    """

    name: str
    """The benchmark `type` this runner performs."""
    measures: ClassVar[bool] = True
    """Whether a run must produce measurements to be valid (False for free-form commands)."""

    @abstractmethod
    def run(self, config: BenchmarkSpec, log_dir: Path) -> BenchmarkResult:
        """Run the benchmark described by `config`, keeping logs in `log_dir`.

        Raises:
            BenchmarkFailedError: the benchmark could not run to the end.
        """


_RUNNERS: dict[str, BenchmarkRunner] = {}


def register_runner(runner: BenchmarkRunner) -> BenchmarkRunner:
    """Make `runner` the one performing benchmarks of type `runner.name`; returns it (so it can decorate).

    Raises:
        ValueError: another runner already has that name.
    """
    existing = _RUNNERS.get(runner.name)
    if existing is not None and existing is not runner:
        raise ValueError(f"a benchmark runner named {runner.name!r} is already registered ({existing!r})")
    _RUNNERS[runner.name] = runner
    return runner


def get_runner(name: str) -> BenchmarkRunner:
    """The runner registered under `name`.

    Raises:
        UnknownRunnerError: none is; the message lists the known names.
    """
    try:
        return _RUNNERS[name]
    except KeyError:
        raise UnknownRunnerError(name, runner_names()) from None


def runner_names() -> tuple[str, ...]:
    """Names of every registered runner, sorted."""
    return tuple(sorted(_RUNNERS))
