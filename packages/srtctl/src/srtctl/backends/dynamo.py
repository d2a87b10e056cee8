"""Dynamo with SGLang workers (``python -m dynamo.sglang``), discovered through etcd on the head node."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ..config.schema import BackendConfig, JobConfig
from ..plan.ports import PortKind, port_for
from .base import Finding
from .sglang import SGLangBackend

if TYPE_CHECKING:
    from ..plan.model import Process
    from ..runtime.context import RuntimeContext

__all__ = ("DynamoBackend", "infra_environment", "uses_nats")


def uses_nats(config: JobConfig) -> bool:
    """Whether a Dynamo plane travels over NATS (only then does the job start a NATS server)."""
    return "nats" in (config.backend.request_plane, config.backend.event_plane)


def infra_environment(config: JobConfig, runtime: RuntimeContext) -> dict[str, str]:
    """Where Dynamo's processes find etcd (and NATS), and which planes they use."""
    head = runtime.address(runtime.head_node)
    env = {"ETCD_ENDPOINTS": f"http://{head}:{port_for(PortKind.ETCD_CLIENT, runtime.port_slot, 0)}"}
    if uses_nats(config):
        env["NATS_SERVER"] = f"nats://{head}:{port_for(PortKind.NATS_CLIENT, runtime.port_slot, 0)}"
    if config.backend.request_plane is not None:
        env["DYN_REQUEST_PLANE"] = config.backend.request_plane
    if config.backend.event_plane is not None:
        env["DYN_EVENT_PLANE"] = config.backend.event_plane
    return env


class DynamoBackend(SGLangBackend):
    """Dynamo's SGLang worker: SGLang's flags, registered with Dynamo's frontend through etcd."""

    type = "dynamo"
    frontends = ("dynamo",)
    process_ports: ClassVar[tuple[PortKind, ...]] = (PortKind.NCCL, PortKind.SYSTEM)
    module: ClassVar[str] = "dynamo.sglang"

    @classmethod
    def check_backend(cls, backend: BackendConfig) -> list[Finding]:
        """Dynamo takes the request and event planes; nothing else to check."""
        del backend
        return []

    def worker_environment(self, process: Process, runtime: RuntimeContext) -> dict[str, str]:
        """etcd/NATS endpoints and planes, and the system port that serves the worker's health."""
        return {
            **infra_environment(self.config, runtime),
            "DYN_SYSTEM_ENABLED": "true",
            "DYN_SYSTEM_PORT": str(process.ports["system"]),
        }

    def worker_health_url(self, process: Process) -> str | None:
        """The leader's system port answers ``/health``."""
        if process.node_rank:
            return None
        return f"http://{process.address}:{process.ports['system']}/health"
