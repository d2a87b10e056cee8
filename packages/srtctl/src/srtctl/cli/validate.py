"""``srtctl validate -f job.yaml``: check a job file (every variant, topology included) without planning it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._files import load_job_file, reporting_errors

__all__ = ("validate",)


def validate(
    file: Annotated[str, typer.Option("-f", "--file", help="The job file (job.yaml, or job.yaml:variant).")],
    cluster: Annotated[
        Path | None, typer.Option("--cluster", help="The cluster file (default: the nearest srtslurm.yaml).")
    ] = None,
) -> None:
    """Check a job file: schema, cluster aliases, sweeps, overrides and topology. Exit status 1 on a problem."""
    with reporting_errors():
        job = load_job_file(file, cluster)
    names = ", ".join(config.name for config in job.configs)
    count = len(job.configs)
    where = f" with {job.cluster_file}" if job.cluster_file else ""
    typer.echo(f"{job.path}: ok, {count} job{'s' if count != 1 else ''} ({names}){where}")
