"""A job seen from outside: submitting a plan, remembering it, and reading its directory back.

``srtctl apply`` records every submission in ``$SRTCTL_STATE_DIR/jobs.jsonl`` (``~/.local/state/srtctl`` by
default): job id, name, job directory, and the login node it went through. ``status``, ``logs``, ``wait``
and ``cancel`` find a job there first, and ask SLURM (the job's output file lives next to its directory)
for jobs submitted elsewhere. Files are read through the same `Runner` as SLURM's commands, so a job
submitted over SSH is followed over SSH.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

from ..plan.model import LaunchPlan
from ..slurm import LocalRunner, Runner, Slurm
from .status import STATUS_FILE, JobStatus, now_iso, read_status

__all__ = ("JobDirectory", "JobIndex", "JobRecord", "find_job", "submit_plan")

INDEX_FILE = "jobs.jsonl"
STATE_DIR_ENV = "SRTCTL_STATE_DIR"


@dataclass(frozen=True, slots=True, kw_only=True)
class JobRecord:
    """One submission made from this machine."""

    job_id: str
    name: str
    output_dir: str
    """The job's directory: job spec, plan, status file, and the run's logs under it."""
    host: str | None = None
    """The login node it was submitted through, or None for this machine."""
    submitted_at: str = ""
    file: str | None = None
    """The job file it came from."""

    @property
    def slurm_output(self) -> str:
        """The batch script's own output (the orchestrator's log): ``slurm-<id>.out`` beside the job directory."""
        return str(PurePosixPath(self.output_dir).parent / f"slurm-{self.job_id}.out")


class JobIndex:
    """The list of jobs submitted from this machine, one JSON line each, newest last."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None) -> None:
        """Open the index at ``path``, else in ``$SRTCTL_STATE_DIR``, else in ``~/.local/state/srtctl``."""
        if path is None:
            environ = os.environ if environ is None else environ
            state = environ.get(STATE_DIR_ENV) or str(
                Path(environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "srtctl"
            )
            path = Path(state) / INDEX_FILE
        self.path = Path(path)

    def add(self, record: JobRecord) -> None:
        """Append ``record``."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(record)) + "\n")

    def records(self) -> list[JobRecord]:
        """Every record, oldest first; lines that do not parse are skipped."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        records = []
        for line in lines:
            try:
                records.append(JobRecord(**json.loads(line)))
            except (ValueError, TypeError):
                continue
        return records

    def find(self, job_id: str, host: str | None = None) -> JobRecord | None:
        """The newest record of ``job_id`` submitted through ``host``."""
        for record in reversed(self.records()):
            if record.job_id == job_id and record.host == host:
                return record
        return None


def submit_plan(
    plan: LaunchPlan, slurm: Slurm, *, host: str | None = None, file: str | None = None, index: JobIndex | None = None
) -> JobRecord:
    """Submit a planned job with sbatch and record it.

    The directory that will hold the job's directory (and sbatch's output file) is created first: SLURM
    does not create it, and a job whose output file cannot be opened fails without a word.

    Raises:
        CommandError: the directory could not be created, or sbatch refused the job.
        SubmitError: sbatch printed no job id.
    """
    base = plan.runtime.output_base
    slurm.runner.run(["mkdir", "-p", base], timeout=slurm.timeout).check()
    job_id = slurm.submit(plan.sbatch)
    record = JobRecord(
        job_id=job_id,
        name=plan.config.name,
        output_dir=str(PurePosixPath(base) / job_id),
        host=host,
        submitted_at=now_iso(),
        file=file,
    )
    (index or JobIndex()).add(record)
    return record


def find_job(job_id: str, slurm: Slurm, *, host: str | None = None, index: JobIndex | None = None) -> JobRecord | None:
    """Where ``job_id`` lives: from the index, else from the output file SLURM says the job writes."""
    record = (index or JobIndex()).find(job_id, host)
    if record is not None:
        return record
    info = slurm.job(job_id)
    if info is None or not info.stdout:
        return None
    base = PurePosixPath(info.stdout).parent
    return JobRecord(job_id=job_id, name=info.name, output_dir=str(base / job_id), host=host)


class JobDirectory:
    """Reads a job's files (status, plan, logs) where they are: here, or on the login node."""

    def __init__(self, record: JobRecord, runner: Runner | None = None) -> None:
        """Read ``record``'s files through ``runner`` (this machine when None)."""
        self.record = record
        self.runner = runner or LocalRunner()
        self._local = isinstance(self.runner, LocalRunner)

    def read_bytes(self, path: str, offset: int = 0) -> bytes | None:
        """The file's content from byte ``offset`` on, or None when it does not exist (yet)."""
        if self._local:
            try:
                with open(path, "rb") as handle:
                    handle.seek(offset)
                    return handle.read()
            except FileNotFoundError:
                return None
        result = self.runner.run(
            ["sh", "-c", f"test -f {shlex.quote(path)} && tail -c +{offset + 1} {shlex.quote(path)}"]
        )
        return result.stdout.encode() if result.returncode == 0 else None

    def status(self) -> JobStatus | None:
        """The orchestrator's status file, or None before it writes one (or if it is unreadable)."""
        data = self.read_bytes(str(PurePosixPath(self.record.output_dir) / STATUS_FILE))
        if not data:
            return None
        try:
            return read_status(data)
        except ValueError:
            return None

    def process_logs(self) -> dict[str, str]:
        """Each process's log file, by process name (from the status file)."""
        status = self.status()
        return {process.name: process.log_file for process in status.processes} if status else {}
