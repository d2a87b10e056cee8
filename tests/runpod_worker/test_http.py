"""The one HTTP module maps every httpx2 failure to its own two errors."""

import inspect

import httpx2
import pytest

from runpod_worker._http import HTTPClient, HTTPFailure, HTTPTimeout

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
