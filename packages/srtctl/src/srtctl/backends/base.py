"""The protocol every backend implements, and the flag rendering they share."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from ..config.schema import ArgValue, BackendConfig, BackendType, FrontendType, JobConfig, Role
from ..plan.ports import PortKind

if TYPE_CHECKING:
    from ..plan.model import Process
    from ..runtime.context import RuntimeContext

__all__ = ("Backend", "Finding", "render_flags")

Finding = tuple[tuple[str | int, ...], str]
"""A problem found by a check: the path (relative to the section checked) and what is wrong."""


def render_flags(args: Mapping[str, ArgValue]) -> tuple[str, ...]:
    """Flags as argv, in the config's order.

    ``true`` gives a bare flag, ``false`` and ``null`` leave it out, and a list follows one flag.
    """
    argv: list[str] = []
    for name, value in args.items():
        if value is None or value is False:
            continue
        argv.append(f"--{name}")
        if isinstance(value, tuple):
            argv.extend(value)
        elif value is not True:
            argv.append(value)
    return tuple(argv)


class Backend(abc.ABC):
    """An inference engine srtctl can launch: it checks its flags and builds each worker's command.

    A backend is built for one job (``get_backend(config)``); the checks are class methods, so they run
    while a config is loaded, before anything is planned.
    """

    type: ClassVar[BackendType]
    frontends: ClassVar[tuple[FrontendType, ...]]
    """Frontends that can route to these workers; the first is the default."""
    process_ports: ClassVar[tuple[PortKind, ...]] = ()
    """Ports every worker process needs besides its HTTP port (the bootstrap and dist-init ports are
    given by the planner to prefill and multi-node workers)."""
    spans_nodes: ClassVar[bool] = True
    """Whether one worker may span several nodes."""
    binds_node_address: ClassVar[bool] = False
    """Whether servers bind the node's address instead of 0.0.0.0 (the mock engine, for test machines)."""

    def __init__(self, config: JobConfig) -> None:
        self.config = config

    @classmethod
    @abc.abstractmethod
    def check_role(cls, role: Role, args: Mapping[str, ArgValue], gpus: int, spans_nodes: bool) -> list[Finding]:
        """Problems with one role's engine flags, given each worker's GPU count (paths relative to ``args``)."""

    @classmethod
    def check_backend(cls, backend: BackendConfig) -> list[Finding]:
        """Problems with the backend section as a whole (paths relative to ``backend``)."""
        return [
            ((name,), f"only applies to backend.type dynamo, not {backend.type}")
            for name in ("request_plane", "event_plane")
            if getattr(backend, name) is not None
        ]

    @abc.abstractmethod
    def build_worker_command(self, process: Process, runtime: RuntimeContext) -> tuple[str, ...]:
        """The argv that starts the worker process ``process`` (one node of one worker)."""

    def worker_environment(self, process: Process, runtime: RuntimeContext) -> dict[str, str]:
        """Variables this backend sets for ``process`` (on top of the job's and the role's)."""
        del process, runtime
        return {}

    def worker_health_url(self, process: Process) -> str | None:
        """Where a worker's leader answers a plain health check, if it does."""
        if process.node_rank or "http" not in process.ports:
            return None
        return f"http://{process.address}:{process.ports['http']}/health"

    def bind_host(self, process: Process) -> str:
        """The address servers listen on."""
        return process.address if self.binds_node_address else "0.0.0.0"
