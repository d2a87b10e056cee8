"""srtslurm.yaml: an unknown key is an error; defaults fill what a job leaves out; aliases resolve."""

import textwrap
from pathlib import Path

import pytest

from srtctl._exceptions import ConfigError
from srtctl.config import ClusterConfig, find_cluster_file, load_cluster, parse_cluster, parse_config

JOB = """\
name: demo
model:
  path: dsr1
  container: sglang
resources:
  prefill_nodes: 1
  prefill_workers: 1
  decode_nodes: 1
  decode_workers: 1
"""

CLUSTER = """\
default_account: acct
default_partition: gpu
default_time_limit: "02:00:00"
gpus_per_node: 4
gpu_type: gb200
model_paths:
  dsr1: /models/DeepSeek-R1
containers:
  sglang: lmsysorg/sglang:v0.5.5
sbatch_directives:
  qos: normal
  exclusive: true
environment:
  A: cluster
  B: cluster
container_mounts:
  /scratch: /scratch
health_check:
  timeout_seconds: 600
"""


def test_unknown_key_is_an_error_with_its_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_cluster("default_account: a\ndefault_container: img\n", "srtslurm.yaml")
    message = str(caught.value)
    assert message.startswith("srtslurm.yaml:2 default_container: unknown key")
    assert "expected one of: name, default_account" in message


def test_a_bad_value_in_the_cluster_file_is_an_error() -> None:
    with pytest.raises(ConfigError, match="srtslurm.yaml:1 exclusive: expected true or false, got 'maybe'"):
        parse_cluster("exclusive: maybe\n", "srtslurm.yaml")


def test_defaults_and_aliases_fill_the_job() -> None:
    cluster = parse_cluster(CLUSTER)
    config = parse_config(JOB, cluster=cluster)
    assert config.model.path == "/models/DeepSeek-R1"
    assert config.model.container == "lmsysorg/sglang:v0.5.5"
    assert (config.slurm.account, config.slurm.partition, config.slurm.time_limit) == ("acct", "gpu", "02:00:00")
    assert (config.resources.gpus_per_node, config.resources.gpu_type) == (4, "gb200")
    assert config.slurm.sbatch_directives == {"qos": "normal", "exclusive": True}
    assert config.container_mounts == {"/scratch": "/scratch"}
    assert config.health_check.timeout_seconds == 600


def test_the_jobs_own_values_win_over_the_cluster_defaults() -> None:
    job = JOB + textwrap.dedent("""\
          gpus_per_node: 8
          gpu_type: h100
        slurm:
          account: mine
          sbatch_directives: {qos: high}
        environment: {B: job}
        health_check: {timeout_seconds: 60}
        """)
    config = parse_config(job, cluster=parse_cluster(CLUSTER))
    assert config.resources.gpus_per_node == 8
    assert config.slurm.account == "mine"
    assert config.slurm.sbatch_directives == {"qos": "high", "exclusive": True}
    assert config.environment == {"A": "cluster", "B": "job"}
    assert config.health_check.timeout_seconds == 60


def test_unknown_model_alias_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(JOB.replace("dsr1", "qwen"), file="job.yaml", cluster=parse_cluster(CLUSTER))
    assert str(caught.value) == (
        "job.yaml:3 model.path: 'qwen' is not an absolute path, hf:<org>/<repo>, or an alias from srtslurm.yaml "
        "model_paths (known aliases: dsr1)"
    )


def test_unknown_container_alias_without_a_cluster_file_says_there_are_none() -> None:
    text = JOB.replace("dsr1", "/models/m") + "  gpu_type: x\n  gpus_per_node: 8\n"
    with pytest.raises(
        ConfigError, match="job.yaml:4 model.container: 'sglang' is not an image .* defines no containers"
    ):
        parse_config(text, file="job.yaml")


def test_a_container_image_reference_needs_no_alias() -> None:
    text = JOB.replace("dsr1", "/models/m").replace("sglang", "nvcr.io#nvidia/sglang:1") + "  gpu_type: x\n"
    config = parse_config(text + "  gpus_per_node: 8\n")
    assert config.model.container == "nvcr.io#nvidia/sglang:1"


def test_malformed_hf_id_is_refused() -> None:
    text = JOB.replace("dsr1", "hf:just-a-name").replace("  container: sglang\n", "") + "  gpu_type: x\n"
    with pytest.raises(ConfigError, match="model.path: 'hf:just-a-name': expected hf:<org>/<repo>"):
        parse_config(text + "  gpus_per_node: 8\n")


def test_find_cluster_file_prefers_the_environment_variable(tmp_path: Path) -> None:
    named = tmp_path / "elsewhere.yaml"
    named.write_text("name: x\n")
    (tmp_path / "srtslurm.yaml").write_text("name: y\n")
    assert find_cluster_file(tmp_path, {"SRTSLURM_CONFIG": str(named)}) == named


def test_find_cluster_file_refuses_a_missing_named_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SRTSLURM_CONFIG=.* does not name a file"):
        find_cluster_file(tmp_path, {"SRTSLURM_CONFIG": str(tmp_path / "nope.yaml")})


def test_find_cluster_file_walks_up_from_the_job_directory(tmp_path: Path) -> None:
    (tmp_path / "srtslurm.yaml").write_text("name: y\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_cluster_file(deep, {}) == tmp_path / "srtslurm.yaml"


def test_find_cluster_file_returns_none_when_there_is_none(tmp_path: Path) -> None:
    found = find_cluster_file(tmp_path, {})
    assert found is None or found.parent != tmp_path


def test_load_cluster_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "srtslurm.yaml"
    path.write_text("gpus_per_node: 4\n")
    assert load_cluster(path) == ClusterConfig(gpus_per_node=4)


def test_load_cluster_of_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nope.yaml: cannot read the cluster file"):
        load_cluster(tmp_path / "nope.yaml")
