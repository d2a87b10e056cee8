"""`srtctl results DIR...` on finished jobs: the table, the CSV rollup, the PNG plots and the HTML page."""

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from srtctl.benchmarks import (
    AccuracyScore,
    BenchmarkResult,
    BenchmarkSpec,
    BenchmarkTarget,
    JobInfo,
    ServingSettings,
    run_benchmark,
    write_result,
)
from srtctl.cli import app
from srtctl.mock_engine import EngineConfig, EngineProcess


def finished_job(directory: Path, *, name: str, variant: str, decode_ms: float, gpus: int) -> BenchmarkResult:
    """Run a real (small) serving benchmark against a mock engine, as a job would, into `directory`."""
    with EngineProcess.start(EngineConfig(port=0, decode_ms_per_token=decode_ms, served_model_name="mock")) as engine:
        spec = BenchmarkSpec(
            settings=ServingSettings(input_tokens=16, output_tokens=6, concurrencies=(1, 4), num_prompts=8),
            target=BenchmarkTarget(base_url=engine.url, model="mock", gpus=gpus),
            job=JobInfo(job_id=f"{name}-{variant}", name=name, variant=variant),
        )
        return run_benchmark(spec, directory)


@pytest.fixture(scope="module")
def two_jobs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("jobs")
    first, second = root / "sweep" / "101", root / "sweep" / "102"
    finished_job(first, name="llama", variant="agg-tp2", decode_ms=4.0, gpus=2)
    finished_job(second, name="llama", variant="pd-1p1d", decode_ms=2.0, gpus=4)
    return first, second


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["results", *args])
    return result.exit_code, result.output


def embedded_data(page: str) -> list[dict[str, object]]:
    match = re.search(r'<script type="application/json" id="srtctl-results">(.*?)</script>', page, re.S)
    assert match is not None
    return json.loads(match.group(1))


def test_results_of_two_jobs_writes_a_table_png_plots_and_an_html_page(
    two_jobs: tuple[Path, Path], tmp_path: Path
) -> None:
    first, second = two_jobs
    code, output = invoke(str(first), str(second), "--out", str(tmp_path / "report"))
    assert code == 0, output
    assert "llama / agg-tp2" in output and "llama / pd-1p1d" in output
    assert output.count("│") > 20  # a drawn table

    for name in ("throughput_per_gpu_vs_tokens_per_user.png", "latency_vs_concurrency.png"):
        with Image.open(tmp_path / "report" / name) as image:
            image.verify()
            assert image.format == "PNG"
            assert image.size[0] > 400 and image.size[1] > 300

    page = (tmp_path / "report" / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == 2
    data = embedded_data(page)
    assert [entry["label"] for entry in data] == ["llama / agg-tp2", "llama / pd-1p1d"]
    saved = json.loads((first / "results.json").read_text())
    assert data[0]["result"]["runs"] == saved["runs"]
    for job in ("agg-tp2", "pd-1p1d"):
        assert page.count(f"<td>llama / {job}</td>") == 2  # one table row per concurrency level


def test_rollup_csv_holds_every_run_of_every_job(two_jobs: tuple[Path, Path], tmp_path: Path) -> None:
    code, _ = invoke(*map(str, two_jobs), "-o", str(tmp_path))
    assert code == 0
    with (tmp_path / "rollup.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["variant"], row["concurrency"], row["gpus"]) for row in rows] == [
        ("agg-tp2", "1", "2"), ("agg-tp2", "4", "2"), ("pd-1p1d", "1", "4"), ("pd-1p1d", "4", "4"),
    ]  # fmt: skip


def test_a_sweep_directory_is_searched_for_every_job(two_jobs: tuple[Path, Path], tmp_path: Path) -> None:
    sweep = two_jobs[0].parent
    code, output = invoke(str(sweep), "--no-plots", "-o", str(tmp_path))
    assert code == 0
    assert "agg-tp2" in output and "pd-1p1d" in output
    assert not list(tmp_path.glob("*.png"))
    assert "data:image/png" not in (tmp_path / "report.html").read_text()


def test_jobs_with_the_same_name_are_told_apart(tmp_path: Path) -> None:
    for job_id in ("7", "8"):
        write_result(accuracy_result(JobInfo(job_id=job_id, name="eval")), tmp_path / job_id)
    code, output = invoke(str(tmp_path), "-o", str(tmp_path / "out"))
    assert code == 0
    assert "eval (7)" in output and "eval (8)" in output


def accuracy_result(job: JobInfo, score: float | None = 0.7, problems: tuple[str, ...] = ()) -> BenchmarkResult:
    return BenchmarkResult(
        runner="mmlu",
        model="m",
        base_url="http://h",
        gpus=8,
        job=job,
        accuracy=(AccuracyScore(task="mmlu", metric="score", score=score),),
        problems=problems,
    )


def test_accuracy_results_get_their_own_table_and_no_plots(tmp_path: Path) -> None:
    write_result(accuracy_result(JobInfo(name="eval")), tmp_path / "job")
    code, output = invoke(str(tmp_path / "job"), "-o", str(tmp_path / "out"))
    assert code == 0
    assert "Accuracy" in output and "0.700" in output
    assert "Serving benchmarks" not in output
    assert not list((tmp_path / "out").glob("*.png"))


def test_invalid_results_are_flagged_with_their_problems(tmp_path: Path) -> None:
    bad = accuracy_result(JobInfo(name="broken"), score=None, problems=("mmlu: the tool reported no score",))
    write_result(bad, tmp_path / "job")
    code, output = invoke(str(tmp_path / "job"), "-o", str(tmp_path / "out"))
    assert code == 0
    assert "invalid broken: mmlu: the tool reported no score" in output
    page = (tmp_path / "out" / "report.html").read_text()
    assert '<tr class="invalid">' in page
    assert "mmlu: the tool reported no score" in page


def test_a_missing_directory_is_an_error_naming_it(tmp_path: Path) -> None:
    code, output = invoke(str(tmp_path / "nope"))
    assert code == 1
    assert "nope does not exist" in output


def test_a_directory_without_results_is_an_error(tmp_path: Path) -> None:
    code, output = invoke(str(tmp_path))
    assert code == 1
    assert "no results.json under" in output


def test_without_matplotlib_plots_fail_with_the_extra_to_install(two_jobs: tuple[Path, Path], tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['matplotlib'] = None; sys.modules['matplotlib.figure'] = None; "
        "from srtctl.cli import main; sys.argv = ['srtctl', 'results', *sys.argv[1:]]; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(two_jobs[0]), "-o", str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "plots need matplotlib: pip install 'srtctl[plot]'" in result.stderr
