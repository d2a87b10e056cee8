"""What the `runpod` command prints and exits with when something goes wrong: one line, never a traceback.

Every expected failure ends the command with `error: <one line>` on stderr and one of these exit codes:

    1    Runpod (or the pod, over SSH) refused or failed; a job failed or was cancelled
    2    the command line was wrong (click's usage errors, invalid option values)
    3    no usable API key: none configured, or Runpod refused the one given
    4    the pod, endpoint, template, volume or job named does not exist
    124  a wait ran out of time (a pod that did not start, a job that did not finish)
    130  interrupted (Ctrl-C)

`pod exec` exits with the remote command's own status instead. Messages come from the library's errors,
which are built redacted, so they never hold the API key or another secret.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from .._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AuthenticationError,
    ConfigError,
    GraphQLError,
    InternalServerError,
    JobError,
    JobTimeoutError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResourceStateError,
    RunpodError,
    WaitTimeoutError,
)

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = (
    "EXIT_AUTH",
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_FOUND",
    "EXIT_TIMEOUT",
    "EXIT_USAGE",
    "EXPECTED",
    "CliError",
    "describe",
    "one_line",
)

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NOT_FOUND = 4
EXIT_TIMEOUT = 124
EXIT_INTERRUPTED = 130

MAX_MESSAGE = 1000


class CliError(Exception):
    """A failure the command line found itself (a bad file, a refused SSH key): its message and exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """Fold a message onto one line (newlines become ` | `) and cut it to `limit` characters."""
    folded = " | ".join(part.strip() for part in str(text).splitlines() if part.strip())
    return folded if len(folded) <= limit else folded[: limit - 1] + "…"


def _validation_message(error: ValidationError) -> str:
    parts = []
    for entry in error.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in entry.get("loc", ()) if p != "__root__")
        message = str(entry.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts) or str(error)


def _job_hint(error: JobError) -> str:
    if isinstance(error, JobTimeoutError) and error.status not in (None, "TIMED_OUT") and error.endpoint_id:
        return (
            f"job {error.job_id!r} did not finish in time (last status {error.status}); it goes on: "
            f"`runpod endpoint status {error.endpoint_id} {error.job_id} --wait`, "
            f"or `runpod endpoint cancel {error.endpoint_id} {error.job_id}`"
        )
    return error.message


def describe(error: BaseException) -> tuple[str, int]:
    """The one-line message and the exit code for an expected error; raise TypeError for anything else."""
    if isinstance(error, CliError):
        return one_line(error.message), error.exit_code
    if isinstance(error, ConfigError):
        return one_line(error.message), EXIT_AUTH
    if isinstance(error, AuthenticationError):
        hint = "check the key with `runpod config show`, or set another with `runpod config set`"
        return one_line(f"Runpod refused the API key ({error.message}); {hint}"), EXIT_AUTH
    if isinstance(error, PermissionDeniedError):
        return one_line(f"the API key is not allowed to do this ({error.message})"), EXIT_FAILURE
    if isinstance(error, NotFoundError):
        return one_line(error.message), EXIT_NOT_FOUND
    if isinstance(error, RateLimitError):
        wait = f"; try again in {error.retry_after:g}s" if error.retry_after else "; try again later"
        return one_line(f"Runpod is limiting the rate of requests ({error.message}){wait}"), EXIT_FAILURE
    if isinstance(error, InternalServerError):
        return one_line(f"Runpod failed, even after retries ({error.message})"), EXIT_FAILURE
    if isinstance(error, APITimeoutError):
        return one_line(f"Runpod did not answer in time ({error.message})"), EXIT_FAILURE
    if isinstance(error, APIConnectionError):
        return one_line(f"cannot reach Runpod ({error.message})"), EXIT_FAILURE
    if isinstance(error, GraphQLError):
        return one_line(f"Runpod refused: {error.message}"), EXIT_FAILURE
    if isinstance(error, APIResponseValidationError):
        return one_line(f"Runpod's answer was not understood: {error.message}"), EXIT_FAILURE
    if isinstance(error, JobError):
        return one_line(_job_hint(error)), EXIT_TIMEOUT if isinstance(error, JobTimeoutError) else EXIT_FAILURE
    if isinstance(error, WaitTimeoutError):
        return one_line(error.message), EXIT_TIMEOUT
    if isinstance(error, ResourceStateError | RunpodError):
        return one_line(error.message), EXIT_FAILURE
    if isinstance(error, ValueError) and "pydantic" in sys.modules:
        # Only a command that built a parameter model can have raised this, so pydantic is loaded already.
        from pydantic import ValidationError

        if isinstance(error, ValidationError):
            return one_line(f"invalid arguments: {_validation_message(error)}"), EXIT_USAGE
    if isinstance(error, ValueError):
        # The library raises ValueError for arguments that describe nothing valid, before sending anything.
        return one_line(f"invalid arguments: {error}"), EXIT_USAGE
    raise TypeError(f"not an expected error: {type(error).__name__}")


EXPECTED = (CliError, RunpodError, ValueError)
"""The exception classes `describe` turns into a message (ValueError covers pydantic's ValidationError)."""
