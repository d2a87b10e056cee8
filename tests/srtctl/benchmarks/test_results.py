"""`results.json` and `results.csv`."""

import csv
import json
from pathlib import Path

import pytest

from srtctl.benchmarks import (
    AccuracyScore,
    BenchmarkError,
    BenchmarkResult,
    JobInfo,
    LatencyStats,
    ServingRun,
    load_result,
    write_result,
)


def serving_run(concurrency: int = 4) -> ServingRun:
    stats = LatencyStats(mean=10.0, p50=9.0, p90=12.0, p99=15.0)
    return ServingRun(
        concurrency=concurrency, request_rate=None, requests=40, completed=39, failed=1, duration_s=2.0,
        input_tokens=3900, output_tokens=390, request_throughput=19.5, input_token_throughput=1950.0,
        output_token_throughput=195.0, total_token_throughput=2145.0, output_throughput_per_gpu=48.75,
        total_throughput_per_gpu=536.25, tokens_per_s_per_user=100.0, ttft_ms=stats, itl_ms=stats, tpot_ms=stats,
        e2e_ms=stats, errors={"HTTP 500: x": 1},
    )  # fmt: skip


def result() -> BenchmarkResult:
    return BenchmarkResult(
        runner="serving",
        model="llama",
        base_url="http://h:8000",
        gpus=4,
        job=JobInfo(job_id="101", name="llama-pd", variant="tp4", labels={"gpu": "h100"}),
        settings={"type": "serving"},
        runs=(serving_run(1), serving_run(4)),
        accuracy=(AccuracyScore(task="mmlu", metric="acc,none", score=0.71),),
    )


def test_results_round_trip_through_json(tmp_path: Path) -> None:
    path = write_result(result(), tmp_path)
    assert path == tmp_path / "results.json"
    assert load_result(path) == result()
    assert json.loads(path.read_text())["schema"] == "srtctl.benchmark-result/1"


def test_csv_has_one_row_per_run_and_score(tmp_path: Path) -> None:
    write_result(result(), tmp_path)
    with (tmp_path / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["concurrency"] for row in rows] == ["1", "4", ""]
    assert rows[0]["job_name"] == "llama-pd"
    assert rows[0]["ttft_ms_p99"] == "15.0"
    assert rows[0]["error_rate"] == "0.025"
    assert rows[2]["task"] == "mmlu"
    assert rows[2]["score"] == "0.71"


def test_newer_fields_in_a_results_file_are_ignored(tmp_path: Path) -> None:
    path = write_result(result(), tmp_path)
    data = json.loads(path.read_text())
    data["from_the_future"] = True
    data["runs"][0]["new_metric"] = 3
    path.write_text(json.dumps(data))
    assert load_result(path).runs[0].concurrency == 1


def test_loading_a_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(BenchmarkError, match=r"cannot read .*nope\.json"):
        load_result(tmp_path / "nope.json")


def test_loading_something_else_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text('{"runner": "serving"}')
    with pytest.raises(BenchmarkError, match=r"results\.json is not a benchmark result: model: Field required"):
        load_result(path)


def test_job_title_reads_well() -> None:
    assert JobInfo(name="a", variant="b").title == "a / b"
    assert JobInfo(job_id="7").title == "job 7"
    assert JobInfo().title == "job"
