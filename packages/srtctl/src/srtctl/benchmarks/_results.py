"""What a benchmark measured, as written to `results.json` and `results.csv` in the job's log directory.

`results.json` holds one `BenchmarkResult`: the job, the target, the settings, one `ServingRun` per
concurrency level (or the accuracy scores), and the validity gate's findings. The CSV has one row per
run with flat columns; `srtctl results` concatenates those rows across jobs.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError

from ._errors import BenchmarkError

__all__ = (
    "RESULTS_CSV",
    "RESULTS_JSON",
    "AccuracyScore",
    "BenchmarkResult",
    "JobInfo",
    "LatencyStats",
    "ServingRun",
    "load_result",
    "now_iso",
    "result_rows",
    "write_result",
)

RESULTS_JSON = "results.json"
RESULTS_CSV = "results.csv"
SCHEMA = "srtctl.benchmark-result/1"
_LENIENT = ConfigDict(extra="ignore")


@dataclass(frozen=True, slots=True, kw_only=True)
class LatencyStats:
    """A latency distribution, in milliseconds."""

    __pydantic_config__ = _LENIENT

    mean: float
    p50: float | None
    p90: float | None
    """None when the tool that measured the run does not report it."""
    p99: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ServingRun:
    """One concurrency level of a serving benchmark."""

    __pydantic_config__ = _LENIENT

    concurrency: int
    request_rate: float | None
    """Requests per second asked for; None when sent as fast as the concurrency allows."""
    requests: int
    completed: int
    failed: int
    duration_s: float
    input_tokens: int
    output_tokens: int
    request_throughput: float
    """Completed requests per second."""
    input_token_throughput: float
    output_token_throughput: float
    total_token_throughput: float
    output_throughput_per_gpu: float
    """Output tokens per second per GPU of the deployment."""
    total_throughput_per_gpu: float
    tokens_per_s_per_user: float | None
    """What one user sees while decoding: 1000 / mean TPOT."""
    ttft_ms: LatencyStats | None
    itl_ms: LatencyStats | None
    tpot_ms: LatencyStats | None
    e2e_ms: LatencyStats | None
    goodput: float | None = None
    """Requests per second that met every latency limit; None when no limit was set."""
    goodput_fraction: float | None = None
    errors: Mapping[str, int] = field(default_factory=dict)
    """The most common failures and how often each happened."""

    @property
    def error_rate(self) -> float:
        """Failed requests as a share of all requests."""
        return self.failed / self.requests if self.requests else 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class AccuracyScore:
    """The score of one accuracy task."""

    __pydantic_config__ = _LENIENT

    task: str
    metric: str
    score: float | None
    """None when the tool finished without reporting a score."""


@dataclass(frozen=True, slots=True, kw_only=True)
class JobInfo:
    """Which job (and sweep variant) a result belongs to; shown in comparisons."""

    __pydantic_config__ = _LENIENT

    job_id: str | None = None
    name: str | None = None
    variant: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    """Anything else worth comparing on: topology, GPU type, container..."""

    @property
    def title(self) -> str:
        """A short name for tables and legends."""
        parts = [self.name or (f"job {self.job_id}" if self.job_id else "job")]
        if self.variant:
            parts.append(self.variant)
        return " / ".join(parts)


@dataclass(frozen=True, slots=True, kw_only=True)
class BenchmarkResult:
    """Everything one benchmark of one job measured."""

    __pydantic_config__ = _LENIENT

    runner: str
    model: str
    base_url: str
    gpus: int
    job: JobInfo = field(default_factory=JobInfo)
    settings: Mapping[str, Any] = field(default_factory=dict)
    started_at: str = ""
    finished_at: str = ""
    runs: tuple[ServingRun, ...] = ()
    accuracy: tuple[AccuracyScore, ...] = ()
    problems: tuple[str, ...] = ()
    """Why the result fails the validity gate; empty when it passes."""
    schema: str = SCHEMA

    @property
    def is_valid(self) -> bool:
        """Whether the result passed the validity gate."""
        return not self.problems


_ADAPTER: TypeAdapter[BenchmarkResult] = TypeAdapter(BenchmarkResult)


def now_iso() -> str:
    """The current UTC time, ISO 8601, to the second (the form of `started_at` and `finished_at`)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


_LATENCIES = ("ttft_ms", "itl_ms", "tpot_ms", "e2e_ms")
_CSV_COLUMNS = (
    "job_id", "job_name", "variant", "runner", "model", "gpus", "valid", "concurrency", "request_rate", "requests",
    "completed", "failed", "error_rate", "duration_s", "input_tokens", "output_tokens", "request_throughput",
    "input_token_throughput", "output_token_throughput", "total_token_throughput", "output_throughput_per_gpu",
    "total_throughput_per_gpu", "tokens_per_s_per_user",
    *(f"{metric}_{stat}" for metric in _LATENCIES for stat in ("mean", "p50", "p90", "p99")),
    "goodput", "goodput_fraction", "task", "metric", "score",
)  # fmt: skip


def result_rows(result: BenchmarkResult) -> list[dict[str, Any]]:
    """Flatten a result into CSV rows: one per serving run, one per accuracy score."""
    base: dict[str, Any] = {
        "job_id": result.job.job_id,
        "job_name": result.job.name,
        "variant": result.job.variant,
        "runner": result.runner,
        "model": result.model,
        "gpus": result.gpus,
        "valid": result.is_valid,
    }
    rows = []
    for run in result.runs:
        row = dict(base)
        for name in _CSV_COLUMNS:
            if hasattr(run, name):
                row[name] = getattr(run, name)
        row["error_rate"] = run.error_rate
        for metric in _LATENCIES:
            stats: LatencyStats | None = getattr(run, metric)
            for stat in ("mean", "p50", "p90", "p99"):
                row[f"{metric}_{stat}"] = getattr(stats, stat) if stats is not None else None
        rows.append(row)
    rows.extend({**base, "task": s.task, "metric": s.metric, "score": s.score} for s in result.accuracy)
    return rows


def rows_to_csv(rows: list[dict[str, Any]]) -> str:
    """Render rows from `result_rows` as CSV text with the standard columns."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_result(result: BenchmarkResult, directory: Path) -> Path:
    """Write `results.json` and `results.csv` into `directory`; return the JSON's path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / RESULTS_JSON
    data = _ADAPTER.dump_python(result, mode="json")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)
    (directory / RESULTS_CSV).write_text(rows_to_csv(result_rows(result)))
    return path


def load_result(path: Path) -> BenchmarkResult:
    """Read a `results.json`.

    Raises:
        BenchmarkError: the file is missing, not JSON, or not a benchmark result; the message names the file.
    """
    try:
        return _ADAPTER.validate_json(path.read_bytes())
    except OSError as exc:
        raise BenchmarkError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise BenchmarkError(f"{path} is not a benchmark result: {where}: {first['msg']}") from None


def dump_result(result: BenchmarkResult) -> dict[str, Any]:
    """The JSON-ready form of a result (what `results.json` holds)."""
    return _ADAPTER.dump_python(result, mode="json")
