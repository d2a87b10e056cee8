"""Dynamo's frontend (``python -m dynamo.frontend``), which finds its workers through etcd."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ..backends.base import render_flags
from ..backends.dynamo import infra_environment
from .base import Frontend, HealthReport, not_ready, report

if TYPE_CHECKING:
    from ..plan.model import Process
    from ..runtime.context import RuntimeContext

__all__ = ("DynamoFrontend", "check_dynamo_health")

_DECODE_COMPONENTS = frozenset({"decode", "backend", "tensorrt_llm"})


def check_dynamo_health(response_json: Any, expected_prefill: int, expected_decode: int) -> HealthReport:
    """Read Dynamo's ``GET /health`` response.

    Counts ``instances`` whose ``endpoint`` is ``generate``: component ``prefill`` as prefill, and
    ``decode``, ``backend`` (aggregated) and ``tensorrt_llm`` as decode. An instance listed twice (same
    ``instance_id``) counts once; a response without ``instances`` is not ready.
    """
    if not isinstance(response_json, dict):
        return not_ready(expected_prefill, expected_decode, "the response is not a JSON object")
    instances = response_json.get("instances")
    if not isinstance(instances, list):
        return not_ready(expected_prefill, expected_decode, "no instances list in the response")
    seen: set[tuple[str, object]] = set()
    prefill = decode = 0
    for index, instance in enumerate(instances):
        if not isinstance(instance, dict) or instance.get("endpoint") != "generate":
            continue
        component = instance.get("component")
        key = (str(component), instance.get("instance_id", f"#{index}"))
        if key in seen:
            continue
        seen.add(key)
        if component == "prefill":
            prefill += 1
        elif component in _DECODE_COMPONENTS:
            decode += 1
    return report(prefill, decode, expected_prefill, expected_decode)


class DynamoFrontend(Frontend):
    """Dynamo's OpenAI-compatible frontend."""

    type = "dynamo"
    owned_flags: ClassVar[Mapping[str, str]] = {"http-port": "srtctl gives the frontend a port from its port table"}
    health_path = "/health"

    def build_command(self, process: Process, runtime: RuntimeContext, workers: Sequence[Process]) -> tuple[str, ...]:
        """The frontend on its port; it discovers the workers itself."""
        del workers
        return (
            runtime.engine_python,
            "-m",
            "dynamo.frontend",
            "--http-port",
            str(process.ports["frontend_http"]),
            *render_flags(self.config.frontend.args),
        )

    def environment(self, process: Process, runtime: RuntimeContext) -> dict[str, str]:
        """etcd/NATS endpoints and planes."""
        del process
        return infra_environment(self.config, runtime)

    @staticmethod
    def check_health(response_json: Any, expected_prefill: int, expected_decode: int) -> HealthReport:
        """See :func:`check_dynamo_health`."""
        return check_dynamo_health(response_json, expected_prefill, expected_decode)
