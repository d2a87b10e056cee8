"""The one module that talks to httpx2: building its clients, sending one request, translating its errors.

Everything above this module sees only `HTTPRequest`, `HTTPResponse` and runpod-api's own exceptions, so
the HTTP library can change here alone. `SyncHTTPClient` and `AsyncHTTPClient` are twins: the same
constructor, one `send`, and a close (`close` / `aclose`) that closes the httpx2 client only when they
built it themselves.
"""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx2

from ._exceptions import APIConnectionError, APITimeoutError
from ._redact import redact
from ._types import Timeout
from ._version import __version__

__all__ = (
    "TRANSPORT_ERRORS",
    "USER_AGENT",
    "AsyncHTTPClient",
    "HTTPRequest",
    "HTTPResponse",
    "SyncHTTPClient",
    "display_url",
    "map_transport_error",
    "to_httpx_timeout",
)

USER_AGENT = (
    f"runpod-api/{__version__} (Python {platform.python_version()}; {sys.platform}; {platform.machine() or 'unknown'})"
)
"""Sent with every request: `runpod-api/<version>`, then the Python version and platform for support."""


@dataclass(frozen=True, slots=True)
class HTTPRequest:
    """One request, ready to send: an absolute URL, all headers, and the body as JSON (or none)."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    json: Any = field(default=None, repr=False)
    params: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class HTTPResponse:
    """A complete answer: status, headers (names in lower case) and the whole body."""

    status_code: int
    headers: Mapping[str, str] = field(repr=False)
    content: bytes = field(repr=False)
    method: str = ""
    url: str = ""

    @property
    def is_success(self) -> bool:
        """True for a 2xx status."""
        return 200 <= self.status_code < 300

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body decoded as JSON.

        Raises:
            ValueError: The body is not JSON.
        """
        return json.loads(self.content)


def display_url(url: str) -> str:
    """The URL as it may appear in messages and logs: no user info, secret-looking query values hidden."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return redact(urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")))


def to_httpx_timeout(timeout: Timeout) -> httpx2.Timeout:
    """Translate our `Timeout` to httpx2's."""
    return httpx2.Timeout(connect=timeout.connect, read=timeout.read, write=timeout.write, pool=timeout.pool)


# Each httpx2 transport error, the runpod-api class it becomes, and whether the request may have reached the
# server. Only failures while connecting (or queueing for a connection) prove that nothing was sent.
TRANSPORT_ERRORS: dict[type[httpx2.RequestError], tuple[type[APIConnectionError], bool, str]] = {
    httpx2.ConnectTimeout: (APITimeoutError, False, "timed out connecting"),
    httpx2.PoolTimeout: (APITimeoutError, False, "timed out waiting for a free connection"),
    httpx2.ReadTimeout: (APITimeoutError, True, "timed out waiting for the answer"),
    httpx2.WriteTimeout: (APITimeoutError, True, "timed out sending the request"),
    httpx2.ConnectError: (APIConnectionError, False, "could not connect"),
    httpx2.ProxyError: (APIConnectionError, False, "the proxy refused the connection"),
    httpx2.UnsupportedProtocol: (APIConnectionError, False, "the URL's scheme is not supported"),
    httpx2.LocalProtocolError: (APIConnectionError, False, "the request could not be encoded"),
    httpx2.ReadError: (APIConnectionError, True, "the connection failed while reading the answer"),
    httpx2.WriteError: (APIConnectionError, True, "the connection failed while sending the request"),
    httpx2.CloseError: (APIConnectionError, True, "the connection failed while closing"),
    httpx2.RemoteProtocolError: (APIConnectionError, True, "the server broke the HTTP protocol or hung up"),
    httpx2.SSEError: (APIConnectionError, True, "the event stream was malformed"),
    httpx2.DecodingError: (APIConnectionError, True, "the answer's content encoding was malformed"),
    httpx2.TooManyRedirects: (APIConnectionError, True, "too many redirects"),
    # The abstract bases, for errors raised as the base class itself (custom transports do that).
    httpx2.TimeoutException: (APITimeoutError, True, "timed out"),
    httpx2.NetworkError: (APIConnectionError, True, "the connection failed"),
    httpx2.ProtocolError: (APIConnectionError, True, "the HTTP exchange failed"),
    httpx2.TransportError: (APIConnectionError, True, "the request failed"),
}


def map_transport_error(exc: httpx2.RequestError, *, method: str, url: str) -> APIConnectionError:
    """Translate an httpx2 error to the most specific runpod-api error, keeping whether the request left.

    A subclass httpx2 adds later maps like its nearest listed ancestor; anything else counts as "may have
    reached the server", the safe assumption.
    """
    known = (TRANSPORT_ERRORS.get(cls) for cls in type(exc).__mro__ if issubclass(cls, httpx2.RequestError))
    error_cls, reached, what = next(
        (entry for entry in known if entry is not None), (APIConnectionError, True, "the request failed")
    )
    shown = display_url(url)
    detail = redact(str(exc))
    message = f"{method} {shown}: {what} ({type(exc).__name__}{': ' + detail if detail else ''})"
    return error_cls(message, may_have_reached_server=reached, method=method, url=shown)


def _encode(request: HTTPRequest) -> tuple[dict[str, str], bytes | None]:
    headers = dict(request.headers)
    if request.json is None:
        return headers, None
    headers.setdefault("Content-Type", "application/json")
    # ensure_ascii=False: non-ASCII text travels as UTF-8, byte for byte what the caller gave.
    return headers, json.dumps(request.json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _response(response: httpx2.Response, request: HTTPRequest) -> HTTPResponse:
    return HTTPResponse(
        status_code=response.status_code,
        headers={k.lower(): v for k, v in response.headers.items()},
        content=response.content,
        method=request.method,
        url=request.url,
    )


class SyncHTTPClient:
    """Sends requests with an httpx2 `Client`: the given one (left open on close), else its own."""

    def __init__(self, client: httpx2.Client | None = None, *, timeout: Timeout) -> None:
        self._owned = client is None
        self._client = client if client is not None else httpx2.Client(timeout=to_httpx_timeout(timeout))

    @property
    def client(self) -> httpx2.Client:
        """The httpx2 client underneath (to share its connections with a copy)."""
        return self._client

    def send(self, request: HTTPRequest, *, timeout: Timeout) -> HTTPResponse:
        """Send one request and read the whole answer.

        Raises:
            APIConnectionError: No answer arrived (`APITimeoutError` when a time limit ran out).
        """
        headers, content = _encode(request)
        try:
            response = self._client.request(
                request.method,
                request.url,
                content=content,
                headers=headers,
                params=request.params,
                timeout=to_httpx_timeout(timeout),
            )
        except httpx2.RequestError as exc:
            raise map_transport_error(exc, method=request.method, url=request.url) from exc
        return _response(response, request)

    def close(self) -> None:
        """Close the httpx2 client if this object built it."""
        if self._owned:
            self._client.close()


class AsyncHTTPClient:
    """Sends requests with an httpx2 `AsyncClient`: the given one (left open on close), else its own."""

    def __init__(self, client: httpx2.AsyncClient | None = None, *, timeout: Timeout) -> None:
        self._owned = client is None
        self._client = client if client is not None else httpx2.AsyncClient(timeout=to_httpx_timeout(timeout))

    @property
    def client(self) -> httpx2.AsyncClient:
        """The httpx2 client underneath (to share its connections with a copy)."""
        return self._client

    async def send(self, request: HTTPRequest, *, timeout: Timeout) -> HTTPResponse:
        """Send one request and read the whole answer.

        Raises:
            APIConnectionError: No answer arrived (`APITimeoutError` when a time limit ran out).
        """
        headers, content = _encode(request)
        try:
            response = await self._client.request(
                request.method,
                request.url,
                content=content,
                headers=headers,
                params=request.params,
                timeout=to_httpx_timeout(timeout),
            )
        except httpx2.RequestError as exc:
            raise map_transport_error(exc, method=request.method, url=request.url) from exc
        return _response(response, request)

    async def aclose(self) -> None:
        """Close the httpx2 client if this object built it."""
        if self._owned:
            await self._client.aclose()
