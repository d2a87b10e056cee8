"""RuntimeContext: every value computed for one run of a job, computed once, in one place.

It is the only reader of ``SLURM_*`` variables in srtctl, and it takes the environment as an argument, so
tests pass a dict. Inside a job, the orchestrator builds it from the real environment; before submission,
:meth:`RuntimeContext.preview` builds one with stand-in node names so ``srtctl dry-run`` can show the plan.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import ConfigDict

from .._exceptions import ConfigError, TopologyError
from ..plan.ports import job_port_slot

if TYPE_CHECKING:
    from ..config.cluster import ClusterConfig
    from ..config.schema import JobConfig

__all__ = ("JOB_DIR_ENV", "PREVIEW_JOB_ID", "RuntimeContext", "expand_hostlist")

JOB_DIR_ENV = "SRTCTL_JOB_DIR"
"""Exported by the sbatch script: the job's own directory, ``<output_dir>/<job id>``."""
PREVIEW_JOB_ID = "JOBID"
"""The job id a preview shows where the real one will be."""
CONTAINER_LOG_DIR = "/logs"
CONTAINER_MODEL_DIR = "/model"

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")
_HOSTLIST_GROUP = re.compile(r"\[([^\[\]]*)\]")


def expand_hostlist(hostlist: str) -> tuple[str, ...]:
    """Expand SLURM's hostlist syntax: ``gpu[01-03,07],login1`` gives ``gpu01 gpu02 gpu03 gpu07 login1``.

    Handles several bracket groups in one name (``r[1-2]n[1-2]``), zero padding, and commas outside brackets.

    Raises:
        ValueError: the text is not a hostlist (unbalanced brackets, a descending or malformed range).
    """
    hosts: list[str] = []
    for item in _split_top_level(hostlist.strip()):
        if item:
            hosts.extend(_expand_item(item, hostlist))
    return tuple(hosts)


def _split_top_level(text: str) -> list[str]:
    items, depth, current = [], 0, []
    for char in text:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced ']' in hostlist {text!r}")
        if char == "," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth:
        raise ValueError(f"unbalanced '[' in hostlist {text!r}")
    items.append("".join(current))
    return [item.strip() for item in items]


def _expand_item(item: str, whole: str) -> list[str]:
    match = _HOSTLIST_GROUP.search(item)
    if match is None:
        return [item]
    prefix, suffix = item[: match.start()], item[match.end() :]
    expanded = []
    for part in match.group(1).split(","):
        low, sep, high = part.strip().partition("-")
        if not low.isdigit() or (sep and not high.isdigit()):
            raise ValueError(f"malformed range {part!r} in hostlist {whole!r}")
        start, stop = int(low), int(high) if sep else int(low)
        if stop < start:
            raise ValueError(f"descending range {part!r} in hostlist {whole!r}")
        width = len(low)
        rests = _expand_item(suffix, whole)
        expanded += [f"{prefix}{number:0{width}d}{rest}" for number in range(start, stop + 1) for rest in rests]
    return expanded


@dataclass(frozen=True, slots=True, kw_only=True)
class RuntimeContext:
    """The values one run of a job computes from its config, the cluster settings and SLURM's environment."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    job_id: str
    """SLURM's job id (``JOBID`` in a preview)."""
    run_name: str
    """``<job name>_<job id>``."""
    is_preview: bool = False
    """Whether this is a stand-in built before submission (node names and job id are placeholders)."""
    nodes: tuple[str, ...]
    """The job's nodes in allocation order, as many as the topology needs (the first is the head node)."""
    addresses: Mapping[str, str]
    """How peers reach each node: the cluster's ``node_addresses``, else the node name."""
    output_base: str
    """The directory that holds job directories (the cluster's ``output_dir``)."""
    output_dir: str
    """The job's own directory, ``<output_base>/<job id>``: the job spec, the plan, the logs."""
    log_dir: str
    """Where process logs go: ``<job dir>/<job id>_<1P_4D>_<UTC timestamp>``, one per run of the job."""
    port_slot: int
    """The job's slot in the port table (its id modulo the number of slots)."""
    python: str
    """The interpreter on the nodes that has srtctl installed (orchestrator; engines without a container)."""
    engine_python: str
    """The interpreter that runs engines and frontends: ``python3`` in a container, else ``python``."""
    container_image: str | None = None
    container_mounts: tuple[str, ...] = ()
    """Pyxis mount specs, ``source:target[:flags]``, with job-level placeholders filled."""
    model_path: str
    """The model as the engines see it: the Hugging Face id, ``/model`` in a container, or the host path."""
    served_model_name: str
    timestamp: str
    """When this context was built (UTC, ``YYYYmmdd-HHMMSS``); part of the log directory's name."""

    @property
    def head_node(self) -> str:
        """The node the batch script and the orchestrator run on."""
        return self.nodes[0]

    def address(self, node: str) -> str:
        """How peers reach ``node``."""
        return self.addresses.get(node, node)

    def fill(self, template: str, **values: str | int) -> str:
        """Fill ``{job_id}``, ``{run_name}``, ``{log_dir}``, ``{head_node}`` and the per-process ``values``."""
        known: dict[str, str] = {
            "job_id": self.job_id,
            "run_name": self.run_name,
            "log_dir": self.log_dir,
            "head_node": self.head_node,
            **{key: str(value) for key, value in values.items()},
        }

        def replace(match: re.Match[str]) -> str:
            token = match.group(0)
            if token in ("{{", "}}"):
                return token[0]
            return known.get(match.group(1), token)

        return _PLACEHOLDER.sub(replace, template)

    @classmethod
    def from_config(
        cls,
        config: JobConfig,
        job_id: str | int | None = None,
        *,
        cluster: ClusterConfig | None = None,
        environ: Mapping[str, str] | None = None,
        hostnames: Sequence[str] | None = None,
        addresses: Mapping[str, str] | None = None,
        output_base: str | None = None,
        python: str | None = None,
        now: datetime | None = None,
    ) -> RuntimeContext:
        """Build the context of a running job.

        Args:
            config: the job.
            job_id: SLURM's job id; read from ``SLURM_JOB_ID`` (or ``SLURM_JOBID``) in ``environ`` when None.
            cluster: the cluster settings the job was planned with.
            environ: the environment to read ``SLURM_*`` and ``SRTCTL_JOB_DIR`` from (``os.environ`` when None).
            hostnames: the job's nodes; expanded from ``SLURM_JOB_NODELIST`` (or ``SLURM_NODELIST``) when None.
            addresses: how peers reach each node (resolved by the caller, once per node); the cluster's
                ``node_addresses`` and then the node name otherwise.
            output_base: the directory that holds job directories, when ``SRTCTL_JOB_DIR`` is not set.
            python: the interpreter with srtctl installed (the cluster's ``python``, else this one).
            now: the clock reading for the log directory's timestamp.

        Raises:
            ConfigError: no job id, no node list, or an unreadable node list.
            TopologyError: SLURM gave fewer nodes than the topology needs.
        """
        environ = os.environ if environ is None else environ
        if job_id is None:
            job_id = environ.get("SLURM_JOB_ID") or environ.get("SLURM_JOBID")
            if not job_id:
                raise ConfigError("no job id: SLURM_JOB_ID is not set (is this running inside a SLURM job?)")
        if hostnames is None:
            nodelist = environ.get("SLURM_JOB_NODELIST") or environ.get("SLURM_NODELIST")
            if not nodelist:
                raise ConfigError("no node list: SLURM_JOB_NODELIST is not set (is this running inside a SLURM job?)")
            try:
                hostnames = expand_hostlist(nodelist)
            except ValueError as exc:
                raise ConfigError(f"SLURM_JOB_NODELIST: {exc}") from None
        job_dir = environ.get(JOB_DIR_ENV)
        return cls._build(
            config,
            str(job_id),
            cluster=cluster,
            hostnames=tuple(hostnames),
            addresses=addresses,
            job_dir=job_dir,
            output_base=output_base,
            python=python,
            now=now,
            is_preview=False,
        )

    @classmethod
    def preview(
        cls,
        config: JobConfig,
        *,
        cluster: ClusterConfig | None = None,
        job_id: str | int | None = None,
        hostnames: Sequence[str] | None = None,
        output_base: str | None = None,
        python: str | None = None,
        now: datetime | None = None,
    ) -> RuntimeContext:
        """A stand-in context for a job not yet submitted: nodes ``node0``, ``node1``... and job id ``JOBID``.

        Give ``job_id`` and ``hostnames`` to preview a particular allocation (ports shift with the job id).
        """
        from ..plan.topology import resolve_topology

        if hostnames is None:
            hostnames = tuple(f"node{i}" for i in range(resolve_topology(config.resources).total_nodes))
        return cls._build(
            config,
            str(job_id) if job_id is not None else PREVIEW_JOB_ID,
            cluster=cluster,
            hostnames=tuple(hostnames),
            addresses=None,
            job_dir=None,
            output_base=output_base,
            python=python,
            now=now,
            is_preview=True,
        )

    @classmethod
    def _build(
        cls,
        config: JobConfig,
        job_id: str,
        *,
        cluster: ClusterConfig | None,
        hostnames: tuple[str, ...],
        addresses: Mapping[str, str] | None,
        job_dir: str | None,
        output_base: str | None,
        python: str | None,
        now: datetime | None,
        is_preview: bool,
    ) -> RuntimeContext:
        from ..config.cluster import ClusterConfig
        from ..plan.topology import resolve_topology

        cluster = cluster or ClusterConfig()
        topology = resolve_topology(config.resources)
        needed = topology.total_nodes
        if len(hostnames) < needed:
            raise TopologyError(
                f"the job needs {needed} node(s) ({topology.label}), but SLURM gave {len(hostnames)}: "
                f"{', '.join(hostnames) or 'none'}"
            )
        nodes = hostnames[:needed]
        known = {**cluster.node_addresses, **(addresses or {})}
        default = known.get("*")
        if job_dir:
            base = job_dir.rstrip("/").rpartition("/")[0] or "."
        else:
            base = (output_base or cluster.output_dir or "outputs").rstrip("/") or "/"
            job_dir = f"{base.rstrip('/')}/{job_id}"
        stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%d-%H%M%S")
        log_dir = f"{job_dir}/{job_id}_{topology.label}_{stamp}"
        host_python = python or cluster.python or sys.executable
        container = config.model.container
        model = config.model
        if model.is_hf:
            model_path = model.path.removeprefix("hf:")
        elif container:
            model_path = CONTAINER_MODEL_DIR
        else:
            model_path = model.path
        partial = cls(
            job_id=job_id,
            run_name=f"{config.name}_{job_id}",
            is_preview=is_preview,
            nodes=nodes,
            addresses={node: known.get(node, default or node) for node in nodes},
            output_base=base,
            output_dir=job_dir,
            log_dir=log_dir,
            port_slot=job_port_slot(job_id),
            python=host_python,
            engine_python="python3" if container else host_python,
            container_image=container,
            model_path=model_path,
            served_model_name=model.name,
            timestamp=stamp,
        )
        mounts: list[str] = []
        if container:
            mounts.append(f"{log_dir}:{CONTAINER_LOG_DIR}")
            if not model.is_hf:
                mounts.append(f"{model.path}:{CONTAINER_MODEL_DIR}:ro")
            mounts.extend(f"{partial.fill(src)}:{partial.fill(dst)}" for src, dst in config.container_mounts.items())
        return replace(partial, container_mounts=tuple(mounts))
