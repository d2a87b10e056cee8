"""The worker's door to HTTP: replies, the two errors, and the client that carries the job-queue protocol.

Everything above this module sees `Reply` objects and two exceptions, so the HTTP library can change here alone.
The protocol's requests go through `_wire.WireClient`, a lean HTTP/1.1 client made for them; when an HTTP proxy is
configured for the job queue, they go through httpx2 (`HTTPClient`) instead, which speaks to proxies. httpx2 is
imported only then, or when the package's other HTTP needs call for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import httpx2

__all__ = (
    "HTTPClient",
    "HTTPFailure",
    "HTTPTimeout",
    "QueueHTTP",
    "Reply",
    "Requests",
    "describe",
    "open_client",
    "proxy_applies",
    "safe_url",
)

_CONNECT_TIMEOUT = 10.0
_PROXY_VARIABLES = {
    "http": ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"),
    "https": ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"),
}


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


class Requests:
    """`get` and `post` over one `_send`, shared by the two clients."""

    async def get(self, url: str, *, time_limit: float) -> Reply:
        """GET `url`, waiting at most `time_limit` seconds for the whole reply.

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
        raise NotImplementedError


class QueueHTTP(Protocol):
    """What `Platform` needs from an HTTP client: GET, POST with a body, and closing."""

    async def get(self, url: str, *, time_limit: float) -> Reply: ...

    async def post(self, url: str, content: bytes, *, headers: Mapping[str, str], time_limit: float) -> Reply: ...

    async def aclose(self) -> None: ...


def open_client(headers: Mapping[str, str], urls: Iterable[str], environ: Mapping[str, str]) -> QueueHTTP:
    """The client for the job queue at `urls`: the lean wire client, or httpx2 where it cannot go.

    The wire client runs on asyncio's transports and speaks no proxy protocol, so httpx2 carries the requests
    when the worker runs on another anyio backend (trio), or when a proxy applies to any of `urls`.

    Args:
        headers: sent with every request (authorization, user agent).
        urls: the protocol's URLs (job-take, job-done, job-stream).
        environ: where `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` are read (lower case too).

    Raises:
        ValueError: a header cannot go into an HTTP request (a line break in the API key, say).
    """
    if not _on_asyncio() or any(proxy_applies(url, environ) for url in urls):
        return HTTPClient(headers=headers, trust_env=True)
    from ._wire import WireClient

    return WireClient(headers=headers)


def _on_asyncio() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def proxy_applies(url: str, environ: Mapping[str, str]) -> bool:
    """Whether the proxy variables in `environ` send requests to `url` through a proxy.

    A proxy is set for the URL's scheme (`http_proxy`, `https_proxy`, or `all_proxy`, in either case), and
    `no_proxy` does not exclude the host: `*` excludes every host, `example.com` or `.example.com` that domain and
    its subdomains, and an IP address or host name itself (an optional `:port` is ignored).
    """
    parts = urlsplit(url)
    if not any(environ.get(name) for name in _PROXY_VARIABLES.get(parts.scheme, ())):
        return False
    host = (parts.hostname or "").lower()
    no_proxy = environ.get("no_proxy") or environ.get("NO_PROXY") or ""
    for entry in no_proxy.replace(" ", ",").split(","):
        entry = entry.strip().lower()
        if entry.startswith("[") and "]" in entry:
            entry = entry[1 : entry.index("]")]
        elif entry.count(":") == 1:
            entry = entry.partition(":")[0]
        if entry == "*":
            return False
        entry = entry.lstrip(".")
        if entry and (host == entry or host.endswith("." + entry)):
            return False
    return True


class HTTPClient(Requests):
    """Keep-alive HTTP on httpx2: the job queue's client behind a proxy or on trio, and the package's general one.

    Args:
        headers: sent with every request (authorization, user agent).
        transport: an httpx2 transport to use instead of the network (tests pass `httpx2.MockTransport`).
        trust_env: take proxies from the environment (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`), as
            httpx2's client does; without it the transport connects directly.
    """

    def __init__(
        self,
        *,
        headers: Mapping[str, str],
        transport: httpx2.AsyncBaseTransport | None = None,
        trust_env: bool = False,
    ) -> None:
        import httpx2

        self._httpx2 = httpx2
        limits = httpx2.Limits(max_connections=None, max_keepalive_connections=64)
        self._client: httpx2.AsyncClient | None = None
        if trust_env and transport is None:
            # The client layer is what reads the proxy variables; redirects stay off as on the plain path.
            self._client = httpx2.AsyncClient(trust_env=True, limits=limits, follow_redirects=False)
            self._transport: httpx2.AsyncBaseTransport | None = None
        else:
            # The transport alone, without httpx2's client layer: the worker needs no cookies, auth flows,
            # redirects or event hooks, and skipping them takes a good share off each request's cost.
            self._transport = transport or httpx2.AsyncHTTPTransport(limits=limits)
        self._headers = dict(headers)

    async def _send(
        self, method: str, url: str, content: bytes | None, headers: Mapping[str, str] | None, time_limit: float
    ) -> Reply:
        httpx2 = self._httpx2
        connect = min(time_limit, _CONNECT_TIMEOUT)
        timeout = {"connect": connect, "read": time_limit, "write": time_limit, "pool": time_limit}
        all_headers = {**self._headers, **headers} if headers else self._headers
        try:
            request = httpx2.Request(method, url, content=content, headers=all_headers, extensions={"timeout": timeout})
            if self._client is not None:
                response = await self._client.send(request)
            else:
                assert self._transport is not None
                response = await self._transport.handle_async_request(request)
            try:
                body = await response.aread()
            finally:
                await response.aclose()
        except httpx2.TimeoutException as exc:
            kind = type(exc).__name__
            raise HTTPTimeout(f"{method} {safe_url(url)} timed out after {time_limit:g} s ({kind})") from None
        except (httpx2.HTTPError, httpx2.InvalidURL, httpx2.StreamError) as exc:
            raise HTTPFailure(f"{method} {safe_url(url)} failed: {describe(exc)}") from None
        return Reply(status=response.status_code, headers=response.headers, content=body)

    async def aclose(self) -> None:
        """Close every connection."""
        if self._client is not None:
            await self._client.aclose()
        else:
            assert self._transport is not None
            await self._transport.aclose()


def describe(exc: BaseException) -> str:
    """An exception as `Type: message` (or just the type when it has no message of its own)."""
    detail = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {detail}" if detail != type(exc).__name__ else detail


def safe_url(url: str) -> str:
    """A URL without its query, for messages."""
    # Platform URLs carry no secrets (the key travels in a header), but keep log lines short.
    return url.split("?", 1)[0]
