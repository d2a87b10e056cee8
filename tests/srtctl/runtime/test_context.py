"""RuntimeContext: computed once from config, cluster and an environment passed in as a dict."""

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest

from srtctl._exceptions import ConfigError, TopologyError
from srtctl.config import parse_cluster, parse_config
from srtctl.runtime.context import RuntimeContext, expand_hostlist

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
JOB = """\
name: demo
model: {path: /models/m, container: img:1}
resources: {gpu_type: h100, gpus_per_node: 8, prefill_nodes: 1, prefill_workers: 1, decode_nodes: 4, decode_workers: 4}
container_mounts: {'/data/{job_id}': /data}
"""
ENV = {"SLURM_JOB_ID": "12345", "SLURM_JOB_NODELIST": "gpu-[01-05]"}


@pytest.mark.parametrize(
    ("hostlist", "hosts"),
    [
        ("node1", ("node1",)),
        ("gpu[01-03,07],login1", ("gpu01", "gpu02", "gpu03", "gpu07", "login1")),
        ("r[1-2]n[1-2]", ("r1n1", "r1n2", "r2n1", "r2n2")),
        ("a[8-10]", ("a8", "a9", "a10")),
        ("a[008-010]", ("a008", "a009", "a010")),
        ("x-[1,3]-y", ("x-1-y", "x-3-y")),
        ("", ()),
    ],
)
def test_expand_hostlist(hostlist: str, hosts: tuple[str, ...]) -> None:
    assert expand_hostlist(hostlist) == hosts


@pytest.mark.parametrize(
    ("hostlist", "message"),
    [
        ("a[1-2", "unbalanced '\\['"),
        ("a1-2]", "unbalanced '\\]'"),
        ("a[2-1]", "descending range"),
        ("a[x]", "malformed range"),
    ],
)
def test_malformed_hostlists_are_refused(hostlist: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        expand_hostlist(hostlist)


def test_from_config_reads_job_id_and_nodes_from_the_environment() -> None:
    runtime = RuntimeContext.from_config(parse_config(JOB), environ=ENV, now=NOW, output_base="/o")
    assert runtime.job_id == "12345"
    assert runtime.nodes == ("gpu-01", "gpu-02", "gpu-03", "gpu-04", "gpu-05")
    assert runtime.head_node == "gpu-01"
    assert runtime.run_name == "demo_12345"
    assert runtime.port_slot == 12345 % 30
    assert not runtime.is_preview


def test_the_log_dir_names_job_shape_and_utc_time() -> None:
    local = NOW.astimezone(timezone(timedelta(hours=-5)))
    runtime = RuntimeContext.from_config(parse_config(JOB), environ=ENV, now=local, output_base="/o")
    assert runtime.output_dir == "/o/12345"
    assert runtime.log_dir == "/o/12345/12345_1P_4D_20261122-120000"


def test_the_job_dir_from_the_sbatch_script_wins() -> None:
    env = {**ENV, "SRTCTL_JOB_DIR": "/shared/out/12345"}
    runtime = RuntimeContext.from_config(parse_config(JOB), environ=env, now=NOW, output_base="/ignored")
    assert (runtime.output_base, runtime.output_dir) == ("/shared/out", "/shared/out/12345")


def test_the_older_variable_names_are_read_too() -> None:
    runtime = RuntimeContext.from_config(parse_config(JOB), environ={"SLURM_JOBID": "9", "SLURM_NODELIST": "n[1-5]"})
    assert (runtime.job_id, runtime.nodes[-1]) == ("9", "n5")


def test_an_explicit_job_id_and_hostnames_need_no_environment() -> None:
    runtime = RuntimeContext.from_config(parse_config(JOB), 7, environ={}, hostnames=[f"h{i}" for i in range(5)])
    assert (runtime.job_id, runtime.nodes[0]) == ("7", "h0")


def test_missing_job_id_or_nodelist_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="SLURM_JOB_ID is not set"):
        RuntimeContext.from_config(parse_config(JOB), environ={})
    with pytest.raises(ConfigError, match="SLURM_JOB_NODELIST is not set"):
        RuntimeContext.from_config(parse_config(JOB), environ={"SLURM_JOB_ID": "1"})


def test_an_unreadable_nodelist_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="SLURM_JOB_NODELIST: unbalanced"):
        RuntimeContext.from_config(parse_config(JOB), environ={"SLURM_JOB_ID": "1", "SLURM_JOB_NODELIST": "a[1"})


def test_too_few_nodes_is_a_topology_error() -> None:
    with pytest.raises(TopologyError, match=r"needs 5 node\(s\) \(1P_4D\), but SLURM gave 2: a, b"):
        RuntimeContext.from_config(parse_config(JOB), environ={"SLURM_JOB_ID": "1", "SLURM_JOB_NODELIST": "a,b"})


def test_addresses_come_from_the_caller_then_the_cluster_then_the_name() -> None:
    cluster = parse_cluster("node_addresses: {gpu-01: 10.0.0.1, gpu-02: 10.0.0.2}\n")
    runtime = RuntimeContext.from_config(
        parse_config(JOB), environ=ENV, cluster=cluster, addresses={"gpu-02": "192.168.0.2"}
    )
    assert [runtime.address(n) for n in runtime.nodes[:3]] == ["10.0.0.1", "192.168.0.2", "gpu-03"]


def test_a_wildcard_address_covers_every_node() -> None:
    cluster = parse_cluster("node_addresses: {'*': 127.0.0.1, gpu-01: 10.0.0.1}\n")
    runtime = RuntimeContext.from_config(parse_config(JOB), environ=ENV, cluster=cluster)
    assert [runtime.address(n) for n in runtime.nodes[:2]] == ["10.0.0.1", "127.0.0.1"]


def test_container_mounts_logs_model_then_the_jobs_own() -> None:
    runtime = RuntimeContext.from_config(parse_config(JOB), environ=ENV, now=NOW, output_base="/o")
    log_dir = "/o/12345/12345_1P_4D_20261122-120000"
    assert runtime.container_mounts == (f"{log_dir}:/logs", "/models/m:/model:ro", "/data/12345:/data")
    assert (runtime.model_path, runtime.engine_python) == ("/model", "python3")


def test_without_a_container_engines_use_the_host_path_and_python() -> None:
    config = parse_config(JOB.replace(", container: img:1", ""))
    runtime = RuntimeContext.from_config(config, environ=ENV, python="/venv/bin/python")
    assert runtime.container_mounts == ()
    assert (runtime.model_path, runtime.engine_python, runtime.python) == (
        "/models/m",
        "/venv/bin/python",
        "/venv/bin/python",
    )


def test_a_hugging_face_model_is_passed_by_id_and_not_mounted() -> None:
    config = parse_config(JOB.replace("/models/m", "hf:org/m"))
    runtime = RuntimeContext.from_config(config, environ=ENV)
    assert runtime.model_path == "org/m"
    assert not any(mount.endswith(":/model:ro") for mount in runtime.container_mounts)


def test_the_cluster_python_is_used_when_none_is_given() -> None:
    runtime = RuntimeContext.from_config(parse_config(JOB), environ=ENV, cluster=parse_cluster("python: /opt/py\n"))
    assert runtime.python == "/opt/py"


def test_preview_stands_in_for_the_allocation() -> None:
    runtime = RuntimeContext.preview(parse_config(JOB), output_base="/o", now=NOW)
    assert runtime.is_preview
    assert runtime.nodes == ("node0", "node1", "node2", "node3", "node4")
    assert (runtime.job_id, runtime.port_slot) == ("JOBID", 0)


def test_preview_of_a_given_job_and_nodes() -> None:
    runtime = RuntimeContext.preview(parse_config(JOB), job_id=31, hostnames=[f"g{i}" for i in range(6)])
    assert (runtime.job_id, runtime.port_slot, runtime.nodes[-1]) == ("31", 1, "g4")


def test_fill_replaces_known_placeholders_and_unescapes_braces() -> None:
    runtime = RuntimeContext.from_config(parse_config(JOB), environ=ENV, now=NOW, output_base="/o")
    assert runtime.fill("{job_id}/{node}/{{x}}/{unknown}", node="gpu-01") == "12345/gpu-01/{x}/{unknown}"


def test_the_context_is_frozen() -> None:
    runtime = RuntimeContext.from_config(parse_config(JOB), environ=ENV)
    with pytest.raises(dataclasses.FrozenInstanceError):
        runtime.job_id = "1"  # type: ignore[misc]
