"""``srtctl logs JOB [--process NAME] [--follow]``: the orchestrator's log, or one process's."""

from __future__ import annotations

import sys
import time
from typing import Annotated

import typer

from ._files import reporting_errors
from ._jobs import HostOption, JobRef, resolve_job

__all__ = ("logs",)


def logs(
    job: Annotated[str, typer.Argument(metavar="JOB", help="The job id.")],
    process: Annotated[
        str | None,
        typer.Option("--process", "-p", help="One process's log (prefill_w0, decode_w1, frontend_0...)."),
    ] = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-F", help="Keep printing as the log grows, until the job ends.")
    ] = False,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between reads when following.", min=0.1)] = 1.0,
    host: HostOption = None,
) -> None:
    """Print a job's log: the orchestrator's (stages, progress, failures) by default, or one process's."""
    with reporting_errors():
        ref = resolve_job(job, host)
        path = ref.record.slurm_output
        if process is not None:
            known = ref.directory.process_logs()
            if process not in known:
                names = ", ".join(known) or "none yet (the job has not started its processes)"
                raise typer.BadParameter(f"job {job} has no process {process!r}; its processes: {names}")
            path = known[process]
        offset = 0
        while True:
            active = follow and _active(ref)
            data = ref.directory.read_bytes(path, offset)
            if data:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
                offset += len(data)
            if not active:
                break
            time.sleep(interval)
        if offset == 0 and not follow:
            typer.echo(f"{path}: no output yet", err=True)


def _active(ref: JobRef) -> bool:
    info = ref.slurm.job(ref.record.job_id)
    return info is not None and info.is_active
