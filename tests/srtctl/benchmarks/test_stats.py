"""Per-request timings turned into a run's figures."""

import pytest

from srtctl.benchmarks._stats import GoodputLimits, RequestRecord, latency_stats, percentile, summarize


def record(ttft: float, itl: list[float], *, tokens: int | None = None, error: str | None = None) -> RequestRecord:
    end = ttft + sum(itl)
    return RequestRecord(
        start=0.0, end=end, ttft=ttft, itl=itl, prompt_tokens=10, output_tokens=tokens or len(itl) + 1, error=error
    )


def test_percentile_interpolates_between_neighbours() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 2.5
    assert percentile(values, 100) == 4.0
    assert percentile([7.0], 99) == 7.0


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_latency_stats_are_in_milliseconds() -> None:
    stats = latency_stats([0.010, 0.020, 0.030])
    assert stats is not None
    assert stats.mean == pytest.approx(20.0)
    assert stats.p50 == pytest.approx(20.0)
    assert stats.p99 == pytest.approx(29.8)
    assert latency_stats([]) is None


def test_tpot_excludes_the_first_token() -> None:
    assert record(0.5, [0.1, 0.1, 0.1]).tpot == pytest.approx(0.1)
    assert record(0.5, []).tpot is None


def test_summarize_counts_only_completed_requests_in_latencies_and_tokens() -> None:
    records = [record(0.2, [0.05, 0.05]), record(0.4, [0.05, 0.05]), record(9.0, [], error="HTTP 500: boom")]
    run = summarize(records, concurrency=2, request_rate=None, duration_s=2.0, gpus=4)
    assert (run.requests, run.completed, run.failed) == (3, 2, 1)
    assert run.error_rate == pytest.approx(1 / 3)
    assert run.output_tokens == 6
    assert run.input_tokens == 20
    assert run.request_throughput == pytest.approx(1.0)
    assert run.output_token_throughput == pytest.approx(3.0)
    assert run.output_throughput_per_gpu == pytest.approx(0.75)
    assert run.total_throughput_per_gpu == pytest.approx(26 / 2 / 4)
    assert run.ttft_ms is not None and run.ttft_ms.mean == pytest.approx(300.0)
    assert run.itl_ms is not None and run.itl_ms.mean == pytest.approx(50.0)
    assert run.tokens_per_s_per_user == pytest.approx(20.0)
    assert run.errors == {"HTTP 500: boom": 1}
    assert run.goodput is None


def test_goodput_counts_requests_within_every_limit() -> None:
    records = [record(0.1, [0.01]), record(0.3, [0.01]), record(0.1, [0.2]), record(0.1, [0.01], error="x")]
    run = summarize(
        records,
        concurrency=1,
        request_rate=None,
        duration_s=2.0,
        gpus=1,
        limits=GoodputLimits(ttft_ms=200, itl_ms=50, e2e_ms=1000),
    )
    assert run.goodput == pytest.approx(0.5)
    assert run.goodput_fraction == pytest.approx(0.25)


def test_e2e_limit_alone_excludes_slow_requests() -> None:
    limits = GoodputLimits(e2e_ms=250)
    assert limits.met_by(record(0.1, [0.1]))
    assert not limits.met_by(record(0.2, [0.1]))
    assert not GoodputLimits(ttft_ms=100).met_by(RequestRecord(start=0.0, end=1.0))
