"""SGLang servers (``python -m sglang.launch_server``), disaggregated or aggregated, one or many nodes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from ..config.schema import ArgValue, Role
from ..plan.ports import PortKind
from .base import Backend, Finding, render_flags

if TYPE_CHECKING:
    from ..plan.model import Process
    from ..runtime.context import RuntimeContext

__all__ = ("OWNED_FLAGS", "SGLangBackend", "parallelism")

OWNED_FLAGS: Mapping[str, str] = {
    "model-path": "set model.path",
    "model": "set model.path",
    "served-model-name": "set model.served_model_name",
    "host": "srtctl binds each worker itself",
    "port": "srtctl gives each worker a port from its port table",
    "nccl-port": "srtctl gives each worker a port from its port table",
    "disaggregation-mode": "srtctl sets it from the worker's role",
    "disaggregation-bootstrap-port": "srtctl gives each prefill worker a bootstrap port and tells the router",
    "dist-init-addr": "srtctl points multi-node workers at their leader",
    "nnodes": "srtctl sets it from the worker's nodes",
    "node-rank": "srtctl sets it per node",
    "base-gpu-id": "srtctl selects each worker's GPUs with CUDA_VISIBLE_DEVICES",
}
"""SGLang flags srtctl sets itself, refused in a config with where to say what you want instead."""

_SIZES = {
    "tp": ("tp-size", "tp", "tensor-parallel-size"),
    "dp": ("dp-size", "dp", "data-parallel-size"),
    "pp": ("pp-size", "pipeline-parallel-size"),
    "ep": ("ep-size", "ep", "expert-parallel-size"),
}
_DP_ATTENTION = "enable-dp-attention"


def parallelism(args: Mapping[str, ArgValue]) -> tuple[dict[str, tuple[str, int]], list[Finding]]:
    """The parallel sizes a worker's flags set, as ``{"tp": (flag, size), ...}``, and problems reading them."""
    sizes: dict[str, tuple[str, int]] = {}
    findings: list[Finding] = []
    for kind, aliases in _SIZES.items():
        for flag in aliases:
            if flag not in args:
                continue
            if kind in sizes:
                findings.append(((flag,), f"sets the same size as {sizes[kind][0]!r}; keep one"))
                continue
            value = args[flag]
            if not isinstance(value, str) or not value.isdigit() or int(value) < 1:
                findings.append(((flag,), f"expected a whole number of at least 1, got {value!r}"))
                continue
            sizes[kind] = (flag, int(value))
    return sizes, findings


class SGLangBackend(Backend):
    """SGLang's own server; the SGLang router fronts it."""

    type = "sglang"
    frontends = ("sglang-router",)
    process_ports: ClassVar[tuple[PortKind, ...]] = (PortKind.NCCL,)
    module: ClassVar[str] = "sglang.launch_server"

    @classmethod
    def check_role(cls, role: Role, args: Mapping[str, ArgValue], gpus: int, spans_nodes: bool) -> list[Finding]:
        """Refuse flags srtctl owns; hold tensor/pipeline/data/expert parallel sizes to the worker's GPUs."""
        findings: list[Finding] = [
            ((flag,), f"srtctl sets --{flag} itself ({reason}); remove it")
            for flag, reason in OWNED_FLAGS.items()
            if flag in args
        ]
        sizes, problems = parallelism(args)
        findings.extend(problems)
        if problems or not sizes:
            return findings
        tp, pp, dp = (sizes.get(kind, ("", 1))[1] for kind in ("tp", "pp", "dp"))
        dp_attention = args.get(_DP_ATTENTION) not in (None, False)
        world = tp * pp * (1 if dp_attention else dp)
        if world != gpus:
            terms = [
                f"{sizes[k][0]} {sizes[k][1]}"
                for k in ("tp", "pp", "dp")
                if k in sizes and (k != "dp" or not dp_attention)
            ]
            first = next(sizes[k][0] for k in ("tp", "pp", "dp") if k in sizes)
            findings.append(
                (
                    (first,),
                    f"{' × '.join(terms)} uses {world} GPU(s), but each {role} worker has {gpus} "
                    f"(resources.gpus_per_{'agg' if role == 'aggregated' else role})",
                )
            )
        if dp_attention and "dp" in sizes and tp % dp:
            findings.append(
                ((sizes["dp"][0],), f"with {_DP_ATTENTION}, the data-parallel size must divide tp-size {tp}")
            )
        if "ep" in sizes and world % sizes["ep"][1]:
            findings.append(((sizes["ep"][0],), f"the expert-parallel size must divide the worker's {world} GPUs"))
        return findings

    def engine_argv(self, process: Process, runtime: RuntimeContext) -> tuple[str, ...]:
        """The SGLang server flags srtctl owns, then the role's own flags."""
        assert process.role is not None
        role = process.role
        args = self.config.backend.role(role).args
        argv = [
            "--model-path",
            runtime.model_path,
            "--served-model-name",
            runtime.served_model_name,
            "--host",
            self.bind_host(process),
            "--port",
            str(process.ports["http"]),
        ]
        if role != "aggregated":
            argv += ["--disaggregation-mode", role]
        if "bootstrap" in process.ports:
            argv += ["--disaggregation-bootstrap-port", str(process.ports["bootstrap"])]
        if process.nnodes > 1:
            argv += [
                "--dist-init-addr",
                f"{process.leader_address}:{process.ports['dist_init']}",
                "--nnodes",
                str(process.nnodes),
                "--node-rank",
                str(process.node_rank),
            ]
        if "nccl" in process.ports:
            argv += ["--nccl-port", str(process.ports["nccl"])]
        sizes, _ = parallelism(args)
        if not sizes:
            argv += ["--tp-size", str(len(process.gpus) * process.nnodes)]
        return (*argv, *render_flags(args))

    def build_worker_command(self, process: Process, runtime: RuntimeContext) -> tuple[str, ...]:
        """``python3 -m sglang.launch_server`` with srtctl's flags and the role's."""
        return (runtime.engine_python, "-m", self.module, *self.engine_argv(process, runtime))
