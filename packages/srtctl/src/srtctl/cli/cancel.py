"""``srtctl cancel JOB``: cancel a job through SLURM and wait until it has ended."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from ._files import reporting_errors
from ._jobs import HostOption, resolve_job

__all__ = ("cancel",)


def cancel(
    job: Annotated[str, typer.Argument(metavar="JOB", help="The job id.")],
    wait: Annotated[
        float, typer.Option("--wait", help="Seconds to wait for the job to end (0: do not wait).", min=0)
    ] = 30.0,
    host: HostOption = None,
) -> None:
    """Cancel a job: SLURM stops every step (workers, frontend, benchmark) and the orchestrator cleans up."""
    with reporting_errors():
        ref = resolve_job(job, host)
        info = ref.slurm.job(job)
        if info is not None and not info.is_active:
            typer.echo(f"job {job} already ended: {info.state}")
            return
        ref.slurm.cancel(job)
        deadline = time.monotonic() + wait
        while wait:
            info = ref.slurm.job(job)
            if info is None or not info.is_active:
                break
            if time.monotonic() > deadline:
                typer.echo(f"job {job}: cancel requested, still {info.state} after {wait:.0f} s", err=True)
                raise typer.Exit(1)
            time.sleep(0.2)
    typer.echo(f"job {job}: {info.state if info else 'cancel requested'}")
