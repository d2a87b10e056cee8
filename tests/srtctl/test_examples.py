"""The examples under examples/srtctl load, fit, and (for the mock ones) plan on the local test cluster."""

from collections import Counter
from pathlib import Path

import pytest

from srtctl.config import find_cluster_file, load_cluster, load_configs
from srtctl.plan import plan
from srtctl.runtime.context import RuntimeContext

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "srtctl"
JOBS = sorted(p for p in EXAMPLES.rglob("*.yaml") if p.name != "srtslurm.yaml")


@pytest.mark.parametrize("path", JOBS, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_loads_and_plans_with_its_cluster_file(path: Path) -> None:
    cluster_file = find_cluster_file(path.parent, {})
    assert cluster_file is not None and cluster_file.parent in (EXAMPLES, EXAMPLES / "local")
    cluster = load_cluster(cluster_file)
    for config in load_configs(path, cluster=cluster):
        assert plan(config, cluster=cluster).processes


@pytest.mark.parametrize("path", sorted((EXAMPLES / "local").glob("mock-*.yaml")), ids=lambda p: p.name)
def test_mock_examples_run_on_the_local_cluster_without_containers_or_port_clashes(path: Path) -> None:
    cluster = load_cluster(EXAMPLES / "local" / "srtslurm.yaml")
    for config in load_configs(path, cluster=cluster):
        assert config.backend.type == "mock" and config.model.container is None
        environ = {"SLURM_JOB_ID": "7", "SLURM_JOB_NODELIST": "node[1-2]"}
        launched = plan(
            config, cluster=cluster, runtime=RuntimeContext.from_config(config, environ=environ, cluster=cluster)
        )
        assert launched.topology.total_nodes <= 2 and launched.topology.gpus_per_node == 8
        assert {p.address for p in launched.processes} == {"127.0.0.1"}
        ports = Counter(port for p in launched.processes for port in set(p.ports.values()))
        assert max(ports.values()) == 1


def test_the_demo_example_is_disaggregated() -> None:
    (config,) = load_configs(EXAMPLES / "disagg.yaml", cluster=load_cluster(EXAMPLES / "srtslurm.yaml"))
    assert config.resources.prefill_workers and config.resources.decode_workers
