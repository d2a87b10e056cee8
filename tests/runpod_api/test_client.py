"""`Runpod` and `AsyncRunpod` end to end against the fake server: errors, retries, settings, secrets."""

from __future__ import annotations

import logging
import socket

import pytest

from runpod_api import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncRunpod,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    GraphQLError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    Runpod,
)
from runpod_api.testing import FakeRunpod, Fault

pytestmark = pytest.mark.anyio

GPU = "NVIDIA GeForce RTX 4090"


# -- error classes -------------------------------------------------------------------------------------------


async def test_wrong_key_is_an_authentication_error(make_api, fake: FakeRunpod) -> None:
    api = make_api(api_key="rpa_WRONGKEY12345678")
    with pytest.raises(AuthenticationError, match="401 Unauthorized from POST .*/graphql: Unauthorized") as exc:
        await api.pods.list()
    assert "rpa_WRONGKEY12345678" not in str(exc.value)
    assert len(fake.requests) == 1  # a 401 is not retried


@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, BadRequestError), (403, PermissionDeniedError), (404, NotFoundError), (418, APIStatusError)],
)
async def test_error_statuses_raise_their_class_with_status_and_body(api, fake: FakeRunpod, status: int, cls) -> None:
    fake.add_fault(Fault(status=status, body={"errors": [{"message": "nope"}]}))
    with pytest.raises(cls) as exc:
        await api.pods.list()
    assert type(exc.value) is cls
    assert (exc.value.status_code, exc.value.body) == (status, {"errors": [{"message": "nope"}]})
    assert str(exc.value).endswith(": nope")


async def test_persistent_5xx_is_an_internal_server_error_after_the_retries(api, fake: FakeRunpod) -> None:
    fake.add_fault(Fault(status=502, times=3))
    with pytest.raises(InternalServerError) as exc:
        await api.pods.list()
    assert exc.value.status_code == 502
    assert fake.operations() == ["ListPods"] * 3


async def test_rate_limit_error_carries_retry_after(make_api, fake: FakeRunpod) -> None:
    fake.add_fault(Fault(status=429, retry_after=30))
    with pytest.raises(RateLimitError) as exc:
        await make_api(max_retries=0).pods.list()
    assert exc.value.retry_after == 30.0


async def test_graphql_errors_keep_every_entry_and_partial_data(api, fake: FakeRunpod) -> None:
    errors = [
        {"message": "first problem", "path": ["myself", "pods"], "extensions": {"code": "X"}},
        {"message": "second problem", "path": ["myself"]},
    ]
    fake.add_fault(Fault(graphql_errors=errors, data={"myself": {"pods": None}}))
    with pytest.raises(GraphQLError, match="ListPods failed: first problem; second problem") as exc:
        await api.pods.list()
    assert exc.value.errors == errors
    assert exc.value.data == {"myself": {"pods": None}}
    assert len(fake.requests) == 1  # GraphQL errors are answers, not retried


async def test_schema_violation_from_the_server_is_a_bad_request(api, fake: FakeRunpod) -> None:
    with pytest.raises(BadRequestError, match="Cannot query field 'nope' on type 'User'"):
        await api.graphql("query { myself { nope } }")


async def test_answer_that_is_not_graphql_is_a_validation_error(api, fake: FakeRunpod) -> None:
    fake.add_fault(Fault(status=200, body={"hello": "world"}))
    with pytest.raises(APIResponseValidationError, match="not a GraphQL result"):
        await api.pods.list()


async def test_answer_with_the_wrong_shape_names_the_field(api, fake: FakeRunpod) -> None:
    fake.add_fault(Fault(status=200, body={"data": {"myself": {"pods": [{"id": "p1", "gpuCount": "many"}]}}}))
    with pytest.raises(APIResponseValidationError, match="does not fit Pod at gpuCount"):
        await api.pods.list()


async def test_data_missing_is_a_validation_error(api, fake: FakeRunpod) -> None:
    fake.add_fault(Fault(status=200, body={"data": None}))
    with pytest.raises(APIResponseValidationError, match="has no data"):
        await api.pods.list()


async def test_unreachable_server_is_a_connection_error(make_api) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the request: nothing listens there
    api = make_api(base_url=f"http://127.0.0.1:{port}", max_retries=1)
    with pytest.raises(APIConnectionError, match="could not connect") as exc:
        await api.pods.list()
    assert exc.value.may_have_reached_server is False


async def test_slow_answer_is_a_timeout(make_api, fake: FakeRunpod) -> None:
    fake.add_fault(Fault(delay=1.0))
    with pytest.raises(APITimeoutError, match="timed out waiting for the answer"):
        await make_api(timeout=0.2, max_retries=0).pods.list()


# -- retries -------------------------------------------------------------------------------------------------


async def test_query_that_fails_twice_then_answers_succeeds(api, fake: FakeRunpod, sleeps: list) -> None:
    await api.pods.create(name="p", image_name="a", gpu_type_id=GPU)
    fake.add_fault(Fault(status=503, times=2, operation="ListPods"))
    pods = await api.pods.list()
    assert [p.name for p in pods] == ["p"]
    assert fake.operations() == ["CreateGpuPod", "ListPods", "ListPods", "ListPods"]
    assert sleeps == [0.5, 1.0]
    assert [r.headers.get("x-retry-count") for r in fake.requests[1:]] == [None, "1", "2"]


async def test_retry_after_from_the_server_sets_the_wait(api, fake: FakeRunpod, sleeps: list) -> None:
    fake.add_fault(Fault(status=429, retry_after=7))
    await api.pods.list()
    assert sleeps == [7.0]


async def test_dropped_connection_on_a_query_is_retried(api, fake: FakeRunpod) -> None:
    fake.add_fault(Fault(disconnect=True))
    assert await api.pods.list() == []
    assert fake.operations() == ["ListPods", "ListPods"]


async def test_mutation_is_not_repeated_after_it_reached_the_server(api, fake: FakeRunpod) -> None:
    # The server deploys the pod, then the connection drops before the answer: the client cannot know
    # whether it worked, so it must not deploy a second pod.
    fake.add_fault(Fault(disconnect=True, execute=True, operation="CreateGpuPod"))
    with pytest.raises(APIConnectionError) as exc:
        await api.pods.create(name="p", image_name="a", gpu_type_id=GPU)
    assert exc.value.may_have_reached_server is True
    assert fake.operations() == ["CreateGpuPod"]
    assert len(fake.state.pods) == 1


async def test_mutation_answered_503_is_not_repeated(api, fake: FakeRunpod) -> None:
    fake.add_fault(Fault(status=503, operation="CreateGpuPod"))
    with pytest.raises(InternalServerError):
        await api.pods.create(name="p", image_name="a", gpu_type_id=GPU)
    assert fake.operations() == ["CreateGpuPod"]


async def test_mutation_that_never_connected_is_retried(make_api, fake: FakeRunpod, sleeps: list) -> None:
    import httpx2

    attempts: list[int] = []

    class RefuseOnce(httpx2.HTTPTransport):
        def handle_request(self, request: httpx2.Request) -> httpx2.Response:
            attempts.append(1)
            if len(attempts) == 1:
                raise httpx2.ConnectError("connection refused", request=request)
            return super().handle_request(request)

    class ARefuseOnce(httpx2.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
            attempts.append(1)
            if len(attempts) == 1:
                raise httpx2.ConnectError("connection refused", request=request)
            return await super().handle_async_request(request)

    probe = make_api()
    http_client = (
        httpx2.AsyncClient(transport=ARefuseOnce()) if probe.is_async else httpx2.Client(transport=RefuseOnce())
    )
    api = make_api(http_client=http_client)
    pod = await api.pods.create(name="p", image_name="a", gpu_type_id=GPU)
    assert list(fake.state.pods) == [pod.id]
    assert len(attempts) == 2
    await (http_client.aclose() if probe.is_async else _sync_close(http_client))


async def _sync_close(client) -> None:
    client.close()


async def test_per_call_retry_count(api, fake: FakeRunpod) -> None:
    fake.add_fault(Fault(status=503, times=5))
    with pytest.raises(InternalServerError):
        await api.pods.list(max_retries=4)
    assert len(fake.requests) == 5


async def test_client_retry_count(make_api, fake: FakeRunpod) -> None:
    fake.add_fault(Fault(status=503, times=5))
    with pytest.raises(InternalServerError):
        await make_api(max_retries=0).pods.list()
    assert len(fake.requests) == 1


async def test_with_options_changes_settings_for_the_calls_made_through_it(api, fake: FakeRunpod) -> None:
    fake.add_fault(Fault(status=503, times=2))
    with pytest.raises(InternalServerError):
        await (await api.with_options(max_retries=1)).pods.list()
    assert len(fake.requests) == 2
    assert await api.pods.list() == []  # the original client keeps its own settings and connections


async def test_per_call_timeout(api, fake: FakeRunpod) -> None:
    fake.add_fault(Fault(delay=1.0))
    with pytest.raises(APITimeoutError):
        await api.pods.list(timeout=0.2, max_retries=0)


# -- settings ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [Runpod, AsyncRunpod])
def test_key_and_base_url_come_from_the_environment(cls, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNPOD_API_KEY", "rpa_ENVKEY000000000")
    monkeypatch.setenv("RUNPOD_API_BASE_URL", "http://127.0.0.1:1/graphql")
    client = cls()
    assert (client._core.api_key, client.base_url) == ("rpa_ENVKEY000000000", "http://127.0.0.1:1")
    assert repr(client) == f"{cls.__name__}(base_url='http://127.0.0.1:1')"


@pytest.mark.parametrize("cls", [Runpod, AsyncRunpod])
def test_no_key_is_a_config_error_at_creation(cls, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("RUNPOD_API_KEY", raising=False)
    monkeypatch.delenv("RUNPOD_PROFILE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(ConfigError, match="no Runpod API key found"):
        cls()


@pytest.mark.parametrize("cls", [Runpod, AsyncRunpod])
def test_client_settings_are_readable(cls) -> None:
    client = cls(api_key="k" * 10, base_url="https://a.test", timeout=5, max_retries=7)
    assert (client.timeout.read, client.max_retries, client.base_url) == (5, 7, "https://a.test")
    assert "k" * 10 not in repr(client)


def test_sync_client_is_a_context_manager(fake: FakeRunpod) -> None:
    with Runpod(api_key=fake.api_key, base_url=fake.url) as client:
        assert client.pods.list() == []
    with pytest.raises(RuntimeError, match="closed"):
        client.pods.list()


async def test_async_client_is_an_async_context_manager(fake: FakeRunpod) -> None:
    async with AsyncRunpod(api_key=fake.api_key, base_url=fake.url) as client:
        assert await client.pods.list() == []
    with pytest.raises(RuntimeError, match="closed"):
        await client.pods.list()


async def test_resource_namespaces_are_created_once(api) -> None:
    assert api.client.pods is api.client.pods


async def test_requests_carry_the_user_agent_and_bearer_key(api, fake: FakeRunpod) -> None:
    await api.user.get()
    headers = fake.requests[0].headers
    assert headers["authorization"] == f"Bearer {fake.api_key}"
    assert headers["user-agent"].startswith("runpod-api/")


# -- the escape hatch ----------------------------------------------------------------------------------------


async def test_graphql_runs_any_operation_with_variables(api, fake: FakeRunpod) -> None:
    data = await api.graphql(
        "query Pick($input: GpuTypeFilter!) { gpuTypes(input: $input) { id maxGpuCount } }",
        {"input": {"id": GPU}},
    )
    assert data == {"gpuTypes": [{"id": GPU, "maxGpuCount": 8}]}
    assert fake.requests[0].operation == "Pick"


async def test_graphql_picks_one_of_several_operations(api) -> None:
    query = "query A { myself { id } } query B { myself { email } }"
    assert await api.graphql(query, operation_name="B") == {"myself": {"email": "developer@example.com"}}
    with pytest.raises(ValueError, match="holds 2 operations"):
        await api.graphql(query)
    with pytest.raises(ValueError, match="no operation named 'C'"):
        await api.graphql(query, operation_name="C")
    with pytest.raises(ValueError, match="not valid GraphQL"):
        await api.graphql("query {")


async def test_graphql_mutations_are_not_retried(api, fake: FakeRunpod) -> None:
    fake.add_fault(Fault(status=503))
    with pytest.raises(InternalServerError):
        await api.graphql('mutation { updateUserSettings(input: {pubKey: ""}) { id } }')
    assert len(fake.requests) == 1


async def test_graphql_keeps_variable_strings_out_of_errors(api, fake: FakeRunpod) -> None:
    fake.add_fault(Fault(graphql_errors=[{"message": "rejected token-abcdef"}]))
    with pytest.raises(GraphQLError) as exc:
        await api.graphql("query Q($t: String!) { podTemplate(id: $t) { id } }", {"t": "token-abcdef"})
    assert "token-abcdef" not in str(exc.value) and "token-abcdef" not in repr(exc.value.errors)


# -- secrets -------------------------------------------------------------------------------------------------


async def test_env_values_and_key_never_reach_logs_or_errors(api, fake: FakeRunpod, caplog) -> None:
    secret = "hf_SECRET_TOKEN_VALUE"
    fake.add_fault(
        Fault(
            status=400,
            body={"errors": [{"message": f"invalid env HF_TOKEN={secret} with key Bearer {fake.api_key}"}]},
            operation="CreateGpuPod",
        )
    )
    with caplog.at_level(logging.DEBUG), pytest.raises(BadRequestError) as exc:
        await api.pods.create(name="p", image_name="a", gpu_type_id=GPU, env={"HF_TOKEN": secret})
    texts = [str(exc.value), repr(exc.value), repr(exc.value.body), caplog.text]
    assert any("CreateGpuPod" in t or "graphql" in t for t in texts)
    for text in texts:
        assert secret not in text and fake.api_key not in text


async def test_models_keep_env_values_out_of_their_repr(api) -> None:
    pod = await api.pods.create(name="p", image_name="a", gpu_type_id=GPU, env={"HF_TOKEN": "hf_abcdefgh"})
    assert pod.env == {"HF_TOKEN": "hf_abcdefgh"}
    assert "hf_abcdefgh" not in repr(pod)
