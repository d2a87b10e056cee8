"""``srtctl status [JOB]``: SLURM's state of a job, the orchestrator's stage and worker readiness."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated

import typer

from ._files import reporting_errors
from ._jobs import HostOption, open_slurm, resolve_job

if TYPE_CHECKING:
    from ..runtime.status import JobStatus
    from ..slurm import JobInfo

__all__ = ("status",)

_RECENT = 10
_TAIL = 10


def status(
    job: Annotated[
        str | None, typer.Argument(metavar="[JOB]", help="The job id (default: the jobs recently submitted from here).")
    ] = None,
    host: HostOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the state and the status file as JSON.")] = False,
) -> None:
    """Show a job's state: SLURM's, the orchestrator's stage, and how many workers are ready."""
    with reporting_errors():
        if job is None:
            _list_recent(host, as_json)
            return
        ref = resolve_job(job, host)
        info = ref.slurm.job(job)
        current = ref.directory.status()
    if as_json:
        typer.echo(json.dumps(_as_dict(job, info, current), indent=2))
        return
    typer.echo(_describe(job, ref.record.name, ref.record.output_dir, info, current))


def _state(info: JobInfo | None, current: JobStatus | None) -> str:
    if info is not None:
        return info.state
    return current.stage.upper() if current else "UNKNOWN"


def _as_dict(job_id: str, info: JobInfo | None, current: JobStatus | None) -> dict[str, object]:
    data: dict[str, object] = {"job_id": job_id, "state": _state(info, current)}
    if info is not None:
        data["slurm"] = asdict(info)
        if not info.is_active:
            data["exit_code"] = info.returncode
    if current is not None:
        data["status"] = asdict(current)
    return data


def _describe(job_id: str, name: str, output_dir: str, info: JobInfo | None, current: JobStatus | None) -> str:
    state = _state(info, current)
    where = f" on {info.nodes}" if info and info.nodes else ""
    why = f" ({info.reason})" if info and info.reason and info.is_active else ""
    lines = [f"job {job_id}  {name}  {state}{where}{why}"]
    if info is not None and not info.is_active:
        lines.append(f"  exit status: {info.returncode}")
    if current is None:
        lines.append("  stage:   not started (no status file yet)")
    else:
        lines.append(f"  stage:   {current.stage}" + (f" - {current.message}" if current.message else ""))
        if current.mode == "aggregated":
            lines.append(f"  workers: {current.decode.ready}/{current.decode.expected} ready")
        else:
            lines.append(
                f"  prefill: {current.prefill.ready}/{current.prefill.expected} ready, "
                f"decode: {current.decode.ready}/{current.decode.expected} ready"
            )
        if current.processes:
            lines.append("  processes:")
            width = max(len(p.name) for p in current.processes)
            for process in current.processes:
                code = f" ({process.exit_code})" if process.exit_code is not None else ""
                lines.append(
                    f"    {process.name:<{width}}  {process.kind:<8}  {process.node:<10}  {process.state}{code}"
                )
        if current.frontend_urls:
            lines.append(f"  frontend: {', '.join(current.frontend_urls)}")
        if current.results:
            lines.append(f"  results: {current.results}")
        if current.failed_process and current.log_tail:
            lines.append(f"  last lines of {current.failed_process}:")
            lines.extend(f"    | {line}" for line in current.log_tail[-_TAIL:])
    lines.append(f"  output:  {output_dir}")
    return "\n".join(lines)


def _list_recent(host: str | None, as_json: bool) -> None:
    from ..runtime.jobs import JobDirectory, JobIndex

    records = [r for r in JobIndex().records() if r.host == host][-_RECENT:]
    slurm = open_slurm(host)
    rows = []
    for record in records:
        info = slurm.job(record.job_id)
        current = JobDirectory(record, slurm.runner).status()
        rows.append((record, _state(info, current), current.stage if current else "-"))
    if as_json:
        typer.echo(json.dumps([{"job_id": r.job_id, "name": r.name, "state": s, "stage": g} for r, s, g in rows]))
        return
    if not rows:
        typer.echo("no jobs submitted from here yet (srtctl apply -f job.yaml)")
        return
    table = [("JOB", "NAME", "STATE", "STAGE", "SUBMITTED")] + [
        (r.job_id, r.name, s, g, r.submitted_at) for r, s, g in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    for row in table:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
