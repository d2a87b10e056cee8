"""Loading job files from disk: paths in errors, selectors, and single-job loading."""

from pathlib import Path

import pytest

from srtctl._exceptions import ConfigError
from srtctl.config import load_config, load_configs, split_selector

JOB = """\
name: demo
model: {path: hf:org/model}
resources: {gpu_type: h100, gpus_per_node: 8, agg_nodes: 1, agg_workers: 2}
"""


def test_errors_name_the_path_as_given(tmp_path: Path) -> None:
    path = tmp_path / "job.yaml"
    path.write_text(JOB.replace("agg_workers: 2", "agg_workers: 0"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}:3 resources.agg_workers: must be at least 1"


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing.yaml: cannot read the job file: No such file"):
        load_configs(tmp_path / "missing.yaml")


def test_load_config_refuses_a_file_of_several_jobs(tmp_path: Path) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text("sweep: {grid: {n: [1, 2]}}\n" + JOB.replace("agg_workers: 2", "agg_workers: '{n}'"))
    assert len(load_configs(path)) == 2
    with pytest.raises(ConfigError, match=r"describes 2 jobs \(demo_n1, demo_n2\); pick one with"):
        load_config(path)


def test_split_selector_splits_a_variant_off_a_file_name(tmp_path: Path) -> None:
    assert split_selector(f"{tmp_path}/job.yaml:small") == (tmp_path / "job.yaml", "small")
    assert split_selector("job.yaml") == (Path("job.yaml"), None)


def test_split_selector_keeps_an_existing_path_with_a_colon_whole(tmp_path: Path) -> None:
    path = tmp_path / "a:b.yaml"
    path.write_text(JOB)
    assert split_selector(str(path)) == (path, None)


def test_load_configs_applies_the_selector(tmp_path: Path) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text("sweep: {grid: {n: [1, 2]}}\n" + JOB.replace("agg_workers: 2", "agg_workers: '{n}'"))
    assert [c.name for c in load_configs(path, select="demo_n2")] == ["demo_n2"]
