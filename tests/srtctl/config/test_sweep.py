"""Sweeps: grid and zip variants, each validated, each error naming its variant and line."""

import textwrap

import pytest

from srtctl._exceptions import ConfigError
from srtctl.config import parse_configs
from srtctl.config.sweep import MAX_VARIANTS

JOB = """\
name: sw
model: {path: hf:org/model}
resources:
  gpu_type: h100
  gpus_per_node: 8
  prefill_nodes: 1
  prefill_workers: 1
  decode_nodes: "{dn}"
  decode_workers: "{dn}"
benchmark:
  type: serving
  isl: "{isl}"
  osl: 128
  concurrencies: [1]
"""


def sweep(section: str, body: str = JOB) -> str:
    return "sweep:\n" + textwrap.indent(textwrap.dedent(section), "  ") + body


def test_grid_gives_every_combination_with_typed_values_and_names() -> None:
    configs = parse_configs(sweep("grid: {dn: [1, 2], isl: [128, 256]}\n"))
    assert [c.name for c in configs] == ["sw_dn1_isl128", "sw_dn1_isl256", "sw_dn2_isl128", "sw_dn2_isl256"]
    assert [(c.resources.decode_workers, c.benchmark.isl) for c in configs] == [(1, 128), (1, 256), (2, 128), (2, 256)]


def test_zip_takes_lists_position_by_position() -> None:
    configs = parse_configs(sweep("zip: {dn: [1, 2], isl: [128, 256]}\n"))
    assert [(c.resources.decode_workers, c.benchmark.isl) for c in configs] == [(1, 128), (2, 256)]


def test_grid_and_zip_combine() -> None:
    body = JOB.replace("osl: 128", "osl: '{osl}'")
    configs = parse_configs(sweep("grid: {dn: [1, 2]}\nzip: {isl: [128, 256], osl: [64, 32]}\n", body))
    assert len(configs) == 4
    assert configs[-1].name == "sw_dn2_isl256_osl32"


def test_a_placeholder_inside_text_takes_the_values_text() -> None:
    body = JOB.replace("name: sw", "name: 'sw-{dn}n'")
    configs = parse_configs(sweep("grid: {dn: [1, 2], isl: [128]}\n", body))
    assert [c.name for c in configs] == ["sw-1n", "sw-2n"]


def test_a_list_value_fills_a_whole_field() -> None:
    body = JOB.replace("concurrencies: [1]", "concurrencies: '{conc}'")
    configs = parse_configs(sweep("zip: {dn: [1, 1], isl: [1, 2], conc: [[1, 2], [4]]}\n", body))
    assert [c.benchmark.concurrencies for c in configs] == [(1, 2), (4,)]


def test_a_list_cannot_land_inside_text() -> None:
    body = JOB.replace("osl: 128", "osl: 'x{conc}'").replace("[1]\n", "[1]\nenvironment: {A: 'x{conc}'}\n")
    with pytest.raises(ConfigError, match="sweep parameter 'conc' is a list; it can only fill a whole value"):
        parse_configs(sweep("zip: {dn: [1], isl: [1], conc: [[1, 2]]}\n", body))


def test_ragged_zip_is_an_error() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_configs(sweep("zip: {dn: [1, 2], isl: [128]}\n"), file="job.yaml")
    assert str(caught.value) == "job.yaml:2 sweep.zip: zip lists must have the same length, got dn: 2, isl: 1"


def test_an_unused_parameter_is_an_error() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_configs(sweep("grid: {dn: [1], isl: [1], tp: [4, 8]}\n"), file="job.yaml")
    assert "job.yaml:2 sweep.grid.tp: parameter 'tp' is not used: no {tp} placeholder in the file" in str(caught.value)


def test_a_parameter_in_both_grid_and_zip_is_an_error() -> None:
    with pytest.raises(ConfigError, match="parameter 'dn' is in both grid and zip"):
        parse_configs(sweep("grid: {dn: [1], isl: [1]}\nzip: {dn: [1]}\n"))


def test_an_empty_sweep_is_an_error() -> None:
    with pytest.raises(ConfigError, match="sweep: expected at least one parameter under grid or zip"):
        parse_configs(sweep("grid: {}\n"))


def test_a_malformed_sweep_section_is_located() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_configs(sweep("grid: {dn: []}\nmode: zip\n"), file="job.yaml")
    message = str(caught.value)
    assert "job.yaml:2 sweep.grid.dn: must have at least 1 item(s)" in message
    assert "job.yaml:3 sweep.mode: unknown key; expected one of: grid, zip" in message


def test_a_huge_sweep_is_refused() -> None:
    many = list(range(MAX_VARIANTS + 1))
    with pytest.raises(ConfigError, match=f"expands to {MAX_VARIANTS + 1} variants"):
        parse_configs(sweep(f"grid: {{dn: {many}, isl: [1]}}\n"))


def test_an_invalid_variant_names_itself_and_its_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_configs(sweep("grid: {dn: [1, 0], isl: [1]}\n"), file="job.yaml")
    assert str(caught.value) == "job.yaml:11 resources.decode_workers (variant 'sw_dn0_isl1'): must be at least 1"


def test_a_variant_that_does_not_fit_is_a_topology_error_naming_the_variant() -> None:
    body = JOB.replace('decode_nodes: "{dn}"', "decode_nodes: 1")
    with pytest.raises(ConfigError) as caught:
        parse_configs(sweep("grid: {dn: [1, 16], isl: [1]}\n", body), file="job.yaml")
    assert str(caught.value).startswith(
        "job.yaml:11 resources.decode_workers (variant 'sw_dn16_isl1'): 1 node(s) × 8 GPUs do not split"
    )


def test_variant_names_must_differ() -> None:
    body = JOB.replace("name: sw", "name: same")
    body = body.replace("osl: 128", "osl: 128\n  num_prompts: '{n}'")
    with pytest.raises(ConfigError, match="two variants are both named"):
        parse_configs(sweep("grid: {dn: [1], isl: [1], n: [1, 2]}\n", body.replace("name: same", "name: 'x{dn}'")))


def test_select_picks_variants_by_name_or_glob() -> None:
    text = sweep("grid: {dn: [1, 2], isl: [128, 256]}\n")
    assert [c.name for c in parse_configs(text, select="sw_dn2_isl128")] == ["sw_dn2_isl128"]
    assert [c.name for c in parse_configs(text, select="*isl256")] == ["sw_dn1_isl256", "sw_dn2_isl256"]


def test_select_without_a_match_lists_the_variants() -> None:
    with pytest.raises(ConfigError, match="no variant matches 'nope'; the file has: sw_dn1_isl1"):
        parse_configs(sweep("grid: {dn: [1], isl: [1]}\n"), select="nope")


def test_literal_braces_survive_a_sweep() -> None:
    body = JOB.replace("concurrencies: [1]", "concurrencies: [1]\nenvironment: {X: '{{dn}}'}")
    (config,) = parse_configs(sweep("grid: {dn: [1], isl: [1]}\n", body))
    assert config.environment["X"] == "{{dn}}"


def test_parameter_names_must_be_identifiers() -> None:
    with pytest.raises(ConfigError, match="sweep.grid.bad-name: 'bad-name' does not match the pattern"):
        parse_configs(sweep("grid: {bad-name: [1], dn: [1], isl: [1]}\n"))


def test_booleans_and_nulls_name_variants_as_yaml_spells_them() -> None:
    body = JOB.replace("concurrencies: [1]", "concurrencies: [1]\nenvironment: {A: 'x{flag}'}")
    names = [c.name for c in parse_configs(sweep("grid: {dn: [1], isl: [1], flag: [true, null]}\n", body))]
    assert names == ["sw_dn1_isl1_flagtrue", "sw_dn1_isl1_flagnull"]
