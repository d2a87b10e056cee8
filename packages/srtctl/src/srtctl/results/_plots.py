"""The two plots of a comparison, drawn with matplotlib (the `srtctl[plot]` extra), imported only here."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from ..benchmarks import BenchmarkError
from ._collect import JobResult

__all__ = ("LATENCY_PLOT", "PARETO_PLOT", "render_plots")

PARETO_PLOT = "throughput_per_gpu_vs_tokens_per_user.png"
LATENCY_PLOT = "latency_vs_concurrency.png"


def _figure(width: float, height: float) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise BenchmarkError("plots need matplotlib: pip install 'srtctl[plot]' (or pass --no-plots)") from None
    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _png(figure: Any) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _pareto(jobs: Sequence[JobResult]) -> bytes:
    figure = _figure(7.5, 5.0)
    axes = figure.add_subplot()
    for job in jobs:
        points = sorted(
            (run.tokens_per_s_per_user, run.output_throughput_per_gpu, run.concurrency)
            for run in job.result.runs
            if run.tokens_per_s_per_user is not None
        )
        if not points:
            continue
        axes.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=job.label)
        for x, y, concurrency in points:
            axes.annotate(f"c{concurrency}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    axes.set_xlabel("tokens/s per user (1000 / mean TPOT)")
    axes.set_ylabel("output tokens/s per GPU")
    axes.set_title("Throughput per GPU against interactivity")
    axes.grid(True, alpha=0.3)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=8)
    return _png(figure)


def _latency(jobs: Sequence[JobResult]) -> bytes:
    figure = _figure(11.0, 4.2)
    panels = figure.subplots(1, 3)
    levels = sorted({run.concurrency for job in jobs for run in job.result.runs})
    metrics = (("ttft_ms", "TTFT"), ("itl_ms", "inter-token latency"), ("e2e_ms", "end-to-end latency"))
    for axes, (metric, title) in zip(panels, metrics, strict=True):
        for job in jobs:
            runs = sorted((r for r in job.result.runs if getattr(r, metric) is not None), key=lambda r: r.concurrency)
            if not runs:
                continue
            concurrency = [r.concurrency for r in runs]
            stats = [getattr(r, metric) for r in runs]
            median = [s.p50 if s.p50 is not None else s.mean for s in stats]
            (line,) = axes.plot(concurrency, median, marker="o", label=f"{job.label} p50")
            p99 = [s.p99 for s in stats]
            if all(v is not None for v in p99):
                axes.plot(
                    concurrency, p99, marker="x", linestyle="--", color=line.get_color(), label=f"{job.label} p99"
                )
        axes.set_xscale("log", base=2)
        axes.set_xticks(levels, labels=[str(level) for level in levels])
        axes.set_xlabel("concurrency")
        axes.set_ylabel("ms")
        axes.set_title(title)
        axes.grid(True, alpha=0.3)
    if panels[0].get_legend_handles_labels()[0]:
        panels[0].legend(fontsize=7)
    return _png(figure)


def render_plots(jobs: Sequence[JobResult]) -> dict[str, bytes]:
    """PNG bytes of each plot, by file name; empty when no job has a serving run.

    Raises:
        BenchmarkError: matplotlib is not installed.
    """
    if not any(job.result.runs for job in jobs):
        return {}
    return {PARETO_PLOT: _pareto(jobs), LATENCY_PLOT: _latency(jobs)}
