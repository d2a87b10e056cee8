"""The serverless API's values: job states, what `run` may carry, and the answers it gives, typed.

Plain frozen dataclasses rather than pydantic models: the endpoint client must import fast (a worker's
caller, a Lambda function, a CLI), and these shapes are small enough to check by hand. Request values
(`JobPolicy`, `S3Config`) check their fields when built, so a mistake fails before anything is sent;
answers (`JobState`, `EndpointHealth`, `PurgeResult`) keep the whole body in `raw`, so fields the platform
adds later stay readable.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .._exceptions import APIResponseValidationError
from .._redact import redact_json

__all__ = (
    "TERMINAL_STATUSES",
    "EndpointHealth",
    "JobCounts",
    "JobPolicy",
    "JobState",
    "JobStatus",
    "PurgeResult",
    "S3Config",
    "WorkerCounts",
    "parse_health",
    "parse_purge",
    "parse_state",
)


class JobStatus(enum.StrEnum):
    """Where a job is in its life. A `str`, so `status == "COMPLETED"` works too."""

    IN_QUEUE = "IN_QUEUE"
    """Waiting for a worker."""
    IN_PROGRESS = "IN_PROGRESS"
    """A worker is running it (the platform also says `RUNNING`, read as this)."""
    COMPLETED = "COMPLETED"
    """Finished with an output."""
    FAILED = "FAILED"
    """The handler raised or reported an error."""
    CANCELLED = "CANCELLED"
    """Cancelled before it finished."""
    TIMED_OUT = "TIMED_OUT"
    """The platform stopped it: its execution timeout or time to live ran out."""

    @property
    def is_terminal(self) -> bool:
        """Whether the job has finished, one way or another: it will not change again (short of `retry`)."""
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.TIMED_OUT})
"""The states a job ends in."""

_STATUS_ALIASES = {"RUNNING": JobStatus.IN_PROGRESS}


def _seconds(name: str, value: float | timedelta | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be seconds (a number) or a timedelta, not {type(value).__name__}")
    else:
        seconds = float(value)
    if not 0 < seconds < float("inf"):
        raise ValueError(f"{name} must be a positive duration, got {value!r}")
    return seconds


@dataclass(frozen=True, slots=True, kw_only=True)
class JobPolicy:
    """How the platform treats one job: its time limits and its priority.

    Durations are seconds (or a `timedelta`); the wire format's milliseconds are this class's business.

    Example:
        >>> JobPolicy(execution_timeout=600, low_priority=True).to_wire()
        {'executionTimeout': 600000, 'lowPriority': True}
    """

    execution_timeout: float | timedelta | None = None
    """How long a worker may run the job before the platform stops it as TIMED_OUT; None: the endpoint's."""
    ttl: float | timedelta | None = None
    """How long the job may exist at all, time in the queue included; None: the platform's default."""
    low_priority: bool | None = None
    """Whether the job waits behind normal jobs and never makes the endpoint scale up."""

    def __post_init__(self) -> None:
        _seconds("execution_timeout", self.execution_timeout)
        _seconds("ttl", self.ttl)
        if self.low_priority is not None and not isinstance(self.low_priority, bool):
            raise TypeError(f"low_priority must be a bool, not {type(self.low_priority).__name__}")

    def to_wire(self) -> dict[str, Any]:
        """The `policy` object of a `/run` body (only the fields that were set)."""
        wire: dict[str, Any] = {}
        execution_timeout = _seconds("execution_timeout", self.execution_timeout)
        if execution_timeout is not None:
            wire["executionTimeout"] = round(execution_timeout * 1000)
        ttl = _seconds("ttl", self.ttl)
        if ttl is not None:
            wire["ttl"] = round(ttl * 1000)
        if self.low_priority is not None:
            wire["lowPriority"] = self.low_priority
        return wire


@dataclass(frozen=True, slots=True, kw_only=True)
class S3Config:
    """An S3-compatible bucket the worker may upload its results to (the job's `s3Config`).

    The secret never appears in the repr or in an error message.
    """

    access_id: str
    """The access key id."""
    access_secret: str = field(repr=False)
    """The secret access key."""
    bucket_name: str
    """The bucket."""
    endpoint_url: str
    """The S3 endpoint, such as `https://s3.us-east-1.amazonaws.com`."""

    def __post_init__(self) -> None:
        for name in ("access_id", "access_secret", "bucket_name", "endpoint_url"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"S3Config.{name} must be a non-empty string")
        if not self.endpoint_url.startswith(("http://", "https://")):
            raise ValueError(f"S3Config.endpoint_url must be an http(s) URL, got {self.endpoint_url!r}")

    def to_wire(self) -> dict[str, str]:
        """The `s3Config` object of a `/run` body."""
        return {
            "accessId": self.access_id,
            "accessSecret": self.access_secret,
            "bucketName": self.bucket_name,
            "endpointUrl": self.endpoint_url,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class JobState:
    """What the platform said about a job at one moment (the `/status` answer)."""

    id: str
    """The job's id."""
    status: JobStatus | str
    """Its status; a plain string only for a status this client does not know."""
    output: Any = None
    """The output, once COMPLETED (or what a failed job produced)."""
    error: Any = None
    """The error the worker reported, for a FAILED or TIMED_OUT job."""
    delay_ms: int | None = None
    """Milliseconds the job waited in the queue."""
    execution_ms: int | None = None
    """Milliseconds a worker ran it."""
    worker_id: str | None = None
    """The worker that ran it, when the platform says."""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The whole answer, fields this client does not know included."""

    @property
    def is_terminal(self) -> bool:
        """Whether the job has finished, one way or another."""
        return self.status in TERMINAL_STATUSES


@dataclass(frozen=True, slots=True, kw_only=True)
class JobCounts:
    """An endpoint's jobs by state (the `jobs` part of `/health`)."""

    completed: int = 0
    failed: int = 0
    in_progress: int = 0
    in_queue: int = 0
    retried: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerCounts:
    """An endpoint's workers by state (the `workers` part of `/health`)."""

    idle: int = 0
    initializing: int = 0
    ready: int = 0
    running: int = 0
    throttled: int = 0
    unhealthy: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointHealth:
    """How an endpoint is doing: its jobs and its workers, counted by state."""

    jobs: JobCounts
    workers: WorkerCounts
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The whole answer, counts this client does not know included."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PurgeResult:
    """What `purge_queue` did."""

    removed: int
    """How many queued jobs were removed (running jobs are left alone)."""
    status: str
    """The platform's word on it (`completed`)."""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


def _invalid(what: str, body: Any) -> APIResponseValidationError:
    shown = redact_json(body)
    return APIResponseValidationError(f"{what}, got: {str(shown)[:300]}", body=shown)


def _object(body: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise _invalid(f"{what} answered with something other than a JSON object", body)
    return body


def _status(value: Any, what: str, body: Any) -> JobStatus | str:
    if not isinstance(value, str) or not value:
        raise _invalid(f"{what} answered without a job status", body)
    value = value.upper()
    if value in _STATUS_ALIASES:
        return _STATUS_ALIASES[value]
    try:
        return JobStatus(value)
    except ValueError:
        return value


def _optional_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def parse_state(body: Any, *, what: str, job_id: str | None = None) -> JobState:
    """Read a job's state from an answer of `/run`, `/runsync`, `/status`, `/cancel` or `/retry`.

    Args:
        body: The decoded JSON answer.
        what: The request, for error messages (`"POST /run"`).
        job_id: The job's id when the caller knows it (some answers leave it out).

    Raises:
        APIResponseValidationError: The answer has no status, or no job id where one is needed.
    """
    data = _object(body, what)
    found = data.get("id", job_id)
    if not isinstance(found, str) or not found:
        raise _invalid(f"{what} answered without a job id", body)
    worker = data.get("workerId")
    return JobState(
        id=found,
        status=_status(data.get("status"), what, body),
        output=data.get("output"),
        error=data.get("error"),
        delay_ms=_optional_int(data.get("delayTime")),
        execution_ms=_optional_int(data.get("executionTime")),
        worker_id=worker if isinstance(worker, str) else None,
        raw=dict(data),
    )


def _counts(cls: type[Any], section: Any, what: str, body: Any) -> Any:
    if section is None:
        return cls()
    if not isinstance(section, Mapping):
        raise _invalid(f"{what} answered with a malformed count section", body)
    values: dict[str, int] = {}
    for name in cls.__dataclass_fields__:
        wire = "".join(part.capitalize() if i else part for i, part in enumerate(name.split("_")))
        value = section.get(wire, section.get(name, 0))
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid(f"{what} answered with a non-integer count {wire!r}", body)
        values[name] = value
    return cls(**values)


def parse_health(body: Any) -> EndpointHealth:
    """Read the `/health` answer.

    Raises:
        APIResponseValidationError: The answer is not the shape `/health` gives.
    """
    what = "GET /health"
    data = _object(body, what)
    return EndpointHealth(
        jobs=_counts(JobCounts, data.get("jobs"), what, body),
        workers=_counts(WorkerCounts, data.get("workers"), what, body),
        raw=dict(data),
    )


def parse_purge(body: Any) -> PurgeResult:
    """Read the `/purge-queue` answer.

    Raises:
        APIResponseValidationError: The answer does not say how many jobs were removed.
    """
    data = _object(body, "POST /purge-queue")
    removed = data.get("removed")
    if isinstance(removed, bool) or not isinstance(removed, int):
        raise _invalid("POST /purge-queue answered without a count of removed jobs", body)
    return PurgeResult(removed=removed, status=str(data.get("status", "")), raw=dict(data))
