"""What a runner is asked to do: its settings, the deployment it measures, and the job it belongs to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ._errors import BenchmarkConfigError
from ._results import AccuracyScore, BenchmarkResult, JobInfo, ServingRun, now_iso
from ._settings import settings_dict

__all__ = ("BenchmarkSpec", "BenchmarkTarget")


@dataclass(frozen=True, slots=True, kw_only=True)
class BenchmarkTarget:
    """The deployment under test, as the orchestrator knows it once it is healthy."""

    base_url: str
    """The frontend's base URL, e.g. `http://node-1:8000` (no `/v1`)."""
    model: str
    """The served model name of the deployment; every runner sends this, none hard-codes one."""
    gpus: int = 1
    """GPUs serving the deployment, for per-GPU throughput."""
    tokenizer: str | None = None
    """Tokenizer path or name for tools that count tokens themselves; by default the model."""
    api_key: str | None = field(default=None, repr=False)
    """Sent as a bearer token; passed to external tools in their environment, never on their command line."""

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise BenchmarkConfigError(f"target base_url must start with http:// or https://, got {self.base_url!r}")
        if not self.model:
            raise BenchmarkConfigError("target model must not be empty")
        if self.gpus < 1:
            raise BenchmarkConfigError(f"target gpus must be at least 1, got {self.gpus}")

    @property
    def root(self) -> str:
        """The base URL without a trailing slash."""
        return self.base_url.rstrip("/")


@dataclass(frozen=True, slots=True, kw_only=True)
class BenchmarkSpec:
    """One benchmark to run: the `config` of `BenchmarkRunner.run(config, log_dir)`."""

    settings: Any
    """The runner's settings (one of `BenchmarkSettings`); its `type` picks the runner."""
    target: BenchmarkTarget
    job: JobInfo = field(default_factory=JobInfo)
    launcher: tuple[str, ...] = ()
    """Prefix for external tools' commands, e.g. `("srun", "--overlap", "--container-image=...")`."""

    @property
    def runner_name(self) -> str:
        """The name of the runner these settings are for."""
        return str(self.settings.type)

    def result(
        self,
        *,
        started_at: str,
        runs: Iterable[ServingRun] = (),
        accuracy: Iterable[AccuracyScore] = (),
        problems: Iterable[str] = (),
    ) -> BenchmarkResult:
        """The `BenchmarkResult` of this benchmark, finished now, with what it measured."""
        return BenchmarkResult(
            runner=self.runner_name,
            model=self.target.model,
            base_url=self.target.root,
            gpus=self.target.gpus,
            job=self.job,
            settings=settings_dict(self.settings),
            started_at=started_at,
            finished_at=now_iso(),
            runs=tuple(runs),
            accuracy=tuple(accuracy),
            problems=tuple(problems),
        )
