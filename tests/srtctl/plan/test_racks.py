"""Plans on mocked SLURM racks like upstream's: an H100 rack of 13 x 8 GPUs and a GB200 rack of 18 x 4."""

import textwrap
from collections import Counter
from datetime import UTC, datetime

import pytest

from srtctl._exceptions import TopologyError
from srtctl.config import parse_config
from srtctl.plan import LaunchPlan, plan
from srtctl.plan.ports import JOB_SLOTS, PortKind, port_for
from srtctl.runtime.context import RuntimeContext

H100_RACK = {"SLURM_JOB_ID": "67890", "SLURM_JOB_NODELIST": "h100-[01-13]", "SRTCTL_JOB_DIR": "/out/67890"}
GB200_RACK = {"SLURM_JOB_ID": "12345", "SLURM_JOB_NODELIST": "gb200-[01-18]", "SRTCTL_JOB_DIR": "/out/12345"}
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def on_rack(rack: dict[str, str], resources: str, backend: str = "") -> LaunchPlan:
    text = "name: rack\nmodel: {path: hf:org/m, container: img:1}\nresources:\n" + textwrap.indent(
        textwrap.dedent(resources), "  "
    )
    config = parse_config(text + textwrap.dedent(backend))
    runtime = RuntimeContext.from_config(config, environ=rack, python="/usr/bin/python3", now=NOW)
    return plan(config, runtime=runtime)


def by_name(launch: LaunchPlan) -> dict[str, tuple[str, str]]:
    return {p.name: (p.node, p.environment.get("CUDA_VISIBLE_DEVICES", "")) for p in launch.processes}


def test_gb200_one_prefill_one_decode_take_one_node_each() -> None:
    launch = on_rack(
        GB200_RACK,
        "gpu_type: gb200\ngpus_per_node: 4\nprefill_nodes: 1\nprefill_workers: 1\ndecode_nodes: 1\ndecode_workers: 1\n",
    )
    assert by_name(launch) == {
        "prefill_w0": ("gb200-01", "0,1,2,3"),
        "decode_w0": ("gb200-02", "0,1,2,3"),
        "frontend_0": ("gb200-01", ""),
    }
    assert launch.runtime.log_dir == "/out/12345/12345_1P_1D_20261122-120000"


def test_gb200_wide_ep_spans_nodes_with_one_leader_per_worker() -> None:
    launch = on_rack(
        GB200_RACK,
        "gpu_type: gb200\ngpus_per_node: 4\nprefill_nodes: 4\nprefill_workers: 2\ndecode_nodes: 8\ndecode_workers: 1\n",
    )
    decode = launch.workers("decode")
    assert [p.node for p in decode] == [f"gb200-{i:02d}" for i in range(5, 13)]
    dist_init = port_for(PortKind.DIST_INIT, 12345 % JOB_SLOTS, 0)
    assert {p.argv[p.argv.index("--dist-init-addr") + 1] for p in decode} == {f"gb200-05:{dist_init}"}
    assert [p.argv[p.argv.index("--node-rank") + 1] for p in decode] == [str(r) for r in range(8)]
    assert all(p.argv[p.argv.index("--nnodes") + 1] == "8" for p in decode)
    assert [p.health_url is not None for p in decode] == [True] + [False] * 7


def test_multi_node_prefill_ranks_share_their_leaders_bootstrap_port() -> None:
    launch = on_rack(
        GB200_RACK,
        "gpu_type: gb200\ngpus_per_node: 4\nprefill_nodes: 2\nprefill_workers: 1\ndecode_nodes: 1\ndecode_workers: 1\n",
    )
    prefill = launch.workers("prefill")
    assert [p.node for p in prefill] == ["gb200-01", "gb200-02"]
    ports = {p.argv[p.argv.index("--disaggregation-bootstrap-port") + 1] for p in prefill}
    assert ports == {str(prefill[0].ports["bootstrap"])}
    router = launch.process("frontend_0").argv
    assert router[router.index("--prefill") + 1 : router.index("--prefill") + 3] == (
        f"http://gb200-01:{prefill[0].ports['http']}",
        str(prefill[0].ports["bootstrap"]),
    )


def test_h100_tensor_parallel_16_prefill_spans_two_nodes() -> None:
    launch = on_rack(
        H100_RACK,
        "gpu_type: h100\ngpus_per_node: 8\nprefill_nodes: 4\nprefill_workers: 2\ndecode_nodes: 4\ndecode_workers: 1\n",
        "backend:\n  prefill:\n    args: {tp-size: 16}\n",
    )
    assert [e.nodes for e in launch.endpoints] == [
        ("h100-01", "h100-02"),
        ("h100-03", "h100-04"),
        ("h100-05", "h100-06", "h100-07", "h100-08"),
    ]
    assert launch.sbatch.count("#SBATCH --nodes=8") == 1


def test_h100_small_prefill_and_a_whole_node_decode_never_share_a_node() -> None:
    launch = on_rack(
        H100_RACK,
        "gpu_type: h100\ngpus_per_node: 8\nprefill_nodes: 1\nprefill_workers: 3\n"
        "gpus_per_prefill: 2\ndecode_nodes: 4\ndecode_workers: 1\n",
    )
    assert {p.node for p in launch.workers("prefill")} == {"h100-01"}
    assert [p.node for p in launch.workers("decode")] == ["h100-02", "h100-03", "h100-04", "h100-05"]


def test_h100_decode_nodes_zero_shares_prefill_nodes_with_disjoint_gpus_covering_the_node() -> None:
    launch = on_rack(
        H100_RACK,
        "gpu_type: h100\ngpus_per_node: 8\nprefill_nodes: 2\nprefill_workers: 6\n"
        "gpus_per_prefill: 2\ndecode_nodes: 0\ndecode_workers: 2\n",
    )
    on_second = [p for p in launch.workers() if p.node == "h100-02"]
    gpus = [gpu for p in on_second for gpu in p.environment["CUDA_VISIBLE_DEVICES"].split(",")]
    assert sorted(gpus, key=int) == [str(g) for g in range(8)]
    assert {p.role for p in on_second} == {"prefill", "decode"}
    assert launch.sbatch.count("#SBATCH --nodes=2") == 1


def test_processes_sharing_a_node_get_distinct_ports() -> None:
    launch = on_rack(
        H100_RACK,
        "gpu_type: h100\ngpus_per_node: 8\nprefill_nodes: 1\nprefill_workers: 2\ndecode_nodes: 1\ndecode_workers: 2\n",
    )
    used = Counter((p.address, port) for p in launch.processes for port in set(p.ports.values()))
    assert max(used.values()) == 1
    prefill = launch.workers("prefill")
    assert [p.ports["http"] for p in prefill] == [10000, 10001]  # job 67890 is in port slot 0
    assert [p.ports["bootstrap"] for p in prefill] == [11000, 11001]


def test_a_job_larger_than_the_allocation_is_a_clear_error() -> None:
    with pytest.raises(TopologyError, match=r"the job needs 14 node\(s\) \(2P_1D\), but SLURM gave 13"):
        on_rack(
            H100_RACK,
            "gpu_type: h100\ngpus_per_node: 8\nprefill_nodes: 6\nprefill_workers: 2\n"
            "decode_nodes: 8\ndecode_workers: 1\n",
        )


def test_extra_nodes_in_the_allocation_are_left_out_of_the_plan() -> None:
    launch = on_rack(GB200_RACK, "gpu_type: gb200\ngpus_per_node: 4\nagg_nodes: 2\nagg_workers: 2\n")
    assert launch.runtime.nodes == ("gb200-01", "gb200-02")
