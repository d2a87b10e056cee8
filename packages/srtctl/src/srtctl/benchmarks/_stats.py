"""From per-request timings to the figures of a run: percentiles, throughputs, goodput. Pure functions."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ._results import LatencyStats, ServingRun

__all__ = ("GoodputLimits", "RequestRecord", "latency_stats", "percentile", "run_from_totals", "summarize")


@dataclass(slots=True)
class RequestRecord:
    """What the load generator saw of one request (times in seconds, from `time.perf_counter`)."""

    start: float
    end: float = 0.0
    ttft: float | None = None
    """Seconds from sending to the first generated text; None when no text came back."""
    itl: list[float] = field(default_factory=list)
    """Gaps between consecutive pieces of generated text."""
    prompt_tokens: int = 0
    output_tokens: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the request completed without error."""
        return self.error is None

    @property
    def latency(self) -> float:
        """End-to-end latency in seconds."""
        return self.end - self.start

    @property
    def tpot(self) -> float | None:
        """Time per output token after the first, in seconds; None with fewer than two tokens."""
        if self.ttft is None or self.output_tokens < 2:
            return None
        return (self.latency - self.ttft) / (self.output_tokens - 1)


@dataclass(frozen=True, slots=True)
class GoodputLimits:
    """Latency limits a request must meet to count towards goodput (milliseconds; None means no limit)."""

    ttft_ms: float | None = None
    itl_ms: float | None = None
    e2e_ms: float | None = None

    @property
    def is_set(self) -> bool:
        """Whether any limit is set."""
        return any(limit is not None for limit in (self.ttft_ms, self.itl_ms, self.e2e_ms))

    def met_by(self, record: RequestRecord) -> bool:
        """Whether a completed request met every limit."""
        if not record.ok:
            return False
        if self.ttft_ms is not None and (record.ttft is None or record.ttft * 1000 > self.ttft_ms):
            return False
        if self.itl_ms is not None and record.itl and sum(record.itl) / len(record.itl) * 1000 > self.itl_ms:
            return False
        return self.e2e_ms is None or record.latency * 1000 <= self.e2e_ms


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100) of already sorted values, interpolated linearly between neighbours."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    rank = (len(sorted_values) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def latency_stats(seconds: Sequence[float]) -> LatencyStats | None:
    """Mean, p50, p90 and p99 of latencies given in seconds, reported in milliseconds; None for no values."""
    if not seconds:
        return None
    ordered = sorted(seconds)
    return LatencyStats(
        mean=sum(ordered) / len(ordered) * 1000,
        p50=percentile(ordered, 50) * 1000,
        p90=percentile(ordered, 90) * 1000,
        p99=percentile(ordered, 99) * 1000,
    )


def run_from_totals(
    *,
    concurrency: int,
    request_rate: float | None,
    requests: int,
    completed: int,
    duration_s: float,
    input_tokens: int,
    output_tokens: int,
    gpus: int,
    ttft_ms: LatencyStats | None,
    itl_ms: LatencyStats | None,
    tpot_ms: LatencyStats | None,
    e2e_ms: LatencyStats | None,
    good_requests: int | None = None,
    errors: Mapping[str, int] | None = None,
) -> ServingRun:
    """Build a `ServingRun` from a level's totals and latency distributions (throughputs are derived here)."""
    duration = max(duration_s, 1e-9)
    total_tokens = input_tokens + output_tokens
    return ServingRun(
        concurrency=concurrency,
        request_rate=request_rate,
        requests=requests,
        completed=completed,
        failed=requests - completed,
        duration_s=duration_s,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        request_throughput=completed / duration,
        input_token_throughput=input_tokens / duration,
        output_token_throughput=output_tokens / duration,
        total_token_throughput=total_tokens / duration,
        output_throughput_per_gpu=output_tokens / duration / gpus,
        total_throughput_per_gpu=total_tokens / duration / gpus,
        tokens_per_s_per_user=1000.0 / tpot_ms.mean if tpot_ms is not None and tpot_ms.mean > 0 else None,
        ttft_ms=ttft_ms,
        itl_ms=itl_ms,
        tpot_ms=tpot_ms,
        e2e_ms=e2e_ms,
        goodput=good_requests / duration if good_requests is not None else None,
        goodput_fraction=(good_requests / requests if requests else 0.0) if good_requests is not None else None,
        errors=dict(errors or {}),
    )


def summarize(
    records: Sequence[RequestRecord],
    *,
    concurrency: int,
    request_rate: float | None,
    duration_s: float,
    gpus: int,
    limits: GoodputLimits = GoodputLimits(),
) -> ServingRun:
    """Turn one level's request records into its `ServingRun`."""
    done = [r for r in records if r.ok]
    errors = Counter(r.error for r in records if r.error is not None)
    return run_from_totals(
        concurrency=concurrency,
        request_rate=request_rate,
        requests=len(records),
        completed=len(done),
        duration_s=duration_s,
        input_tokens=sum(r.prompt_tokens for r in done),
        output_tokens=sum(r.output_tokens for r in done),
        gpus=gpus,
        ttft_ms=latency_stats([r.ttft for r in done if r.ttft is not None]),
        itl_ms=latency_stats([gap for r in done for gap in r.itl]),
        tpot_ms=latency_stats([t for r in done if (t := r.tpot) is not None]),
        e2e_ms=latency_stats([r.latency for r in done]),
        good_requests=sum(1 for r in records if limits.met_by(r)) if limits.is_set else None,
        errors=dict(errors.most_common(5)),
    )
