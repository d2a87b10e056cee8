"""Resolve ``-f job.yaml[:variant]`` and the cluster file the way every command does, and report errors."""

from __future__ import annotations

import os
import sys
from collections.abc import Generator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from ..config import ClusterConfig, JobConfig

__all__ = ("JobFile", "load_job_file", "reporting_errors")


@dataclass(frozen=True, slots=True)
class JobFile:
    """The variants a ``-f`` argument names, with the cluster settings they were loaded with."""

    path: Path
    configs: tuple[JobConfig, ...]
    cluster: ClusterConfig
    cluster_file: Path | None


def load_job_file(argument: str, cluster_file: Path | None, environ: Mapping[str, str] | None = None) -> JobFile:
    """Load every variant ``argument`` names (``job.yaml`` or ``job.yaml:variant``).

    The cluster file is ``cluster_file`` when given, else ``$SRTSLURM_CONFIG``, else the nearest
    ``srtslurm.yaml`` at or above the job file.

    Raises:
        ConfigError: the job or cluster file is invalid.
    """
    from ..config import ClusterConfig, find_cluster_file, load_cluster, load_configs, split_selector

    path, selector = split_selector(argument)
    environ = os.environ if environ is None else environ
    if cluster_file is None:
        cluster_file = find_cluster_file(path.parent, environ)
    cluster = load_cluster(cluster_file) if cluster_file is not None else ClusterConfig()
    return JobFile(path, load_configs(path, cluster=cluster, select=selector), cluster, cluster_file)


@contextmanager
def reporting_errors() -> Generator[None]:
    """Turn srtctl's own errors into ``error:`` lines on stderr and exit status 1."""
    from .._exceptions import SrtctlError

    try:
        yield
    except SrtctlError as exc:
        lines = str(exc).splitlines() or [type(exc).__name__]
        sys.stderr.write("".join(f"error: {line}\n" for line in lines))
        raise typer.Exit(1) from None
