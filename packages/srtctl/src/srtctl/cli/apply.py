"""``srtctl apply -f job.yaml``: validate, plan, and submit each variant with sbatch (or run it here)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ._files import load_job_file, reporting_errors
from ._jobs import HostOption, open_slurm

if TYPE_CHECKING:
    from ..config import ClusterConfig, JobConfig
    from ..runtime.jobs import JobRecord

__all__ = ("apply",)


def apply(
    file: Annotated[str, typer.Option("-f", "--file", help="The job file (job.yaml, or job.yaml:variant).")],
    cluster: Annotated[
        Path | None, typer.Option("--cluster", help="The cluster file (default: the nearest srtslurm.yaml).")
    ] = None,
    output_dir: Annotated[
        str | None,
        typer.Option("--output-dir", help="Where job directories go (default: the cluster's, or ./outputs)."),
    ] = None,
    host: HostOption = None,
    in_allocation: Annotated[
        bool,
        typer.Option(
            "--in-allocation", help="Run here, inside the current salloc/sbatch allocation, instead of submitting."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON line per submitted job.")] = False,
) -> None:
    """Submit a job: validate it, plan it, and sbatch each variant; print the job ids and directories.

    With --in-allocation nothing is submitted: the orchestrator runs in the foreground, in the allocation
    this shell is part of, and apply exits with the job's status.
    """
    if in_allocation and host:
        raise typer.BadParameter("--in-allocation runs here; it cannot be combined with --host", param_hint="--host")
    with reporting_errors():
        job = load_job_file(file, cluster)
        base = output_dir or job.cluster.output_dir or "outputs"
        if not host:
            # A remote path stays as given: the login node resolves it against the remote home.
            base = str(Path(base).absolute())
        if in_allocation:
            raise typer.Exit(_run_in_allocation(job.configs, job.cluster, base, file))
        _submit(job.configs, job.cluster, base, host, file, as_json)


def _submit(
    configs: tuple[JobConfig, ...], cluster: ClusterConfig, base: str, host: str | None, file: str, as_json: bool
) -> None:
    from ..plan import plan
    from ..runtime.jobs import submit_plan

    slurm = open_slurm(host)
    # The nodes run srtctl with the cluster's interpreter; from another machine, this one's path means nothing.
    python = cluster.python or ("python3" if host else None)
    plans = [plan(config, cluster=cluster, output_base=base, python=python) for config in configs]
    for launch in plans:
        record = submit_plan(launch, slurm, host=host, file=file)
        _report(record, as_json)


def _report(record: JobRecord, as_json: bool) -> None:
    if as_json:
        line = {"job_id": record.job_id, "name": record.name, "output_dir": record.output_dir, "host": record.host}
        typer.echo(json.dumps({**line, "log": record.slurm_output}))
        return
    typer.echo(f"submitted {record.name} as job {record.job_id}")
    typer.echo(f"  output: {record.output_dir}")
    typer.echo(f"  log:    {record.slurm_output}")
    typer.echo(f"  follow: srtctl logs {record.job_id} --follow{f' --host {record.host}' if record.host else ''}")


def _run_in_allocation(configs: tuple[JobConfig, ...], cluster: ClusterConfig, base: str, file: str) -> int:
    from .._exceptions import ConfigError
    from ..plan.render import JOB_SPEC_FILE, JobSpec, plan_in_job
    from ..runtime.context import JOB_DIR_ENV
    from ..runtime.jobs import JobIndex, JobRecord
    from ..runtime.orchestrator import Orchestrator, configure_logging
    from ..runtime.status import now_iso

    job_id = os.environ.get("SLURM_JOB_ID") or os.environ.get("SLURM_JOBID")
    if not job_id:
        raise ConfigError(
            "--in-allocation needs a SLURM allocation, and SLURM_JOB_ID is not set (use salloc or sbatch)"
        )
    configure_logging()
    index = JobIndex()
    code = 0
    for config in configs:
        job_dir = _fresh_dir(Path(base), job_id)
        spec = JobSpec(config=config, cluster=cluster, python=cluster.python or sys.executable)
        (job_dir / JOB_SPEC_FILE).write_text(spec.to_json() + "\n")
        launch = plan_in_job(spec, environ={**os.environ, JOB_DIR_ENV: str(job_dir)})
        index.add(
            JobRecord(job_id=job_id, name=config.name, output_dir=str(job_dir), submitted_at=now_iso(), file=file)
        )
        typer.echo(f"running {config.name} in allocation {job_id}: {job_dir}", err=True)
        code = Orchestrator(launch).run() or code
    return code


def _fresh_dir(base: Path, job_id: str) -> Path:
    """``<base>/<job id>``, or ``<base>/<job id>-2``... when an earlier run in the allocation took it."""
    candidate, number = base / job_id, 1
    while candidate.exists():
        number += 1
        candidate = base / f"{job_id}-{number}"
    candidate.mkdir(parents=True)
    return candidate
