"""External runners: the exact commands they render (snapshots), and running them with stand-in tools."""

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from inline_snapshot import snapshot

from srtctl.benchmarks import (
    AccuracySettings,
    AiperfSettings,
    BenchmarkFailedError,
    BenchmarkSpec,
    BenchmarkTarget,
    CustomSettings,
    ExternalRunner,
    JobInfo,
    SglangBenchSettings,
    get_runner,
    load_result,
    run_benchmark,
)
from srtctl.benchmarks._external import Command, extra_flags

LOGS = Path("/logs/job-42/benchmark")
TARGET = BenchmarkTarget(base_url="http://frontend-0:8000/", model="meta-llama/Llama-3.1-70B-Instruct", gpus=16)


def rendered(settings: Any, target: BenchmarkTarget = TARGET) -> list[list[str]]:
    """Each command the runner renders, as its environment assignments followed by its argv."""
    runner = get_runner(settings.type)
    assert isinstance(runner, ExternalRunner)
    commands = runner.commands(BenchmarkSpec(settings=settings, target=target), LOGS)
    return [[f"{name}={value}" for name, value in sorted(c.env.items())] + list(c.argv) for c in commands]


def test_sglang_bench_serving_command() -> None:
    settings = SglangBenchSettings(
        input_tokens=1024, output_tokens=256, concurrencies=(8, 64), args={"--flush-cache": True, "--tag": "x"}
    )
    assert rendered(settings) == snapshot(
        [
            [
                "python3",
                "-m",
                "sglang.bench_serving",
                "--backend",
                "sglang-oai",
                "--base-url",
                "http://frontend-0:8000",
                "--model",
                "meta-llama/Llama-3.1-70B-Instruct",
                "--tokenizer",
                "meta-llama/Llama-3.1-70B-Instruct",
                "--dataset-name",
                "random",
                "--random-input-len",
                "1024",
                "--random-output-len",
                "256",
                "--random-range-ratio",
                "1.0",
                "--num-prompts",
                "80",
                "--max-concurrency",
                "8",
                "--request-rate",
                "inf",
                "--warmup-requests",
                "8",
                "--seed",
                "0",
                "--output-file",
                "/logs/job-42/benchmark/sglang-bench.jsonl",
                "--flush-cache",
                "--tag",
                "x",
            ],
            [
                "python3",
                "-m",
                "sglang.bench_serving",
                "--backend",
                "sglang-oai",
                "--base-url",
                "http://frontend-0:8000",
                "--model",
                "meta-llama/Llama-3.1-70B-Instruct",
                "--tokenizer",
                "meta-llama/Llama-3.1-70B-Instruct",
                "--dataset-name",
                "random",
                "--random-input-len",
                "1024",
                "--random-output-len",
                "256",
                "--random-range-ratio",
                "1.0",
                "--num-prompts",
                "640",
                "--max-concurrency",
                "64",
                "--request-rate",
                "inf",
                "--warmup-requests",
                "64",
                "--seed",
                "0",
                "--output-file",
                "/logs/job-42/benchmark/sglang-bench.jsonl",
                "--flush-cache",
                "--tag",
                "x",
            ],
        ]
    )


def test_sglang_bench_serving_chat_with_rate_and_tokenizer() -> None:
    settings = SglangBenchSettings(
        api="chat", request_rate=12.5, num_prompts=100, warmup_requests=0, tokenizer="/models/llama", seed=3
    )
    assert rendered(settings) == snapshot(
        [
            [
                "python3",
                "-m",
                "sglang.bench_serving",
                "--backend",
                "sglang-oai-chat",
                "--base-url",
                "http://frontend-0:8000",
                "--model",
                "meta-llama/Llama-3.1-70B-Instruct",
                "--tokenizer",
                "/models/llama",
                "--dataset-name",
                "random",
                "--random-input-len",
                "1024",
                "--random-output-len",
                "128",
                "--random-range-ratio",
                "1.0",
                "--num-prompts",
                "100",
                "--max-concurrency",
                "1",
                "--request-rate",
                "12.5",
                "--warmup-requests",
                "0",
                "--seed",
                "3",
                "--output-file",
                "/logs/job-42/benchmark/sglang-bench.jsonl",
            ]
        ]
    )


def test_aiperf_command() -> None:
    settings = AiperfSettings(concurrencies=(4,), ttft_limit_ms=2000, itl_limit_ms=25, environment={"HF_HOME": "/hf"})
    assert rendered(settings) == snapshot(
        [
            [
                "HF_HOME=/hf",
                "aiperf",
                "profile",
                "--model",
                "meta-llama/Llama-3.1-70B-Instruct",
                "--url",
                "http://frontend-0:8000",
                "--endpoint-type",
                "chat",
                "--streaming",
                "--tokenizer",
                "meta-llama/Llama-3.1-70B-Instruct",
                "--concurrency",
                "4",
                "--request-count",
                "40",
                "--warmup-request-count",
                "4",
                "--synthetic-input-tokens-mean",
                "1024",
                "--synthetic-input-tokens-stddev",
                "0",
                "--output-tokens-mean",
                "128",
                "--output-tokens-stddev",
                "0",
                "--extra-inputs",
                "ignore_eos:true",
                "--random-seed",
                "0",
                "--artifact-dir",
                "/logs/job-42/benchmark/aiperf/concurrency_4",
                "--ui-type",
                "none",
                "--goodput",
                "time_to_first_token:2000 inter_token_latency:25",
            ]
        ]
    )


def test_aiperf_completions_with_rate() -> None:
    settings = AiperfSettings(api="completions", request_rate=2.0, concurrencies=(1,), args={"--verbose": True})
    assert rendered(settings) == snapshot(
        [
            [
                "aiperf",
                "profile",
                "--model",
                "meta-llama/Llama-3.1-70B-Instruct",
                "--url",
                "http://frontend-0:8000",
                "--endpoint-type",
                "completions",
                "--streaming",
                "--tokenizer",
                "meta-llama/Llama-3.1-70B-Instruct",
                "--concurrency",
                "1",
                "--request-count",
                "10",
                "--warmup-request-count",
                "1",
                "--synthetic-input-tokens-mean",
                "1024",
                "--synthetic-input-tokens-stddev",
                "0",
                "--output-tokens-mean",
                "128",
                "--output-tokens-stddev",
                "0",
                "--extra-inputs",
                "ignore_eos:true",
                "--random-seed",
                "0",
                "--artifact-dir",
                "/logs/job-42/benchmark/aiperf/concurrency_1",
                "--ui-type",
                "none",
                "--request-rate",
                "2.0",
                "--verbose",
            ]
        ]
    )


def test_mmlu_command_through_sglang_run_eval() -> None:
    assert rendered(AccuracySettings(type="mmlu", num_examples=200, max_tokens=2048, repeat=8)) == snapshot(
        [
            [
                "python3",
                "-m",
                "sglang.test.run_eval",
                "--base-url",
                "http://frontend-0:8000",
                "--model",
                "meta-llama/Llama-3.1-70B-Instruct",
                "--eval-name",
                "mmlu",
                "--num-threads",
                "64",
                "--repeat",
                "8",
                "--num-examples",
                "200",
                "--max-tokens",
                "2048",
            ]
        ]
    )


def test_gpqa_command_through_sglang_run_eval() -> None:
    assert rendered(AccuracySettings(type="gpqa", temperature=0.6, concurrency=128)) == snapshot(
        [
            [
                "python3",
                "-m",
                "sglang.test.run_eval",
                "--base-url",
                "http://frontend-0:8000",
                "--model",
                "meta-llama/Llama-3.1-70B-Instruct",
                "--eval-name",
                "gpqa",
                "--num-threads",
                "128",
                "--repeat",
                "1",
                "--temperature",
                "0.6",
            ]
        ]
    )


def test_mmlu_command_through_lm_eval() -> None:
    settings = AccuracySettings(type="mmlu", harness="lm-eval", num_shots=5, num_examples=100, concurrency=32)
    assert rendered(settings) == snapshot(
        [
            [
                "lm_eval",
                "--model",
                "local-completions",
                "--model_args",
                "model=meta-llama/Llama-3.1-70B-Instruct,base_url=http://frontend-0:8000/v1/completions,tokenizer=meta-llama/Llama-3.1-70B-Instruct,num_concurrent=32,max_retries=3,tokenized_requests=False",
                "--tasks",
                "mmlu",
                "--output_path",
                "/logs/job-42/benchmark/lm-eval",
                "--num_fewshot",
                "5",
                "--limit",
                "100",
            ]
        ]
    )


def test_gpqa_command_through_lm_eval() -> None:
    settings = AccuracySettings(type="gpqa", harness="lm-eval", max_tokens=4096, temperature=0.0)
    assert rendered(settings) == snapshot(
        [
            [
                "lm_eval",
                "--model",
                "local-completions",
                "--model_args",
                "model=meta-llama/Llama-3.1-70B-Instruct,base_url=http://frontend-0:8000/v1/completions,tokenizer=meta-llama/Llama-3.1-70B-Instruct,num_concurrent=64,max_retries=3,tokenized_requests=False",
                "--tasks",
                "gpqa_main_zeroshot",
                "--output_path",
                "/logs/job-42/benchmark/lm-eval",
                "--gen_kwargs",
                "max_gen_toks=4096,temperature=0.0",
            ]
        ]
    )


def test_custom_command() -> None:
    assert rendered(CustomSettings(command="python bench.py --url $SRT_BASE_URL")) == snapshot(
        [
            [
                "SRT_BASE_URL=http://frontend-0:8000",
                "SRT_GPUS=16",
                "SRT_LOG_DIR=/logs/job-42/benchmark",
                "SRT_MODEL=meta-llama/Llama-3.1-70B-Instruct",
                "bash",
                "-lc",
                "python bench.py --url $SRT_BASE_URL",
            ]
        ]
    )


def test_every_runner_uses_the_deployments_model_name() -> None:
    other = BenchmarkTarget(base_url="http://h:1", model="qwen/Qwen3-8B")
    for settings in (
        SglangBenchSettings(),
        AiperfSettings(),
        AccuracySettings(type="mmlu"),
        AccuracySettings(type="gpqa", harness="lm-eval"),
        AccuracySettings(type="gsm8k"),
    ):
        line = " ".join(rendered(settings, other)[0])
        assert "qwen/Qwen3-8B" in line
        assert "Llama" not in line and "DeepSeek" not in line


def test_extra_flags_spell_bare_flags_and_drop_false_ones() -> None:
    assert extra_flags({"--a": True, "--b": False, "--c": None, "--d": 3}) == ["--a", "--d", "3"]


def test_command_shell_line_quotes_arguments_and_shows_the_environment() -> None:
    command = Command(("tool", "a b", "--x=$Y"), {"Z": "1 2"})
    assert command.shell() == "Z='1 2' tool 'a b' '--x=$Y'"


def stand_in(directory: Path, name: str, body: str) -> str:
    """Write an executable Python script called `name` that plays an external tool."""
    path = directory / name
    path.write_text(f"#!{sys.executable}\nimport json, os, sys\nargs = sys.argv[1:]\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def spec(settings: Any, **target: Any) -> BenchmarkSpec:
    target = {"base_url": "http://127.0.0.1:1", "model": "m", "gpus": 2} | target
    return BenchmarkSpec(settings=settings, target=BenchmarkTarget(**target), job=JobInfo(name="j"))


SGLANG_LINE = {
    "backend": "sglang-oai", "request_rate": "inf", "max_concurrency": 4, "duration": 2.0, "completed": 40,
    "total_input_tokens": 4000, "total_output_tokens": 800, "request_throughput": 20.0, "output_throughput": 400.0,
    "mean_ttft_ms": 50.0, "median_ttft_ms": 48.0, "p99_ttft_ms": 90.0, "mean_tpot_ms": 10.0, "median_tpot_ms": 10.0,
    "p99_tpot_ms": 12.0, "mean_itl_ms": 10.0, "median_itl_ms": 9.5, "p95_itl_ms": 11.0, "p99_itl_ms": 13.0,
    "mean_e2e_latency_ms": 240.0, "median_e2e_latency_ms": 230.0, "p99_e2e_latency_ms": 300.0,
}  # fmt: skip


def test_sglang_bench_run_reads_each_levels_json_line(tmp_path: Path) -> None:
    line = json.dumps(SGLANG_LINE)
    python = stand_in(
        tmp_path,
        "python3",
        "out = args[args.index('--output-file') + 1]\n"
        "conc = int(args[args.index('--max-concurrency') + 1])\n"
        f"row = json.loads({line!r}); row['max_concurrency'] = conc\n"
        "open(out, 'a').write(json.dumps(row) + '\\n')\n"
        "print('bench_serving done')",
    )
    settings = SglangBenchSettings(python=python, concurrencies=(4, 8), num_prompts=40)
    result = run_benchmark(spec(settings), tmp_path / "logs")
    assert [run.concurrency for run in result.runs] == [4, 8]
    run = result.runs[0]
    assert (run.requests, run.completed, run.failed) == (40, 40, 0)
    assert run.output_token_throughput == pytest.approx(400.0)
    assert run.output_throughput_per_gpu == pytest.approx(200.0)
    assert run.ttft_ms is not None and (run.ttft_ms.mean, run.ttft_ms.p50, run.ttft_ms.p90) == (50.0, 48.0, None)
    assert run.e2e_ms is not None and run.e2e_ms.p99 == 300.0
    assert run.tokens_per_s_per_user == pytest.approx(100.0)
    log = (tmp_path / "logs" / "benchmark.out").read_text()
    assert log.count("bench_serving done") == 2
    assert "--max-concurrency 8" in log


AIPERF_EXPORT = {
    "records": {
        "request_count": {"unit": "requests", "avg": 30},
        "error_request_count": {"unit": "requests", "avg": 2},
        "benchmark_duration": {"unit": "sec", "avg": 3.0},
        "request_throughput": {"unit": "requests/sec", "avg": 10.0},
        "input_sequence_length": {"unit": "tokens", "avg": 100.0},
        "output_sequence_length": {"unit": "tokens", "avg": 20.0},
        "time_to_first_token": {"unit": "ms", "avg": 80.0, "p50": 75.0, "p90": 95.0, "p99": 120.0},
        "inter_token_latency": {"unit": "ms", "avg": 12.0, "p50": 12.0, "p90": 13.0, "p99": 15.0},
        "request_latency": {"unit": "ms", "avg": 310.0, "p50": 300.0, "p90": 350.0, "p99": 400.0},
        "goodput": {"unit": "requests/sec", "avg": 5.0},
    }
}


def test_aiperf_run_reads_the_export_of_each_level(tmp_path: Path) -> None:
    aiperf = stand_in(
        tmp_path,
        "aiperf",
        "out = args[args.index('--artifact-dir') + 1]\n"
        "os.makedirs(out, exist_ok=True)\n"
        f"open(os.path.join(out, 'profile_export_aiperf.json'), 'w').write({json.dumps(AIPERF_EXPORT)!r})",
    )
    result = run_benchmark(
        spec(AiperfSettings(executable=aiperf, ttft_limit_ms=100, max_error_rate=0.1)), tmp_path / "logs"
    )
    (run,) = result.runs
    assert (run.requests, run.completed, run.failed) == (32, 30, 2)
    assert run.output_tokens == 600
    assert run.output_token_throughput == pytest.approx(200.0)
    assert run.ttft_ms is not None and run.ttft_ms.p99 == 120.0
    assert run.tpot_ms == run.itl_ms
    assert run.goodput == pytest.approx(5.0)


def test_aiperf_without_an_export_fails_the_run(tmp_path: Path) -> None:
    aiperf = stand_in(tmp_path, "aiperf", "pass")
    with pytest.raises(BenchmarkFailedError, match="aiperf wrote no profile_export_aiperf.json"):
        run_benchmark(spec(AiperfSettings(executable=aiperf)), tmp_path / "logs")


def test_sglang_accuracy_run_reads_the_score(tmp_path: Path) -> None:
    python = stand_in(tmp_path, "python3", "print('Total latency: 12.000 s')\nprint('Score: 0.731')")
    result = run_benchmark(spec(AccuracySettings(type="mmlu", python=python, min_score=0.5)), tmp_path / "logs")
    assert [(s.task, s.metric, s.score) for s in result.accuracy] == [("mmlu", "score", 0.731)]


def test_sglang_accuracy_with_repeats_reads_the_mean(tmp_path: Path) -> None:
    python = stand_in(tmp_path, "python3", "print('Score: 0.5')\nprint('Repeat: 4, mean: 0.612')\nprint('Score: 0.7')")
    result = run_benchmark(spec(AccuracySettings(type="gpqa", python=python, repeat=4)), tmp_path / "logs")
    assert result.accuracy[0].score == 0.612


def test_lm_eval_run_reads_the_preferred_metric(tmp_path: Path) -> None:
    lm_eval = stand_in(
        tmp_path,
        "lm_eval",
        "out = args[args.index('--output_path') + 1]\n"
        "os.makedirs(os.path.join(out, 'model'), exist_ok=True)\n"
        "data = {'results': {'gsm8k': {'alias': 'gsm8k', 'exact_match_stderr,strict-match': 0.01,"
        " 'exact_match,strict-match': 0.82, 'exact_match,flexible-extract': 0.84}}}\n"
        "open(os.path.join(out, 'model', 'results_2026.json'), 'w').write(json.dumps(data))",
    )
    settings = AccuracySettings(type="gsm8k", harness="lm-eval", executable=lm_eval)
    result = run_benchmark(spec(settings), tmp_path / "logs")
    assert [(s.metric, s.score) for s in result.accuracy] == [("exact_match,strict-match", 0.82)]


def test_lm_eval_without_results_fails_the_gate(tmp_path: Path) -> None:
    from srtctl.benchmarks import InvalidResultError

    lm_eval = stand_in(tmp_path, "lm_eval", "pass")
    settings = AccuracySettings(type="mmlu", harness="lm-eval", executable=lm_eval)
    with pytest.raises(InvalidResultError, match="mmlu: the tool reported no score"):
        run_benchmark(spec(settings), tmp_path / "logs")


def test_failing_tool_fails_the_run_with_its_log_tail_and_records_why(tmp_path: Path) -> None:
    python = stand_in(tmp_path, "python3", "print('loading...')\nprint('CUDA error: out of memory')\nsys.exit(3)")
    with pytest.raises(BenchmarkFailedError) as caught:
        run_benchmark(spec(SglangBenchSettings(python=python, concurrencies=(2,))), tmp_path / "logs")
    message = str(caught.value)
    assert "(concurrency 2) exited with status 3" in message
    assert "CUDA error: out of memory" in message
    assert caught.value.log_path == tmp_path / "logs" / "benchmark.out"
    saved = load_result(tmp_path / "logs" / "results.json")
    assert not saved.is_valid
    assert "exited with status 3" in saved.problems[0]


def test_missing_tool_fails_the_run_naming_it(tmp_path: Path) -> None:
    settings = SglangBenchSettings(python=str(tmp_path / "no-such-python"))
    with pytest.raises(BenchmarkFailedError, match=r"cannot run '.*no-such-python': No such file"):
        run_benchmark(spec(settings), tmp_path / "logs")


def test_launcher_prefixes_the_command_and_the_api_key_travels_in_the_environment(tmp_path: Path) -> None:
    settings = CustomSettings(command='echo "launched=$LAUNCHED key=$OPENAI_API_KEY url=$SRT_BASE_URL"')
    config = BenchmarkSpec(
        settings=settings,
        target=BenchmarkTarget(base_url="http://h:8000", model="m", api_key="sekret"),
        launcher=("env", "LAUNCHED=yes"),
    )
    result = run_benchmark(config, tmp_path)
    log = (tmp_path / "benchmark.out").read_text()
    assert "launched=yes key=sekret url=http://h:8000" in log
    assert "$ SRT_BASE_URL=" in log and "sekret" not in log.splitlines()[0]
    assert result.is_valid


def test_custom_command_failure_fails_the_job(tmp_path: Path) -> None:
    with pytest.raises(BenchmarkFailedError, match="'bash' \\(custom\\) exited with status 4"):
        run_benchmark(spec(CustomSettings(command="exit 4")), tmp_path)


def test_stand_in_tools_see_the_callers_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SRTCTL_TEST_MARK", "present")
    run_benchmark(spec(CustomSettings(command="echo mark=$SRTCTL_TEST_MARK")), tmp_path)
    assert "mark=present" in (tmp_path / "benchmark.out").read_text()
    assert os.environ["SRTCTL_TEST_MARK"] == "present"
