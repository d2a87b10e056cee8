"""The comparison table `srtctl results` prints: one row per job and concurrency level."""

from __future__ import annotations

from collections.abc import Sequence

from rich.markup import escape
from rich.table import Table

from ..benchmarks import LatencyStats, ServingRun
from ._collect import JobResult

__all__ = ("accuracy_table", "serving_table")


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _stat(stats: LatencyStats | None, name: str) -> str:
    return "-" if stats is None else _num(getattr(stats, name))


def _serving_row(job: JobResult, run: ServingRun) -> tuple[str, ...]:
    return (
        escape(job.label),
        str(job.result.gpus),
        str(run.concurrency),
        _num(run.request_throughput, 2),
        _num(run.output_token_throughput),
        _num(run.output_throughput_per_gpu),
        _num(run.tokens_per_s_per_user),
        _stat(run.ttft_ms, "p50"),
        _stat(run.ttft_ms, "p99"),
        _stat(run.itl_ms, "p50"),
        _stat(run.itl_ms, "p99"),
        _stat(run.e2e_ms, "p50"),
        f"{run.error_rate:.1%}",
        _num(run.goodput, 2),
        _valid(job),
    )


def _valid(job: JobResult) -> str:
    return "yes" if job.result.is_valid else "[red]NO[/red]"


def serving_table(jobs: Sequence[JobResult]) -> Table | None:
    """Throughput and latency of every serving run; None when no job has one."""
    rows = [_serving_row(job, run) for job in jobs for run in job.result.runs]
    if not rows:
        return None
    table = Table(title="Serving benchmarks", header_style="bold")
    for name in (
        "job", "GPUs", "conc", "req/s", "out tok/s", "tok/s/GPU", "tok/s/user", "TTFT p50", "TTFT p99",
        "ITL p50", "ITL p99", "E2E p50", "errors", "goodput", "valid",
    ):  # fmt: skip
        table.add_column(name, justify="left" if name == "job" else "right")
    for row in rows:
        table.add_row(*row)
    table.caption = "latencies in ms; tok/s/user = 1000 / mean TPOT; goodput in requests/s within the limits"
    return table


def accuracy_table(jobs: Sequence[JobResult]) -> Table | None:
    """The score of every accuracy task; None when no job has one."""
    rows = [
        (
            escape(job.label),
            score.task,
            score.metric,
            _num(score.score, 3),
            "yes" if job.result.is_valid else "[red]NO[/red]",
        )
        for job in jobs
        for score in job.result.accuracy
    ]
    if not rows:
        return None
    table = Table(title="Accuracy", header_style="bold")
    for name in ("job", "task", "metric", "score", "valid"):
        table.add_column(name, justify="right" if name == "score" else "left")
    for row in rows:
        table.add_row(*row)
    return table
