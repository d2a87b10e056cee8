"""Runner settings parsed from a job config's `benchmark:` block."""

import pytest

from srtctl.benchmarks import (
    AccuracySettings,
    AiperfSettings,
    BenchmarkConfigError,
    CustomSettings,
    ServingSettings,
    SglangBenchSettings,
    parse_settings,
)
from srtctl.benchmarks._settings import settings_dict, settings_schema


@pytest.mark.parametrize(
    ("block", "kind"),
    [
        ({"type": "serving"}, ServingSettings),
        ({"type": "sglang-bench", "concurrencies": [4]}, SglangBenchSettings),
        ({"type": "aiperf"}, AiperfSettings),
        ({"type": "gpqa", "harness": "lm-eval"}, AccuracySettings),
        ({"type": "custom", "command": "echo hi"}, CustomSettings),
    ],
)
def test_type_picks_the_settings_class(block: dict[str, object], kind: type) -> None:
    assert isinstance(parse_settings(block), kind)


def test_values_are_validated_and_converted() -> None:
    settings = parse_settings({"type": "serving", "concurrencies": [1, 16], "input_tokens": 2048, "request_rate": 5})
    assert settings.concurrencies == (1, 16)
    assert settings.input_tokens == 2048
    assert settings.request_rate == 5.0


def test_every_problem_is_reported_with_its_field() -> None:
    with pytest.raises(BenchmarkConfigError) as caught:
        parse_settings({"type": "serving", "concurrencies": [0], "output_tokens": -1, "colour": "red"})
    message = str(caught.value)
    assert "benchmark.concurrencies.0: Input should be greater than 0" in message
    assert "benchmark.output_tokens: Input should be greater than 0" in message
    assert "benchmark.colour: Unexpected keyword argument" in message


def test_unknown_type_is_reported() -> None:
    with pytest.raises(BenchmarkConfigError, match="benchmark.type"):
        parse_settings({"type": "vllm-bench"})


def test_empty_concurrency_list_is_refused() -> None:
    with pytest.raises(BenchmarkConfigError, match="benchmark.concurrencies"):
        parse_settings({"type": "serving", "concurrencies": []})


def test_requests_default_to_ten_per_slot_and_warmup_to_one_wave() -> None:
    settings = ServingSettings(concurrencies=(8,))
    assert (settings.requests_at(8), settings.warmup_at(8)) == (80, 8)
    explicit = ServingSettings(num_prompts=50, warmup_requests=0)
    assert (explicit.requests_at(8), explicit.warmup_at(8)) == (50, 0)


def test_settings_dict_is_json_ready() -> None:
    data = settings_dict(ServingSettings(concurrencies=(1, 2)))
    assert data["type"] == "serving"
    assert data["concurrencies"] == [1, 2]


def test_schema_tells_runners_apart_by_type() -> None:
    schema = settings_schema()
    assert schema["discriminator"]["propertyName"] == "type"
    assert set(schema["discriminator"]["mapping"]) == {
        "serving", "sglang-bench", "aiperf", "mmlu", "gpqa", "gsm8k", "custom"
    }  # fmt: skip


def test_benchmark_errors_are_srtctl_errors_and_config_problems_are_config_errors() -> None:
    from srtctl import ConfigError, SrtctlError
    from srtctl.benchmarks import BenchmarkError

    with pytest.raises(ConfigError) as caught:
        parse_settings({"type": "serving", "input_tokens": 0})
    assert isinstance(caught.value, BenchmarkError)
    assert isinstance(caught.value, SrtctlError)
    assert "benchmark.input_tokens" in str(caught.value)
