"""The plan's data: topology, endpoints, processes, the health check, and the whole LaunchPlan.

An endpoint is one logical worker; a process is one node of a worker, or a frontend, or infrastructure.
Everything is frozen, and JSON-serialisable through pydantic so the in-job orchestrator can read back what
``srtctl`` planned.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic import ConfigDict

from ..config.cluster import ClusterConfig
from ..config.schema import FrontendType, JobConfig, Role
from ..runtime.context import RuntimeContext

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = ("Endpoint", "HealthCheck", "LaunchPlan", "Mode", "Process", "ProcessKind", "RoleShape", "Topology")

_FROZEN = ConfigDict(extra="forbid")

ProcessKind = Literal["worker", "frontend", "infra"]
"""What a process is: an engine worker, a frontend (router), or infrastructure (etcd, NATS)."""
Mode = Literal["disaggregated", "aggregated"]

_ROLE_LETTER = {"prefill": "P", "decode": "D", "aggregated": "A"}


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleShape:
    """How many workers of one role, with how many GPUs each, on how many nodes of their own."""

    __pydantic_config__ = _FROZEN

    role: Role
    workers: int
    gpus_per_worker: int
    nodes: int
    """Nodes this role brings to the job; 0 when it packs onto the previous role's free GPUs."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Topology:
    """The shape of a job, resolved from its ``resources``: roles in allocation order and the node count."""

    __pydantic_config__ = _FROZEN

    mode: Mode
    gpus_per_node: int
    roles: tuple[RoleShape, ...]

    @property
    def total_nodes(self) -> int:
        """Nodes the job asks SLURM for."""
        return sum(shape.nodes for shape in self.roles)

    @property
    def total_gpus(self) -> int:
        """GPUs the workers use."""
        return sum(shape.workers * shape.gpus_per_worker for shape in self.roles)

    @property
    def label(self) -> str:
        """``1P_4D`` for one prefill and four decode workers, ``2A`` for two aggregated ones."""
        return "_".join(f"{shape.workers}{_ROLE_LETTER[shape.role]}" for shape in self.roles)

    def workers(self, role: Role) -> int:
        """How many workers of ``role`` (0 when the job has none)."""
        return next((shape.workers for shape in self.roles if shape.role == role), 0)

    def gpus_per_worker(self, role: Role) -> int:
        """GPUs per worker of ``role`` (0 when the job has none)."""
        return next((shape.gpus_per_worker for shape in self.roles if shape.role == role), 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    """One logical worker: a role, its index within the role, its nodes and the GPUs it uses on each."""

    __pydantic_config__ = _FROZEN

    role: Role
    index: int
    nodes: tuple[str, ...]
    gpus: tuple[int, ...]
    """GPU indices the worker uses on each of its nodes (the same set on every node)."""

    @property
    def leader(self) -> str:
        """The node of rank 0, which serves the worker's HTTP port."""
        return self.nodes[0]

    @property
    def num_gpus(self) -> int:
        """GPUs across all of the worker's nodes."""
        return len(self.gpus) * len(self.nodes)

    @property
    def name(self) -> str:
        """``prefill_w0``, ``decode_w3``, ``agg_w1``."""
        return f"{'agg' if self.role == 'aggregated' else self.role}_w{self.index}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Process:
    """One process to start: where, with which GPUs and ports, and exactly what command and environment.

    The orchestrator runs ``launch_argv()``: ``srun`` placing it on its node (in the container, when the job
    names one), then ``env`` with the process's environment, then the command.
    """

    __pydantic_config__ = _FROZEN

    name: str
    """Unique within the job: ``prefill_w0``, ``prefill_w0_r1`` (rank 1), ``frontend_0``, ``etcd``."""
    kind: ProcessKind
    role: Role | None = None
    worker: int | None = None
    """The worker's index within its role (workers only)."""
    node: str
    """The SLURM node it runs on."""
    address: str
    """How peers reach that node."""
    node_rank: int = 0
    """Its rank among its worker's nodes (0 = the leader)."""
    nnodes: int = 1
    """How many nodes its worker spans."""
    leader_address: str | None = None
    """The address of its worker's rank-0 node, for workers that span nodes."""
    gpus: tuple[int, ...] = ()
    ports: Mapping[str, int] = field(default_factory=dict)
    """Ports it listens on, by kind (``http``, ``bootstrap``, ``dist_init``, ``nccl``, ``system``...)."""
    argv: tuple[str, ...]
    """The command, without srun and environment."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """Variables set for the command (on top of what srun passes on)."""
    srun: tuple[str, ...]
    """The srun prefix that places the process on its node."""
    log_file: str
    health_url: str | None = None
    """Where the process answers a plain health check, if it does."""
    critical: bool = True
    """Whether the job fails when this process exits."""

    def launch_argv(self) -> tuple[str, ...]:
        """The full argv: srun, then ``env`` with the environment, then the command."""
        env = tuple(f"{key}={value}" for key, value in self.environment.items())
        return (*self.srun, *(("env", *env) if env else ()), *self.argv)


@dataclass(frozen=True, slots=True, kw_only=True)
class HealthCheck:
    """How the orchestrator decides the deployment is ready."""

    __pydantic_config__ = _FROZEN

    url: str
    """The frontend URL to poll (``/workers`` of the SGLang router, ``/health`` of Dynamo's frontend)."""
    frontend: FrontendType
    """Which parser reads the response (``check_sglang_router_health`` or ``check_dynamo_health``)."""
    expected_prefill: int
    expected_decode: int
    """Aggregated workers count as decode, the way both frontends report them."""
    timeout_seconds: float
    interval_seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class LaunchPlan:
    """Everything a job will run, computed from its config, the cluster settings and a RuntimeContext."""

    __pydantic_config__ = _FROZEN

    format: Literal[1] = 1
    """The layout of this object when serialised; bumped on incompatible changes."""
    srtctl_version: str
    config: JobConfig
    cluster: ClusterConfig
    runtime: RuntimeContext
    topology: Topology
    endpoints: tuple[Endpoint, ...]
    processes: tuple[Process, ...]
    health: HealthCheck
    frontend_urls: tuple[str, ...]
    """Where clients send requests (one per frontend)."""
    sbatch: str
    """The rendered sbatch script."""

    def to_json(self, *, indent: int | None = None) -> str:
        """The plan as JSON (``LaunchPlan.from_json`` reads it back)."""
        return _plan_adapter().dump_json(self, indent=indent).decode()

    @classmethod
    def from_json(cls, text: str | bytes) -> LaunchPlan:
        """Read back a plan written by :meth:`to_json`."""
        return _plan_adapter().validate_json(text)

    def to_dict(self) -> dict[str, object]:
        """The plan as plain JSON-compatible data."""
        return _plan_adapter().dump_python(self, mode="json")

    def workers(self, role: Role | None = None) -> tuple[Process, ...]:
        """The worker processes, of one role or all."""
        return tuple(p for p in self.processes if p.kind == "worker" and (role is None or p.role == role))

    def process(self, name: str) -> Process:
        """The process called ``name``.

        Raises:
            KeyError: no process has that name.
        """
        for candidate in self.processes:
            if candidate.name == name:
                return candidate
        raise KeyError(name)


@functools.cache
def _plan_adapter() -> TypeAdapter[LaunchPlan]:
    from pydantic import TypeAdapter

    return TypeAdapter(LaunchPlan)
