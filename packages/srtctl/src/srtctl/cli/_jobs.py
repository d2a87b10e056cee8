"""What the job commands share: the ``--host`` option, reaching SLURM, and finding a job by its id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ..runtime.jobs import JobDirectory, JobRecord
    from ..slurm import Slurm

__all__ = ("HostOption", "JobRef", "open_slurm", "resolve_job")

HostOption = Annotated[
    str | None,
    typer.Option(
        "--host",
        help="Run SLURM's commands on this login node over SSH ([user@]host[:port]); its key must be known.",
    ),
]


def open_slurm(host: str | None) -> Slurm:
    """SLURM through this machine's commands, or through ``host`` over SSH."""
    from ..slurm import LocalRunner, Slurm, SshRunner

    return Slurm(SshRunner(host) if host else LocalRunner())


@dataclass(frozen=True, slots=True)
class JobRef:
    """A job the user named: its record, and how to reach SLURM and its files."""

    record: JobRecord
    slurm: Slurm
    directory: JobDirectory


def resolve_job(job_id: str, host: str | None) -> JobRef:
    """Find ``job_id`` in the list of jobs submitted from here, else through SLURM.

    Raises:
        typer.BadParameter: the id is not a job id, or neither srtctl nor SLURM knows the job.
    """
    from ..runtime.jobs import JobDirectory, find_job

    if not job_id.isdigit():
        raise typer.BadParameter(f"{job_id!r} is not a SLURM job id", param_hint="JOB")
    slurm = open_slurm(host)
    record = find_job(job_id, slurm, host=host)
    if record is None:
        where = f" on {host}" if host else ""
        raise typer.BadParameter(f"job {job_id} is unknown to SLURM{where} and was not submitted by srtctl here")
    return JobRef(record, slurm, JobDirectory(record, slurm.runner))
