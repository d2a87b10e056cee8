"""Finding the finished jobs' `results.json` files and naming each job unambiguously."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..benchmarks import BenchmarkError, BenchmarkResult, load_result
from ..benchmarks._results import RESULTS_JSON

__all__ = ("JobResult", "collect_results")


@dataclass(frozen=True, slots=True)
class JobResult:
    """One job's result, where it was found, and the label it goes by in tables and plots."""

    path: Path
    result: BenchmarkResult
    label: str


def _find(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(path.rglob(RESULTS_JSON))
    raise BenchmarkError(f"{path} does not exist")


def collect_results(paths: Iterable[Path]) -> list[JobResult]:
    """Load every `results.json` at or under `paths` (a job directory, a sweep directory, or the file itself).

    Raises:
        BenchmarkError: a path does not exist, holds no results, or holds a file that is not a result.
    """
    found: list[Path] = []
    for path in paths:
        files = _find(path)
        if not files:
            raise BenchmarkError(f"no {RESULTS_JSON} under {path}")
        found += [f for f in files if f.resolve() not in {g.resolve() for g in found}]
    results = [(f, load_result(f)) for f in found]
    titles = Counter(result.job.title for _, result in results)
    labelled = []
    for f, result in results:
        label = result.job.title
        if titles[label] > 1:
            label = f"{label} ({result.job.job_id or f.parent.name})"
        labelled.append(JobResult(f, result, label))
    return labelled
