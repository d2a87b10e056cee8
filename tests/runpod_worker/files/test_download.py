"""Downloading job inputs: the SSRF guard, the size cap, parallelism, retries, file naming."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import anyio
import pytest

from runpod_worker import ConfigError
from runpod_worker.files import (
    DownloadError,
    DownloadPolicy,
    DownloadRefusedError,
    DownloadTooLargeError,
    download_file,
    download_files,
    download_files_sync,
)

starlette = pytest.importorskip("starlette")
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import RedirectResponse, Response, StreamingResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

pytestmark = pytest.mark.anyio

LOCAL = DownloadPolicy(allow_private=True, retry_backoff=0)


class Origin:
    """A small file server that records what it was asked for."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.paths: list[str] = []
        self.flaky_left = 0
        self.in_flight = 0
        self.peak = 0
        self.gate = anyio.Event()
        self.gate_size = 0

    def app(self) -> Starlette:
        async def record(request: Request) -> None:
            self.paths.append(request.url.path)

        async def file(request: Request) -> Response:
            await record(request)
            size = int(request.query_params.get("size", "10"))
            return Response(b"x" * size, media_type="application/octet-stream")

        async def stream(request: Request) -> Response:
            await record(request)
            size = int(request.query_params["size"])

            async def body():
                for _ in range(size // 1000):
                    yield b"y" * 1000

            return StreamingResponse(body(), media_type="application/octet-stream")

        async def named(request: Request) -> Response:
            await record(request)
            headers = {"Content-Disposition": 'attachment; filename="../../etc/cat picture.png"'}
            return Response(b"png", media_type="image/png", headers=headers)

        async def typed(request: Request) -> Response:
            await record(request)
            return Response(b"{}", media_type="application/json")

        async def redirect(request: Request) -> Response:
            await record(request)
            return RedirectResponse(request.query_params["to"], status_code=302)

        async def status(request: Request) -> Response:
            await record(request)
            return Response(b"nope", status_code=int(request.path_params["code"]))

        async def flaky(request: Request) -> Response:
            await record(request)
            if self.flaky_left:
                self.flaky_left -= 1
                return Response(b"busy", status_code=503)
            return Response(b"ok")

        async def gated(request: Request) -> Response:
            await record(request)
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            if self.in_flight >= self.gate_size:
                self.gate.set()
            with anyio.fail_after(10):
                await self.gate.wait()
            self.in_flight -= 1
            return Response(b"g")

        return Starlette(
            routes=[
                Route("/file/{name}", file),
                Route("/stream", stream),
                Route("/named", named),
                Route("/typed", typed),
                Route("/redirect", redirect),
                Route("/status/{code:int}", status),
                Route("/flaky", flaky),
                Route("/gated/{n}", gated),
            ]
        )


@pytest.fixture(scope="module")
def origin_server(serve_asgi) -> tuple[Origin, str]:
    server = Origin()
    return server, serve_asgi(server.app())


@pytest.fixture
def origin(origin_server: tuple[Origin, str]) -> tuple[Origin, str]:
    origin_server[0].reset()
    return origin_server


async def test_loopback_url_is_refused_by_default_without_a_request(origin, tmp_path: Path) -> None:
    server, base = origin
    with pytest.raises(DownloadRefusedError, match=r"127\.0\.0\.1, a loopback address"):
        await download_file(f"{base}/file/a.bin", tmp_path, policy=DownloadPolicy())
    assert server.paths == []
    assert sorted(os.listdir(tmp_path)) == []


async def test_localhost_name_is_refused(origin, tmp_path: Path) -> None:
    _, base = origin
    with pytest.raises(DownloadRefusedError, match="loopback"):
        await download_file(base.replace("127.0.0.1", "localhost") + "/file/a.bin", tmp_path, policy=DownloadPolicy())


async def test_cloud_metadata_address_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DownloadRefusedError, match="link-local"):
        await download_file("http://169.254.169.254/latest/meta-data/", tmp_path, policy=DownloadPolicy())


async def test_private_addresses_are_allowed_when_the_policy_says_so(origin, tmp_path: Path) -> None:
    _, base = origin
    path = await download_file(f"{base}/file/a.bin?size=123", tmp_path, policy=LOCAL)
    assert path.read_bytes() == b"x" * 123
    assert path.parent == tmp_path
    assert path.name.endswith("_a.bin")


async def test_environment_can_allow_private_addresses(origin, tmp_path: Path, monkeypatch) -> None:
    _, base = origin
    monkeypatch.setenv("RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS", "true")
    path = await download_file(f"{base}/file/a.bin", tmp_path)
    assert path.read_bytes() == b"x" * 10


async def test_redirect_to_a_refused_address_is_checked_again(origin, tmp_path: Path) -> None:
    server, base = origin
    port = base.rsplit(":", 1)[1]
    only_first_loopback = DownloadPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    with pytest.raises(DownloadRefusedError, match=r"127\.0\.0\.2"):
        await download_file(
            f"{base}/redirect?to=http://127.0.0.2:{port}/file/b.bin", tmp_path, policy=only_first_loopback
        )
    assert server.paths == ["/redirect"]


async def test_redirects_are_followed_to_allowed_targets(origin, tmp_path: Path) -> None:
    server, base = origin
    path = await download_file(f"{base}/redirect?to=/file/c.txt", tmp_path, policy=LOCAL)
    assert path.name.endswith("_c.txt")
    assert server.paths == ["/redirect", "/file/c.txt"]


async def test_too_many_redirects_fail(origin, tmp_path: Path) -> None:
    _, base = origin
    policy = DownloadPolicy(allow_private=True, max_redirects=1)
    loop = f"{base}/redirect?to=/redirect%3Fto%3D/file/x"
    with pytest.raises(DownloadError, match="more than 1 redirects"):
        await download_file(loop, tmp_path, policy=policy)


async def test_declared_size_over_the_cap_is_refused_before_reading(origin, tmp_path: Path) -> None:
    _, base = origin
    policy = DownloadPolicy(allow_private=True, max_bytes=100)
    with pytest.raises(DownloadTooLargeError, match="Content-Length 101 is over the cap of 100 bytes"):
        await download_file(f"{base}/file/big.bin?size=101", tmp_path, policy=policy)
    assert sorted(os.listdir(tmp_path)) == []


async def test_streamed_body_over_the_cap_is_stopped_and_removed(origin, tmp_path: Path) -> None:
    _, base = origin
    policy = DownloadPolicy(allow_private=True, max_bytes=5000)
    with pytest.raises(DownloadTooLargeError, match="over the cap of 5000 bytes"):
        await download_file(f"{base}/stream?size=20000", tmp_path, policy=policy)
    assert sorted(os.listdir(tmp_path)) == []


async def test_body_exactly_at_the_cap_is_kept(origin, tmp_path: Path) -> None:
    _, base = origin
    path = await download_file(
        f"{base}/stream?size=5000", tmp_path, policy=DownloadPolicy(allow_private=True, max_bytes=5000)
    )
    assert path.stat().st_size == 5000


async def test_files_download_in_parallel_up_to_the_concurrency(origin, tmp_path: Path) -> None:
    server, base = origin
    server.gate_size = 3
    urls = [f"{base}/gated/{i}" for i in range(3)]
    paths = await download_files(urls, tmp_path, policy=LOCAL, concurrency=3)
    assert server.peak == 3
    assert [p.read_bytes() for p in paths] == [b"g"] * 3


async def test_results_keep_the_order_of_the_urls(origin, tmp_path: Path) -> None:
    _, base = origin
    urls = [f"{base}/file/n{i}.bin?size={i + 1}" for i in range(5)]
    paths = await download_files(urls, tmp_path, policy=LOCAL, concurrency=2)
    assert [p.stat().st_size for p in paths] == [1, 2, 3, 4, 5]


async def test_several_failures_are_listed_together(origin, tmp_path: Path) -> None:
    _, base = origin
    urls = [f"{base}/status/404", f"{base}/file/ok.bin", "ftp://example.com/x"]
    with pytest.raises(DownloadError, match="2 of 3 downloads failed") as caught:
        await download_files(urls, tmp_path, policy=LOCAL)
    assert [type(f) for f in caught.value.failures] == [DownloadError, DownloadError]
    assert "HTTP 404" in str(caught.value.failures[0])
    assert "only http and https" in str(caught.value.failures[1])


async def test_a_single_failure_keeps_its_own_error_type(tmp_path: Path) -> None:
    with pytest.raises(DownloadRefusedError):
        await download_files("http://10.0.0.1/x", tmp_path, policy=DownloadPolicy())


async def test_server_errors_are_retried(origin, tmp_path: Path) -> None:
    server, base = origin
    server.flaky_left = 2
    path = await download_file(f"{base}/flaky", tmp_path, policy=LOCAL)
    assert path.read_bytes() == b"ok"
    assert server.paths == ["/flaky"] * 3


async def test_server_errors_fail_after_the_last_attempt(origin, tmp_path: Path) -> None:
    server, base = origin
    server.flaky_left = 5
    with pytest.raises(DownloadError, match="after 3 attempts: HTTP 503"):
        await download_file(f"{base}/flaky", tmp_path, policy=LOCAL)


async def test_client_errors_are_not_retried(origin, tmp_path: Path) -> None:
    server, base = origin
    with pytest.raises(DownloadError, match="HTTP 403"):
        await download_file(f"{base}/status/403", tmp_path, policy=LOCAL)
    assert server.paths == ["/status/403"]


async def test_connection_refused_is_retried_then_reported(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DownloadError, match="after 3 attempts: ConnectError"):
        await download_file(f"http://127.0.0.1:{port}/x", tmp_path, policy=LOCAL)


async def test_unresolvable_host_is_reported(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="cannot resolve 'no-such-host.invalid'"):
        await download_file("http://no-such-host.invalid/x", tmp_path, policy=DownloadPolicy(attempts=1))


async def test_query_strings_never_appear_in_errors(origin, tmp_path: Path) -> None:
    _, base = origin
    with pytest.raises(DownloadError) as caught:
        await download_file(f"{base}/status/404?X-Amz-Signature=secret", tmp_path, policy=LOCAL)
    assert "secret" not in str(caught.value)
    assert caught.value.url == f"{base}/status/404"


async def test_content_disposition_name_is_used_without_its_folders(origin, tmp_path: Path) -> None:
    _, base = origin
    path = await download_file(f"{base}/named", tmp_path, policy=LOCAL)
    assert path.parent == tmp_path
    assert path.name.endswith("_cat_picture.png")


async def test_extension_comes_from_the_content_type_when_the_url_has_none(origin, tmp_path: Path) -> None:
    _, base = origin
    path = await download_file(f"{base}/typed", tmp_path, policy=LOCAL)
    assert path.name.endswith("_typed.json")


def test_sync_variant_downloads_from_sync_code(origin, tmp_path: Path) -> None:
    _, base = origin
    [path] = download_files_sync([f"{base}/file/s.bin"], tmp_path, policy=LOCAL)
    assert path.read_bytes() == b"x" * 10


async def test_invalid_concurrency_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="concurrency must be at least 1"):
        await download_files(["http://example.com/x"], tmp_path, concurrency=0)
