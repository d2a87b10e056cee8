"""`Runpod.endpoint(id)` and `AsyncRunpod.endpoint(id)`: an endpoint client that shares the client's settings."""

from __future__ import annotations

from typing import Any

import pytest

from runpod_api import AsyncEndpoint, AsyncRunpod, Endpoint, InternalServerError, Runpod
from runpod_api._retry import RetryPolicy

from .fake_serverless import API_KEY, FakeServerless, Fault, Script

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sync", "async"])
async def client(request: pytest.FixtureRequest, policy: RetryPolicy) -> Any:
    cls = Runpod if request.param == "sync" else AsyncRunpod
    made = cls(api_key=API_KEY, base_url="http://127.0.0.1:9", retry_policy=policy, default_headers={"X-Team": "ml"})
    yield made
    if isinstance(made, Runpod):
        made.close()
    else:
        await made.aclose()


async def test_endpoint_runs_jobs_with_the_client_key_and_headers(
    client: Any, fake: FakeServerless, resolve: Any
) -> None:
    endpoint = client.endpoint("ep-test", base_url=fake.url)
    assert isinstance(endpoint, Endpoint if isinstance(client, Runpod) else AsyncEndpoint)
    fake.script = Script(output="hi")
    assert await resolve(endpoint.run_sync({"a": 1})) == "hi"
    sent = fake.requests[-1]
    assert sent.path == "/v2/ep-test/runsync"
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["x-team"] == "ml"


async def test_endpoint_base_url_comes_from_the_environment(
    client: Any, fake: FakeServerless, resolve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNPOD_ENDPOINT_BASE_URL", fake.url)
    endpoint = client.endpoint("ep-test")
    assert endpoint.base_url == fake.url
    await resolve(endpoint.health())
    assert fake.routes() == ["health"]


async def test_endpoint_follows_the_client_retry_settings(client: Any, fake: FakeServerless, resolve: Any) -> None:
    endpoint = client.with_options(max_retries=0).endpoint("ep-test", base_url=fake.url)
    fake.fail("health", Fault(status=503))
    with pytest.raises(InternalServerError):
        await resolve(endpoint.health())
    assert fake.routes() == ["health"]


def test_the_public_serverless_api_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUNPOD_ENDPOINT_BASE_URL", raising=False)
    with Runpod(api_key=API_KEY) as client:
        assert client.endpoint("abc").base_url == "https://api.runpod.ai/v2"
