"""Pure parsers of SLURM's command output, and the job and step records they produce.

Each parser reads the output of one command run with the options named beside it (``SQUEUE_FORMAT``,
``SACCT_FIELDS``...), so the commands and their parsers stay together. Nothing here runs a command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .._exceptions import SubmitError

__all__ = (
    "ACTIVE_STATES",
    "SACCT_FIELDS",
    "SQUEUE_FORMAT",
    "SQUEUE_STEP_FORMAT",
    "JobInfo",
    "StepInfo",
    "parse_sacct",
    "parse_sbatch",
    "parse_scontrol_fields",
    "parse_scontrol_job",
    "parse_squeue",
    "parse_squeue_steps",
)

ACTIVE_STATES = frozenset(
    {
        "PENDING",
        "CONFIGURING",
        "RUNNING",
        "COMPLETING",
        "SUSPENDED",
        "STOPPED",
        "REQUEUED",
        "REQUEUE_HOLD",
        "REQUEUE_FED",
        "RESIZING",
        "RESV_DEL_HOLD",
        "SIGNALING",
        "SPECIAL_EXIT",
        "STAGE_OUT",
    }
)
"""Job states in which a job may still run; every other state (COMPLETED, FAILED, CANCELLED...) is final."""

SQUEUE_FORMAT = "%i|%T|%r|%N|%j"
"""``squeue -o`` for :func:`parse_squeue`: id, state, reason, nodes, and the name last (it may hold ``|``)."""
SQUEUE_STEP_FORMAT = "%i|%N|%j"
"""``squeue -s -o`` for :func:`parse_squeue_steps`: step id, nodes, and the step name last."""
SACCT_FIELDS = "jobid,state,exitcode,nodelist,start,end,workdir,jobname"
"""``sacct -P -o`` for :func:`parse_sacct` (also right for ``sacct -c``, which reads the jobcomp file)."""

_SIGNAL_BASE = 128
_SIGTERM = 15


@dataclass(frozen=True, slots=True, kw_only=True)
class JobInfo:
    """What SLURM says about one job."""

    job_id: str
    name: str = ""
    state: str
    """SLURM's state name in capitals: ``PENDING``, ``RUNNING``, ``COMPLETED``, ``FAILED``, ``CANCELLED``..."""
    reason: str = ""
    """Why the job waits or ended (``Resources``, ``NonZeroExitCode``...); empty when SLURM gives none."""
    exit_code: int = 0
    """The batch script's exit status."""
    signal: int = 0
    """The signal that ended the batch script, 0 if none."""
    nodes: str = ""
    """The nodes in SLURM's hostlist form, e.g. ``node[1-2]``; empty while pending."""
    stdout: str | None = None
    """The batch script's output file, when known."""
    work_dir: str | None = None
    start: str | None = None
    end: str | None = None

    @property
    def is_active(self) -> bool:
        """Whether the job is pending or running (its state may still change)."""
        return self.state in ACTIVE_STATES

    @property
    def returncode(self) -> int:
        """The job's result as one process exit status: what ``srtctl wait`` exits with.

        0 for COMPLETED; the batch script's exit status when it has one; ``128 + signal`` when a signal
        ended it (143 for a cancelled job that SLURM reports without one); 1 for any other final state.
        """
        if self.state == "COMPLETED":
            return 0
        if self.exit_code:
            return self.exit_code
        if self.signal:
            return _SIGNAL_BASE + self.signal
        if self.state == "CANCELLED":
            return _SIGNAL_BASE + _SIGTERM
        return 1


@dataclass(frozen=True, slots=True, kw_only=True)
class StepInfo:
    """One running step of a job, as ``squeue --steps`` lists it."""

    step_id: str
    """``<job>.<step>``, e.g. ``12.0`` or ``12.batch``."""
    name: str
    nodes: str


def parse_sbatch(stdout: str) -> str:
    """Read the job id that ``sbatch --parsable`` printed (``123``, or ``123;cluster`` on a federation).

    Raises:
        SubmitError: the output holds no job id; the error quotes it.
    """
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    if lines:
        job_id = lines[-1].split(";", 1)[0]
        if job_id.isdigit():
            return job_id
    raise SubmitError(f"sbatch printed no job id: {stdout.strip()!r}")


def parse_squeue(stdout: str) -> list[JobInfo]:
    """Read ``squeue --noheader -o SQUEUE_FORMAT``."""
    jobs = []
    for line in stdout.splitlines():
        if not line.strip():
            continue
        job_id, state, reason, nodes, name = line.split("|", 4)
        jobs.append(
            JobInfo(job_id=job_id.strip(), name=name, state=state.strip(), reason=_none(reason), nodes=_none(nodes))
        )
    return jobs


def parse_squeue_steps(stdout: str) -> list[StepInfo]:
    """Read ``squeue --steps --noheader -o SQUEUE_STEP_FORMAT``."""
    steps = []
    for line in stdout.splitlines():
        if not line.strip():
            continue
        step_id, nodes, name = line.split("|", 2)
        steps.append(StepInfo(step_id=step_id.strip(), name=name, nodes=nodes.strip()))
    return steps


# A field starts where a space is followed by `Key=`; values (Command=, WorkDir=, Reason=...) may hold spaces.
_SCONTROL_FIELD = re.compile(r"(?:^|(?<= ))([A-Za-z][A-Za-z0-9_/:]*)=")


def parse_scontrol_fields(line: str) -> dict[str, str]:
    """Split one line of ``scontrol show ... --oneliner`` into its ``Key=value`` fields."""
    fields: dict[str, str] = {}
    matches = list(_SCONTROL_FIELD.finditer(line.strip()))
    text = line.strip()
    for here, after in zip(matches, [*matches[1:], None], strict=True):
        end = after.start() if after else len(text)
        fields[here.group(1)] = text[here.end() : end].strip()
    return fields


def parse_scontrol_job(stdout: str) -> list[JobInfo]:
    """Read ``scontrol show job --oneliner``: one job per line (several for array or het jobs)."""
    jobs = []
    for line in stdout.splitlines():
        if "JobId=" not in line:
            continue
        fields = parse_scontrol_fields(line)
        exit_code, signal = _exit_pair(fields.get("ExitCode", "0:0"))
        jobs.append(
            JobInfo(
                job_id=fields["JobId"],
                name=fields.get("JobName", ""),
                state=fields.get("JobState", "UNKNOWN").split()[0],
                reason=_none(fields.get("Reason", "")),
                exit_code=exit_code,
                signal=signal,
                nodes=_none(fields.get("NodeList", "")),
                stdout=_none(fields.get("StdOut", "")) or None,
                work_dir=_none(fields.get("WorkDir", "")) or None,
                start=_time(fields.get("StartTime")),
                end=_time(fields.get("EndTime")),
            )
        )
    return jobs


def parse_sacct(stdout: str) -> list[JobInfo]:
    """Read ``sacct --parsable2 -o SACCT_FIELDS`` (with its header line): one record per job, steps skipped."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        return []
    header = [name.strip().lower() for name in lines[0].split("|")]
    jobs = []
    for line in lines[1:]:
        values = line.split("|")
        if len(values) > len(header):
            # Only the last column, the job name, can hold the separator.
            values = [*values[: len(header) - 1], "|".join(values[len(header) - 1 :])]
        row = dict(zip(header, values, strict=False))
        job_id = row.get("jobid", "")
        if not job_id or "." in job_id:
            continue
        exit_code, signal = _exit_pair(row.get("exitcode", "0:0"))
        state = row.get("state", "UNKNOWN").split()
        jobs.append(
            JobInfo(
                job_id=job_id,
                name=row.get("jobname", ""),
                state=state[0] if state else "UNKNOWN",
                exit_code=exit_code,
                signal=signal,
                nodes=_none(row.get("nodelist", "")),
                work_dir=_none(row.get("workdir", "")) or None,
                start=_time(row.get("start")),
                end=_time(row.get("end")),
            )
        )
    return jobs


def _exit_pair(text: str) -> tuple[int, int]:
    code, _, signal = text.strip().partition(":")
    try:
        return int(code or 0), int(signal or 0)
    except ValueError:
        return 0, 0


def _none(value: str) -> str:
    value = value.strip()
    return "" if value in ("(null)", "None", "n/a", "N/A") else value


def _time(value: str | None) -> str | None:
    value = _none(value or "")
    return None if not value or value == "Unknown" else value
