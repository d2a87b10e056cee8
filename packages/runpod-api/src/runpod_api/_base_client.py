"""The request core every runpod-api client is built on: one for sync code, one for async, same behaviour.

`BaseAPIClient` holds the settings and every step that does no I/O: building the request (URL, headers,
`Authorization: Bearer`, user agent), turning an error status into the right exception, deciding about
retries. `SyncAPIClient.request` and `AsyncAPIClient.request` only add the sending and the waiting.

A client built on this core (the GraphQL control plane, the serverless endpoint client) resolves its API
key and base URL with `_config`, makes one `SyncAPIClient` or `AsyncAPIClient`, and describes each call
with a `RequestOptions`:

    core = SyncAPIClient(api_key=key, base_url=url, timeout=Timeout(), retry_policy=RetryPolicy())
    response = core.request(RequestOptions(method="GET", path="/abc123/health"))
    payload = decode_json(response)
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from ._config import resolve_api_key
from ._exceptions import APIError, APIResponseValidationError, APIStatusError, make_status_error
from ._http import USER_AGENT, AsyncHTTPClient, HTTPRequest, HTTPResponse, SyncHTTPClient, display_url
from ._redact import get_logger, redact, redact_json
from ._retry import RetryPolicy, parse_retry_after
from ._types import NOT_GIVEN, NotGiven, Timeout, TimeoutTypes

if TYPE_CHECKING:
    import httpx2

__all__ = (
    "IDEMPOTENT_METHODS",
    "AsyncAPIClient",
    "BaseAPIClient",
    "RequestOptions",
    "SyncAPIClient",
    "core_settings",
    "decode_json",
)

logger = get_logger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
"""Methods that are safe to repeat unless a request says otherwise."""

_MAX_DETAIL = 500


@dataclass(frozen=True, kw_only=True, slots=True)
class RequestOptions:
    """One call to make through the core: what to send and how patient to be."""

    method: str
    """The HTTP method."""
    path: str
    """Appended to the client's base URL (`/graphql`, `/{endpoint_id}/run`), or an absolute http(s) URL."""
    json: Any = field(default=None, repr=False)
    """The JSON body, if any."""
    params: Mapping[str, str] | None = None
    """Query parameters."""
    headers: Mapping[str, str] | None = field(default=None, repr=False)
    """Extra headers for this call; they override the client's."""
    idempotent: bool | None = None
    """Whether repeating the request is harmless; None: decided by the method (GET yes, POST no)."""
    timeout: TimeoutTypes | NotGiven = NOT_GIVEN
    """This call's time limits; NOT_GIVEN: the client's."""
    max_retries: int | NotGiven = NOT_GIVEN
    """This call's retry count; NOT_GIVEN: the client's."""
    secrets: tuple[str, ...] = field(default=(), repr=False)
    """Values in this request to keep out of error messages (the client's API key is always kept out)."""
    deadline: float | None = None
    """A `time.monotonic()` reading by which the whole call must end, retries included; None: no bound.

    Each attempt's time limits shrink to the time left, and a retry that could not start before the deadline
    is not made: the last error is raised instead. Waits that span several calls (polling a job) use it.
    """

    @property
    def is_idempotent(self) -> bool:
        """Whether this request may be sent again after it may have reached the server."""
        if self.idempotent is not None:
            return self.idempotent
        return self.method.upper() in IDEMPOTENT_METHODS


def _detail(body: Any, text: str) -> str:
    """The most useful short explanation in an error body: GraphQL messages, an `error`, else the text."""
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
        for key in ("error", "message", "detail"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
    text = " ".join(text.split())
    return text[:_MAX_DETAIL] + ("..." if len(text) > _MAX_DETAIL else "")


def decode_json(response: HTTPResponse, *, secrets: tuple[str, ...] = ()) -> Any:
    """Decode a successful answer's JSON body.

    Raises:
        APIResponseValidationError: The body is not JSON (its start is in the message, redacted).
    """
    try:
        return response.json()
    except ValueError:
        text = redact(_detail(None, response.text), secrets)
        raise APIResponseValidationError(
            f"{response.method} {display_url(response.url)}: expected a JSON answer, got: {text or '(empty body)'}",
            body=redact(response.text, secrets),
            method=response.method,
            url=display_url(response.url),
        ) from None


def core_settings(
    *,
    api_key: str | None,
    profile: str | None,
    base_url: str,
    max_retries: int | NotGiven,
    retry_policy: RetryPolicy | None,
) -> dict[str, Any]:
    """The settings a public client passes to its core: the API key found, the base URL, the retry policy.

    Raises:
        ConfigError: No API key was found, or the one found is unusable.
    """
    credentials = resolve_api_key(api_key, profile=profile)
    policy = retry_policy if retry_policy is not None else RetryPolicy()
    if not isinstance(max_retries, NotGiven):
        policy = policy.with_max_retries(max_retries)
    return {"api_key": credentials.api_key, "base_url": base_url, "retry_policy": policy}


class BaseAPIClient:
    """Settings and the I/O-free steps shared by `SyncAPIClient` and `AsyncAPIClient`."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout: TimeoutTypes = None,
        retry_policy: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = Timeout.of(timeout)
        self.retry_policy = retry_policy if retry_policy is not None else RetryPolicy()
        self.default_headers = dict(default_headers or {})

    @property
    def api_key(self) -> str:
        """The API key this client sends (never part of its repr)."""
        return self._api_key

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def secrets(self, options: RequestOptions) -> tuple[str, ...]:
        """Every value to keep out of messages about this request."""
        return (self._api_key, *options.secrets)

    def build_request(self, options: RequestOptions, *, retries_done: int = 0) -> HTTPRequest:
        """Turn options into a complete request: absolute URL and every header."""
        path = options.path
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"
        headers = {
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **self.default_headers,
            **(options.headers or {}),
            "Authorization": f"Bearer {self._api_key}",
        }
        if retries_done:
            headers["X-Retry-Count"] = str(retries_done)
        return HTTPRequest(
            method=options.method.upper(), url=url, headers=headers, json=options.json, params=options.params
        )

    def make_status_error(self, response: HTTPResponse, *, secrets: tuple[str, ...] = ()) -> APIStatusError:
        """Build the exception for an error answer, with its body, request id and `Retry-After`."""
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text or None
        body = redact_json(body, secrets)
        try:
            reason = HTTPStatus(response.status_code).phrase
        except ValueError:
            reason = "Error"
        detail = redact(_detail(body, response.text), secrets)
        url = display_url(response.url)
        message = f"{response.status_code} {reason} from {response.method} {url}" + (f": {detail}" if detail else "")
        headers = response.headers
        return make_status_error(
            message,
            status_code=response.status_code,
            body=body,
            headers=headers,
            request_id=headers.get("x-request-id") or headers.get("cf-ray"),
            retry_after=parse_retry_after(headers),
            method=response.method,
            url=url,
        )

    def policy_for(self, options: RequestOptions) -> RetryPolicy:
        """The retry policy for one call: the client's, with the call's retry count if it set one."""
        if isinstance(options.max_retries, NotGiven):
            return self.retry_policy
        return self.retry_policy.with_max_retries(options.max_retries)

    def timeout_for(self, options: RequestOptions) -> Timeout:
        """The time limits for one call: the call's if it set them, else the client's."""
        return self.timeout if isinstance(options.timeout, NotGiven) else Timeout.of(options.timeout)

    @staticmethod
    def attempt_timeout(timeout: Timeout, options: RequestOptions) -> Timeout:
        """The time limits for the next attempt: `timeout`, each phase cut to what is left before the deadline."""
        if options.deadline is None:
            return timeout
        left = max(options.deadline - time.monotonic(), 0.001)
        return Timeout(
            connect=left if timeout.connect is None else min(timeout.connect, left),
            read=left if timeout.read is None else min(timeout.read, left),
            write=left if timeout.write is None else min(timeout.write, left),
            pool=left if timeout.pool is None else min(timeout.pool, left),
        )

    def next_delay(
        self, error: APIError, options: RequestOptions, policy: RetryPolicy, retries_done: int
    ) -> float | None:
        """Decide about a failed attempt (and log the decision): seconds to wait, or None to raise."""
        delay = policy.next_delay(error, retries_done=retries_done, idempotent=options.is_idempotent)
        if delay is not None and options.deadline is not None and time.monotonic() + delay >= options.deadline:
            delay = None  # the retry could not even start in time
        if delay is None:
            logger.debug("giving up on %s %s after %d retries: %s", options.method, options.path, retries_done, error)
        else:
            logger.debug("retrying %s %s in %.2fs: %s", options.method, options.path, delay, error)
        return delay

    def _copy_settings(self, **changes: Any) -> dict[str, Any]:
        settings = {
            "api_key": self._api_key,
            "base_url": self.base_url,
            "timeout": self.timeout,
            "retry_policy": self.retry_policy,
            "default_headers": self.default_headers,
        }
        settings.update({k: v for k, v in changes.items() if not isinstance(v, NotGiven)})
        return settings


class SyncAPIClient(BaseAPIClient):
    """The blocking request core: sends with retries, raises runpod-api errors."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout: TimeoutTypes = None,
        retry_policy: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx2.Client | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            retry_policy=retry_policy,
            default_headers=default_headers,
        )
        self._http = SyncHTTPClient(http_client, timeout=self.timeout)
        self._closed = False

    def copy(self, **changes: Any) -> Self:
        """Return a core with some settings changed that shares this one's connections (and never closes them)."""
        return type(self)(**self._copy_settings(**changes), http_client=self._http.client)

    def request(self, options: RequestOptions) -> HTTPResponse:
        """Send a request, retrying as the policy allows; return the successful (2xx) answer.

        Raises:
            APIConnectionError: No answer arrived, after the retries allowed.
            APIStatusError: The final answer had an error status (the subclass names it).
        """
        if self._closed:
            raise RuntimeError(f"this {type(self).__name__} is closed")
        policy, timeout, secrets = self.policy_for(options), self.timeout_for(options), self.secrets(options)
        retries_done = 0
        while True:
            request = self.build_request(options, retries_done=retries_done)
            logger.debug("%s %s (attempt %d)", request.method, display_url(request.url), retries_done + 1)
            try:
                response = self._http.send(request, timeout=self.attempt_timeout(timeout, options))
            except APIError as exc:
                error: APIError = exc
            else:
                if response.is_success:
                    return response
                error = self.make_status_error(response, secrets=secrets)
            delay = self.next_delay(error, options, policy, retries_done)
            if delay is None:
                raise error
            policy.sleep(delay)
            retries_done += 1

    def close(self) -> None:
        """Close the connections this core opened. Further requests raise RuntimeError."""
        if not self._closed:
            self._closed = True
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncAPIClient(BaseAPIClient):
    """The async request core (asyncio or trio, through anyio): sends with retries, raises runpod-api errors."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout: TimeoutTypes = None,
        retry_policy: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            retry_policy=retry_policy,
            default_headers=default_headers,
        )
        self._http = AsyncHTTPClient(http_client, timeout=self.timeout)
        self._closed = False

    def copy(self, **changes: Any) -> Self:
        """Return a core with some settings changed that shares this one's connections (and never closes them)."""
        return type(self)(**self._copy_settings(**changes), http_client=self._http.client)

    async def request(self, options: RequestOptions) -> HTTPResponse:
        """Send a request, retrying as the policy allows; return the successful (2xx) answer.

        Raises:
            APIConnectionError: No answer arrived, after the retries allowed.
            APIStatusError: The final answer had an error status (the subclass names it).
        """
        if self._closed:
            raise RuntimeError(f"this {type(self).__name__} is closed")
        policy, timeout, secrets = self.policy_for(options), self.timeout_for(options), self.secrets(options)
        retries_done = 0
        while True:
            request = self.build_request(options, retries_done=retries_done)
            logger.debug("%s %s (attempt %d)", request.method, display_url(request.url), retries_done + 1)
            try:
                response = await self._http.send(request, timeout=self.attempt_timeout(timeout, options))
            except APIError as exc:
                error: APIError = exc
            else:
                if response.is_success:
                    return response
                error = self.make_status_error(response, secrets=secrets)
            delay = self.next_delay(error, options, policy, retries_done)
            if delay is None:
                raise error
            await policy.async_sleep(delay)
            retries_done += 1

    async def aclose(self) -> None:
        """Close the connections this core opened. Further requests raise RuntimeError."""
        if not self._closed:
            self._closed = True
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
