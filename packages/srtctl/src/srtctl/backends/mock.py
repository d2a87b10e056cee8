"""srtctl's mock engine (``python -m srtctl.mock_engine``): SGLang's shape without GPUs, for tests and demos.

The command line is the contract agreed with the engine (see the team notes): srtctl owns ``--host``,
``--port``, ``--role``, ``--served-model-name`` and ``--disaggregation-bootstrap-port``; a config may set
the latency and failure-injection flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..config.schema import ArgValue, Role
from .base import Backend, Finding, render_flags

if TYPE_CHECKING:
    from ..plan.model import Process
    from ..runtime.context import RuntimeContext

__all__ = ("MOCK_FLAGS", "MockBackend")

MOCK_FLAGS: Mapping[str, type] = {
    "prefill-ms-per-token": float,
    "decode-ms-per-token": float,
    "startup-delay": float,
    "exit-at-startup": int,
    "exit-after": float,
    "exit-code": int,
    "error-rate": float,
    "empty-completions": bool,
}
"""Flags a config may give the mock engine, with the type each takes."""

_OWNED = ("host", "port", "role", "served-model-name", "disaggregation-bootstrap-port")


def _parses(kind: type, value: ArgValue) -> bool:
    if kind is bool:
        return isinstance(value, bool) or value is None
    if not isinstance(value, str):
        return False
    try:
        kind(value)
    except ValueError:
        return False
    return True


class MockBackend(Backend):
    """The mock engine, one process per worker, listening on its node's address."""

    type = "mock"
    frontends = ("sglang-router",)
    spans_nodes = False
    binds_node_address = True

    @classmethod
    def check_role(cls, role: Role, args: Mapping[str, ArgValue], gpus: int, spans_nodes: bool) -> list[Finding]:
        """Only the mock engine's own latency and failure flags, with numeric values."""
        del role, gpus, spans_nodes
        findings: list[Finding] = []
        for flag, value in args.items():
            if flag in _OWNED:
                findings.append(((flag,), f"srtctl sets --{flag} itself; remove it"))
            elif flag not in MOCK_FLAGS:
                findings.append(((flag,), f"not a mock engine flag; expected one of: {', '.join(MOCK_FLAGS)}"))
            elif not _parses(MOCK_FLAGS[flag], value):
                kind = {int: "a whole number", bool: "true or false"}.get(MOCK_FLAGS[flag], "a number")
                findings.append(((flag,), f"expected {kind}, got {value!r}"))
        return findings

    def build_worker_command(self, process: Process, runtime: RuntimeContext) -> tuple[str, ...]:
        """``python -m srtctl.mock_engine`` on the worker's address and port, in its role."""
        assert process.role is not None
        argv = [
            runtime.engine_python,
            "-m",
            "srtctl.mock_engine",
            "--host",
            self.bind_host(process),
            "--port",
            str(process.ports["http"]),
            "--role",
            process.role,
            "--served-model-name",
            runtime.served_model_name,
        ]
        if "bootstrap" in process.ports:
            argv += ["--disaggregation-bootstrap-port", str(process.ports["bootstrap"])]
        return (*argv, *render_flags(self.config.backend.role(process.role).args))
