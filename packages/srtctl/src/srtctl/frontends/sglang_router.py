"""The SGLang router (``python -m sglang_router.launch_router``), in PD mode or over plain workers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ..backends.base import render_flags
from .base import Frontend, HealthReport, not_ready, report

if TYPE_CHECKING:
    from ..plan.model import Process
    from ..runtime.context import RuntimeContext

__all__ = ("SGLangRouterFrontend", "check_sglang_router_health")


def check_sglang_router_health(response_json: Any, expected_prefill: int, expected_decode: int) -> HealthReport:
    """Read the router's ``GET /workers`` response.

    Counts the healthy entries of ``workers`` by ``worker_type`` (``regular`` workers count as decode);
    without a ``workers`` list, falls back to ``stats.{prefill,decode,regular}_count``.
    """
    if not isinstance(response_json, dict):
        return not_ready(expected_prefill, expected_decode, "the response is not a JSON object")
    workers = response_json.get("workers")
    if isinstance(workers, list):
        counts = {"prefill": 0, "decode": 0, "regular": 0}
        unhealthy = 0
        for worker in workers:
            if not isinstance(worker, dict) or worker.get("worker_type") not in counts:
                continue
            if worker.get("is_healthy", True) is False:
                unhealthy += 1
                continue
            counts[worker["worker_type"]] += 1
        note = f"{unhealthy} unhealthy" if unhealthy else ""
        return report(counts["prefill"], counts["decode"] + counts["regular"], expected_prefill, expected_decode, note)
    stats = response_json.get("stats")
    if isinstance(stats, dict):

        def count(key: str) -> int:
            value = stats.get(key, 0)
            return value if isinstance(value, int) and not isinstance(value, bool) else 0

        prefill = count("prefill_count")
        decode = count("decode_count") + count("regular_count")
        return report(prefill, decode, expected_prefill, expected_decode)
    return not_ready(expected_prefill, expected_decode, "neither workers nor stats in the response")


class SGLangRouterFrontend(Frontend):
    """The SGLang router: ``--pd-disaggregation`` with each prefill's bootstrap port, or ``--worker-urls``."""

    type = "sglang-router"
    owned_flags: ClassVar[Mapping[str, str]] = {
        "host": "srtctl binds the router itself",
        "port": "srtctl gives the router a port from its port table",
        "prometheus-host": "srtctl binds the metrics listener itself",
        "prometheus-port": "srtctl gives the metrics listener a port from its port table",
        "pd-disaggregation": "srtctl sets it for disaggregated jobs",
        "prefill": "srtctl lists the prefill workers",
        "decode": "srtctl lists the decode workers",
        "worker-urls": "srtctl lists the workers",
    }
    health_path = "/workers"

    def build_command(self, process: Process, runtime: RuntimeContext, workers: Sequence[Process]) -> tuple[str, ...]:
        """The router on its port and metrics port, pointed at every worker leader."""
        from ..backends import get_backend

        backend = get_backend(self.config.backend.type)(self.config)
        bind = backend.bind_host(process)
        argv = [
            runtime.engine_python,
            "-m",
            "sglang_router.launch_router",
            "--host",
            bind,
            "--port",
            str(process.ports["frontend_http"]),
            "--prometheus-host",
            bind,
            "--prometheus-port",
            str(process.ports["frontend_metrics"]),
        ]
        leaders = [w for w in workers if w.node_rank == 0]
        if any(w.role == "prefill" for w in leaders):
            argv.append("--pd-disaggregation")
            for worker in leaders:
                url = f"http://{worker.address}:{worker.ports['http']}"
                if worker.role == "prefill":
                    argv += ["--prefill", url, str(worker.ports["bootstrap"])]
            for worker in leaders:
                if worker.role == "decode":
                    argv += ["--decode", f"http://{worker.address}:{worker.ports['http']}"]
        else:
            argv += ["--worker-urls", *(f"http://{w.address}:{w.ports['http']}" for w in leaders)]
        return (*argv, *render_flags(self.config.frontend.args))

    @staticmethod
    def check_health(response_json: Any, expected_prefill: int, expected_decode: int) -> HealthReport:
        """See :func:`check_sglang_router_health`."""
        return check_sglang_router_health(response_json, expected_prefill, expected_decode)
