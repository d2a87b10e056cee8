"""Backends behind one protocol: each builds its workers' commands and environment."""

from datetime import UTC, datetime

import pytest

from srtctl.backends import BACKENDS, Backend, DynamoBackend, MockBackend, SGLangBackend, get_backend, render_flags
from srtctl.config import parse_cluster, parse_config
from srtctl.plan import plan

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
JOB = """\
name: demo
model: {path: hf:org/model, served_model_name: m}
resources: {gpu_type: h100, gpus_per_node: 8, prefill_nodes: 2, prefill_workers: 1, decode_nodes: 1, decode_workers: 2}
"""


def plan_for(backend: str, extra: str = "", cluster: str = "") -> object:
    config = parse_config(JOB + f"backend:\n  type: {backend}\n" + extra)
    return plan(config, cluster=parse_cluster(cluster) if cluster else None, python="/py", now=NOW)


def flag(argv: tuple[str, ...], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_every_backend_is_registered_by_its_type() -> None:
    assert dict(BACKENDS) == {
        "sglang": SGLangBackend,
        "dynamo": DynamoBackend,
        "mock": MockBackend,
    }
    assert get_backend("mock") is MockBackend
    assert all(issubclass(cls, Backend) for cls in BACKENDS.values())


def test_render_flags_in_config_order() -> None:
    flags = {"a": "1", "b": True, "c": False, "d": None, "e": ("x", "y")}
    assert render_flags(flags) == ("--a", "1", "--b", "--e", "x", "y")


def test_sglang_prefill_leader_gets_mode_bootstrap_port_and_dist_init() -> None:
    launched = plan_for("sglang", "  prefill:\n    args: {tp-size: 16, chunked-prefill-size: 8192}\n")
    leader, follower = launched.workers("prefill")
    assert leader.argv[:3] == ("/py", "-m", "sglang.launch_server")
    assert flag(leader.argv, "--disaggregation-mode") == "prefill"
    assert flag(leader.argv, "--disaggregation-bootstrap-port") == str(leader.ports["bootstrap"])
    assert flag(follower.argv, "--dist-init-addr") == f"node0:{leader.ports['dist_init']}"
    assert (flag(follower.argv, "--nnodes"), flag(follower.argv, "--node-rank")) == ("2", "1")
    assert leader.argv[-4:] == ("--tp-size", "16", "--chunked-prefill-size", "8192")
    assert leader.argv.count("--tp-size") == 1


def test_sglang_derives_tensor_parallel_from_the_workers_gpus_when_no_size_is_set() -> None:
    decode = plan_for("sglang").workers("decode")[0]
    assert flag(decode.argv, "--tp-size") == "4"
    assert "--disaggregation-bootstrap-port" not in decode.argv


def test_sglang_workers_answer_health_on_their_leaders_http_port() -> None:
    prefill = plan_for("sglang").workers("prefill")
    assert prefill[0].health_url == f"http://node0:{prefill[0].ports['http']}/health"
    assert prefill[1].health_url is None


def test_sglang_aggregated_workers_have_no_disaggregation_flags() -> None:
    config = parse_config(
        JOB.replace(
            "prefill_nodes: 2, prefill_workers: 1, decode_nodes: 1, decode_workers: 2", "agg_nodes: 1, agg_workers: 2"
        )
    )
    worker = plan(config, now=NOW).workers("aggregated")[0]
    assert not any(arg.startswith("--disaggregation") for arg in worker.argv)


def test_dynamo_workers_register_through_etcd_on_the_head_node() -> None:
    launched = plan_for("dynamo", "  event_plane: zmq\n")
    worker = launched.workers("decode")[0]
    assert worker.argv[1:3] == ("-m", "dynamo.sglang")
    etcd = launched.process("etcd")
    assert worker.environment["ETCD_ENDPOINTS"] == f"http://node0:{etcd.ports['etcd_client']}"
    assert worker.environment["DYN_EVENT_PLANE"] == "zmq"
    assert "NATS_SERVER" not in worker.environment
    assert worker.environment["DYN_SYSTEM_PORT"] == str(worker.ports["system"])
    assert worker.health_url == f"http://node2:{worker.ports['system']}/health"
    assert [p.name for p in launched.processes if p.kind == "infra"] == ["etcd"]


def test_dynamo_starts_nats_only_when_a_plane_uses_it() -> None:
    launched = plan_for("dynamo", "  request_plane: nats\n")
    nats = launched.process("nats")
    assert nats.argv[:2] == ("nats-server", "-js")
    assert launched.workers()[0].environment["NATS_SERVER"] == f"nats://node0:{nats.ports['nats_client']}"


def test_dynamo_follower_ranks_answer_no_health_check() -> None:
    assert plan_for("dynamo").workers("prefill")[1].health_url is None


def test_the_cluster_names_the_etcd_and_nats_binaries() -> None:
    launched = plan_for("dynamo", "  request_plane: nats\n", "etcd_command: /opt/etcd\nnats_command: /opt/nats\n")
    assert (launched.process("etcd").argv[0], launched.process("nats").argv[0]) == ("/opt/etcd", "/opt/nats")


def test_mock_command_follows_the_agreed_contract() -> None:
    text = JOB.replace("prefill_nodes: 2", "prefill_nodes: 1")
    config = parse_config(text + "backend:\n  type: mock\n  prefill:\n    args: {prefill-ms-per-token: 0.5}\n")
    launched = plan(config, cluster=parse_cluster("node_addresses: {'*': 127.0.0.1}\n"), python="/py", now=NOW)
    prefill = launched.process("prefill_w0")
    assert prefill.argv == (
        "/py",
        "-m",
        "srtctl.mock_engine",
        "--host",
        "127.0.0.1",
        "--port",
        str(prefill.ports["http"]),
        "--role",
        "prefill",
        "--served-model-name",
        "m",
        "--disaggregation-bootstrap-port",
        str(prefill.ports["bootstrap"]),
        "--prefill-ms-per-token",
        "0.5",
    )
    decode = launched.process("decode_w0")
    assert flag(decode.argv, "--role") == "decode"
    assert "--disaggregation-bootstrap-port" not in decode.argv


@pytest.mark.parametrize("backend", ["sglang", "dynamo"])
def test_engines_bind_every_interface(backend: str) -> None:
    assert flag(plan_for(backend).workers()[0].argv, "--host") == "0.0.0.0"
