"""The status file a running job keeps in its directory, and how `srtctl status` reads it back.

The in-job orchestrator rewrites ``<job dir>/status.json`` at every change: the stage it is in, how many
prefill and decode workers the frontend reports ready, each process's state, and, when the job fails,
which process ended it and the tail of its log. Each write replaces the file atomically, so a reader
never sees half of one.
"""

from __future__ import annotations

import functools
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import ConfigDict

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = (
    "FINAL_STAGES",
    "STATUS_FILE",
    "JobStatus",
    "ProcessState",
    "ProcessStatus",
    "Readiness",
    "Stage",
    "now_iso",
    "read_status",
    "write_status",
)

STATUS_FILE = "status.json"
"""The status file's name in the job's directory."""

Stage = Literal["starting", "workers", "frontend", "health", "benchmark", "completed", "failed", "cancelled"]
"""Where the orchestrator is: starting processes, waiting for health, benchmarking, or done."""
FINAL_STAGES: frozenset[Stage] = frozenset({"completed", "failed", "cancelled"})

ProcessState = Literal["pending", "running", "exited", "stopped"]
"""``exited``: it ended on its own; ``stopped``: srtctl stopped it during cleanup."""

_LENIENT = ConfigDict(extra="ignore")


@dataclass(frozen=True, slots=True, kw_only=True)
class Readiness:
    """Ready workers of one role, as the frontend reports them, against how many the job has."""

    __pydantic_config__ = _LENIENT

    ready: int = 0
    expected: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessStatus:
    """One process of the job."""

    __pydantic_config__ = _LENIENT

    name: str
    kind: str
    role: str | None = None
    node: str
    log_file: str
    state: ProcessState = "pending"
    exit_code: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class JobStatus:
    """Everything ``status.json`` holds."""

    __pydantic_config__ = _LENIENT

    format: Literal[1] = 1
    job_id: str
    name: str
    stage: Stage
    message: str = ""
    """One line about the stage: progress while waiting, the reason when the job failed."""
    started_at: str
    updated_at: str
    log_dir: str
    mode: Literal["disaggregated", "aggregated"] = "disaggregated"
    frontend_urls: tuple[str, ...] = ()
    prefill: Readiness = Readiness()
    decode: Readiness = Readiness()
    """Decode workers; in an aggregated job, its workers."""
    processes: tuple[ProcessStatus, ...] = ()
    failed_process: str | None = None
    """The process whose exit failed the job."""
    log_tail: tuple[str, ...] = ()
    """The last lines of that process's log."""
    results: str | None = None
    """The benchmark's ``results.json``, once written."""
    exit_code: int | None = None
    """The orchestrator's exit status (the job's), once it is done."""

    @property
    def is_final(self) -> bool:
        """Whether the orchestrator has finished (completed, failed or cancelled)."""
        return self.stage in FINAL_STAGES


def now_iso() -> str:
    """The current UTC time, to the second, in ISO 8601."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@functools.cache
def _adapter() -> TypeAdapter[JobStatus]:
    from pydantic import TypeAdapter

    return TypeAdapter(JobStatus)


def write_status(status: JobStatus, job_dir: str | Path) -> Path:
    """Replace ``<job_dir>/status.json`` with ``status`` in one atomic step."""
    path = Path(job_dir) / STATUS_FILE
    data = _adapter().dump_json(status, indent=2) + b"\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".status.", suffix=".json")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_status(text: str | bytes) -> JobStatus:
    """Parse the contents of a status file.

    Raises:
        pydantic.ValidationError: the text is not a status file.
    """
    return _adapter().validate_json(text)
