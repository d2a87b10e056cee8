"""The worker protocol as pure functions: request URLs, result bodies, and the meaning of each reply.

Nothing here does I/O. The shapes follow the platform's job queue as its own SDK (runpod 1.12) speaks it:
job-take and job-take-batch, job-stop, job-done (results and progress), job-stream and ping.
"""

from __future__ import annotations

import json
import math
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ._exceptions import ProtocolError

__all__ = (
    "StopReply",
    "TakeReply",
    "encode_body",
    "error_body",
    "excerpt",
    "exception_error",
    "job_stop_url",
    "job_take_url",
    "job_url",
    "parse_retry_after",
    "parse_stop_reply",
    "parse_take_reply",
    "progress_body",
    "result_body",
    "stream_end_body",
    "with_query",
)

_TAKE = "/job-take/"
_EXCERPT = 200


def with_query(url: str, params: Iterable[tuple[str, str]]) -> str:
    """Append query parameters to a URL that may already carry some (the platform's templates do)."""
    pairs = "&".join(f"{key}={value}" for key, value in params)
    if not pairs:
        return url
    return f"{url}{'&' if '?' in url else '?'}{pairs}"


def job_take_url(take_url: str, free_slots: int, *, jobs_in_progress: bool) -> str:
    """The URL that asks for `free_slots` jobs: job-take for one, job-take-batch with `batch_size` for more."""
    in_progress = ("job_in_progress", "1" if jobs_in_progress else "0")
    if free_slots > 1 and _TAKE in take_url:
        batch = take_url.replace(_TAKE, "/job-take-batch/", 1)
        return with_query(batch, [("batch_size", str(free_slots)), in_progress])
    return with_query(take_url, [in_progress])


def job_stop_url(take_url: str) -> str | None:
    """The job-stop long-poll URL derived from the take URL (query kept), or None when it cannot be derived."""
    if _TAKE not in take_url:
        return None
    return take_url.replace(_TAKE, "/job-stop/", 1)


def job_url(template: str, job_id: str, *, is_stream: bool) -> str:
    """A job-done or job-stream URL for one job: `$ID` becomes the job id, then `isStream` is appended.

    Stream chunks go out with `isStream=false` too; only the final result of a generator says `true`.
    """
    url = template.replace("$ID", quote(job_id, safe=""))
    return with_query(url, [("isStream", "true" if is_stream else "false")])


# -- bodies -------------------------------------------------------------------------------------------------------


def result_body(value: object, *, refresh_worker: bool = False) -> dict[str, Any]:
    """The job-done body for what a handler returned (or a generator yielded as its error chunk).

    A dict's `error` (when truthy) and `refresh_worker` keys are lifted out of the output: the first becomes the
    result's `error`, always as a string, the second asks the platform to recycle the worker (`stopPod`). An
    empty output is left out, so `{}` posts `{}`, as the platform's own SDK does.
    """
    body: dict[str, Any] = {}
    if isinstance(value, dict):
        output = dict(value)
        error = output.pop("error", None)
        refresh_worker = bool(output.pop("refresh_worker", None)) or refresh_worker
        body["output"] = output
        if error:
            body["error"] = _error_text(error)
    else:
        body["output"] = value
    if body["output"] == {}:
        del body["output"]
    if refresh_worker:
        body["stopPod"] = True
    return body


def stream_end_body(chunks: Sequence[object] | None, *, refresh_worker: bool = False) -> dict[str, Any]:
    """The final job-done body of a generator that ran to its end (`chunks` when aggregating, else `[]`)."""
    body: dict[str, Any] = {"output": list(chunks) if chunks is not None else []}
    if refresh_worker:
        body["stopPod"] = True
    return body


def error_body(message: str, *, refresh_worker: bool = False) -> dict[str, Any]:
    """A job-done body that fails the job with a message."""
    body: dict[str, Any] = {"error": message}
    if refresh_worker:
        body["stopPod"] = True
    return body


def progress_body(progress: object) -> dict[str, Any]:
    """The body of a progress update, which goes to the job-done URL with `isStream=false`."""
    return {"status": "IN_PROGRESS", "output": progress}


def exception_error(exc: BaseException, *, hostname: str, worker_id: str, version: str) -> str:
    """The `error` string for a handler that raised: JSON with the type, message, traceback and where it ran."""
    info = {
        "error_type": str(type(exc)),
        "error_message": str(exc),
        "error_traceback": "".join(traceback.format_exception(exc)),
        "hostname": hostname,
        "worker_id": worker_id,
        "runpod_version": version,
    }
    return json.dumps(info, ensure_ascii=False)


def _error_text(error: object) -> str:
    # The platform counts a job as failed only when `error` is a string; a dict would pass as COMPLETED.
    if isinstance(error, str):
        return error
    try:
        return json.dumps(error, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return str(error)


# -- JSON ---------------------------------------------------------------------------------------------------------


def encode_body(body: Mapping[str, Any], *, what: str = "output") -> bytes:
    """Encode a body as strict JSON (UTF-8, no NaN or Infinity), or fail saying which part cannot be encoded.

    Args:
        body: the body, whose `output` holds what the handler produced.
        what: how the error message names the `output` value, such as `"output"` or `"the stream chunk"`.

    Raises:
        ProtocolError: the body holds something JSON cannot carry; the message gives its path and type.
    """
    try:
        return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    except (TypeError, ValueError, RecursionError) as exc:
        problem = _json_problem(body.get("output"), what) or _json_problem(body, "the body")
        raise ProtocolError(problem or f"{what} cannot be encoded as JSON: {exc}") from None


def _json_problem(value: object, path: str, seen: frozenset[int] = frozenset()) -> str | None:
    if value is None or isinstance(value, (str, bool, int)):
        return None
    if isinstance(value, float):
        if math.isfinite(value):
            return None
        return f"{path} is {value!r}, which JSON cannot hold (NaN and Infinity are not JSON)"
    if id(value) in seen:
        return f"{path} contains itself (a circular reference)"
    if isinstance(value, Mapping):
        inner = seen | {id(value)}
        for key, item in value.items():
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                return f"{path} has a key of type {type(key).__name__} ({key!r}); JSON keys must be strings"
            problem = _json_problem(item, f"{path}[{key!r}]", inner)
            if problem:
                return problem
        return None
    if isinstance(value, (list, tuple)):
        inner = seen | {id(value)}
        for index, item in enumerate(value):
            problem = _json_problem(item, f"{path}[{index}]", inner)
            if problem:
                return problem
        return None
    return f"{path} is of type {type(value).__name__}, which is not JSON-serialisable"


# -- replies ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TakeReply:
    """What one job-take (or job-take-batch) reply means for the worker."""

    jobs: tuple[dict[str, Any], ...] = ()
    """Jobs to run, each the dict the queue sent (`id`, `input` and any other fields)."""
    invalid: tuple[tuple[str, str], ...] = ()
    """Jobs that cannot run, as `(job id, reason)`: each still gets an error result."""
    problem: str | None = None
    """Why the reply carried no usable job when that is an error worth a log line (None for a plain no-job)."""
    retry_after: float | None = None
    """Seconds the server asked the worker to wait (429 with `Retry-After`)."""
    dropped: tuple[str, ...] = field(default=())
    """Descriptions of items that had no job id, so nothing can be reported for them."""


def parse_take_reply(status: int, content: bytes, headers: Mapping[str, str] | None = None) -> TakeReply:
    """Interpret a job-take reply: status, body and (lower-case) headers."""
    headers = headers or {}
    if status == 204 or (status == 200 and not content.strip()):
        return TakeReply()
    if status == 400:
        # The platform answers 400 when it has no job for this worker (FlashBoot); not an error.
        return TakeReply()
    if status != 200:
        return TakeReply(
            problem=f"job-take answered HTTP {status}: {excerpt(content)}",
            retry_after=parse_retry_after(headers.get("retry-after")),
        )
    try:
        data = json.loads(content)
    except ValueError:
        return TakeReply(problem=f"job-take answered HTTP 200 with a body that is not JSON: {excerpt(content)}")
    items = data if isinstance(data, list) else [data]
    jobs: list[dict[str, Any]] = []
    invalid: list[tuple[str, str]] = []
    dropped: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            dropped.append(f"an item that is not a JSON object: {excerpt(json.dumps(item).encode())}")
            continue
        job_id = item.get("id")
        if not isinstance(job_id, str) or not job_id:
            dropped.append(f"a job without a string 'id': {excerpt(json.dumps(item).encode())}")
            continue
        if "input" not in item:
            invalid.append((job_id, "the job-take reply for this job had no 'input' field, so it could not run"))
            continue
        jobs.append(item)
    return TakeReply(jobs=tuple(jobs), invalid=tuple(invalid), dropped=tuple(dropped))


@dataclass(frozen=True, slots=True)
class StopReply:
    """What one job-stop reply means: the ids of jobs to stop, or why there are none."""

    job_ids: tuple[str, ...] = ()
    problem: str | None = None
    """An error worth a log line (an unexpected status or a malformed body)."""
    is_error: bool = False
    """Whether the reply was an error (the poll then backs off)."""
    retry_after: float | None = None


def parse_stop_reply(status: int, content: bytes, headers: Mapping[str, str] | None = None) -> StopReply:
    """Interpret a job-stop reply: `{"jobsToStop": [ids]}`, 204, or an error."""
    headers = headers or {}
    if status == 204 or (status == 200 and not content.strip()):
        return StopReply()
    if status != 200:
        return StopReply(
            problem=f"job-stop answered HTTP {status}: {excerpt(content)}",
            is_error=True,
            retry_after=parse_retry_after(headers.get("retry-after")),
        )
    try:
        data = json.loads(content)
    except ValueError:
        return StopReply(problem=f"job-stop answered with a body that is not JSON: {excerpt(content)}")
    if isinstance(data, list) and not data:
        return StopReply()
    ids = data.get("jobsToStop") if isinstance(data, dict) else None
    if not isinstance(ids, list):
        return StopReply(problem=f"job-stop answered without a 'jobsToStop' list: {excerpt(content)}")
    good = tuple(item for item in ids if isinstance(item, str) and item)
    bad = [item for item in ids if not (isinstance(item, str) and item)]
    problem = f"job-stop listed ids that are not strings, ignored: {bad!r}" if bad else None
    return StopReply(job_ids=good, problem=problem)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header given in seconds (dates are ignored), capped at 60."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, 60.0)


def excerpt(content: bytes) -> str:
    """A short, printable start of a reply body for messages."""
    text = content.decode("utf-8", errors="replace").strip()
    if not text:
        return "(empty body)"
    return text if len(text) <= _EXCERPT else f"{text[:_EXCERPT]}... ({len(text)} characters)"
