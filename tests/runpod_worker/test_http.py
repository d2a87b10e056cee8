"""The HTTP seam: httpx2 failures mapped to two errors, and the choice of client for the job queue."""

import contextlib
import inspect
import socket
import threading

import anyio
import anyio.to_thread
import httpx2
import pytest

from runpod_worker._http import HTTPClient, HTTPFailure, HTTPTimeout, open_client, proxy_applies
from runpod_worker._wire import WireClient
from runpod_worker.testing import JobQueueServer

from .conftest import fast_worker, results, serving

pytestmark = pytest.mark.anyio

REQUEST_ERRORS = [
    cls
    for cls in vars(httpx2).values()
    if inspect.isclass(cls) and issubclass(cls, httpx2.RequestError) and cls is not httpx2.RequestError
]


def raising(exc: Exception) -> httpx2.MockTransport:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise exc

    return httpx2.MockTransport(handler)


@pytest.mark.parametrize("error", REQUEST_ERRORS, ids=lambda cls: cls.__name__)
async def test_every_httpx2_request_error_maps_to_an_http_failure(error: type[httpx2.RequestError]) -> None:
    client = HTTPClient(headers={}, transport=raising(error("boom")))
    expected = HTTPTimeout if issubclass(error, httpx2.TimeoutException) else HTTPFailure
    with pytest.raises(expected) as info:
        await client.get("http://queue.test/v2/ep/job-take/w?secret=1", time_limit=1)
    assert "GET http://queue.test/v2/ep/job-take/w " in str(info.value)
    assert "secret" not in str(info.value)
    await client.aclose()


async def test_timeout_message_says_how_long() -> None:
    client = HTTPClient(headers={}, transport=raising(httpx2.ReadTimeout("slow")))
    with pytest.raises(HTTPTimeout, match="timed out after 2.5 s"):
        await client.post("http://queue.test/done", b"{}", headers={}, time_limit=2.5)
    await client.aclose()


async def test_reply_carries_status_headers_and_body_and_the_default_headers_go_out() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(201, headers={"Retry-After": "3"}, content=b"body")

    client = HTTPClient(headers={"Authorization": "key"}, transport=httpx2.MockTransport(handler))
    reply = await client.post("http://queue.test/x", b"data", headers={"X-Request-ID": "j1"}, time_limit=5)
    await client.aclose()
    assert (reply.status, reply.headers["retry-after"], reply.content) == (201, "3", b"body")
    assert seen[0].headers["authorization"] == "key" and seen[0].headers["x-request-id"] == "j1"
    assert seen[0].content == b"data"


# -- which client carries the job queue's requests ---------------------------------------------------------------

QUEUE_URLS = ["https://api.runpod.ai/v2/ep/job-take/w?gpu=x", "https://api.runpod.ai/v2/ep/job-done/w/$ID?gpu=x"]


async def test_the_lean_client_carries_the_queues_requests_on_asyncio_without_a_proxy() -> None:
    client = open_client({"Authorization": "k"}, QUEUE_URLS, {})
    assert isinstance(client, WireClient)
    await client.aclose()


async def test_httpx2_carries_them_when_a_proxy_applies() -> None:
    client = open_client({"Authorization": "k"}, QUEUE_URLS, {"HTTPS_PROXY": "http://proxy.internal:3128"})
    assert isinstance(client, HTTPClient)
    await client.aclose()


def test_httpx2_carries_them_outside_asyncio() -> None:
    # Called with no asyncio loop running, as under trio: the lean client needs asyncio's transports.
    assert isinstance(open_client({}, QUEUE_URLS, {}), HTTPClient)


async def test_a_header_that_could_break_a_request_is_a_value_error_before_anything_is_sent() -> None:
    with pytest.raises(ValueError, match="the Authorization header's value holds a line break"):
        open_client({"Authorization": "key\nX-Evil: 1"}, QUEUE_URLS, {})


@pytest.mark.parametrize(
    ("url", "environ", "applies"),
    [
        ("https://api.runpod.ai/x", {}, False),
        ("https://api.runpod.ai/x", {"HTTPS_PROXY": "http://p:1"}, True),
        ("https://api.runpod.ai/x", {"https_proxy": "http://p:1"}, True),
        ("https://api.runpod.ai/x", {"ALL_PROXY": "http://p:1"}, True),
        ("https://api.runpod.ai/x", {"HTTP_PROXY": "http://p:1"}, False),
        ("http://api.runpod.ai/x", {"HTTP_PROXY": "http://p:1"}, True),
        ("https://api.runpod.ai/x", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}, False),
        ("https://api.runpod.ai/x", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "runpod.ai"}, False),
        ("https://api.runpod.ai/x", {"HTTPS_PROXY": "http://p:1", "no_proxy": "other.com, .runpod.ai"}, False),
        ("https://api.runpod.ai/x", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "api.runpod.ai:443"}, False),
        ("https://api.runpod.ai/x", {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "pod.ai"}, True),
        ("http://127.0.0.1:8080/x", {"HTTP_PROXY": "http://p:1", "NO_PROXY": "localhost,127.0.0.1"}, False),
        ("http://[::1]:8080/x", {"HTTP_PROXY": "http://p:1", "NO_PROXY": "[::1]:8080"}, False),
        ("http://[::1]:8080/x", {"HTTP_PROXY": "http://p:1", "NO_PROXY": "::2"}, True),
    ],
)
def test_which_urls_a_proxy_applies_to(url: str, environ: dict[str, str], applies: bool) -> None:
    assert proxy_applies(url, environ) is applies


class RelayProxy:
    """An HTTP forward proxy for plain http on 127.0.0.1: relays each connection to `upstream`, keeping a copy of
    what the client sent (a job queue on loopback reads the absolute-form request target like a path)."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.sent = bytearray()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self._sockets += [client, server]
            for args in ((client, server, True), (server, client, False)):
                thread = threading.Thread(target=self._pipe, args=args, daemon=True)
                self._threads.append(thread)
                thread.start()

    def _pipe(self, source: socket.socket, target: socket.socket, record: bool) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if record:
                    self.sent += data
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._listener.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(5)
        for sock in self._sockets:
            sock.close()


async def test_a_worker_reaches_the_queue_through_an_http_proxy(
    queue: JobQueueServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = RelayProxy(("127.0.0.1", queue.port))
    for name in ("NO_PROXY", "no_proxy", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    queue.add_job({"n": 1}, job_id="j1")
    async with serving(fast_worker(lambda job: job["input"]), queue):
        [result] = await results(queue, 1)
    await anyio.to_thread.run_sync(proxy.close)
    assert result.body == {"output": {"n": 1}}
    sent = bytes(proxy.sent)
    assert f"GET http://127.0.0.1:{queue.port}/v2/ep/job-take/worker-1?gpu=test&job_in_progress=0 ".encode() in sent
    assert f"POST http://127.0.0.1:{queue.port}/v2/ep/job-done/worker-1/j1?gpu=test&isStream=false ".encode() in sent
    assert b"\r\nAuthorization: test-key\r\n" in sent or b"\r\nauthorization: test-key\r\n" in sent
