"""Topology checks before anything is submitted: one test per defect in the upstream report's list (§9),
each showing the clear, located error that replaces a failure inside a queued job."""

import textwrap

import pytest

from srtctl._exceptions import ConfigError, TopologyError
from srtctl.config import parse_cluster, parse_config
from srtctl.config.schema import ResourcesConfig
from srtctl.plan import check_job, plan, resolve_topology
from srtctl.plan.ports import JOB_SLOTS, PORT_TABLE, PortKind, port_for
from srtctl.runtime.context import RuntimeContext

HEAD = "name: t\nmodel: {path: hf:org/model}\n"


def load(text: str):
    return parse_config(HEAD + textwrap.dedent(text), file="job.yaml")


def error(text: str, kind: type[ConfigError] = TopologyError) -> str:
    with pytest.raises(kind) as caught:
        load(text)
    return str(caught.value)


DISAGG = """\
resources:
  gpu_type: h100
  gpus_per_node: 8
  prefill_nodes: 1
  prefill_workers: 1
  decode_nodes: 1
  decode_workers: 1
"""


# -- §9: the topology was not checked against the node budget before submit -------------------------------


def test_oversubscribed_topology_is_refused_at_load() -> None:
    # upstream: 2 prefill workers x 8 GPUs on 1 node of 4 GPUs passed load, validate and preflight
    text = "resources: {gpu_type: gb200, gpus_per_node: 4, prefill_nodes: 1, prefill_workers: 2, gpus_per_prefill: 8,"
    text += " decode_nodes: 1, decode_workers: 1}\n"
    assert error(text) == (
        "job.yaml:3 resources.prefill_workers: 2 prefill worker(s) × 8 GPUs need 4 node(s) of 4 GPUs, "
        "but prefill_nodes is 1"
    )


def test_a_multi_node_worker_that_is_not_whole_nodes_is_refused_instead_of_rounded_up() -> None:
    text = DISAGG.replace("gpus_per_node: 8", "gpus_per_node: 4").replace("prefill_nodes: 1", "prefill_nodes: 2")
    text += "  gpus_per_prefill: 6\n"
    assert error(text) == (
        "job.yaml:10 resources.gpus_per_prefill: a prefill worker with 6 GPUs spans nodes of 4 GPUs; a worker larger "
        "than a node takes whole nodes, so give it a multiple of 4 GPUs"
    )


def test_workers_that_do_not_divide_the_nodes_evenly_are_refused() -> None:
    text = DISAGG.replace("prefill_workers: 1", "prefill_workers: 3")
    assert error(text) == (
        "job.yaml:7 resources.prefill_workers: 1 node(s) × 8 GPUs do not split evenly among 3 prefill workers; "
        "set gpus_per_prefill"
    )


def test_nodes_the_workers_would_leave_idle_are_refused() -> None:
    text = DISAGG.replace("decode_nodes: 1", "decode_nodes: 3") + "  gpus_per_decode: 8\n"
    assert error(text) == (
        "job.yaml:8 resources.decode_nodes: is 3, but 1 decode worker(s) × 8 GPUs fill only 1 node(s) of 8 GPUs; "
        "the rest would sit idle, so set decode_nodes: 1"
    )


def test_decode_nodes_zero_must_fit_in_the_prefill_nodes_free_gpus() -> None:
    text = DISAGG.replace("decode_nodes: 1", "decode_nodes: 0") + "  gpus_per_prefill: 4\n  gpus_per_decode: 4\n"
    text = text.replace("decode_workers: 1", "decode_workers: 2")
    assert error(text) == (
        "job.yaml:9 resources.decode_workers: 2 decode worker(s) × 4 GPUs do not fit in the 4 GPUs the prefill "
        "workers leave free on their 1 node(s) (decode_nodes is 0)"
    )


def test_decode_nodes_zero_needs_decode_workers_smaller_than_a_node() -> None:
    text = DISAGG.replace("decode_nodes: 1", "decode_nodes: 0") + "  gpus_per_prefill: 4\n  gpus_per_decode: 8\n"
    assert "resources.decode_nodes: 0 packs decode workers onto the prefill nodes' free GPUs" in error(text)


# -- §9 / §3.4: tensor/data/expert parallel flags never matched against each worker's GPUs -------------------


def test_tensor_parallel_size_must_match_the_workers_gpus() -> None:
    text = DISAGG + "backend:\n  decode:\n    args: {tp-size: 4}\n"
    assert error(text) == (
        "job.yaml:12 backend.decode.args.tp-size: tp-size 4 uses 4 GPU(s), but each decode worker has 8 "
        "(resources.gpus_per_decode)"
    )


def test_tensor_times_data_parallel_counts_without_dp_attention() -> None:
    ok = DISAGG + "backend:\n  decode:\n    args: {tp-size: 4, dp-size: 2}\n"
    assert load(ok).backend.decode.args["dp-size"] == "2"
    bad = DISAGG + "backend:\n  decode:\n    args: {tp-size: 8, dp-size: 2}\n"
    assert "tp-size 8 × dp-size 2 uses 16 GPU(s), but each decode worker has 8" in error(bad)


def test_data_parallel_attention_must_divide_tensor_parallel() -> None:
    ok = DISAGG + "backend:\n  decode:\n    args: {tp: 8, dp: 8, enable-dp-attention: true}\n"
    assert load(ok).backend.decode.args["enable-dp-attention"] is True
    bad = DISAGG + "backend:\n  decode:\n    args: {tp-size: 8, dp-size: 3, enable-dp-attention: true}\n"
    assert "with enable-dp-attention, the data-parallel size must divide tp-size 8" in error(bad)


def test_expert_parallel_size_must_divide_the_workers_gpus() -> None:
    bad = DISAGG + "backend:\n  decode:\n    args: {tp-size: 8, ep-size: 3}\n"
    assert "backend.decode.args.ep-size: the expert-parallel size must divide the worker's 8 GPUs" in error(bad)


def test_two_spellings_of_one_parallel_size_are_refused() -> None:
    bad = DISAGG + "backend:\n  decode:\n    args: {tp-size: 8, tensor-parallel-size: 8}\n"
    assert "tensor-parallel-size: sets the same size as 'tp-size'; keep one" in error(bad)


def test_a_parallel_size_must_be_a_number() -> None:
    assert "expected a whole number of at least 1, got 'all'" in error(
        DISAGG + "backend:\n  decode:\n    args: {tp: all}\n"
    )


def test_pipeline_parallel_counts_toward_the_gpus() -> None:
    ok = DISAGG + "backend:\n  decode:\n    args: {tp-size: 4, pp-size: 2}\n"
    assert load(ok).backend.decode.args["pp-size"] == "2"


# -- §9: flags srtctl owns were appended again instead of refused -----------------------------------------


@pytest.mark.parametrize(
    ("flag", "reason"),
    [
        ("disaggregation-mode", "srtctl sets it from the worker's role"),
        ("disaggregation-bootstrap-port", "srtctl gives each prefill worker a bootstrap port and tells the router"),
        ("port", "srtctl gives each worker a port from its port table"),
        ("node-rank", "srtctl sets it per node"),
        ("dist-init-addr", "srtctl points multi-node workers at their leader"),
        ("model-path", "set model.path"),
    ],
)
def test_flags_srtctl_owns_are_refused_in_engine_flags(flag: str, reason: str) -> None:
    text = DISAGG + f"backend:\n  prefill:\n    args: {{{flag}: x}}\n"
    assert error(text) == f"job.yaml:12 backend.prefill.args.{flag}: srtctl sets --{flag} itself ({reason}); remove it"


def test_flags_srtctl_owns_are_refused_in_router_flags() -> None:
    text = DISAGG + "frontend:\n  args: {port: 30000}\n"
    assert "frontend.args.port: srtctl sets --port itself" in error(text)


def test_variables_srtctl_owns_are_refused_in_the_environment() -> None:
    text = DISAGG + "backend:\n  decode:\n    environment: {CUDA_VISIBLE_DEVICES: '0'}\n"
    assert error(text) == (
        "job.yaml:12 backend.decode.environment.CUDA_VISIBLE_DEVICES: srtctl sets this variable for each process "
        "itself; remove it"
    )


def test_sbatch_directives_srtctl_owns_are_refused_with_where_to_say_it() -> None:
    text = DISAGG + "slurm:\n  sbatch_directives: {time: '01:00:00'}\n"
    assert "slurm.sbatch_directives.time: srtctl sets --time itself (set slurm.time_limit); remove it" in error(text)


def test_srun_options_srtctl_owns_are_refused() -> None:
    text = DISAGG + "slurm:\n  srun_options: {nodelist: x, container-workdir: /w}\n"
    message = error(text)
    assert "slurm.srun_options.nodelist: srtctl sets --nodelist itself (srtctl places each process)" in message
    assert "slurm.srun_options.container-workdir: srtctl sets --container-workdir itself" in message


# -- §9 (#8, #9): port collisions ------------------------------------------------------------------------


def test_two_jobs_sharing_a_node_get_disjoint_ports() -> None:
    config = load(DISAGG)
    first = RuntimeContext.from_config(config, 1001, environ={}, hostnames=["gpu1", "gpu2"])
    second = RuntimeContext.from_config(config, 1002, environ={}, hostnames=["gpu1", "gpu2"])
    ports = [{port for p in plan(config, runtime=r).processes for port in p.ports.values()} for r in (first, second)]
    assert ports[0] and not ports[0] & ports[1]


def test_port_table_ranges_never_overlap_and_stay_below_32768() -> None:
    spans = sorted((PORT_TABLE[kind].span(JOB_SLOTS) for kind in PortKind), key=lambda span: span[0])
    for first, second in zip(spans, spans[1:], strict=False):
        assert first[-1] < second[0]
    assert spans[-1][-1] < 32768  # Dynamo reads DYN_SYSTEM_PORT as a 16-bit int


def test_a_host_with_more_processes_than_its_port_block_is_a_clear_error() -> None:
    cluster = parse_cluster("node_addresses: {'*': 127.0.0.1}\n")
    text = "resources: {gpu_type: x, gpus_per_node: 64, agg_nodes: 1, agg_workers: 64}\nbackend: {type: mock}\n"
    config = load(text)
    with pytest.raises(TopologyError, match="the host at '127.0.0.1' would need more than 32 http ports for one job"):
        plan(config, cluster=cluster)


def test_nodes_sharing_an_address_get_distinct_ports() -> None:
    cluster = parse_cluster("node_addresses: {'*': 127.0.0.1}\n")
    launch = plan(load(DISAGG), cluster=cluster)
    assert [p.ports["http"] for p in launch.workers()] == [port_for(PortKind.HTTP, 0, i) for i in (0, 1)]


# -- §9: benchmark settings were only checked inside the job, after the health check ------------------------


def test_a_serving_benchmark_needs_its_load_shape_at_load_time() -> None:
    message = error(DISAGG + "benchmark: {type: serving}\n")
    assert "benchmark.isl: required by the serving benchmark" in message
    assert "benchmark.concurrencies: required by the serving benchmark" in message


def test_a_custom_benchmark_needs_a_command_and_only_it_takes_one() -> None:
    assert "benchmark.command: required by the custom benchmark" in error(DISAGG + "benchmark: {type: custom}\n")
    assert "benchmark.command: only applies to type: custom" in error(DISAGG + "benchmark: {command: x}\n")


# -- the shape of resources ---------------------------------------------------------------------------------


def test_mixing_aggregated_and_disaggregated_fields_is_refused() -> None:
    assert "resources: mixes aggregated (agg_*) and disaggregated" in error(DISAGG + "  agg_workers: 1\n")


def test_resources_without_workers_are_refused() -> None:
    assert "job.yaml:3 resources: no workers: set prefill_nodes" in error(
        "resources: {gpu_type: x, gpus_per_node: 8}\n"
    )


def test_a_disaggregated_job_needs_all_four_counts() -> None:
    assert "job.yaml:3 resources.decode_nodes: required for a disaggregated job" in error(
        "resources: {gpu_type: x, gpus_per_node: 8, prefill_nodes: 1, prefill_workers: 1, decode_workers: 1}\n"
    )


def test_settings_for_a_role_the_job_does_not_have_are_refused() -> None:
    text = DISAGG + "backend:\n  aggregated:\n    args: {tp-size: 8}\n"
    assert "backend.aggregated: this job is disaggregated, so it has no aggregated workers" in error(text)


def test_resolve_topology_labels_the_shape() -> None:
    topology = resolve_topology(load(DISAGG.replace("decode_workers: 1", "decode_workers: 4")).resources)
    assert (topology.label, topology.total_nodes, topology.total_gpus) == ("1P_4D", 2, 16)
    assert topology.gpus_per_worker("aggregated") == 0


def test_resolve_topology_raises_for_resources_built_by_hand() -> None:
    with pytest.raises(TopologyError, match="resources: no workers"):
        resolve_topology(ResourcesConfig(gpu_type="x", gpus_per_node=8))


def test_plan_refuses_a_config_built_by_hand_that_does_not_fit() -> None:
    import dataclasses

    config = load(DISAGG)
    broken = dataclasses.replace(config, resources=dataclasses.replace(config.resources, decode_workers=16))
    with pytest.raises(TopologyError, match="resources.decode_workers: 1 node"):
        plan(broken)


# -- frontends and backends fit together --------------------------------------------------------------------


def test_a_frontend_that_cannot_route_to_the_backend_is_refused() -> None:
    assert "frontend.type: 'dynamo' cannot front sglang workers; expected 'sglang-router'" in error(
        DISAGG + "frontend: {type: dynamo}\n"
    )


def test_more_frontends_than_nodes_is_refused() -> None:
    assert "frontend.count: is 3, but the job has 2 node(s)" in error(DISAGG + "frontend: {count: 3}\n")


def test_dynamo_planes_only_apply_to_dynamo() -> None:
    assert "backend.request_plane: only applies to backend.type dynamo, not sglang" in error(
        DISAGG + "backend: {request_plane: nats}\n"
    )


def test_mock_workers_cannot_span_nodes() -> None:
    text = DISAGG.replace("prefill_nodes: 1", "prefill_nodes: 2") + "backend: {type: mock}\n"
    assert "resources.gpus_per_prefill: prefill workers of 16 GPUs span nodes, which mock workers cannot" in error(text)


def test_mock_engine_flags_are_its_own() -> None:
    message = error(DISAGG + "backend:\n  type: mock\n  decode:\n    args: {tp-size: 8, decode-ms-per-token: fast}\n")
    assert "backend.decode.args.tp-size: not a mock engine flag; expected one of: prefill-ms-per-token" in message
    assert "backend.decode.args.decode-ms-per-token: expected a number, got 'fast'" in message


def test_mock_engine_flags_take_values() -> None:
    message = error(DISAGG + "backend:\n  type: mock\n  decode:\n    args: {startup-delay: true}\n")
    assert "backend.decode.args.startup-delay: expected a number, got True" in message


def test_mock_engine_owned_flags_and_flag_types() -> None:
    message = error(DISAGG + "backend:\n  type: mock\n  decode:\n    args: {role: x, exit-at-startup: 1.5}\n")
    assert "backend.decode.args.role: srtctl sets --role itself; remove it" in message
    assert "backend.decode.args.exit-at-startup: expected a whole number, got '1.5'" in message


def test_health_interval_must_not_exceed_its_timeout() -> None:
    text = DISAGG + "health_check: {timeout_seconds: 5, interval_seconds: 10}\n"
    assert "health_check.interval_seconds: must not be longer than timeout_seconds" in error(text)


def test_check_job_returns_nothing_for_a_sound_job() -> None:
    assert check_job(load(DISAGG)) == []


def test_mock_engine_failure_flags_reach_the_engine_command() -> None:
    args = "{empty-completions: true, error-rate: 0.5, exit-code: 3}"
    text = DISAGG + f"backend:\n  type: mock\n  decode:\n    args: {args}\n"
    launch = plan(load(text))
    decode = next(p for p in launch.processes if p.role == "decode")
    assert decode.argv[-5:] == ("--empty-completions", "--error-rate", "0.5", "--exit-code", "3")


def test_mock_engine_switch_flags_take_true_or_false() -> None:
    message = error(DISAGG + "backend:\n  type: mock\n  decode:\n    args: {empty-completions: sometimes}\n")
    assert "backend.decode.args.empty-completions: expected true or false, got 'sometimes'" in message
