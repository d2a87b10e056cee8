"""Frontends: their commands, and the pure health-check parsers."""

from datetime import UTC, datetime

from srtctl.config import parse_config
from srtctl.frontends import (
    FRONTENDS,
    DynamoFrontend,
    SGLangRouterFrontend,
    check_dynamo_health,
    check_sglang_router_health,
    get_frontend,
)
from srtctl.plan import plan

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
AGG = """\
name: demo
model: {path: hf:org/model}
resources: {gpu_type: h100, gpus_per_node: 8, agg_nodes: 1, agg_workers: 2}
"""


def test_registry() -> None:
    assert dict(FRONTENDS) == {"sglang-router": SGLangRouterFrontend, "dynamo": DynamoFrontend}
    assert get_frontend("dynamo") is DynamoFrontend


def test_router_over_aggregated_workers_lists_worker_urls() -> None:
    launched = plan(parse_config(AGG + "frontend: {args: {policy: round_robin}}\n"), now=NOW)
    router = launched.process("frontend_0").argv
    urls = [f"http://node0:{p.ports['http']}" for p in launched.workers()]
    assert router[router.index("--worker-urls") + 1 :] == (*urls, "--policy", "round_robin")
    assert "--pd-disaggregation" not in router
    assert router[router.index("--prometheus-port") + 1] == str(
        launched.process("frontend_0").ports["frontend_metrics"]
    )


def test_dynamo_frontend_discovers_workers_itself() -> None:
    launched = plan(parse_config(AGG + "backend: {type: dynamo}\nfrontend: {args: {router-mode: kv}}\n"), now=NOW)
    frontend = launched.process("frontend_0")
    assert frontend.argv[1:] == ("-m", "dynamo.frontend", "--http-port", "8000", "--router-mode", "kv")
    assert frontend.environment["ETCD_ENDPOINTS"] == "http://node0:8400"
    assert launched.health.url == "http://node0:8000/health"


# -- check_dynamo_health --------------------------------------------------------------------------------------


def instance(component: str, endpoint: str = "generate", instance_id: int | None = None) -> dict:
    entry = {"component": component, "endpoint": endpoint, "namespace": "dynamo"}
    if instance_id is not None:
        entry["instance_id"] = instance_id
    return entry


def test_dynamo_counts_generate_endpoints_by_component() -> None:
    body = {
        "instances": [
            instance("prefill", instance_id=1),
            instance("decode", instance_id=2),
            instance("decode", instance_id=3),
            instance("prefill", "clear_kv_blocks", 1),
        ]
    }
    report = check_dynamo_health(body, expected_prefill=1, expected_decode=2)
    assert (report.ready, report.prefill, report.decode) == (True, 1, 2)
    assert report.detail == "prefill 1/1, decode 2/2"


def test_dynamo_counts_aggregated_and_trtllm_workers_as_decode() -> None:
    body = {"instances": [instance("backend", instance_id=1), instance("tensorrt_llm", instance_id=2)]}
    assert check_dynamo_health(body, 0, 2).ready


def test_dynamo_is_not_ready_until_every_worker_is_up() -> None:
    report = check_dynamo_health({"instances": [instance("decode")]}, 1, 1)
    assert (report.ready, report.detail) == (False, "prefill 0/1, decode 1/1")


def test_dynamo_counts_an_instance_listed_twice_once() -> None:
    body = {"instances": [instance("decode", instance_id=7), instance("decode", instance_id=7)]}
    assert check_dynamo_health(body, 0, 1).decode == 1


def test_dynamo_without_instances_is_not_ready() -> None:
    report = check_dynamo_health({"status": "healthy"}, 0, 1)
    assert (report.ready, report.detail) == (False, "no instances list in the response")


def test_dynamo_ignores_unknown_components_and_junk_entries() -> None:
    body = {"instances": ["junk", instance("frontend"), instance("decode")]}
    assert (check_dynamo_health(body, 0, 1).decode, check_dynamo_health(body, 0, 1).ready) == (1, True)


def test_dynamo_body_that_is_not_an_object_is_not_ready() -> None:
    assert check_dynamo_health(["x"], 0, 0).detail == "the response is not a JSON object"


# -- check_sglang_router_health -------------------------------------------------------------------------------


def worker(kind: str, healthy: bool = True) -> dict:
    return {"id": "x", "url": "http://a:1", "worker_type": kind, "is_healthy": healthy}


def test_router_counts_healthy_workers_by_type() -> None:
    body = {
        "workers": [worker("prefill"), worker("decode"), worker("decode", healthy=False)],
        "total": 3,
        "stats": {"prefill_count": 1, "decode_count": 2, "regular_count": 0},
    }
    report = check_sglang_router_health(body, 1, 2)
    assert (report.ready, report.prefill, report.decode) == (False, 1, 1)
    assert report.detail == "prefill 1/1, decode 1/2 (1 unhealthy)"


def test_router_regular_workers_count_as_decode() -> None:
    body = {"workers": [worker("regular"), worker("regular"), {"junk": 1}], "total": 2}
    assert check_sglang_router_health(body, 0, 2).ready


def test_router_falls_back_to_stats_without_a_worker_list() -> None:
    body = {"stats": {"prefill_count": 2, "decode_count": 1, "regular_count": 1}}
    report = check_sglang_router_health(body, 2, 2)
    assert (report.ready, report.prefill, report.decode) == (True, 2, 2)


def test_router_ignores_non_numeric_stats() -> None:
    assert check_sglang_router_health({"stats": {"prefill_count": "2", "decode_count": True}}, 1, 0).prefill == 0


def test_router_just_started_with_no_workers_is_not_ready() -> None:
    report = check_sglang_router_health({"workers": [], "total": 0, "stats": {}}, 1, 1)
    assert (report.ready, report.detail) == (False, "prefill 0/1, decode 0/1")


def test_router_response_without_workers_or_stats_is_not_ready() -> None:
    assert check_sglang_router_health({}, 1, 1).detail == "neither workers nor stats in the response"
    assert check_sglang_router_health("OK", 1, 1).detail == "the response is not a JSON object"


def test_the_frontend_classes_use_their_parsers() -> None:
    assert SGLangRouterFrontend.check_health({"workers": [worker("regular")]}, 0, 1).ready
    assert DynamoFrontend.check_health({"instances": [instance("backend")]}, 0, 1).ready
