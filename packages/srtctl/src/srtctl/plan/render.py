"""``plan``: from a validated job config to the complete LaunchPlan, and the sbatch script that runs it.

Pure: no SLURM, no network, no SSH library. The same function runs twice in a job's life: before
submission with a preview RuntimeContext (``srtctl dry-run``, ``srtctl apply``), and inside the job with the
real one, where the orchestrator reads the job spec the sbatch script carries and plans against the nodes
SLURM gave it.
"""

from __future__ import annotations

import functools
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING, Literal

from pydantic import ConfigDict

from .._version import __version__
from ..backends import get_backend
from ..config.cluster import ClusterConfig
from ..config.schema import JobConfig
from ..frontends import get_frontend
from ..runtime.context import RuntimeContext
from .model import Endpoint, HealthCheck, LaunchPlan, Process, ProcessKind, Topology
from .ports import PortAllocator, PortKind
from .topology import allocate_endpoints, check_job, raise_problems, resolve_topology

if TYPE_CHECKING:
    import jinja2
    from pydantic import TypeAdapter

__all__ = ("JOB_SPEC_FILE", "JobSpec", "plan", "plan_in_job", "render_sbatch")

JOB_SPEC_FILE = "job.json"
"""The file, in the job's directory, where the sbatch script writes the job spec."""


@dataclass(frozen=True, slots=True, kw_only=True)
class JobSpec:
    """What the sbatch script hands the in-job orchestrator: the config and cluster settings to plan with."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    format: Literal[1] = 1
    config: JobConfig
    cluster: ClusterConfig
    python: str
    """The interpreter with srtctl installed on the nodes."""

    def to_json(self) -> str:
        """One line of JSON, leaving out values that are their defaults."""
        return _spec_adapter().dump_json(self, exclude_defaults=True).decode()

    @classmethod
    def from_json(cls, text: str | bytes) -> JobSpec:
        """Read back a spec written by :meth:`to_json`."""
        return _spec_adapter().validate_json(text)


@functools.cache
def _spec_adapter() -> TypeAdapter[JobSpec]:
    from pydantic import TypeAdapter

    return TypeAdapter(JobSpec)


def plan(
    config: JobConfig,
    *,
    cluster: ClusterConfig | None = None,
    runtime: RuntimeContext | None = None,
    output_base: str | None = None,
    python: str | None = None,
    now: datetime | None = None,
) -> LaunchPlan:
    """Plan a job: place its workers, give out ports, build every command and environment, render sbatch.

    Args:
        config: a validated job (from :func:`srtctl.config.load_config`).
        cluster: the cluster settings it was loaded with.
        runtime: the run's context; a preview (``node0``, ``node1``..., job id ``JOBID``) when None.
        output_base: where job directories go (the cluster's ``output_dir``, else ``outputs``), for a preview.
        python: the interpreter with srtctl installed on the nodes (the cluster's ``python``, else this one).
        now: the clock reading for a preview's log directory name.

    Raises:
        TopologyError: the job does not fit (only possible for a config that did not come from the loader,
            or when SLURM gave too few nodes or one host too many processes).
    """
    cluster = cluster or ClusterConfig()
    raise_problems(check_job(config))
    topology = resolve_topology(config.resources)
    if runtime is None:
        runtime = RuntimeContext.preview(config, cluster=cluster, output_base=output_base, python=python, now=now)
    endpoints = allocate_endpoints(
        topology.workers("prefill"),
        topology.workers("decode"),
        topology.workers("aggregated"),
        topology.gpus_per_worker("prefill"),
        topology.gpus_per_worker("decode"),
        topology.gpus_per_worker("aggregated"),
        topology.gpus_per_node,
        runtime.nodes,
    )
    planner = _Planner(config, cluster, runtime, topology)
    processes = [*planner.infra(), *planner.workers(endpoints)]
    frontends = planner.frontends(processes)
    processes.extend(frontends)
    urls = tuple(f"http://{p.address}:{p.ports['frontend_http']}" for p in frontends)
    frontend = get_frontend(config.frontend_type)
    disaggregated = topology.mode == "disaggregated"
    health = HealthCheck(
        url=f"{urls[0]}{frontend.health_path}",
        frontend=config.frontend_type,
        expected_prefill=topology.workers("prefill"),
        expected_decode=topology.workers("decode") if disaggregated else topology.workers("aggregated"),
        timeout_seconds=config.health_check.timeout_seconds,
        interval_seconds=config.health_check.interval_seconds,
    )
    spec = JobSpec(config=config, cluster=cluster, python=runtime.python)
    return LaunchPlan(
        srtctl_version=__version__,
        config=config,
        cluster=cluster,
        runtime=runtime,
        topology=topology,
        endpoints=endpoints,
        processes=tuple(processes),
        health=health,
        frontend_urls=urls,
        sbatch=render_sbatch(spec, topology, output_base=runtime.output_base),
    )


def plan_in_job(
    spec: JobSpec,
    *,
    environ: Mapping[str, str] | None = None,
    addresses: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> LaunchPlan:
    """Plan a job from inside its allocation: the spec the sbatch script wrote, and SLURM's environment.

    Args:
        spec: read from ``$SRTCTL_JOB_DIR/job.json``.
        environ: the job's environment (``os.environ`` when None): ``SLURM_JOB_ID``, ``SLURM_JOB_NODELIST``
            and ``SRTCTL_JOB_DIR``.
        addresses: how peers reach each node, if the caller resolved them.
        now: the clock reading for the log directory's name.
    """
    runtime = RuntimeContext.from_config(
        spec.config, cluster=spec.cluster, environ=environ, addresses=addresses, python=spec.python, now=now
    )
    return plan(spec.config, cluster=spec.cluster, runtime=runtime)


class _Planner:
    def __init__(self, config: JobConfig, cluster: ClusterConfig, runtime: RuntimeContext, topology: Topology) -> None:
        self.config = config
        self.cluster = cluster
        self.runtime = runtime
        self.topology = topology
        self.ports = PortAllocator(runtime.port_slot)
        self.backend = get_backend(config.backend.type)(config)
        self.frontend = get_frontend(config.frontend_type)(config)

    def srun(self, name: str, node: str, log_file: str) -> tuple[str, ...]:
        argv = [
            "srun",
            "--overlap",
            "--nodes=1",
            "--ntasks=1",
            f"--nodelist={node}",
            f"--job-name={name}",
            f"--output={log_file}",
        ]
        if self.runtime.container_image:
            argv.append(f"--container-image={self.runtime.container_image}")
            if self.runtime.container_mounts:
                argv.append(f"--container-mounts={','.join(self.runtime.container_mounts)}")
            argv += ["--no-container-mount-home", "--no-container-entrypoint"]
        argv += _options(self.config.slurm.srun_options)
        return tuple(argv)

    def environment(self, *layers: Mapping[str, str], node: str, node_rank: int = 0, worker: int = 0) -> dict[str, str]:
        merged: dict[str, str] = {}
        for layer in (self.config.environment, *layers):
            merged.update(layer)
        return {
            key: self.runtime.fill(value, node=node, node_rank=node_rank, worker=worker)
            for key, value in merged.items()
        }

    def process(
        self,
        name: str,
        node: str,
        kind: ProcessKind,
        ports: Mapping[str, int],
        *,
        endpoint: Endpoint | None = None,
        node_rank: int = 0,
        index: int | None = None,
    ) -> Process:
        """A process without its command yet (backends and frontends build that from it)."""
        log_file = f"{self.runtime.log_dir}/{name}.out"
        spans = endpoint is not None and len(endpoint.nodes) > 1
        return Process(
            name=name,
            kind=kind,
            role=endpoint.role if endpoint else None,
            worker=endpoint.index if endpoint else index,
            node=node,
            address=self.runtime.address(node),
            node_rank=node_rank,
            nnodes=len(endpoint.nodes) if endpoint else 1,
            leader_address=self.runtime.address(endpoint.leader) if endpoint and spans else None,
            gpus=endpoint.gpus if endpoint else (),
            ports=ports,
            argv=(),
            srun=self.srun(name, node, log_file),
            log_file=log_file,
        )

    def infra(self) -> list[Process]:
        if self.config.backend.type != "dynamo":
            return []
        from ..backends.dynamo import uses_nats

        head = self.runtime.head_node
        address = self.runtime.address(head)
        scratch = f"/tmp/srtctl-{self.runtime.job_id}"
        client = self.ports.take(address, PortKind.ETCD_CLIENT, owner="etcd")
        peer = self.ports.take(address, PortKind.ETCD_PEER, owner="etcd")
        etcd = self.process("etcd", head, "infra", {"etcd_client": client, "etcd_peer": peer})
        etcd = replace(
            etcd,
            argv=(
                self.cluster.etcd_command,
                "--name",
                "srtctl",
                "--data-dir",
                f"{scratch}/etcd",
                "--listen-client-urls",
                f"http://0.0.0.0:{client}",
                "--advertise-client-urls",
                f"http://{address}:{client}",
                "--listen-peer-urls",
                f"http://0.0.0.0:{peer}",
                "--initial-advertise-peer-urls",
                f"http://{address}:{peer}",
                "--initial-cluster",
                f"srtctl=http://{address}:{peer}",
            ),
            environment=self.environment(node=head),
            health_url=f"http://{address}:{client}/health",
        )
        processes = [etcd]
        if uses_nats(self.config):
            port = self.ports.take(address, PortKind.NATS_CLIENT, owner="nats")
            nats = self.process("nats", head, "infra", {"nats_client": port})
            processes.append(
                replace(
                    nats,
                    argv=(self.cluster.nats_command, "-js", "-a", "0.0.0.0", "-p", str(port), "-sd", f"{scratch}/nats"),
                    environment=self.environment(node=head),
                )
            )
        return processes

    def workers(self, endpoints: tuple[Endpoint, ...]) -> list[Process]:
        processes = []
        for endpoint in endpoints:
            leader = self.runtime.address(endpoint.leader)
            shared: dict[str, int] = {}
            if endpoint.role == "prefill":
                shared["bootstrap"] = self.ports.take(leader, PortKind.BOOTSTRAP, owner=endpoint.name)
            if len(endpoint.nodes) > 1:
                shared["dist_init"] = self.ports.take(leader, PortKind.DIST_INIT, owner=endpoint.name)
            role_env = self.config.backend.role(endpoint.role).environment
            for rank, node in enumerate(endpoint.nodes):
                name = endpoint.name if rank == 0 else f"{endpoint.name}_r{rank}"
                address = self.runtime.address(node)
                ports = {"http": self.ports.take(address, PortKind.HTTP, owner=name)}
                for kind in self.backend.process_ports:
                    ports[kind.value] = self.ports.take(address, kind, owner=name)
                ports.update(shared)
                draft = self.process(name, node, "worker", ports, endpoint=endpoint, node_rank=rank)
                owned = {
                    **self.backend.worker_environment(draft, self.runtime),
                    "CUDA_VISIBLE_DEVICES": ",".join(str(gpu) for gpu in endpoint.gpus),
                }
                processes.append(
                    replace(
                        draft,
                        argv=self.backend.build_worker_command(draft, self.runtime),
                        environment=self.environment(role_env, owned, node=node, node_rank=rank, worker=endpoint.index),
                        health_url=self.backend.worker_health_url(draft),
                    )
                )
        return processes

    def frontends(self, processes: list[Process]) -> list[Process]:
        workers = [p for p in processes if p.kind == "worker"]
        frontends = []
        for index in range(self.config.frontend.count):
            node = self.runtime.nodes[index]
            address = self.runtime.address(node)
            name = f"frontend_{index}"
            ports = {
                "frontend_http": self.ports.take(address, PortKind.FRONTEND_HTTP, owner=name),
                "frontend_metrics": self.ports.take(address, PortKind.FRONTEND_METRICS, owner=name),
            }
            draft = self.process(name, node, "frontend", ports, index=index)
            layers = (self.config.frontend.environment, self.frontend.environment(draft, self.runtime))
            frontends.append(
                replace(
                    draft,
                    argv=self.frontend.build_command(draft, self.runtime, workers),
                    environment=self.environment(*layers, node=node, worker=index),
                    health_url=f"http://{address}:{ports['frontend_http']}{self.frontend.health_path}",
                )
            )
        return frontends


def _options(options: Mapping[str, str | bool | None]) -> list[str]:
    rendered = []
    for name, value in options.items():
        if value is False:
            continue
        rendered.append(f"--{name}" if value is None or value is True else f"--{name}={value}")
    return rendered


@functools.cache
def _template() -> jinja2.Template:
    import jinja2

    environment = jinja2.Environment(
        autoescape=False,  # a shell script, not HTML: values are shell-quoted with the q filter instead
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["q"] = shlex.quote
    source = resources.files("srtctl.plan").joinpath("templates", "sbatch.sh.j2").read_text(encoding="utf-8")
    return environment.from_string(source)


def render_sbatch(spec: JobSpec, topology: Topology, *, output_base: str) -> str:
    """The sbatch script: directives, then a body that writes the job spec and starts the orchestrator.

    Every value that reaches the shell is quoted.
    """
    config, cluster = spec.config, spec.cluster
    own = config.slurm.sbatch_directives
    directives = [f"--job-name={shlex.quote(config.name)}", f"--nodes={topology.total_nodes}", "--ntasks-per-node=1"]
    if cluster.gpus_per_node_directive:
        directives.append(f"--gpus-per-node={topology.gpus_per_node}")
    if cluster.segment_directive and "segment" not in own:
        directives.append(f"--segment={topology.total_nodes}")
    if cluster.exclusive and "exclusive" not in own:
        directives.append("--exclusive")
    for name, value in (
        ("account", config.slurm.account),
        ("partition", config.slurm.partition),
        ("time", config.slurm.time_limit),
    ):
        if value:
            directives.append(f"--{name}={shlex.quote(value)}")
    directives.append(f"--output={shlex.quote(f'{output_base}/slurm-%j.out')}")
    for option in _options(own):
        name, sep, value = option.partition("=")
        directives.append(f"{name}={shlex.quote(value)}" if sep else name)
    return _template().render(
        name=config.name,
        label=topology.label,
        nodes=topology.total_nodes,
        gpus_per_node=topology.gpus_per_node,
        version=__version__,
        directives=directives,
        output_base=output_base,
        spec_json=spec.to_json(),
        python=spec.python,
    )
