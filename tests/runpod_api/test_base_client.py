"""The request core, sync and async alike: headers, retries, error statuses, secrets kept out of errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest

from runpod_api._base_client import AsyncAPIClient, RequestOptions, SyncAPIClient, decode_json
from runpod_api._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    AuthenticationError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
)
from runpod_api._http import HTTPResponse
from runpod_api._retry import RetryPolicy

pytestmark = pytest.mark.anyio

API_KEY = "rpa_TESTKEY1234567890"
Handler = Callable[[httpx2.Request], httpx2.Response]


@pytest.fixture(params=["sync", "async"])
def make_core(request: pytest.FixtureRequest, policy: RetryPolicy) -> Iterator[Callable[..., Any]]:
    """Build a core of the parametrized kind whose requests go to a MockTransport handler."""

    def make(handler: Handler, **kwargs: Any) -> SyncAPIClient | AsyncAPIClient:
        kwargs.setdefault("retry_policy", policy)
        transport = httpx2.MockTransport(handler)
        if request.param == "sync":
            return SyncAPIClient(
                api_key=API_KEY, base_url="https://api.test/", http_client=httpx2.Client(transport=transport), **kwargs
            )
        return AsyncAPIClient(
            api_key=API_KEY, base_url="https://api.test/", http_client=httpx2.AsyncClient(transport=transport), **kwargs
        )

    yield make


def sequence(*answers: httpx2.Response | Exception) -> tuple[Handler, list[httpx2.Request]]:
    """A handler that gives each answer in turn (raising the exceptions) and records the requests."""
    seen: list[httpx2.Request] = []
    remaining = list(answers)

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        answer = remaining.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler, seen


GET = RequestOptions(method="GET", path="/things")
POST = RequestOptions(method="POST", path="/things", json={"a": 1})


async def test_request_carries_bearer_key_user_agent_and_json(make_core: Any, resolve: Any) -> None:
    handler, seen = sequence(httpx2.Response(200, json={"ok": 1}))
    core = make_core(handler, default_headers={"X-Team": "ml"})
    response = await resolve(core.request(POST))
    assert decode_json(response) == {"ok": 1}
    sent = seen[0]
    assert str(sent.url) == "https://api.test/things"
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["user-agent"].startswith("runpod-api/")
    assert sent.headers["x-team"] == "ml"
    assert sent.content == b'{"a":1}'


async def test_query_is_retried_until_it_succeeds(make_core: Any, resolve: Any, sleeps: list[float]) -> None:
    handler, seen = sequence(httpx2.Response(503), httpx2.Response(502), httpx2.Response(200, json={}))
    response = await resolve(make_core(handler).request(GET))
    assert response.status_code == 200
    assert len(seen) == 3
    assert sleeps == [0.5, 1.0]
    assert [r.headers.get("x-retry-count") for r in seen] == [None, "1", "2"]


async def test_retry_after_header_sets_the_wait(make_core: Any, resolve: Any, sleeps: list[float]) -> None:
    handler, _ = sequence(httpx2.Response(429, headers={"Retry-After": "3"}), httpx2.Response(200, json={}))
    await resolve(make_core(handler).request(GET))
    assert sleeps == [3.0]


async def test_retries_give_up_with_the_last_error(make_core: Any, resolve: Any) -> None:
    handler, seen = sequence(*[httpx2.Response(500, json={"error": "db down"})] * 3)
    with pytest.raises(
        InternalServerError, match="500 Internal Server Error from GET https://api.test/things: db down"
    ):
        await resolve(make_core(handler).request(GET))
    assert len(seen) == 3


async def test_per_call_retry_count_overrides_the_client(make_core: Any, resolve: Any) -> None:
    handler, seen = sequence(httpx2.Response(503), httpx2.Response(503))
    core = make_core(handler)
    with pytest.raises(InternalServerError):
        await resolve(core.request(RequestOptions(method="GET", path="/x", max_retries=1)))
    assert len(seen) == 2


async def test_client_retry_count_applies_to_every_call(make_core: Any, resolve: Any, policy: RetryPolicy) -> None:
    handler, seen = sequence(httpx2.Response(503))
    with pytest.raises(InternalServerError):
        await resolve(make_core(handler, retry_policy=policy.with_max_retries(0)).request(GET))
    assert len(seen) == 1


async def test_post_answered_503_is_not_repeated(make_core: Any, resolve: Any) -> None:
    handler, seen = sequence(httpx2.Response(503), httpx2.Response(200, json={}))
    with pytest.raises(InternalServerError):
        await resolve(make_core(handler).request(POST))
    assert len(seen) == 1


async def test_post_is_repeated_when_it_never_connected(make_core: Any, resolve: Any) -> None:
    handler, seen = sequence(httpx2.ConnectError("refused"), httpx2.Response(200, json={}))
    await resolve(make_core(handler).request(POST))
    assert len(seen) == 2


async def test_post_is_not_repeated_after_a_read_failure(make_core: Any, resolve: Any) -> None:
    handler, seen = sequence(httpx2.ReadError("reset"), httpx2.Response(200, json={}))
    with pytest.raises(APIConnectionError) as exc:
        await resolve(make_core(handler).request(POST))
    assert exc.value.may_have_reached_server
    assert len(seen) == 1


async def test_idempotent_post_can_be_repeated(make_core: Any, resolve: Any) -> None:
    handler, seen = sequence(httpx2.ReadError("reset"), httpx2.Response(200, json={}))
    await resolve(make_core(handler).request(RequestOptions(method="POST", path="/q", idempotent=True)))
    assert len(seen) == 2


async def test_per_call_and_client_timeouts_reach_the_request(make_core: Any, resolve: Any) -> None:
    handler, seen = sequence(httpx2.Response(204), httpx2.Response(204))
    core = make_core(handler, timeout=12)
    await resolve(core.request(GET))
    await resolve(core.request(RequestOptions(method="GET", path="/x", timeout=2.5)))
    assert seen[0].extensions["timeout"]["read"] == 12
    assert seen[1].extensions["timeout"] == {"connect": 2.5, "read": 2.5, "write": 2.5, "pool": 2.5}


async def test_status_error_carries_status_body_and_request_id(make_core: Any, resolve: Any) -> None:
    handler, _ = sequence(httpx2.Response(404, json={"error": "no such pod"}, headers={"X-Request-Id": "req-9"}))
    with pytest.raises(NotFoundError) as exc:
        await resolve(make_core(handler).request(GET))
    assert (exc.value.status_code, exc.value.body, exc.value.request_id) == (404, {"error": "no such pod"}, "req-9")


async def test_rate_limit_error_says_how_long_to_wait(make_core: Any, resolve: Any) -> None:
    handler, _ = sequence(httpx2.Response(429, headers={"Retry-After": "600"}))
    with pytest.raises(RateLimitError) as exc:
        await resolve(make_core(handler).request(GET))
    assert exc.value.retry_after == 600.0


async def test_error_never_shows_the_key_or_request_secrets(make_core: Any, resolve: Any) -> None:
    def echo(request: httpx2.Request) -> httpx2.Response:
        # A misbehaving server that echoes everything it got back in its error body.
        return httpx2.Response(
            401, json={"errors": [{"message": f"bad {request.headers['authorization']} {request.content.decode()}"}]}
        )

    options = RequestOptions(method="POST", path="/x", json={"password": "hunter2-secret"}, secrets=("hunter2-secret",))
    with pytest.raises(AuthenticationError) as exc:
        await resolve(make_core(echo).request(options))
    error = exc.value
    for text in (str(error), repr(error), repr(error.body), repr(vars(error))):
        assert API_KEY not in text and "hunter2-secret" not in text


async def test_non_json_error_body_is_kept_as_text(make_core: Any, resolve: Any) -> None:
    handler, _ = sequence(httpx2.Response(502, text="<html>Bad gateway</html>"), *[httpx2.Response(502)] * 2)
    with pytest.raises(InternalServerError) as exc:
        await resolve(make_core(handler).request(RequestOptions(method="GET", path="/x", max_retries=0)))
    assert exc.value.body == "<html>Bad gateway</html>"
    assert "Bad gateway" in str(exc.value)


async def test_closed_core_refuses_requests(make_core: Any, resolve: Any) -> None:
    handler, _ = sequence()
    core = make_core(handler)
    await resolve(core.close() if isinstance(core, SyncAPIClient) else core.aclose())
    with pytest.raises(RuntimeError, match="is closed"):
        await resolve(core.request(GET))


async def test_copy_changes_settings_and_shares_connections(make_core: Any, resolve: Any) -> None:
    handler, seen = sequence(httpx2.Response(503), httpx2.Response(204))
    core = make_core(handler)
    clone = core.copy(retry_policy=core.retry_policy.with_max_retries(0), default_headers={"X-Copy": "1"})
    with pytest.raises(InternalServerError):
        await resolve(clone.request(GET))
    await resolve(clone.close() if isinstance(clone, SyncAPIClient) else clone.aclose())
    await resolve(core.request(GET))  # the original's connections are still open
    assert seen[0].headers["x-copy"] == "1" and "x-copy" not in seen[1].headers
    assert repr(clone) == f"{type(core).__name__}(base_url='https://api.test')"


def test_context_managers_close_the_core() -> None:
    with SyncAPIClient(api_key=API_KEY, base_url="https://api.test") as core:
        pass
    with pytest.raises(RuntimeError):
        core.request(GET)


async def test_async_context_manager_closes_the_core() -> None:
    async with AsyncAPIClient(api_key=API_KEY, base_url="https://api.test") as core:
        pass
    with pytest.raises(RuntimeError):
        await core.request(GET)


def test_non_json_success_body_is_a_validation_error() -> None:
    response = HTTPResponse(200, {}, b"<html>maintenance</html>", "POST", "https://api.test/graphql")
    with pytest.raises(APIResponseValidationError, match="expected a JSON answer, got: <html>maintenance"):
        decode_json(response)


def test_api_key_is_not_in_the_repr() -> None:
    core = SyncAPIClient(api_key=API_KEY, base_url="https://api.test")
    assert API_KEY not in repr(core) and core.api_key == API_KEY
