"""The endpoint client's logic, written once for the sync and the async twin: plans that do no I/O.

A plan is a generator. It yields what it needs done (`Call` a route, `Sleep` a while, hand a stream `Chunk`
to the caller), is sent each call's decoded JSON answer (or has the call's error thrown into it), and
returns its result. `Endpoint` and `AsyncEndpoint` only run plans: one blocks, the other awaits. So every
rule here (when to poll, when a wait is over, which state is which error) holds for both by construction.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias, TypeVar
from urllib.parse import quote

from .._base_client import RequestOptions
from .._exceptions import (
    APIResponseValidationError,
    APITimeoutError,
    JobCancelledError,
    JobError,
    JobFailedError,
    JobTimeoutError,
)
from .._redact import get_logger, redact, redact_json
from .._types import Timeout
from ._models import JobPolicy, JobState, JobStatus, S3Config, parse_health, parse_purge, parse_state

__all__ = (
    "RUNSYNC_HOLD",
    "Call",
    "Chunk",
    "Deadline",
    "Plan",
    "PollPolicy",
    "Sleep",
    "Target",
    "cancel",
    "fetch_state",
    "job_error",
    "health",
    "purge_queue",
    "result",
    "retry",
    "run",
    "run_body",
    "run_sync",
    "stream",
    "wait",
)

T = TypeVar("T")

logger = get_logger(__name__)

RUNSYNC_HOLD = 90.0
"""The longest `/runsync` is asked to hold the answer (`?wait=`) before the client polls instead."""
_RUNSYNC_SLACK = 1.0
"""Seconds of a bounded `run_sync` kept back from the server's hold, for the answer to travel."""
_RUNSYNC_MIN_HOLD = 1.0
"""The shortest `?wait=` the platform accepts (1000 ms)."""
_READ_MARGIN = 15.0
"""How much longer than the hold the client waits for `/runsync` to answer."""
_MAX_MESSAGE = 500
_CLASS_NAME = re.compile(r"^<class '(?:[\w.]*\.)?(\w+)'>$")


@dataclass(frozen=True, slots=True)
class Call:
    """Send this request; the plan is sent the decoded JSON answer, or has the error thrown in."""

    options: RequestOptions


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait this many seconds."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Chunk:
    """Give this stream chunk to the caller."""

    value: Any


Step: TypeAlias = Call | Sleep | Chunk
Plan: TypeAlias = Generator[Step, Any, T]


@dataclass(frozen=True, kw_only=True)
class PollPolicy:
    """How often a client asks about a job it waits for: fast at first, then less often.

    The first check comes `initial_delay` after the one before, each later one `multiplier` times later,
    never more than `max_delay` apart. A stream that delivers a chunk starts over at `initial_delay`.
    """

    initial_delay: float = 0.2
    """Seconds before the second check."""
    max_delay: float = 3.0
    """The longest pause between two checks."""
    multiplier: float = 1.5
    """How much each pause grows."""

    def __post_init__(self) -> None:
        if not 0 <= self.initial_delay <= self.max_delay < math.inf:
            raise ValueError(
                f"PollPolicy needs 0 <= initial_delay <= max_delay, got {self.initial_delay!r} and {self.max_delay!r}"
            )
        if not 1 <= self.multiplier < math.inf:
            raise ValueError(f"PollPolicy.multiplier must be at least 1, got {self.multiplier!r}")

    def delays(self) -> Iterator[float]:
        """The pauses between successive checks, without end."""
        delay = self.initial_delay
        while True:
            yield delay
            delay = min(self.max_delay, delay * self.multiplier)


@dataclass(frozen=True, slots=True)
class Deadline:
    """The moment a wait of `seconds` started now must end, on the monotonic clock."""

    seconds: float
    at: float
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    @classmethod
    def after(cls, seconds: float | None, clock: Callable[[], float] = time.monotonic) -> Deadline | None:
        """A deadline `seconds` from now; None for no time limit.

        Raises:
            ValueError: `seconds` is not a positive number.
            TypeError: `seconds` is not a number.
        """
        if seconds is None:
            return None
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise TypeError(f"timeout must be a number of seconds or None, not {type(seconds).__name__}")
        if not 0 < seconds < math.inf:
            raise ValueError(f"timeout must be a positive number of seconds or None, got {seconds!r}")
        return cls(float(seconds), clock() + seconds, clock)

    def left(self) -> float:
        """Seconds until the deadline (negative once it has passed)."""
        return self.at - self.clock()


@dataclass(frozen=True, slots=True)
class Target:
    """One endpoint, as the plans address it: its id, its client's time limits and the poll rhythm."""

    endpoint_id: str
    timeout: Timeout
    poll: PollPolicy

    @property
    def prefix(self) -> str:
        """The endpoint's path under the base URL."""
        return "/" + quote(self.endpoint_id, safe="")

    def job_path(self, route: str, job_id: str) -> str:
        """The path of a per-job route (`status`, `stream`, `cancel`, `retry`)."""
        return f"{self.prefix}/{route}/{quote(job_id, safe='')}"


def run_body(
    input: Any, *, webhook: str | None, policy: JobPolicy | None, s3_config: S3Config | None
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Build the body of `/run` and `/runsync`, and the secrets in it to keep out of messages.

    The input always goes under `"input"`, whatever it holds, so an input that itself has an `input` key
    or is empty is sent as given.

    Raises:
        TypeError: An argument has the wrong type (a dict where a `JobPolicy` belongs, say).
        ValueError: The webhook is not an http(s) URL.
    """
    if input is None:
        raise TypeError("input must be the job's input (any JSON value but null), got None")
    body: dict[str, Any] = {"input": input}
    secrets: tuple[str, ...] = ()
    if webhook is not None:
        if not isinstance(webhook, str) or not webhook.startswith(("http://", "https://")):
            raise ValueError(f"webhook must be an http(s) URL, got {webhook!r}")
        body["webhook"] = webhook
    if policy is not None:
        if not isinstance(policy, JobPolicy):
            raise TypeError(f"policy must be a JobPolicy, not {type(policy).__name__}")
        body["policy"] = policy.to_wire()
    if s3_config is not None:
        if not isinstance(s3_config, S3Config):
            raise TypeError(f"s3_config must be an S3Config, not {type(s3_config).__name__}")
        body["s3Config"] = s3_config.to_wire()
        secrets = (s3_config.access_secret,)
    return body, secrets


def _describe(error: Any) -> str:
    """A one-line account of a job's error, for messages.

    Workers report an exception as a JSON string holding `error_type` (`"<class 'ValueError'>"`) and
    `error_message`; that becomes `ValueError: <message>`. Anything else is shown as it came.
    """
    if error is None:
        return ""
    if isinstance(error, str) and error.lstrip().startswith("{"):
        try:
            parsed = json.loads(error)
        except ValueError:
            parsed = None
        if isinstance(parsed, Mapping):
            error = parsed
    text = str(error)
    if isinstance(error, Mapping):
        picked = error.get("error_message") or error.get("message") or error.get("error")
        if picked:
            kind = _CLASS_NAME.sub(r"\1", str(error.get("error_type") or ""))
            text = f"{kind}: {picked}" if kind else str(picked)
    text = redact(" ".join(text.split()))
    return text[:_MAX_MESSAGE] + ("..." if len(text) > _MAX_MESSAGE else "")


def job_error(target: Target, state: JobState) -> JobError:
    """The error for a job that ended without a result: FAILED, CANCELLED or TIMED_OUT."""
    name = f"job {state.id!r} on endpoint {target.endpoint_id!r}"
    detail = _describe(state.error)
    kwargs: dict[str, Any] = {
        "job_id": state.id,
        "status": str(state.status),
        "endpoint_id": target.endpoint_id,
        "error": state.error,
        "output": state.output,
    }
    if state.status == JobStatus.FAILED:
        return JobFailedError(f"{name} failed" + (f": {detail}" if detail else " (the worker gave no error)"), **kwargs)
    if state.status == JobStatus.CANCELLED:
        return JobCancelledError(f"{name} was cancelled" + (f": {detail}" if detail else ""), **kwargs)
    # TIMED_OUT: the platform stopped the job (its execution timeout or time to live ran out).
    message = f"{name} timed out on the platform (its execution timeout or time to live ran out)"
    return JobTimeoutError(message + (f": {detail}" if detail else ""), **kwargs)


def _wait_timeout(target: Target, job_id: str, last: JobStatus | str | None, deadline: Deadline) -> JobTimeoutError:
    seen = f"last status {str(last)}" if last is not None else "its status unknown"
    return JobTimeoutError(
        f"job {job_id!r} on endpoint {target.endpoint_id!r} did not finish within {deadline.seconds:g}s ({seen}); "
        f"it was not cancelled: wait again with endpoint.job({job_id!r}).output(), or cancel it",
        job_id=job_id,
        status=None if last is None else str(last),
        endpoint_id=target.endpoint_id,
    )


def result(target: Target, state: JobState) -> Any:
    """The output of a finished job.

    Raises:
        JobFailedError: The job FAILED; `error` holds what the worker reported.
        JobCancelledError: The job was cancelled.
        JobTimeoutError: The job TIMED_OUT on the platform.
    """
    if state.status == JobStatus.COMPLETED:
        return state.output
    raise job_error(target, state)


def _call(
    target: Target,
    options: RequestOptions,
    deadline: Deadline | None,
    job_id: str | None = None,
    last: JobStatus | str | None = None,
) -> Plan[Any]:
    """Make one call; a time limit that ran out with the deadline is the wait's timeout, not the request's."""
    try:
        return (yield Call(options))
    except APITimeoutError as exc:
        if deadline is not None and job_id is not None and deadline.left() <= 0:
            raise _wait_timeout(target, job_id, last, deadline) from exc
        raise


def run(target: Target, body: dict[str, Any], secrets: tuple[str, ...]) -> Plan[JobState]:
    """Submit a job with `/run`; never sent twice once it may have reached the server."""
    options = RequestOptions(method="POST", path=f"{target.prefix}/run", json=body, idempotent=False, secrets=secrets)
    answer = yield from _call(target, options, None)
    return parse_state(answer, what="POST /run")


def fetch_state(
    target: Target, job_id: str, deadline: Deadline | None = None, last: JobStatus | str | None = None
) -> Plan[JobState]:
    """Ask `/status` once (retried on connection errors, 429 and 5xx like every read)."""
    options = RequestOptions(
        method="GET", path=target.job_path("status", job_id), deadline=None if deadline is None else deadline.at
    )
    answer = yield from _call(target, options, deadline, job_id, last)
    return parse_state(answer, what="GET /status", job_id=job_id)


def wait(target: Target, job_id: str, known: JobState | None, deadline: Deadline | None) -> Plan[JobState]:
    """Poll `/status`, backing off, until the job ends or the deadline passes.

    Raises:
        JobTimeoutError: The deadline passed first (the job keeps running).
    """
    if known is not None and known.is_terminal:
        return known
    last = None if known is None else known.status
    delays = target.poll.delays()
    while True:
        state = yield from fetch_state(target, job_id, deadline, last)
        if state.is_terminal:
            return state
        last = state.status
        delay = next(delays)
        logger.debug("job %s on endpoint %s is %s; next check in %.2fs", job_id, target.endpoint_id, last, delay)
        if deadline is not None and delay >= deadline.left():
            # The next check would come after the deadline: wait out the time left, then give up.
            yield Sleep(max(deadline.left(), 0.0))
            raise _wait_timeout(target, job_id, last, deadline)
        yield Sleep(delay)


def run_sync(
    target: Target, body: dict[str, Any], secrets: tuple[str, ...], deadline: Deadline | None
) -> Plan[JobState]:
    """Submit with `/runsync`, and if the answer comes back before the job ends, poll `/status` for the rest.

    The server is asked to hold its answer no longer than the time left (`?wait=`), and every request is cut
    to the deadline, so the whole call ends by it. With less time left than the shortest hold the platform
    accepts, the job is submitted with `/run` and polled from the start.

    Raises:
        JobTimeoutError: The job did not end before the deadline.
        APITimeoutError: `/runsync` itself did not answer before the deadline (no job id is known then).
    """
    if deadline is None:
        hold = RUNSYNC_HOLD
    else:
        hold = min(RUNSYNC_HOLD, deadline.left() - _RUNSYNC_SLACK)
        if hold < _RUNSYNC_MIN_HOLD:
            state = yield from run(target, body, secrets)
            return (yield from wait(target, state.id, state, deadline))
    read = target.timeout.read
    options = RequestOptions(
        method="POST",
        path=f"{target.prefix}/runsync",
        params={"wait": str(round(hold * 1000))},
        json=body,
        idempotent=False,
        secrets=secrets,
        timeout=Timeout(
            connect=target.timeout.connect,
            read=None if read is None else max(read, hold + _READ_MARGIN),
            write=target.timeout.write,
            pool=target.timeout.pool,
        ),
        deadline=None if deadline is None else deadline.at,
    )
    answer = yield from _call(target, options, deadline)
    state = parse_state(answer, what="POST /runsync")
    return (yield from wait(target, state.id, state, deadline))


def stream(target: Target, job_id: str, deadline: Deadline | None) -> Plan[JobState]:
    """Read `/stream` until the job ends, handing over each chunk as it arrives; return the final state.

    A poll that brings chunks is followed at once by the next; an empty one backs off. When the job ends
    in any state, the chunks that came with the end are handed over and the plan returns the final state
    (with the error text, for a job that did not complete).

    Raises:
        JobTimeoutError: The deadline passed before the job ended.
    """
    delays = target.poll.delays()
    last: JobStatus | str | None = None
    path = target.job_path("stream", job_id)
    while True:
        options = RequestOptions(method="GET", path=path, deadline=None if deadline is None else deadline.at)
        answer = yield from _call(target, options, deadline, job_id, last)
        state = parse_state(answer, what="GET /stream", job_id=job_id)
        chunks = state.raw.get("stream") or []
        if not isinstance(chunks, list):
            raise APIResponseValidationError(
                f"GET /stream answered with a stream that is not a list: {str(redact_json(chunks))[:300]}",
                body=redact_json(answer),
            )
        for chunk in chunks:
            yield Chunk(chunk.get("output") if isinstance(chunk, Mapping) and "output" in chunk else chunk)
        last = state.status
        if state.is_terminal:
            if state.status != JobStatus.COMPLETED and state.error is None:
                # /stream does not always carry the error text; /status does.
                state = yield from fetch_state(target, job_id)
            return state
        if chunks:
            delays = target.poll.delays()
            continue
        delay = next(delays)
        if deadline is not None and delay >= deadline.left():
            yield Sleep(max(deadline.left(), 0.0))
            raise _wait_timeout(target, job_id, last, deadline)
        yield Sleep(delay)


def cancel(target: Target, job_id: str) -> Plan[JobState]:
    """Cancel with `/cancel` (safe to repeat, so retried like a read)."""
    options = RequestOptions(method="POST", path=target.job_path("cancel", job_id), idempotent=True)
    answer = yield from _call(target, options, None)
    return parse_state(answer, what="POST /cancel", job_id=job_id)


def retry(target: Target, job_id: str) -> Plan[JobState]:
    """Queue a FAILED or TIMED_OUT job again with `/retry`; not repeated once it may have arrived."""
    options = RequestOptions(method="POST", path=target.job_path("retry", job_id), idempotent=False)
    answer = yield from _call(target, options, None)
    return parse_state(answer, what="POST /retry", job_id=job_id)


def health(target: Target) -> Plan[Any]:
    """Read `/health`."""
    answer = yield from _call(target, RequestOptions(method="GET", path=f"{target.prefix}/health"), None)
    return parse_health(answer)


def purge_queue(target: Target) -> Plan[Any]:
    """Remove every queued job with `/purge-queue`; not repeated once it may have arrived."""
    options = RequestOptions(method="POST", path=f"{target.prefix}/purge-queue", idempotent=False)
    answer = yield from _call(target, options, None)
    return parse_purge(answer)
