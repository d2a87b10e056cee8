"""Every error runpod-api raises, rooted in one base class.

    RunpodError                          catch this to catch everything below
    ├── ConfigError                      no API key found, an unreadable config file, a bad base URL
    ├── APIError                         a request to Runpod got no usable answer (method, url)
    │   ├── APIConnectionError           no HTTP answer at all: DNS, refused, reset, TLS, proxy
    │   │   └── APITimeoutError          a connect, read, write or pool time limit ran out (also a TimeoutError)
    │   ├── APIStatusError               an HTTP error status (status_code, body, headers, request_id)
    │   │   ├── BadRequestError              400
    │   │   ├── AuthenticationError          401
    │   │   ├── PermissionDeniedError        403
    │   │   ├── NotFoundError                404, or a lookup by id that found nothing
    │   │   ├── ConflictError                409
    │   │   ├── RateLimitError               429 (retry_after)
    │   │   └── InternalServerError          500 and above
    │   ├── GraphQLError                 the answer carried GraphQL `errors` (every entry) and maybe partial `data`
    │   └── APIResponseValidationError   the answer was not the shape this client expects
    ├── JobError                         a serverless job did not give a result (endpoint_id, job_id, status, error)
    │   ├── JobFailedError                   the job ended FAILED
    │   ├── JobTimeoutError                  TIMED_OUT, or the client's wait ran out (also a TimeoutError)
    │   └── JobCancelledError                the job was cancelled
    └── ResourceStateError               a resource is not in the state asked for (a pod that exited)
        └── WaitTimeoutError             a wait for a resource ran out of time (also a TimeoutError)

Other HTTP error statuses (402, 405, 422...) raise `APIStatusError` itself; `make_status_error` picks the
class. Messages, reprs and attributes never hold the API key or a secret the request carried: the code
that raises these errors builds them from redacted text (see `_redact`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = (
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigError",
    "ConflictError",
    "GraphQLError",
    "InternalServerError",
    "JobCancelledError",
    "JobError",
    "JobFailedError",
    "JobTimeoutError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResourceStateError",
    "RunpodError",
    "WaitTimeoutError",
    "make_status_error",
    "status_error_class",
)


def _restore(cls: type[RunpodError], message: str, state: dict[str, Any]) -> RunpodError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class RunpodError(Exception):
    """The base class of every error raised by runpod-api."""

    message: str
    """The human-readable explanation, the same text as `str(error)`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors cannot be rebuilt from `args`; rebuild from the attributes instead, so
        # errors survive pickling (multiprocessing, concurrent.futures).
        return (_restore, (type(self), self.message, dict(self.__dict__)))


class ConfigError(RunpodError):
    """The client cannot be set up: no API key was found, the config file is unreadable, a URL is invalid."""


class APIError(RunpodError):
    """A request to Runpod did not produce a usable answer."""

    method: str | None
    """The HTTP method of the request, when there was one."""
    url: str | None
    """The URL of the request (redacted), when there was one."""

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class APIConnectionError(APIError):
    """No HTTP answer arrived: the name did not resolve, the connection was refused or dropped, TLS failed."""

    may_have_reached_server: bool
    """False only when the request certainly never left this machine (it failed while connecting).

    A request that is not safe to repeat (a mutation, a job submission) is retried only when this is False.
    """

    def __init__(
        self,
        message: str,
        *,
        may_have_reached_server: bool = True,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.may_have_reached_server = may_have_reached_server


class APITimeoutError(APIConnectionError, TimeoutError):
    """A time limit ran out while connecting, sending, waiting for the answer or waiting for a connection."""


class APIStatusError(APIError):
    """Runpod answered with an HTTP error status."""

    status_code: int
    """The HTTP status code."""
    body: Any
    """The decoded JSON body, else the body text, else None; secrets the request carried are redacted."""
    headers: Mapping[str, str]
    """The response headers, names in lower case."""
    request_id: str | None
    """The request id Runpod (or its proxy) assigned, for support tickets."""
    retry_after: float | None
    """Seconds the server asked to wait before trying again (`Retry-After`), when it said."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.status_code = status_code
        self.body = body
        self.headers = dict(headers or {})
        self.request_id = request_id
        self.retry_after = retry_after


class BadRequestError(APIStatusError):
    """HTTP 400: the server rejected the request as malformed."""


class AuthenticationError(APIStatusError):
    """HTTP 401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """HTTP 403: the API key is valid but not allowed to do this."""


class NotFoundError(APIStatusError):
    """HTTP 404, or a lookup by id that found nothing (status_code is then 404, as a REST API would answer)."""


class ConflictError(APIStatusError):
    """HTTP 409: the request conflicts with the current state of the resource."""


class RateLimitError(APIStatusError):
    """HTTP 429: too many requests; `retry_after` says how long the server asked to wait."""


class InternalServerError(APIStatusError):
    """HTTP 500 or above: Runpod, or a proxy in front of it, failed."""


class GraphQLError(APIError):
    """The GraphQL answer carried `errors`; every entry is kept, with any partial `data`."""

    errors: list[dict[str, Any]]
    """Every entry of the answer's `errors` (message, path, locations, extensions), secrets redacted."""
    data: Any
    """The answer's `data`, possibly partial, possibly None."""

    def __init__(
        self,
        message: str,
        *,
        errors: Sequence[Mapping[str, Any]],
        data: Any = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.errors = [dict(e) for e in errors]
        self.data = data

    @property
    def messages(self) -> list[str]:
        """The `message` of every error entry, in order."""
        return [str(e.get("message", "")) for e in self.errors]


class APIResponseValidationError(APIError):
    """The answer was not the shape this client expects (not JSON, no `data`, or fields of the wrong type)."""

    body: Any
    """What the server sent, decoded where possible, secrets redacted."""

    def __init__(self, message: str, *, body: Any = None, method: str | None = None, url: str | None = None) -> None:
        super().__init__(message, method=method, url=url)
        self.body = body


class JobError(RunpodError):
    """A serverless job did not give a result."""

    endpoint_id: str | None
    """The endpoint the job ran on."""
    job_id: str
    """The job's id."""
    status: str | None
    """The job's last known status (`FAILED`, `TIMED_OUT`, `CANCELLED`, `IN_PROGRESS`...)."""
    error: Any
    """The error the worker reported, when it reported one."""
    output: Any
    """Any output the job produced before it stopped."""

    def __init__(
        self,
        message: str,
        *,
        job_id: str,
        status: str | None = None,
        endpoint_id: str | None = None,
        error: Any = None,
        output: Any = None,
    ) -> None:
        super().__init__(message)
        self.endpoint_id = endpoint_id
        self.job_id = job_id
        self.status = status
        self.error = error
        self.output = output


class JobFailedError(JobError):
    """The job ended FAILED; `error` holds what the worker reported."""


class JobTimeoutError(JobError, TimeoutError):
    """The job ended TIMED_OUT on the platform, or the client stopped waiting for it."""


class JobCancelledError(JobError):
    """The job was cancelled before it finished."""


class ResourceStateError(RunpodError):
    """A resource is not in the state asked for: it reached one a wait cannot leave (a pod that exited)."""

    resource: str
    """What kind of resource: "pod", "endpoint"..."""
    resource_id: str
    """Its id."""
    state: str | None
    """The state it is in (for a wait that ran out of time, the last one seen)."""

    def __init__(self, message: str, *, resource: str, resource_id: str, state: str | None) -> None:
        super().__init__(message)
        self.resource = resource
        self.resource_id = resource_id
        self.state = state


class WaitTimeoutError(ResourceStateError, TimeoutError):
    """A wait for a resource to reach a state ran out of time; `state` is the last one seen."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """Return the `APIStatusError` subclass for an HTTP status (the base class for statuses with none)."""
    if status_code >= 500:
        return InternalServerError
    return _STATUS_ERRORS.get(status_code, APIStatusError)


def make_status_error(
    message: str,
    *,
    status_code: int,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    request_id: str | None = None,
    retry_after: float | None = None,
    method: str | None = None,
    url: str | None = None,
) -> APIStatusError:
    """Build the error for an HTTP error status: the class is chosen from `status_code`.

    The caller passes text that is already redacted; this function only picks the class.
    """
    return status_error_class(status_code)(
        message,
        status_code=status_code,
        body=body,
        headers=headers,
        request_id=request_id,
        retry_after=retry_after,
        method=method,
        url=url,
    )
