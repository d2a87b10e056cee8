"""From a job config's `benchmark:` block and its launch plan to what a runner takes."""

import textwrap
from datetime import UTC, datetime

import pytest

from srtctl.benchmarks import (
    AccuracySettings,
    AiperfSettings,
    BenchmarkConfigError,
    CustomSettings,
    ServingSettings,
    SglangBenchSettings,
    settings_from_config,
    spec_from_plan,
)
from srtctl.config import parse_cluster, parse_config
from srtctl.plan import plan

JOB = """\
name: llama-pd
model: {path: hf:meta-llama/Llama-3.1-8B-Instruct, served_model_name: llama-8b, precision: bf16}
resources: {gpu_type: h100, gpus_per_node: 8, prefill_nodes: 1, prefill_workers: 1, decode_nodes: 1, decode_workers: 1}
"""
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def benchmark(block: str) -> object:
    return parse_config(JOB + "benchmark:\n" + textwrap.indent(textwrap.dedent(block), "  ")).benchmark


def test_serving_block_maps_onto_serving_settings() -> None:
    settings = settings_from_config(
        benchmark("""\
        type: serving
        isl: 1024
        osl: 128
        concurrencies: 1x16x64
        request_rate: 20
        num_prompts: 200
        warmup_requests: 4
        max_error_rate: 0.01
        ttft_limit_ms: 2000
        itl_limit_ms: 25
        """)
    )
    assert settings == ServingSettings(
        input_tokens=1024,
        output_tokens=128,
        concurrencies=(1, 16, 64),
        request_rate=20.0,
        num_prompts=200,
        warmup_requests=4,
        max_error_rate=0.01,
        ttft_limit_ms=2000.0,
        itl_limit_ms=25.0,
    )


def test_sglang_bench_block_keeps_its_flags_and_environment() -> None:
    settings = settings_from_config(
        benchmark("""\
        type: sglang-bench
        isl: 512
        osl: 64
        concurrencies: [8]
        args: {flush_cache: true, tag: [a, b]}
        environment: {HF_HOME: /hf}
        """),
        python="/venv/bin/python",
    )
    assert isinstance(settings, SglangBenchSettings)
    assert settings.args == {"--flush-cache": True, "--tag": ("a", "b")}
    assert settings.environment == {"HF_HOME": "/hf"}
    assert settings.python == "/venv/bin/python"


def test_aiperf_block_keeps_the_goodput_limits() -> None:
    settings = settings_from_config(benchmark("{type: aiperf, isl: 10, osl: 5, concurrencies: [2], ttft_limit_ms: 9}"))
    assert isinstance(settings, AiperfSettings)
    assert settings.ttft_limit_ms == 9.0


@pytest.mark.parametrize("kind", ["mmlu", "gpqa", "gsm8k"])
def test_accuracy_blocks_map_onto_accuracy_settings(kind: str) -> None:
    settings = settings_from_config(benchmark(f"{{type: {kind}, num_examples: 50}}"))
    assert settings == AccuracySettings(type=kind, num_examples=50)  # type: ignore[arg-type]


def test_custom_block_keeps_its_command() -> None:
    settings = settings_from_config(benchmark("{type: custom, command: ./bench.sh}"))
    assert settings == CustomSettings(command="./bench.sh")


def test_type_none_means_no_benchmark() -> None:
    assert settings_from_config(benchmark("{type: none}")) is None


def test_tool_flags_on_the_built_in_benchmark_are_refused() -> None:
    with pytest.raises(BenchmarkConfigError, match="benchmark.args: the built-in serving benchmark takes no tool"):
        settings_from_config(benchmark("{type: serving, isl: 1, osl: 1, concurrencies: [1], args: {x: 1}}"))


def test_spec_from_plan_takes_the_model_url_and_gpus_from_the_deployment() -> None:
    config = parse_config(JOB + "benchmark: {type: sglang-bench, isl: 8, osl: 4, concurrencies: [2]}\n")
    spec = spec_from_plan(
        plan(config, output_base="/out", python="/py", now=NOW), launcher=("srun", "--overlap", "--ntasks=1")
    )
    assert spec is not None
    assert spec.target.model == "llama-8b"
    assert spec.target.base_url.startswith("http://") and spec.target.base_url.endswith(":8000")
    assert spec.target.gpus == 16
    assert spec.target.tokenizer == "meta-llama/Llama-3.1-8B-Instruct"
    assert spec.job.name == "llama-pd"
    labels = {"topology": "1P_1D", "backend": "sglang", "frontend": "sglang-router", "precision": "bf16"}
    assert spec.job.labels == labels
    assert spec.launcher == ("srun", "--overlap", "--ntasks=1")
    assert spec.settings.python == "/py"  # no container: the nodes' own interpreter


def test_spec_from_plan_uses_the_containers_python_for_tools() -> None:
    cluster = parse_cluster("name: c\ngpus_per_node: 8\n")
    job = JOB.replace("precision: bf16", "container: nvcr.io/x:1")
    config = parse_config(job + "benchmark: {type: mmlu}\n", cluster=cluster)
    spec = spec_from_plan(plan(config, cluster=cluster, output_base="/out", python="/py", now=NOW))
    assert spec is not None
    assert spec.settings.python == "python3"
    assert spec.job.labels["container"] == "nvcr.io/x:1"


def test_a_job_without_a_benchmark_has_no_spec() -> None:
    assert spec_from_plan(plan(parse_config(JOB), output_base="/out", python="/py", now=NOW)) is None
