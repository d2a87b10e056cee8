"""The public surfaces of `srtctl.benchmarks` and `srtctl.results` are exactly what we mean to promise."""

import subprocess
import sys

import srtctl.benchmarks
import srtctl.results


def public(module: object) -> set[str]:
    return {name for name in dir(module) if not name.startswith("_")}


def test_benchmarks_public_names() -> None:
    expected = {
        "AccuracyScore", "AccuracySettings", "AiperfSettings", "BenchmarkConfigError", "BenchmarkError",
        "BenchmarkFailedError", "BenchmarkResult", "BenchmarkRunner", "BenchmarkSettings", "BenchmarkSpec",
        "BenchmarkTarget", "Command", "CustomSettings", "ExternalRunner", "InvalidResultError", "JobInfo",
        "LatencyStats", "LogProgress", "NullProgress", "Progress", "RichProgress", "ServingRun", "ServingRunner",
        "ServingSettings", "SglangBenchSettings", "UnknownRunnerError", "get_runner", "load_result", "parse_settings",
        "register_runner", "run_benchmark", "runner_names", "settings_from_config", "spec_from_plan", "write_result",
    }  # fmt: skip
    assert set(srtctl.benchmarks.__all__) == expected
    assert public(srtctl.benchmarks) == expected


def test_results_public_names() -> None:
    expected = {"JobResult", "Report", "accuracy_table", "collect_results", "serving_table", "write_report"}
    assert set(srtctl.results.__all__) == expected
    assert public(srtctl.results) == expected


def test_importing_the_results_package_leaves_matplotlib_unloaded() -> None:
    code = "import sys, srtctl.results, srtctl.cli; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
