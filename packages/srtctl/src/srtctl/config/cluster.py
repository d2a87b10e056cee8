"""The cluster file, ``srtslurm.yaml``: defaults, aliases and site settings shared by every job.

Unlike the upstream tool, an unknown key here is an error with its line, never a warning followed by a
silent fallback to made-up defaults.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from .._exceptions import ConfigError, ConfigIssue
from ._validate import validate
from ._yaml import Document, parse_yaml, read_file
from .schema import _STRICT, Environment, HealthCheckConfig, Mounts, OptionMap, PositiveInt, TimeLimit

__all__ = (
    "CLUSTER_FILE_NAME",
    "ClusterConfig",
    "apply_cluster",
    "cluster_json_schema",
    "find_cluster_file",
    "load_cluster",
    "parse_cluster",
)

CLUSTER_FILE_NAME = "srtslurm.yaml"
CLUSTER_FILE_ENV = "SRTSLURM_CONFIG"


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterConfig:
    """Site settings from ``srtslurm.yaml``; every field is optional."""

    __pydantic_config__ = _STRICT

    name: str | None = None
    """A name for the cluster, shown in plans."""
    default_account: str | None = None
    """The SLURM account for jobs that do not name one."""
    default_partition: str | None = None
    """The SLURM partition for jobs that do not name one."""
    default_time_limit: TimeLimit | None = None
    """The time limit for jobs that do not set one."""
    gpus_per_node: PositiveInt | None = None
    """GPUs per node, for jobs that do not say."""
    gpu_type: str | None = None
    """The GPU model, for jobs that do not say."""
    sbatch_directives: OptionMap = field(default_factory=dict)
    """``#SBATCH`` options for every job; a job's own value for the same option wins."""
    srun_options: OptionMap = field(default_factory=dict)
    """srun options for every process; a job's own value for the same option wins."""
    model_paths: Mapping[str, Annotated[str, Field(min_length=1)]] = field(default_factory=dict)
    """Model aliases: ``model.path: dsr1`` becomes the path given here."""
    containers: Mapping[str, Annotated[str, Field(min_length=1)]] = field(default_factory=dict)
    """Container aliases: ``model.container: sglang`` becomes the image given here."""
    container_mounts: Mounts = field(default_factory=dict)
    """Mounts for every containerised process; a job's mount of the same host path wins."""
    environment: Environment = field(default_factory=dict)
    """Environment for every process; a job's own value for the same variable wins."""
    health_check: HealthCheckConfig | None = None
    """The health-check deadline for jobs that do not set one."""
    output_dir: str | None = None
    """Where job directories go (``<output_dir>/<job id>/``); ``./outputs`` when not set."""
    python: str | None = None
    """The Python interpreter, on the compute nodes, that has srtctl installed (runs the in-job orchestrator
    and, without a container, the engines); by default the one running srtctl."""
    node_addresses: Mapping[str, str] = field(default_factory=dict)
    """Addresses peers use to reach a node, by SLURM node name (``"*"`` for every node not listed); a node
    not listed is reached by its name. Nodes with the same address share one host, so srtctl gives their
    processes distinct ports."""
    gpus_per_node_directive: bool = True
    """Ask SLURM for ``--gpus-per-node`` (turn off on clusters without GPU GRES)."""
    segment_directive: bool = False
    """Ask for ``--segment=<nodes>`` so the job lands in one NVLink domain (GB200 NVL72 racks)."""
    exclusive: bool = False
    """Ask for whole nodes with ``--exclusive``."""
    etcd_command: Annotated[str, Field(min_length=1)] = "etcd"
    """The etcd binary Dynamo jobs start on the head node."""
    nats_command: Annotated[str, Field(min_length=1)] = "nats-server"
    """The NATS server binary Dynamo jobs start when a plane uses NATS."""


def find_cluster_file(start: Path, environ: Mapping[str, str] | None = None) -> Path | None:
    """Find ``srtslurm.yaml``: ``$SRTSLURM_CONFIG``, else ``start`` and its parents, nearest first.

    Args:
        start: the job file's directory, usually.
        environ: the environment to read ``SRTSLURM_CONFIG`` from (``os.environ`` when None).

    Raises:
        ConfigError: ``SRTSLURM_CONFIG`` names a file that does not exist.
    """
    environ = os.environ if environ is None else environ
    named = environ.get(CLUSTER_FILE_ENV)
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"{CLUSTER_FILE_ENV}={named!r} does not name a file")
        return path
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / CLUSTER_FILE_NAME
        if candidate.is_file():
            return candidate
    return None


def parse_cluster(text: str, file: str = CLUSTER_FILE_NAME) -> ClusterConfig:
    """Parse and validate the text of a cluster file.

    Raises:
        ConfigError: naming the file, line and key of every problem (an unknown key included).
    """
    return validate(ClusterConfig, parse_yaml(text, file))


def load_cluster(path: str | os.PathLike[str]) -> ClusterConfig:
    """Read and validate a cluster file.

    Raises:
        ConfigError: the file cannot be read or is invalid.
    """
    path = Path(path)
    return parse_cluster(read_file(path, "cluster file"), str(path))


def _looks_like_image(value: str) -> bool:
    return value.startswith(("/", "./", "../", "~")) or any(mark in value for mark in "/#:")


def apply_cluster(
    doc: Document, data: dict[str, Any], cluster: ClusterConfig, variant: str | None = None
) -> tuple[dict[str, Any], list[ConfigIssue]]:
    """Fill a job's raw data with the cluster's defaults and resolve its aliases.

    Works on the raw mapping before validation, so whatever it fills in is validated like the user's own
    values. A job's explicit value always wins. Returns the new data and the alias problems found.
    """
    data = copy.deepcopy(data)
    issues: list[ConfigIssue] = []

    def section(name: str, *, create: bool) -> dict[str, Any] | None:
        value = data.setdefault(name, {}) if create else data.get(name)
        return value if isinstance(value, dict) else None

    def merged(base: Mapping[str, Any], own: Any) -> Any:
        return {**base, **own} if isinstance(own, dict) else own

    if (slurm := section("slurm", create=True)) is not None:
        for key, default in (
            ("account", cluster.default_account),
            ("partition", cluster.default_partition),
            ("time_limit", cluster.default_time_limit),
        ):
            if default is not None:
                slurm.setdefault(key, default)
        for key, defaults in (("sbatch_directives", cluster.sbatch_directives), ("srun_options", cluster.srun_options)):
            if defaults:
                slurm[key] = merged(defaults, slurm.get(key, {}))
    if (resources := section("resources", create=False)) is not None:
        if cluster.gpus_per_node is not None:
            resources.setdefault("gpus_per_node", cluster.gpus_per_node)
        if cluster.gpu_type is not None:
            resources.setdefault("gpu_type", cluster.gpu_type)
    if cluster.environment:
        data["environment"] = merged(cluster.environment, data.get("environment", {}))
    if cluster.container_mounts:
        data["container_mounts"] = merged(cluster.container_mounts, data.get("container_mounts", {}))
    if cluster.health_check is not None and "health_check" not in data:
        data["health_check"] = {
            "timeout_seconds": cluster.health_check.timeout_seconds,
            "interval_seconds": cluster.health_check.interval_seconds,
        }

    model = data.get("model")
    if isinstance(model, dict):
        path = model.get("path")
        if isinstance(path, str) and path:
            if path in cluster.model_paths:
                model["path"] = cluster.model_paths[path]
            elif not (path.startswith("/") or path.startswith("hf:")):
                issues.append(doc.issue(("model", "path"), _alias_message(path, "model_paths", cluster), variant))
            elif path.startswith("hf:") and path.count("/") != 1:
                issues.append(doc.issue(("model", "path"), f"{path!r}: expected hf:<org>/<repo>", variant))
        container = model.get("container")
        if isinstance(container, str) and container:
            if container in cluster.containers:
                model["container"] = cluster.containers[container]
            elif not _looks_like_image(container):
                issues.append(
                    doc.issue(("model", "container"), _alias_message(container, "containers", cluster), variant)
                )
    return data, issues


def _alias_message(value: str, table: str, cluster: ClusterConfig) -> str:
    aliases: Mapping[str, str] = getattr(cluster, table)
    known = f"known aliases: {', '.join(sorted(aliases))}" if aliases else f"srtslurm.yaml defines no {table}"
    if table == "model_paths":
        expected = "an absolute path, hf:<org>/<repo>, or an alias from srtslurm.yaml model_paths"
    else:
        expected = "an image (registry URI or .sqsh path) or an alias from srtslurm.yaml containers"
    return f"{value!r} is not {expected} ({known})"


def cluster_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``srtslurm.yaml``, for editors."""
    from ._docs import describe_schema
    from ._validate import adapter
    from .schema import HealthCheckConfig

    schema = describe_schema(adapter(ClusterConfig).json_schema(), [ClusterConfig, HealthCheckConfig])
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": "srtctl cluster file"}
