"""Pure planning: from a job config to allocation, ports, commands, environments and the sbatch script.

The names below load on first use, so ``import srtctl.plan.topology`` does not pull in jinja2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from .model import Endpoint as Endpoint
    from .model import HealthCheck as HealthCheck
    from .model import LaunchPlan as LaunchPlan
    from .model import Process as Process
    from .model import RoleShape as RoleShape
    from .model import Topology as Topology
    from .ports import PortKind as PortKind
    from .render import JobSpec as JobSpec
    from .render import plan as plan
    from .render import plan_in_job as plan_in_job
    from .render import render_sbatch as render_sbatch
    from .topology import allocate_endpoints as allocate_endpoints
    from .topology import check_job as check_job
    from .topology import nodes_required as nodes_required
    from .topology import resolve_topology as resolve_topology

__all__ = (
    "Endpoint",
    "HealthCheck",
    "JobSpec",
    "LaunchPlan",
    "PortKind",
    "Process",
    "RoleShape",
    "Topology",
    "allocate_endpoints",
    "check_job",
    "nodes_required",
    "plan",
    "plan_in_job",
    "render_sbatch",
    "resolve_topology",
)

_HOMES = {
    "Endpoint": "model",
    "HealthCheck": "model",
    "LaunchPlan": "model",
    "Process": "model",
    "RoleShape": "model",
    "Topology": "model",
    "PortKind": "ports",
    "JobSpec": "render",
    "plan": "render",
    "plan_in_job": "render",
    "render_sbatch": "render",
    "allocate_endpoints": "topology",
    "check_job": "topology",
    "nodes_required": "topology",
    "resolve_topology": "topology",
}

__getattr__ = lazy_attributes(__name__, {name: f".{module}" for name, module in _HOMES.items()})
