"""Override files: base plus named variants, deep-merged, each validated, lines kept."""

import pytest

from srtctl._exceptions import ConfigError, TopologyError
from srtctl.config import parse_configs

FILE = """\
base:
  name: dsr1
  model: {path: hf:org/model}
  resources:
    gpu_type: h100
    gpus_per_node: 8
    prefill_nodes: 1
    prefill_workers: 1
    decode_nodes: 2
    decode_workers: 2
  backend:
    decode:
      args: {tp-size: 8, mem-fraction-static: 0.8}
  benchmark: {type: serving, isl: 1, osl: 1, concurrencies: [1, 2]}
override_small:
  resources: {decode_nodes: 1, decode_workers: 1}
  benchmark: {concurrencies: [64]}
override_named:
  name: other
  backend:
    decode:
      args: {mem-fraction-static: null}
"""


def test_every_variant_including_base_is_a_job() -> None:
    configs = parse_configs(FILE)
    assert [c.name for c in configs] == ["dsr1", "dsr1_small", "other"]


def test_mappings_merge_and_lists_replace() -> None:
    small = parse_configs(FILE, select="small")[0]
    assert (small.resources.decode_workers, small.resources.prefill_workers) == (1, 1)
    assert small.benchmark.concurrencies == (64,)


def test_null_removes_a_key() -> None:
    named = parse_configs(FILE, select="named")[0]
    assert named.backend.decode.args == {"tp-size": "8"}


def test_base_is_selected_by_its_label() -> None:
    assert [c.name for c in parse_configs(FILE, select="base")] == ["dsr1"]


def test_an_error_in_an_override_points_at_the_override_line() -> None:
    broken = FILE.replace("benchmark: {concurrencies: [64]}", "benchmark: {concurrencies: [0]}")
    with pytest.raises(ConfigError) as caught:
        parse_configs(broken, file="o.yaml")
    assert str(caught.value) == "o.yaml:17 benchmark.concurrencies[0] (variant 'dsr1_small'): must be at least 1"


def test_an_error_in_the_base_points_at_the_base_line_in_every_variant() -> None:
    broken = FILE.replace("gpus_per_node: 8", "gpus_per_node: 0")
    with pytest.raises(ConfigError) as caught:
        parse_configs(broken, file="o.yaml")
    assert [str(i) for i in caught.value.issues][
        0
    ] == "o.yaml:6 resources.gpus_per_node (variant 'dsr1'): must be at least 1"
    assert len(caught.value.issues) == 3


def test_a_variant_whose_parallelism_no_longer_matches_its_gpus_is_refused() -> None:
    # upstream's example override_tp64 set tp-size 64 on 8-GPU workers, and nothing flagged it
    tp64 = FILE + "override_tp64:\n  backend:\n    decode:\n      args: {tp-size: 64}\n"
    with pytest.raises(TopologyError) as caught:
        parse_configs(tp64, file="o.yaml")
    assert str(caught.value) == (
        "o.yaml:26 backend.decode.args.tp-size (variant 'dsr1_tp64'): tp-size 64 uses 64 GPU(s), but each decode "
        "worker has 8 (resources.gpus_per_decode)"
    )


def test_unknown_top_level_key_in_an_override_file_is_an_error() -> None:
    with pytest.raises(ConfigError, match="o.yaml:23 variant_x: unknown top-level key in an override file"):
        parse_configs(FILE + "variant_x: {}\n", file="o.yaml")


def test_an_override_must_be_a_mapping() -> None:
    with pytest.raises(ConfigError, match="override_bad: expected a mapping of settings, got list"):
        parse_configs(FILE + "override_bad: [1]\n")


def test_an_override_may_hold_a_sweep() -> None:
    text = FILE + "override_sweep:\n  sweep: {grid: {n: [1, 2]}}\n  benchmark: {num_prompts: '{n}'}\n"
    names = [c.name for c in parse_configs(text, select="sweep")]
    assert names == ["dsr1_sweep_n1", "dsr1_sweep_n2"]
