"""Topology: resolve a job's shape, check that it fits before anything is submitted, and place its workers.

``allocate_endpoints`` keeps the upstream tool's packing: prefill, then decode, then aggregated workers,
walking the node list with one cursor. A worker of at least a node's GPUs takes whole fresh nodes; smaller
workers are packed in order onto the current node, never straddling two. A new role starts on a fresh node
when it fits in the nodes left, and otherwise fills the free GPUs of the last one (the upstream
``decode_nodes: 0`` sharing). Unlike upstream it never gives a GPU twice (a whole-node worker skips a
partly used node) and says what is missing instead of raising ``IndexError``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .._exceptions import AllocationError, ConfigIssue, TopologyError
from ..config.schema import JobConfig, ResourcesConfig, Role, RoleConfig
from .model import Endpoint, RoleShape, Topology

__all__ = (
    "OWNED_ENVIRONMENT",
    "OWNED_SBATCH_DIRECTIVES",
    "OWNED_SRUN_OPTIONS",
    "Problem",
    "allocate_endpoints",
    "check_job",
    "nodes_required",
    "resolve_topology",
)

OWNED_ENVIRONMENT = frozenset(
    {
        "CUDA_VISIBLE_DEVICES",
        "ETCD_ENDPOINTS",
        "NATS_SERVER",
        "DYN_SYSTEM_PORT",
        "DYN_SYSTEM_ENABLED",
        "DYN_REQUEST_PLANE",
        "DYN_EVENT_PLANE",
        "SRTCTL_JOB_DIR",
    }
)
"""Variables srtctl sets per process; a config that sets them is refused rather than silently overridden."""

OWNED_SBATCH_DIRECTIVES = {
    "job-name": "the job name comes from name",
    "J": "the job name comes from name",
    "nodes": "srtctl asks for the nodes the topology needs",
    "N": "srtctl asks for the nodes the topology needs",
    "ntasks": "srtctl sets the task layout",
    "n": "srtctl sets the task layout",
    "ntasks-per-node": "srtctl sets the task layout",
    "gpus-per-node": "srtctl asks for resources.gpus_per_node",
    "output": "srtctl writes the batch log into the output directory",
    "o": "srtctl writes the batch log into the output directory",
    "error": "srtctl writes the batch log into the output directory",
    "e": "srtctl writes the batch log into the output directory",
    "account": "set slurm.account",
    "A": "set slurm.account",
    "partition": "set slurm.partition",
    "p": "set slurm.partition",
    "time": "set slurm.time_limit",
    "t": "set slurm.time_limit",
}
"""sbatch options srtctl sets itself, with where to say what you want instead."""

OWNED_SRUN_OPTIONS = {
    "nodes": "each process runs on one node",
    "N": "each process runs on one node",
    "ntasks": "each process is one task",
    "n": "each process is one task",
    "nodelist": "srtctl places each process",
    "w": "srtctl places each process",
    "overlap": "srtctl always passes --overlap",
    "output": "srtctl writes each process's log",
    "o": "srtctl writes each process's log",
    "error": "srtctl writes each process's log",
    "e": "srtctl writes each process's log",
    "jobid": "processes run in their own job",
    "container-image": "set model.container",
    "container-mounts": "set container_mounts",
}
"""srun options srtctl sets itself on every process."""


@dataclass(frozen=True, slots=True)
class Problem:
    """A topology problem at a YAML path (the loader adds file and line)."""

    path: tuple[str | int, ...]
    message: str


# -- the shape of a job ------------------------------------------------------------------------------------

_SHORT = {"prefill": "prefill", "decode": "decode", "aggregated": "agg"}


def resolve_topology(resources: ResourcesConfig) -> Topology:
    """Turn ``resources`` into roles with worker counts, GPUs per worker and node counts.

    Raises:
        TopologyError: the fields are incomplete, mixed, do not divide evenly, or do not fit.
    """
    problems = _shape_problems(resources)
    if isinstance(problems, Topology):
        return problems
    raise TopologyError(_as_issues(problems))


_DISAGG_FIELDS = (
    "prefill_nodes",
    "prefill_workers",
    "decode_nodes",
    "decode_workers",
    "gpus_per_prefill",
    "gpus_per_decode",
)
_AGG_FIELDS = ("agg_nodes", "agg_workers", "gpus_per_agg")


def _shape_problems(resources: ResourcesConfig) -> Topology | list[Problem]:
    r, gpn = resources, resources.gpus_per_node
    problems: list[Problem] = []

    def problem(field: str | None, message: str) -> None:
        problems.append(Problem(("resources", field) if field else ("resources",), message))

    has_disagg = any(getattr(r, name) is not None for name in _DISAGG_FIELDS)
    has_agg = any(getattr(r, name) is not None for name in _AGG_FIELDS)
    if has_disagg == has_agg:
        problem(
            None,
            "mixes aggregated (agg_*) and disaggregated (prefill_*, decode_*) settings; a job is one or the other"
            if has_disagg
            else "no workers: set prefill_nodes, prefill_workers, decode_nodes and decode_workers (disaggregated) "
            "or agg_nodes and agg_workers (aggregated)",
        )
        return problems
    roles: tuple[Role, ...] = ("prefill", "decode") if has_disagg else ("aggregated",)
    mode = "disaggregated" if has_disagg else "aggregated"
    for role in roles:
        for field in (f"{_SHORT[role]}_nodes", f"{_SHORT[role]}_workers"):
            if getattr(r, field) is None:
                problem(field, f"required for a {mode} job")
    if problems:
        return problems

    shapes: list[RoleShape] = []
    for role in roles:
        short = _SHORT[role]
        nodes: int = getattr(r, f"{short}_nodes")
        workers: int = getattr(r, f"{short}_workers")
        explicit: int | None = getattr(r, f"gpus_per_{short}")
        gpus = explicit
        if nodes == 0:  # decode packs onto the prefill nodes
            gpus = gpus or shapes[0].gpus_per_worker
        elif gpus is None:
            if (nodes * gpn) % workers:
                problem(
                    f"{short}_workers",
                    f"{nodes} node(s) × {gpn} GPUs do not split evenly among {workers} {role} workers; "
                    f"set gpus_per_{short}",
                )
                continue
            gpus = nodes * gpn // workers
        if gpus > gpn and gpus % gpn:
            problem(
                f"gpus_per_{short}" if explicit is not None else f"{short}_workers",
                f"a {role} worker with {gpus} GPUs spans nodes of {gpn} GPUs; a worker larger than a node takes "
                f"whole nodes, so give it a multiple of {gpn} GPUs",
            )
            continue
        shapes.append(RoleShape(role=role, workers=workers, gpus_per_worker=gpus, nodes=nodes))
    if problems:
        return problems

    for shape in shapes:
        short, count, gpus = _SHORT[shape.role], shape.workers, shape.gpus_per_worker
        needed = nodes_required([(count, gpus)], gpn)
        if shape.nodes and needed > shape.nodes:
            problem(
                f"{short}_workers",
                f"{count} {shape.role} worker(s) × {gpus} GPUs need {needed} node(s) of {gpn} GPUs, "
                f"but {short}_nodes is {shape.nodes}",
            )
        elif shape.nodes and needed < shape.nodes:
            problem(
                f"{short}_nodes",
                f"is {shape.nodes}, but {count} {shape.role} worker(s) × {gpus} GPUs fill only {needed} node(s) of "
                f"{gpn} GPUs; the rest would sit idle, so set {short}_nodes: {needed}",
            )
    if len(shapes) == 2 and shapes[1].nodes == 0:
        prefill, decode = shapes
        if decode.gpus_per_worker >= gpn:
            problem(
                "decode_nodes",
                "0 packs decode workers onto the prefill nodes' free GPUs, which needs decode workers smaller "
                f"than a node ({gpn} GPUs); give decode nodes of its own",
            )
        elif nodes_required([(p.workers, p.gpus_per_worker) for p in shapes], gpn) > prefill.nodes:
            free = prefill.nodes * gpn - prefill.workers * prefill.gpus_per_worker
            problem(
                "decode_workers",
                f"{decode.workers} decode worker(s) × {decode.gpus_per_worker} GPUs do not fit in the {free} GPUs "
                f"the prefill workers leave free on their {prefill.nodes} node(s) (decode_nodes is 0)",
            )
    return problems or Topology(mode=mode, gpus_per_node=gpn, roles=tuple(shapes))


# -- allocation --------------------------------------------------------------------------------------------


def nodes_required(roles: Sequence[tuple[int, int]], gpus_per_node: int) -> int:
    """The fewest nodes that hold these ``(workers, gpus_per_worker)`` groups, packed in order.

    This is the budget :func:`allocate_endpoints` is held to: it succeeds exactly when it has at least this
    many nodes. Groups share a partly used node only when they must; counting them as always sharing gives
    the minimum.
    """
    full, offset = 0, 0
    for count, gpus in roles:
        if count == 0:
            continue
        if gpus >= gpus_per_node:
            if offset:
                full, offset = full + 1, 0
            full += count * math.ceil(gpus / gpus_per_node)
            continue
        if offset:
            fit = min((gpus_per_node - offset) // gpus, count)
            offset += fit * gpus
            count -= fit
            if count == 0:
                if offset == gpus_per_node:
                    full, offset = full + 1, 0
                continue
            full, offset = full + 1, 0
        per_node = gpus_per_node // gpus
        whole, rest = divmod(count, per_node)
        if rest:
            full, offset = full + whole, rest * gpus
        else:  # the last node stays open for a smaller worker when its GPUs do not divide evenly
            full, offset = full + whole - 1, per_node * gpus
            if offset == gpus_per_node:
                full, offset = full + 1, 0
    return full + (1 if offset else 0)


def allocate_endpoints(
    num_prefill: int,
    num_decode: int,
    num_agg: int,
    gpus_per_prefill: int,
    gpus_per_decode: int,
    gpus_per_agg: int,
    gpus_per_node: int,
    available_nodes: Sequence[str],
) -> tuple[Endpoint, ...]:
    """Place every worker on nodes and GPUs (prefill, then decode, then aggregated). Pure.

    Args:
        num_prefill: prefill workers (likewise ``num_decode``, ``num_agg``; 0 for none).
        num_decode: decode workers.
        num_agg: aggregated workers.
        gpus_per_prefill: GPUs per prefill worker (likewise for decode and agg; ignored when the count is 0).
        gpus_per_decode: GPUs per decode worker.
        gpus_per_agg: GPUs per aggregated worker.
        gpus_per_node: GPUs on every node.
        available_nodes: node names in allocation order (the first is the head node).

    Returns:
        One endpoint per worker, in role order then index order.

    Raises:
        AllocationError: the nodes are too few (the message says how many are needed), or the request is
            malformed (negative counts, a multi-node worker that is not a whole number of nodes).
    """
    nodes = tuple(available_nodes)
    groups: list[tuple[Role, int, int]] = [
        ("prefill", num_prefill, gpus_per_prefill),
        ("decode", num_decode, gpus_per_decode),
        ("aggregated", num_agg, gpus_per_agg),
    ]
    if gpus_per_node < 1:
        raise AllocationError(f"gpus_per_node must be at least 1, got {gpus_per_node}")
    if len(set(nodes)) != len(nodes):
        raise AllocationError(f"available_nodes lists a node twice: {', '.join(nodes)}")
    for role, count, gpus in groups:
        if count < 0:
            raise AllocationError(f"the number of {role} workers must not be negative, got {count}")
        if count and gpus < 1:
            raise AllocationError(f"{role} workers need at least 1 GPU each, got {gpus}")
        if count and gpus > gpus_per_node and gpus % gpus_per_node:
            raise AllocationError(
                f"a {role} worker with {gpus} GPUs spans nodes of {gpus_per_node} GPUs; a worker larger than a node "
                f"takes whole nodes, so give it a multiple of {gpus_per_node} GPUs"
            )
    active = [(role, count, gpus) for role, count, gpus in groups if count]
    # Prefer a fresh node at each role boundary (earlier boundaries first); share only when that cannot fit.
    for fresh in itertools.product((True, False), repeat=max(len(active) - 1, 0)):
        placed = _pack(active, fresh, gpus_per_node, nodes)
        if placed is not None:
            return placed
    needed = nodes_required([(count, gpus) for _, count, gpus in active], gpus_per_node)
    wanted = " + ".join(f"{count} {role} × {gpus} GPUs" for role, count, gpus in active)
    raise AllocationError(
        f"not enough nodes: {wanted} need {needed} node(s) of {gpus_per_node} GPUs, but {len(nodes)} "
        f"{'is' if len(nodes) == 1 else 'are'} available"
    )


def _pack(
    groups: list[tuple[Role, int, int]], fresh: tuple[bool, ...], gpn: int, nodes: tuple[str, ...]
) -> tuple[Endpoint, ...] | None:
    endpoints: list[Endpoint] = []
    node, offset = 0, 0
    for position, (role, count, gpus) in enumerate(groups):
        if position and offset and fresh[position - 1]:
            node, offset = node + 1, 0
        for index in range(count):
            if gpus >= gpn:
                if offset:
                    node, offset = node + 1, 0
                span = gpus // gpn
                if node + span > len(nodes):
                    return None
                endpoints.append(
                    Endpoint(role=role, index=index, nodes=nodes[node : node + span], gpus=tuple(range(gpn)))
                )
                node += span
                continue
            if offset + gpus > gpn:
                node, offset = node + 1, 0
            if node >= len(nodes):
                return None
            endpoints.append(
                Endpoint(role=role, index=index, nodes=(nodes[node],), gpus=tuple(range(offset, offset + gpus)))
            )
            offset += gpus
            if offset == gpn:
                node, offset = node + 1, 0
    return tuple(endpoints)


# -- checks before anything is submitted -------------------------------------------------------------------


def check_job(config: JobConfig) -> list[Problem]:
    """Every problem that would make this job fail after it queued: topology, flags, ports, sections.

    Returns the problems (empty when the job is sound), each at the YAML path to fix.
    """
    from ..backends import get_backend
    from ..frontends import get_frontend

    shape = _shape_problems(config.resources)
    if not isinstance(shape, Topology):
        return shape
    backend = get_backend(config.backend.type)
    used = [role.role for role in shape.roles]
    problems = [
        Problem(
            ("backend", role),
            f"this job is {shape.mode}, so it has no {role} workers; put these settings under "
            f"{' and '.join(f'backend.{r}' for r in used)}",
        )
        for role in ("prefill", "decode", "aggregated")
        if role not in used and config.backend.role(role) != RoleConfig()
    ]
    for role in shape.roles:
        spans_nodes = role.gpus_per_worker > shape.gpus_per_node
        if spans_nodes and not backend.spans_nodes:
            problems.append(
                Problem(
                    ("resources", f"gpus_per_{_SHORT[role.role]}"),
                    f"{role.role} workers of {role.gpus_per_worker} GPUs span nodes, which {backend.type} workers "
                    f"cannot; give each at most {shape.gpus_per_node} GPUs",
                )
            )
        args = config.backend.role(role.role).args
        findings = backend.check_role(role.role, args, role.gpus_per_worker, spans_nodes)
        problems += [Problem(("backend", role.role, "args", *path), message) for path, message in findings]
    problems += [Problem(("backend", *path), message) for path, message in backend.check_backend(config.backend)]
    if config.frontend.type is not None and config.frontend.type not in backend.frontends:
        expected = " or ".join(repr(f) for f in backend.frontends)
        problems.append(
            Problem(
                ("frontend", "type"),
                f"{config.frontend.type!r} cannot front {config.backend.type} workers; expected {expected}",
            )
        )
    findings = get_frontend(config.frontend_type).check_args(config.frontend.args)
    problems += [Problem(("frontend", "args", *path), message) for path, message in findings]
    if config.frontend.count > shape.total_nodes:
        problems.append(
            Problem(
                ("frontend", "count"),
                f"is {config.frontend.count}, but the job has {shape.total_nodes} node(s); frontends run one per node",
            )
        )
    problems += _owned_problems(config)
    problems += _benchmark_problems(config)
    if config.health_check.interval_seconds > config.health_check.timeout_seconds:
        problems.append(Problem(("health_check", "interval_seconds"), "must not be longer than timeout_seconds"))
    return problems


def _owned_problems(config: JobConfig) -> list[Problem]:
    envs: list[tuple[tuple[str, ...], Mapping[str, str]]] = [
        (("environment",), config.environment),
        (("frontend", "environment"), config.frontend.environment),
        (("benchmark", "environment"), config.benchmark.environment),
        *((("backend", role, "environment"), config.backend.role(role).environment) for role in _ROLES),
    ]
    problems = [
        Problem((*path, name), "srtctl sets this variable for each process itself; remove it")
        for path, env in envs
        for name in env
        if name in OWNED_ENVIRONMENT
    ]
    problems += [
        Problem(
            ("slurm", "sbatch_directives", name),
            f"srtctl sets --{name} itself ({OWNED_SBATCH_DIRECTIVES[name]}); remove it",
        )
        for name in config.slurm.sbatch_directives
        if name in OWNED_SBATCH_DIRECTIVES
    ]
    problems += [
        Problem(
            ("slurm", "srun_options", name),
            f"srtctl sets --{name} itself "
            f"({OWNED_SRUN_OPTIONS.get(name, 'srtctl sets the container flags from model.container')}); remove it",
        )
        for name in config.slurm.srun_options
        if name in OWNED_SRUN_OPTIONS or name.startswith("container-")
    ]
    return problems


_NEEDS_LOAD_SHAPE = ("serving", "sglang-bench", "aiperf")
_ROLES: tuple[Role, ...] = ("prefill", "decode", "aggregated")


def _benchmark_problems(config: JobConfig) -> list[Problem]:
    bench = config.benchmark
    problems: list[Problem] = []
    if bench.type in _NEEDS_LOAD_SHAPE:
        missing = [name for name in ("isl", "osl") if getattr(bench, name) is None]
        missing += [] if bench.concurrencies else ["concurrencies"]
        problems += [Problem(("benchmark", name), f"required by the {bench.type} benchmark") for name in missing]
    if bench.type == "custom" and not bench.command:
        problems.append(Problem(("benchmark", "command"), "required by the custom benchmark"))
    if bench.command and bench.type != "custom":
        problems.append(Problem(("benchmark", "command"), "only applies to type: custom"))
    return problems


def _as_issues(problems: Sequence[Problem]) -> list[ConfigIssue]:
    from ..config._yaml import format_path

    return [ConfigIssue(message=p.message, path=format_path(p.path)) for p in problems]


def raise_problems(problems: Sequence[Problem]) -> None:
    """Raise a TopologyError for ``problems`` (located by YAML path only), if there are any."""
    if problems:
        raise TopologyError(_as_issues(problems))
