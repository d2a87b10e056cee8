"""The worker's only door to HTTP: a small async client on httpx2, with its errors mapped to ours.

Everything above this module sees `Reply` objects and two exceptions, so the HTTP library can change here alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx2

__all__ = ("HTTPClient", "HTTPFailure", "HTTPTimeout", "Reply")

_CONNECT_TIMEOUT = 10.0


class HTTPFailure(Exception):
    """A request got no HTTP reply at all: refused, reset, unreachable, or a broken response."""


class HTTPTimeout(HTTPFailure):
    """A request ran out of time before its reply arrived."""


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP reply, read in full."""

    status: int
    headers: Mapping[str, str]
    """Header names are lower-case."""
    content: bytes


class HTTPClient:
    """Keep-alive HTTP for the worker's requests to the platform.

    Args:
        headers: sent with every request (authorization, user agent).
        transport: an httpx2 transport to use instead of the network (tests pass `httpx2.MockTransport`).
    """

    def __init__(self, *, headers: Mapping[str, str], transport: httpx2.AsyncBaseTransport | None = None) -> None:
        # The transport alone, without httpx2's client layer: the worker needs no cookies, auth flows, redirects
        # or event hooks, and skipping them takes a good share off each request's cost.
        self._transport = transport or httpx2.AsyncHTTPTransport(
            limits=httpx2.Limits(max_connections=None, max_keepalive_connections=64)
        )
        self._headers = dict(headers)

    async def get(self, url: str, *, time_limit: float) -> Reply:
        """GET `url`, waiting at most `time_limit` seconds for the reply.

        Raises:
            HTTPTimeout: no reply in time.
            HTTPFailure: no reply at all.
        """
        return await self._send("GET", url, None, None, time_limit)

    async def post(self, url: str, content: bytes, *, headers: Mapping[str, str], time_limit: float) -> Reply:
        """POST `content` to `url` with extra `headers`; errors as for `get`."""
        return await self._send("POST", url, content, headers, time_limit)

    async def _send(
        self, method: str, url: str, content: bytes | None, headers: Mapping[str, str] | None, time_limit: float
    ) -> Reply:
        connect = min(time_limit, _CONNECT_TIMEOUT)
        timeout = {"connect": connect, "read": time_limit, "write": time_limit, "pool": time_limit}
        all_headers = {**self._headers, **headers} if headers else self._headers
        try:
            request = httpx2.Request(method, url, content=content, headers=all_headers, extensions={"timeout": timeout})
            response = await self._transport.handle_async_request(request)
            try:
                body = await response.aread()
            finally:
                await response.aclose()
        except httpx2.TimeoutException as exc:
            kind = type(exc).__name__
            raise HTTPTimeout(f"{method} {_safe(url)} timed out after {time_limit:g} s ({kind})") from None
        except (httpx2.HTTPError, httpx2.InvalidURL, httpx2.StreamError) as exc:
            raise HTTPFailure(f"{method} {_safe(url)} failed: {_describe(exc)}") from None
        return Reply(status=response.status_code, headers=response.headers, content=body)

    async def aclose(self) -> None:
        """Close every connection."""
        await self._transport.aclose()


def _describe(exc: BaseException) -> str:
    detail = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {detail}" if detail != type(exc).__name__ else detail


def _safe(url: str) -> str:
    # Platform URLs carry no secrets (the key travels in a header), but keep log lines short.
    return url.split("?", 1)[0]
