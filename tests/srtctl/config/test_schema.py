"""The schema: each value checked on its own, and every error located as file:line path: what is expected."""

import textwrap

import pytest

from srtctl._exceptions import ConfigError
from srtctl.config import JobConfig, parse_config
from srtctl.config.schema import normalize_flag

BASE = """\
name: demo
model:
  path: hf:org/model
resources:
  gpu_type: h100
  gpus_per_node: 8
  prefill_nodes: 1
  prefill_workers: 1
  decode_nodes: 1
  decode_workers: 1
"""


def errors(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(textwrap.dedent(text), file="job.yaml")
    return str(caught.value)


def test_a_valid_job_loads_into_frozen_dataclasses() -> None:
    config = parse_config(BASE, file="job.yaml")
    assert isinstance(config, JobConfig)
    assert config.resources.decode_workers == 1
    with pytest.raises(AttributeError):
        config.name = "other"  # type: ignore[misc]


def test_worker_count_below_one_names_file_line_and_path() -> None:
    text = BASE.replace("decode_workers: 1", "decode_workers: 0")
    assert errors(text) == "job.yaml:10 resources.decode_workers: must be at least 1"


def test_unknown_key_suggests_the_closest_field() -> None:
    message = errors(BASE + "  decode_worker: 2\n")
    assert message.startswith("job.yaml:11 resources.decode_worker: unknown key (did you mean 'decode_workers'?)")
    assert "expected one of: gpu_type, gpus_per_node, prefill_nodes" in message


def test_unknown_top_level_key_lists_the_sections() -> None:
    assert "job.yaml:11 bogus: unknown key; expected one of: name, model, resources, slurm" in errors(
        BASE + "bogus: 1\n"
    )


def test_missing_required_field_points_at_its_section() -> None:
    text = BASE.replace("  gpu_type: h100\n", "")
    assert errors(text) == "job.yaml:4 resources.gpu_type: required, but missing"


def test_wrong_type_says_what_was_given() -> None:
    text = BASE.replace("gpus_per_node: 8", "gpus_per_node: eight")
    assert errors(text) == "job.yaml:6 resources.gpus_per_node: expected a whole number, got 'eight'"


def test_unknown_backend_type_lists_the_choices() -> None:
    message = errors(BASE + "backend:\n  type: vllm\n")
    assert message == "job.yaml:12 backend.type: expected 'sglang', 'dynamo' or 'mock', got 'vllm'"


def test_section_that_is_not_a_mapping_is_refused() -> None:
    assert errors(BASE + "slurm: 5\n") == "job.yaml:11 slurm: expected a mapping, got 5"


def test_every_problem_is_reported_in_line_order() -> None:
    text = BASE.replace("gpus_per_node: 8", "gpus_per_node: 0").replace("name: demo", "name: 'bad name'")
    lines = errors(text).splitlines()
    assert lines[0].startswith("job.yaml:1 name: 'bad name' is not a job name")
    assert lines[1] == "job.yaml:6 resources.gpus_per_node: must be at least 1"


def test_time_limit_accepts_slurm_formats() -> None:
    for value in ("30", "04:00:00", "1-00:00:00", "2-12", "UNLIMITED"):
        config = parse_config(BASE + f"slurm:\n  time_limit: '{value}'\n")
        assert config.slurm.time_limit == value


def test_time_limit_in_minutes_as_a_number_is_taken_as_text() -> None:
    assert parse_config(BASE + "slurm:\n  time_limit: 90\n").slurm.time_limit == "90"


def test_malformed_time_limit_says_which_formats_work() -> None:
    message = errors(BASE + "slurm:\n  time_limit: 4h\n")
    assert message.startswith("job.yaml:12 slurm.time_limit: '4h' is not a SLURM time limit; expected minutes")


def test_environment_numbers_become_text() -> None:
    config = parse_config(BASE + "environment:\n  PYTHONUNBUFFERED: 1\n  RATIO: 0.5\n")
    assert config.environment == {"PYTHONUNBUFFERED": "1", "RATIO": "0.5"}


def test_environment_booleans_must_be_quoted() -> None:
    message = errors(BASE + "environment:\n  FLAG: true\n")
    assert message == "job.yaml:12 environment.FLAG: expected a string; quote it ('1', 'true') so the value is exact"


def test_environment_name_must_be_a_variable_name() -> None:
    assert "'1BAD' is not a valid environment variable name" in errors(BASE + "environment:\n  1BAD: x\n")


def test_environment_placeholder_must_be_known() -> None:
    message = errors(BASE + "environment:\n  X: '{nodename}'\n")
    assert message.startswith("job.yaml:12 environment.X: unknown placeholder {nodename}; expected one of {job_id}")


def test_environment_may_use_runtime_placeholders_and_literal_braces() -> None:
    config = parse_config(BASE + "environment:\n  X: '{node}-{{literal}}'\n")
    assert config.environment["X"] == "{node}-{{literal}}"


def test_engine_flags_are_stored_in_kebab_case_with_their_values_as_text() -> None:
    text = BASE + textwrap.dedent("""\
        backend:
          prefill:
            args:
              tp_size: 8
              --mem-fraction-static: 0.85
              trust-remote-code: true
              skip: false
              cuda-graph-bs: [1, 2, 4]
              json-model-override-args: {a: 1}
        """)
    args = parse_config(text).backend.prefill.args
    assert args == {
        "tp-size": "8",
        "mem-fraction-static": "0.85",
        "trust-remote-code": True,
        "skip": False,
        "cuda-graph-bs": ("1", "2", "4"),
        "json-model-override-args": '{"a":1}',
    }


def test_the_same_flag_spelled_twice_is_refused() -> None:
    text = BASE + "backend:\n  prefill:\n    args:\n      tp_size: 8\n      tp-size: 8\n"
    assert "'tp_size' and 'tp-size' are the same flag --tp-size; keep one" in errors(text)


def test_flag_values_must_be_scalars_or_lists_of_them() -> None:
    text = BASE + "backend:\n  prefill:\n    args:\n      x: [[1]]\n"
    assert "backend.prefill.args.x: expected a string, a number" in errors(text)


def test_flag_name_must_look_like_a_flag() -> None:
    text = BASE + "backend:\n  prefill:\n    args:\n      'a b': 1\n"
    assert "'a b' is not a flag name" in errors(text)


def test_concurrencies_accept_the_x_form() -> None:
    text = BASE + "benchmark:\n  concurrencies: 16x32x64\n"
    assert parse_config(text).benchmark.concurrencies == (16, 32, 64)


def test_a_single_concurrency_becomes_a_list() -> None:
    assert parse_config(BASE + "benchmark:\n  concurrencies: 8\n").benchmark.concurrencies == (8,)


def test_malformed_concurrencies_are_refused() -> None:
    assert "'16xa' is not a list of concurrencies" in errors(BASE + "benchmark:\n  concurrencies: 16xa\n")


def test_request_rate_inf_means_unlimited() -> None:
    assert parse_config(BASE + "benchmark:\n  request_rate: inf\n").benchmark.request_rate is None
    assert parse_config(BASE + "benchmark:\n  request_rate: 2.5\n").benchmark.request_rate == 2.5


def test_container_mounts_must_be_absolute() -> None:
    assert "mount source 'data' must be an absolute path" in errors(BASE + "container_mounts:\n  data: /data\n")
    assert "mount target 'data' must be an absolute path" in errors(BASE + "container_mounts:\n  /data: data\n")


def test_container_mount_flags_are_ro_or_rw() -> None:
    assert parse_config(BASE + "container_mounts:\n  /data: /data:ro\n").container_mounts == {"/data": "/data:ro"}
    assert "mount flags 'z' are not supported" in errors(BASE + "container_mounts:\n  /data: /data:z\n")


def test_container_mounts_take_only_job_level_placeholders() -> None:
    assert parse_config(BASE + "container_mounts:\n  '{log_dir}/x': /x\n").container_mounts == {"{log_dir}/x": "/x"}
    assert "unknown placeholder {node}" in errors(BASE + "container_mounts:\n  /x/{node}: /x\n")


def test_sbatch_directive_values_are_text_or_flags() -> None:
    config = parse_config(BASE + "slurm:\n  sbatch_directives: {qos: high, exclusive: true, mem: 0, x: null}\n")
    assert config.slurm.sbatch_directives == {"qos": "high", "exclusive": True, "mem": "0", "x": None}


def test_sbatch_directive_value_must_be_a_scalar() -> None:
    assert "expected a string, a number, true/false or null" in errors(BASE + "slurm:\n  srun_options: {a: [1]}\n")


def test_served_model_name_defaults_to_the_hf_id_or_directory_name() -> None:
    assert parse_config(BASE).model.name == "org/model"
    local = parse_config(BASE.replace("hf:org/model", "/models/Qwen3-32B/"))
    assert local.model.name == "Qwen3-32B"
    named = parse_config(BASE.replace("  path: hf:org/model", "  path: hf:org/model\n  served_model_name: m"))
    assert named.model.name == "m"


def test_frontend_type_defaults_to_the_one_that_fits_the_backend() -> None:
    assert parse_config(BASE).frontend_type == "sglang-router"
    assert parse_config(BASE + "backend: {type: dynamo}\n").frontend_type == "dynamo"


@pytest.mark.parametrize(("spelled", "flag"), [("tp_size", "tp-size"), ("--tp-size", "tp-size"), (" x ", "x")])
def test_normalize_flag(spelled: str, flag: str) -> None:
    assert normalize_flag(spelled) == flag


def test_a_list_where_a_mapping_is_expected_is_named() -> None:
    assert errors(BASE + "environment: [1]\n") == "job.yaml:11 environment: expected a mapping, got a list"


def test_a_list_field_given_a_mapping_is_named() -> None:
    assert "benchmark.concurrencies: expected a list, got a mapping" in errors(
        BASE + "benchmark:\n  concurrencies: {}\n"
    )


def test_an_empty_string_is_named() -> None:
    assert "job.yaml:3 model.path: must not be empty" in errors(BASE.replace("hf:org/model", "''"))


def test_a_number_field_given_text_is_named() -> None:
    message = errors(BASE + "health_check:\n  timeout_seconds: soon\n")
    assert message == "job.yaml:12 health_check.timeout_seconds: expected a number, got 'soon'"


def test_a_fraction_above_one_is_named() -> None:
    assert "benchmark.max_error_rate: must be at most 1" in errors(BASE + "benchmark:\n  max_error_rate: 2\n")


def test_a_rate_of_zero_is_named() -> None:
    assert "benchmark.request_rate: must be greater than 0" in errors(BASE + "benchmark:\n  request_rate: 0\n")


def test_a_name_too_long_is_named() -> None:
    assert "name: must be at most 200 characters" in errors(BASE.replace("name: demo", "name: " + "a" * 201))


def test_a_flag_list_of_something_other_than_text_or_numbers_is_refused() -> None:
    text = BASE + "backend:\n  prefill:\n    args:\n      x: [true]\n"
    assert "backend.prefill.args.x: expected a string, a number" in errors(text)
