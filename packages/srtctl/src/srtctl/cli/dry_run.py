"""``srtctl dry-run -f job.yaml``: the whole plan, with no SLURM, no network and no SSH."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ._files import load_job_file, reporting_errors

__all__ = ("dry_run",)


def dry_run(
    file: Annotated[str, typer.Option("-f", "--file", help="The job file (job.yaml, or job.yaml:variant).")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the plan as JSON (a list for several variants).")
    ] = False,
    cluster: Annotated[
        Path | None, typer.Option("--cluster", help="The cluster file (default: the nearest srtslurm.yaml).")
    ] = None,
    job_id: Annotated[
        str | None, typer.Option("--job-id", help="Preview as this SLURM job id (ports shift with it).")
    ] = None,
    nodelist: Annotated[
        str | None, typer.Option("--nodelist", help="Preview on these nodes, in SLURM hostlist syntax.")
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option("--output-dir", help="Where job directories go (default: the cluster's, or ./outputs)."),
    ] = None,
) -> None:
    """Show what a job would run: allocation, ports, the sbatch script, every command and environment."""
    from ..runtime.context import RuntimeContext, expand_hostlist

    with reporting_errors():
        job = load_job_file(file, cluster)
        base = output_dir or Path(job.cluster.output_dir or "outputs")
        hostnames = None
        if nodelist is not None:
            try:
                hostnames = expand_hostlist(nodelist)
            except ValueError as exc:
                raise typer.BadParameter(str(exc), param_hint="--nodelist") from None
        from ..plan import plan

        plans = []
        for config in job.configs:
            runtime = RuntimeContext.preview(
                config, cluster=job.cluster, job_id=job_id, hostnames=hostnames, output_base=str(base.absolute())
            )
            plans.append(plan(config, cluster=job.cluster, runtime=runtime))
    if as_json:
        documents = [p.to_dict() for p in plans]
        json.dump(documents[0] if len(documents) == 1 else documents, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    from ._render import render_plan

    for index, launch in enumerate(plans):
        if index:
            sys.stdout.write("\n")
        sys.stdout.write(render_plan(launch))
