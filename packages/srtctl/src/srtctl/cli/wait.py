"""``srtctl wait JOB``: follow a job's stages until it ends, and exit with its status."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from ._files import reporting_errors
from ._jobs import HostOption, resolve_job

__all__ = ("wait",)

TIMED_OUT = 124


def wait(
    job: Annotated[str, typer.Argument(metavar="JOB", help="The job id.")],
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Give up after this many seconds (exit status 124).", min=0)
    ] = None,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between checks.", min=0.1)] = 1.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the final state.")] = False,
    host: HostOption = None,
) -> None:
    """Wait until a job ends; print its stages on the way; exit with the job's exit status.

    0 when it completed, the orchestrator's status when it failed (1), 128 + signal when it was cancelled
    or killed (143 for scancel).
    """
    with reporting_errors():
        ref = resolve_job(job, host)
        deadline = None if timeout is None else time.monotonic() + timeout
        said = ""
        while True:
            info = ref.slurm.job(job)
            current = ref.directory.status()
            if info is None:
                # SLURM forgot the job; the orchestrator's status file still has its outcome.
                if current is not None and current.exit_code is not None:
                    typer.echo(f"job {job} {current.stage.upper()} (exit status {current.exit_code})")
                    raise typer.Exit(current.exit_code)
                typer.echo(f"job {job}: SLURM no longer knows it and it left no final status", err=True)
                raise typer.Exit(1)
            line = f"job {job}: {info.state}" + (f" ({info.reason})" if info.reason else "")
            if current is not None:
                line += f", stage {current.stage}: {current.message}"
            if not quiet and line != said and info.is_active:
                typer.echo(line, err=True)
                said = line
            if not info.is_active:
                typer.echo(f"job {job} {info.state} (exit status {info.returncode})")
                raise typer.Exit(info.returncode)
            if deadline is not None and time.monotonic() > deadline:
                typer.echo(f"job {job}: still {info.state} after {timeout:.0f} s", err=True)
                raise typer.Exit(TIMED_OUT)
            time.sleep(interval)
