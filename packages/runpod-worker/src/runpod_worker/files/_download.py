"""Download job inputs from URLs: public addresses only (unless allowed), a size cap, several at once."""

from __future__ import annotations

import email.message
import logging
import mimetypes
import re
import socket
import uuid
from collections.abc import Sequence
from pathlib import Path

import anyio
import httpx2

from .._exceptions import ConfigError
from ._errors import DownloadError, DownloadTooLargeError
from ._policy import DownloadPolicy

__all__ = ("download_file", "download_files", "download_files_sync")

logger = logging.getLogger(__name__)

_CHUNK = 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


async def download_file(url: str, dest_dir: str | Path, *, policy: DownloadPolicy | None = None) -> Path:
    """Download one URL into ``dest_dir`` and return the new file's path.

    The file is named ``<8 hex chars>_<name>``, where the name comes from Content-Disposition or the URL's
    path, so two inputs with the same name never overwrite each other. A failed download leaves no file.

    Args:
        url: an ``http`` or ``https`` URL.
        dest_dir: the folder to write into (created if missing).
        policy: reachable addresses, size cap, timeouts; default :meth:`DownloadPolicy.from_env`.

    Raises:
        DownloadRefusedError: the URL (or a redirect) resolves to an address the policy refuses.
        DownloadTooLargeError: the body is larger than ``policy.max_bytes``.
        DownloadError: any other failure (bad scheme, HTTP error status, network error after the retries).
    """
    policy = DownloadPolicy.from_env() if policy is None else policy
    async with _client(policy) as client:
        return await _download(client, url, Path(dest_dir), policy)


async def download_files(
    urls: Sequence[str], dest_dir: str | Path, *, policy: DownloadPolicy | None = None, concurrency: int = 4
) -> list[Path]:
    """Download several URLs at once into ``dest_dir``; return the paths in the order of ``urls``.

    Every URL is attempted. If one fails, its own error is raised; if several fail, a :class:`DownloadError`
    lists them (its ``failures`` holds each one). Files that did download stay in ``dest_dir``; remove the
    job's folder with :func:`clean` when done.

    Args:
        urls: the URLs (a single string is taken as one URL).
        dest_dir: the folder to write into (created if missing).
        policy: as for :func:`download_file`.
        concurrency: how many downloads run at the same time.
    """
    if isinstance(urls, str):
        urls = [urls]
    if concurrency < 1:
        raise ConfigError(f"concurrency must be at least 1, got {concurrency}")
    policy = DownloadPolicy.from_env() if policy is None else policy
    results: list[Path | DownloadError | None] = [None] * len(urls)
    limiter = anyio.CapacityLimiter(concurrency)

    async def one(index: int, url: str) -> None:
        async with limiter:
            try:
                results[index] = await _download(client, url, Path(dest_dir), policy)
            except DownloadError as exc:
                results[index] = exc

    async with _client(policy) as client, anyio.create_task_group() as tg:
        for index, url in enumerate(urls):
            tg.start_soon(one, index, url)
    failures = [r for r in results if isinstance(r, DownloadError)]
    if len(failures) == 1:
        raise failures[0]
    if failures:
        summary = "; ".join(str(f) for f in failures)
        raise DownloadError(f"{len(failures)} of {len(urls)} downloads failed: {summary}", failures=failures)
    return [r for r in results if isinstance(r, Path)]


def download_files_sync(
    urls: Sequence[str], dest_dir: str | Path, *, policy: DownloadPolicy | None = None, concurrency: int = 4
) -> list[Path]:
    """:func:`download_files` for synchronous handlers (runs its own event loop; not for use in async code)."""
    return anyio.run(lambda: download_files(urls, dest_dir, policy=policy, concurrency=concurrency))


def _client(policy: DownloadPolicy) -> httpx2.AsyncClient:
    # No proxies from the environment: a proxy would connect on our behalf to an address we never checked.
    return httpx2.AsyncClient(trust_env=False, follow_redirects=False, timeout=policy.timeout)


async def _download(client: httpx2.AsyncClient, url: str, dest_dir: Path, policy: DownloadPolicy) -> Path:
    shown = _redact(url)
    delay = policy.retry_backoff
    for attempt in range(1, policy.attempts + 1):
        try:
            return await _download_once(client, url, dest_dir, policy)
        except _Retryable as exc:
            if attempt == policy.attempts:
                raise DownloadError(f"could not download {shown} after {attempt} attempts: {exc}", url=shown) from None
            logger.debug("download of %s failed (%s); retrying in %.1fs", shown, exc, delay)
            await anyio.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover


class _Retryable(Exception):
    """A failure worth another attempt: a network error or a 5xx answer."""


async def _download_once(client: httpx2.AsyncClient, url: str, dest_dir: Path, policy: DownloadPolicy) -> Path:
    current = _parse(url)
    for _ in range(policy.max_redirects + 1):
        response = await _send_checked(client, current, policy)
        try:
            if response.is_redirect and "location" in response.headers:
                current = _parse(str(current.join(response.headers["location"])))
                continue
            if response.status_code >= 500:
                raise _Retryable(f"HTTP {response.status_code}")
            if response.status_code >= 400:
                raise DownloadError(
                    f"could not download {_redact(current)}: HTTP {response.status_code}", url=_redact(current)
                )
            return await _save(response, current, dest_dir, policy)
        finally:
            await response.aclose()
    raise DownloadError(
        f"could not download {_redact(url)}: more than {policy.max_redirects} redirects", url=_redact(url)
    )


def _parse(url: str) -> httpx2.URL:
    try:
        parsed = httpx2.URL(url)
    except httpx2.InvalidURL as exc:
        raise DownloadError(f"not a valid URL {_redact(url)!r}: {exc}", url=_redact(url)) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise DownloadError(f"only http and https URLs can be downloaded, got {_redact(url)!r}", url=_redact(url))
    return parsed


async def _send_checked(client: httpx2.AsyncClient, url: httpx2.URL, policy: DownloadPolicy) -> httpx2.Response:
    """Resolve the host, check every address, then connect to the checked one (keeping Host and SNI)."""
    shown = _redact(url)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        infos = await anyio.getaddrinfo(url.host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise _Retryable(f"cannot resolve {url.host!r}: {exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        policy.check(address, url=shown)
    extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
    request = client.build_request(
        "GET", url.copy_with(host=addresses[0]), headers={"Host": url.netloc.decode("ascii")}, extensions=extensions
    )
    try:
        return await client.send(request, stream=True)
    except httpx2.TransportError as exc:
        raise _Retryable(f"{type(exc).__name__}: {exc}") from None


async def _save(response: httpx2.Response, url: httpx2.URL, dest_dir: Path, policy: DownloadPolicy) -> Path:
    shown = _redact(url)
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise DownloadTooLargeError(
            f"refused to download {shown}: Content-Length {declared} is over the cap of {policy.max_bytes} bytes",
            url=shown,
        )
    await anyio.Path(dest_dir).mkdir(parents=True, exist_ok=True)
    path = dest_dir / f"{uuid.uuid4().hex[:8]}_{_file_name(response, url)}"
    received = 0
    try:
        async with await anyio.open_file(path, "wb") as out:
            async for chunk in response.aiter_bytes(_CHUNK):
                received += len(chunk)
                if received > policy.max_bytes:
                    raise DownloadTooLargeError(
                        f"stopped downloading {shown}: the body is over the cap of {policy.max_bytes} bytes", url=shown
                    )
                await out.write(chunk)
    except httpx2.TransportError as exc:
        await anyio.Path(path).unlink(missing_ok=True)
        raise _Retryable(f"{type(exc).__name__}: {exc}") from None
    except BaseException:
        with anyio.CancelScope(shield=True):  # a cancelled job must not leave half a file behind
            await anyio.Path(path).unlink(missing_ok=True)
        raise
    logger.debug("downloaded %s (%d bytes) to %s", shown, received, path)
    return path.resolve()


def _file_name(response: httpx2.Response, url: httpx2.URL) -> str:
    name = ""
    if disposition := response.headers.get("content-disposition"):
        message = email.message.Message()
        message["content-disposition"] = disposition
        name = message.get_filename() or ""
    name = _UNSAFE.sub("_", Path(name or url.path).name).strip("._")[-100:]
    if name and "." in name:
        return name
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    return (name or "download") + (mimetypes.guess_extension(content_type) or "")


def _redact(url: str | httpx2.URL) -> str:
    """The URL without query, fragment or user info: presigned signatures and tokens stay out of messages."""
    text = str(url)
    try:
        parsed = httpx2.URL(text)
    except httpx2.InvalidURL:
        return text.split("?", 1)[0].split("#", 1)[0]
    return str(parsed.copy_with(query=None, fragment=None, userinfo=b""))
