"""Plain-text rendering of a LaunchPlan for people: fast for large plans, stable for snapshot tests."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..plan.model import LaunchPlan, Process

__all__ = ("compress_numbers", "render_plan", "render_table")


def compress_numbers(numbers: Sequence[int]) -> str:
    """``0,1,2,3,6`` as ``0-3,6``."""
    parts: list[str] = []
    ordered = sorted(numbers)
    start = previous = None
    for number in [*ordered, None]:
        if number is not None and previous is not None and number == previous + 1:
            previous = number
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = number
    return ",".join(parts) or "-"


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> str:
    """Columns padded to their widest cell."""
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    ]
    return "".join(f"{indent}{line}\n" for line in lines)


def _nodes(nodes: Sequence[str]) -> str:
    if len(nodes) <= 3:
        return ",".join(nodes)
    return f"{nodes[0]}..{nodes[-1]} ({len(nodes)} nodes)"


def _ports(process: Process) -> str:
    return ", ".join(f"{kind} {port}" for kind, port in process.ports.items()) or "-"


def render_plan(launch: LaunchPlan) -> str:
    """The plan as a person reads it: summary, allocation table, sbatch script, then every process."""
    config, runtime, topology = launch.config, launch.runtime, launch.topology
    out: list[str] = []
    model = config.model
    out.append(
        f"== {config.name}: {topology.mode} {topology.label} on {topology.total_nodes} node(s) x "
        f"{topology.gpus_per_node} GPUs ({config.resources.gpu_type}), {config.backend.type} workers behind "
        f"{config.frontend_type}\n"
    )
    out.append(f"   model {model.path} served as {runtime.served_model_name!r}")
    out.append(f", container {runtime.container_image}\n" if runtime.container_image else ", no container\n")
    if runtime.is_preview:
        out.append(
            f"   preview: job id {runtime.job_id}, nodes {', '.join(runtime.nodes)} stand for what SLURM gives; "
            f"ports use job slot {runtime.port_slot} and shift with the real job id\n"
        )
    out.append(f"   frontend {', '.join(launch.frontend_urls)}; ready when {launch.health.url} reports ")
    if topology.mode == "aggregated":
        # Both frontends report aggregated workers in their decode count; say what the user configured.
        out.append(f"{launch.health.expected_decode} aggregated worker(s)\n")
    else:
        out.append(f"{launch.health.expected_prefill} prefill + {launch.health.expected_decode} decode\n")
    out.append(f"   logs in {runtime.log_dir}\n\n")

    out.append("allocation\n")
    rows = []
    leaders = {(p.role, p.worker): p for p in launch.processes if p.kind == "worker" and p.node_rank == 0}
    for endpoint in launch.endpoints:
        leader = leaders[(endpoint.role, endpoint.index)]
        gpus = f"{compress_numbers(endpoint.gpus)} ({endpoint.num_gpus})"
        rows.append([endpoint.name, _nodes(endpoint.nodes), gpus, _ports(leader)])
    rows += [[p.name, p.node, "-", _ports(p)] for p in launch.processes if p.kind != "worker"]
    out.append(render_table(("worker", "nodes", "GPUs", "ports"), rows))

    out.append("\nsbatch script\n")
    out.extend(f"  {line}\n" if line else "\n" for line in launch.sbatch.splitlines())

    out.append("\nprocesses\n")
    for process in launch.processes:
        where = f"on {process.node}"
        if process.nnodes > 1:
            where += f", rank {process.node_rank} of {process.nnodes}"
        if process.gpus:
            where += f", GPUs {compress_numbers(process.gpus)}"
        out.append(f"  {process.name} ({process.kind}) {where}\n")
        out.append(f"    srun:    {shlex.join(process.srun)}\n")
        out.append(f"    command: {shlex.join(process.argv)}\n")
        if process.environment:
            out.append("    environment:\n")
            out.extend(f"      {key}={shlex.quote(value)}\n" for key, value in process.environment.items())
    return "".join(out)
