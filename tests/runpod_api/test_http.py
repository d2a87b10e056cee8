"""The httpx2 boundary: every transport error translated, bodies sent byte for byte, clients closed right."""

from __future__ import annotations

import inspect
import json

import httpx2
import pytest

from runpod_api import __version__
from runpod_api._exceptions import APIConnectionError, APITimeoutError
from runpod_api._http import (
    TRANSPORT_ERRORS,
    USER_AGENT,
    AsyncHTTPClient,
    HTTPRequest,
    SyncHTTPClient,
    map_transport_error,
)
from runpod_api._types import Timeout

TRANSPORT_ERROR_CLASSES = sorted(
    (
        cls
        for _, cls in inspect.getmembers(httpx2, inspect.isclass)
        if issubclass(cls, httpx2.RequestError) and cls is not httpx2.RequestError
    ),
    key=lambda c: c.__name__,
)


@pytest.mark.parametrize("cls", TRANSPORT_ERROR_CLASSES, ids=lambda c: c.__name__)
def test_every_httpx2_request_error_has_its_own_mapping(cls: type[httpx2.RequestError]) -> None:
    assert cls in TRANSPORT_ERRORS, f"httpx2.{cls.__name__} is not mapped in _http.TRANSPORT_ERRORS"


@pytest.mark.parametrize("cls", TRANSPORT_ERROR_CLASSES, ids=lambda c: c.__name__)
def test_every_httpx2_request_error_becomes_a_connection_error(cls: type[httpx2.RequestError]) -> None:
    error = map_transport_error(cls("boom"), method="POST", url="https://api.test/graphql")
    assert isinstance(error, APIConnectionError)
    assert isinstance(error, APITimeoutError) == issubclass(cls, httpx2.TimeoutException)
    assert error.method == "POST" and error.url == "https://api.test/graphql"
    assert cls.__name__ in str(error)


@pytest.mark.parametrize(
    ("cls", "reached"),
    [
        (httpx2.ConnectError, False),
        (httpx2.ConnectTimeout, False),
        (httpx2.PoolTimeout, False),
        (httpx2.ReadTimeout, True),
        (httpx2.WriteError, True),
        (httpx2.RemoteProtocolError, True),
    ],
)
def test_only_connect_phase_failures_prove_the_request_never_left(
    cls: type[httpx2.RequestError], reached: bool
) -> None:
    assert map_transport_error(cls("x"), method="POST", url="https://a.test").may_have_reached_server is reached


def test_unknown_subclass_maps_like_its_ancestor() -> None:
    class NewTimeout(httpx2.ReadTimeout):
        pass

    error = map_transport_error(NewTimeout("x"), method="GET", url="https://a.test")
    assert isinstance(error, APITimeoutError) and error.may_have_reached_server


def test_error_message_hides_credentials_in_url_and_text() -> None:
    error = map_transport_error(
        httpx2.ConnectError("failed with Bearer rpa_SECRET12345678"),
        method="GET",
        url="https://me:pw@api.test/x?api_key=rpa_SECRET12345678",
    )
    assert "SECRET" not in str(error) and "pw@" not in str(error) and "SECRET" not in (error.url or "")


def test_user_agent_names_the_package_and_version() -> None:
    assert USER_AGENT.startswith(f"runpod-api/{__version__} ")


def test_json_body_is_sent_as_utf8_unchanged() -> None:
    seen: list[httpx2.Request] = []
    value = 'quote " backslash \\ newline \n snowman \u2603 \U0001f600'

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json={"ok": True}, headers={"X-Thing": "1"})

    client = SyncHTTPClient(httpx2.Client(transport=httpx2.MockTransport(handler)), timeout=Timeout())
    response = client.send(HTTPRequest("POST", "https://a.test/x", json={"v": value}), timeout=Timeout())
    assert response.json() == {"ok": True} and response.headers["x-thing"] == "1"
    assert seen[0].headers["content-type"] == "application/json"
    assert json.loads(seen[0].content.decode("utf-8")) == {"v": value}
    assert "\u2603".encode() in seen[0].content


def test_per_call_timeout_reaches_httpx2() -> None:
    seen: list[dict[str, float | None]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.extensions["timeout"])
        return httpx2.Response(204)

    client = SyncHTTPClient(httpx2.Client(transport=httpx2.MockTransport(handler)), timeout=Timeout())
    client.send(HTTPRequest("GET", "https://a.test/"), timeout=Timeout(connect=1, read=2, write=3, pool=4))
    assert seen == [{"connect": 1, "read": 2, "write": 3, "pool": 4}]


def test_given_client_is_left_open_and_own_client_is_closed() -> None:
    given = httpx2.Client()
    SyncHTTPClient(given, timeout=Timeout()).close()
    assert not given.is_closed
    own = SyncHTTPClient(timeout=Timeout())
    own.close()
    assert own.client.is_closed


@pytest.mark.anyio
async def test_async_client_maps_errors_and_closes_only_its_own() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("refused", request=request)

    given = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    client = AsyncHTTPClient(given, timeout=Timeout())
    with pytest.raises(APIConnectionError) as exc:
        await client.send(HTTPRequest("GET", "https://a.test/"), timeout=Timeout())
    assert exc.value.may_have_reached_server is False
    await client.aclose()
    assert not given.is_closed
    own = AsyncHTTPClient(timeout=Timeout())
    await own.aclose()
    assert own.client.is_closed
    await given.aclose()
