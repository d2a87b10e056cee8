"""The endpoint's own methods (run, run_sync, health, purge_queue, job), sync and async, against the fake API."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import pytest

from runpod_api import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    InternalServerError,
    JobCancelledError,
    JobFailedError,
    JobTimeoutError,
)
from runpod_api._base_client import AsyncAPIClient, SyncAPIClient
from runpod_api.serverless import (
    AsyncEndpoint,
    AsyncJob,
    Endpoint,
    EndpointHealth,
    Job,
    JobCounts,
    JobPolicy,
    JobStatus,
    PollPolicy,
    PurgeResult,
    S3Config,
    WorkerCounts,
)

from .fake_serverless import API_KEY, FakeServerless, Fault, Script

pytestmark = pytest.mark.anyio

S3 = S3Config(
    access_id="AKIAFAKE", access_secret="s3-secret-value-123", bucket_name="results", endpoint_url="https://s3.test"
)


async def test_run_sends_the_input_under_input_once_and_returns_a_queued_job(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    job = await resolve(endpoint.run({"input": {}, "prompt": "hi"}))
    assert isinstance(job, Job | AsyncJob)
    assert fake.requests[-1].body == {"input": {"input": {}, "prompt": "hi"}}
    assert fake.requests[-1].path == "/v2/ep-test/run"
    assert job.id in fake.jobs
    assert job.endpoint_id == "ep-test"
    assert job.last_state is not None and job.last_state.status is JobStatus.IN_QUEUE


async def test_run_sends_an_empty_input_as_given(endpoint: Any, fake: FakeServerless, resolve: Any) -> None:
    await resolve(endpoint.run({}, webhook="https://hooks.test/done"))
    assert fake.requests[-1].body == {"input": {}, "webhook": "https://hooks.test/done"}


async def test_run_sends_policy_and_s3_config_in_the_wire_format(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    policy = JobPolicy(execution_timeout=90, ttl=3600, low_priority=True)
    await resolve(endpoint.run({"a": 1}, policy=policy, s3_config=S3))
    assert fake.requests[-1].body == {
        "input": {"a": 1},
        "policy": {"executionTimeout": 90_000, "ttl": 3_600_000, "lowPriority": True},
        "s3Config": {
            "accessId": "AKIAFAKE",
            "accessSecret": "s3-secret-value-123",
            "bucketName": "results",
            "endpointUrl": "https://s3.test",
        },
    }


async def test_run_error_never_shows_the_s3_secret(endpoint: Any, fake: FakeServerless, resolve: Any) -> None:
    fake.fail("run", Fault(status=400, body={"error": "bad s3Config: secret s3-secret-value-123 rejected"}))
    with pytest.raises(BadRequestError) as caught:
        await resolve(endpoint.run({"a": 1}, s3_config=S3))
    assert "s3-secret-value-123" not in str(caught.value)
    assert "s3-secret-value-123" not in repr(caught.value.body)
    assert "bad s3Config" in str(caught.value)


async def test_run_is_not_repeated_after_a_dropped_connection(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    fake.fail("run", Fault(drop=True))
    with pytest.raises(APIConnectionError) as caught:
        await resolve(endpoint.run({"a": 1}))
    assert caught.value.may_have_reached_server
    assert fake.routes() == ["run"]


async def test_run_is_not_repeated_after_a_server_error(endpoint: Any, fake: FakeServerless, resolve: Any) -> None:
    fake.fail("run", Fault(status=503, body={"error": "overloaded"}))
    with pytest.raises(InternalServerError, match="overloaded"):
        await resolve(endpoint.run({"a": 1}))
    assert fake.routes() == ["run"]


async def test_run_is_retried_when_the_connection_was_refused(
    make_endpoint: Any, resolve: Any, sleeps: list[float]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = make_endpoint(base_url=f"http://127.0.0.1:{port}/v2")
    with pytest.raises(APIConnectionError) as caught:
        await resolve(endpoint.run({"a": 1}))
    assert not caught.value.may_have_reached_server
    assert sleeps == [0.5, 1.0]


async def test_run_rejects_a_run_answer_without_a_job_id(endpoint: Any, fake: FakeServerless, resolve: Any) -> None:
    fake.fail("run", Fault(status=200, body={"status": "IN_QUEUE"}))
    with pytest.raises(APIResponseValidationError, match="POST /run answered without a job id"):
        await resolve(endpoint.run({"a": 1}))


async def test_run_sync_returns_the_output_of_a_job_that_finishes_at_once(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    fake.script = Script(output={"text": "HI"})
    assert await resolve(endpoint.run_sync({"text": "hi"})) == {"text": "HI"}
    assert fake.routes() == ["runsync"]
    assert fake.requests[0].body == {"input": {"text": "hi"}}


async def test_run_sync_polls_when_runsync_answers_before_the_job_ends(
    endpoint: Any, fake: FakeServerless, resolve: Any, sleeps: list[float]
) -> None:
    fake.script = Script(statuses=["IN_QUEUE", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED"], output=[1, 2])
    assert await resolve(endpoint.run_sync({"a": 1})) == [1, 2]
    assert fake.routes() == ["runsync", "status", "status", "status"]
    assert sleeps == pytest.approx([0.2, 0.3])


@pytest.mark.parametrize(
    ("status", "error_class"),
    [("FAILED", JobFailedError), ("CANCELLED", JobCancelledError), ("TIMED_OUT", JobTimeoutError)],
)
async def test_run_sync_raises_a_typed_error_for_a_job_that_did_not_complete(
    endpoint: Any, fake: FakeServerless, resolve: Any, status: str, error_class: type[Exception]
) -> None:
    fake.script = Script(statuses=["IN_PROGRESS", status], error="CUDA out of memory")
    with pytest.raises(error_class) as caught:
        await resolve(endpoint.run_sync({"a": 1}))
    error = caught.value
    assert isinstance(error, JobFailedError | JobCancelledError | JobTimeoutError)
    assert error.status == status
    assert error.job_id in fake.jobs
    assert error.endpoint_id == "ep-test"
    if status != "CANCELLED":
        assert error.error == "CUDA out of memory"
        assert "CUDA out of memory" in str(error)


async def test_run_sync_failure_reads_the_exception_a_worker_reported_as_json(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    reported = json.dumps(
        {"error_type": "<class 'ValueError'>", "error_message": "failing on purpose", "error_traceback": "..."}
    )
    fake.script = Script(statuses=["FAILED"], error=reported)
    with pytest.raises(JobFailedError, match="failed: ValueError: failing on purpose$") as caught:
        await resolve(endpoint.run_sync({"a": 1}))
    assert caught.value.error == reported


async def test_run_sync_failure_shows_an_error_text_that_is_not_json_as_it_came(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    fake.script = Script(statuses=["FAILED"], error="{not json: handler: boom")
    with pytest.raises(JobFailedError, match="failed: {not json: handler: boom$"):
        await resolve(endpoint.run_sync({"a": 1}))


async def test_run_sync_failure_names_the_worker_error_message(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    worker_error = {"error_type": "ValueError", "error_message": "bad prompt", "error_traceback": "Traceback..."}
    fake.script = Script(statuses=["FAILED"], error=worker_error)
    with pytest.raises(JobFailedError, match="failed: ValueError: bad prompt$") as caught:
        await resolve(endpoint.run_sync({"a": 1}))
    assert caught.value.error == worker_error


async def test_run_sync_timeout_bounds_the_whole_call(
    make_endpoint: Any, fake: FakeServerless, resolve: Any, real_time: dict[str, Any]
) -> None:
    fake.script = Script(statuses=["IN_QUEUE", "IN_PROGRESS"])
    endpoint = make_endpoint(**real_time)
    start = time.monotonic()
    with pytest.raises(JobTimeoutError, match=r"did not finish within 2.3s \(last status IN_PROGRESS\)") as caught:
        await resolve(endpoint.run_sync({"a": 1}, timeout=2.3))
    assert 2.3 <= time.monotonic() - start < 2.7
    assert fake.routes()[0] == "runsync"
    assert caught.value.status == "IN_PROGRESS"
    assert caught.value.job_id in fake.jobs
    assert fake.jobs[caught.value.job_id].status == "IN_PROGRESS"  # not cancelled


async def test_run_sync_asks_the_server_to_hold_no_longer_than_the_timeout(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    await resolve(endpoint.run_sync({"a": 1}, timeout=30))
    assert 28_500 < int(fake.requests[0].query["wait"]) <= 29_000
    await resolve(endpoint.run_sync({"a": 1}, timeout=None))
    assert fake.requests[1].query == {"wait": "90000"}


async def test_run_sync_timeout_bounds_a_runsync_answer_that_never_comes(
    make_endpoint: Any, fake: FakeServerless, resolve: Any, real_time: dict[str, Any]
) -> None:
    fake.fail("runsync", Fault(delay=4.0, status=200, body={"id": "late", "status": "COMPLETED"}))
    endpoint = make_endpoint(**real_time)
    start = time.monotonic()
    with pytest.raises(APITimeoutError):
        await resolve(endpoint.run_sync({"a": 1}, timeout=2.2))
    assert 2.2 <= time.monotonic() - start < 2.7
    assert fake.routes() == ["runsync"]
    assert 1_100 < int(fake.requests[0].query["wait"]) <= 1_200


async def test_run_sync_with_less_time_than_the_shortest_hold_submits_with_run_and_polls(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    fake.script = Script(statuses=["IN_PROGRESS", "COMPLETED"], output="quick")
    assert await resolve(endpoint.run_sync({"a": 1}, timeout=1.5)) == "quick"
    assert fake.routes() == ["run", "status", "status"]


async def test_run_sync_is_not_repeated_after_a_server_error(endpoint: Any, fake: FakeServerless, resolve: Any) -> None:
    fake.fail("runsync", Fault(status=502))
    with pytest.raises(InternalServerError):
        await resolve(endpoint.run_sync({"a": 1}))
    assert fake.routes() == ["runsync"]


async def test_health_reads_job_and_worker_counts(endpoint: Any, fake: FakeServerless, resolve: Any) -> None:
    fake.health_body = {
        "jobs": {"completed": 5, "failed": 1, "inProgress": 2, "inQueue": 3, "retried": 1},
        "workers": {"idle": 1, "running": 2, "throttled": 1, "standby": 4},
    }
    health = await resolve(endpoint.health())
    assert health == EndpointHealth(
        jobs=JobCounts(completed=5, failed=1, in_progress=2, in_queue=3, retried=1),
        workers=WorkerCounts(idle=1, running=2, throttled=1),
    )
    assert health.raw["workers"]["standby"] == 4
    assert fake.requests[-1].method == "GET"


async def test_health_is_retried_on_429_and_5xx(
    endpoint: Any, fake: FakeServerless, resolve: Any, sleeps: list[float]
) -> None:
    fake.fail("health", Fault(status=429, headers={"Retry-After": "2"}), Fault(status=503))
    health = await resolve(endpoint.health())
    assert health.workers.idle == 1
    assert fake.routes() == ["health", "health", "health"]
    assert sleeps == [2.0, 1.0]


async def test_health_is_retried_after_a_dropped_connection(endpoint: Any, fake: FakeServerless, resolve: Any) -> None:
    fake.fail("health", Fault(drop=True))
    await resolve(endpoint.health())
    assert fake.routes() == ["health", "health"]


async def test_health_rejects_counts_that_are_not_integers(endpoint: Any, fake: FakeServerless, resolve: Any) -> None:
    fake.health_body = {"jobs": {"completed": "many"}, "workers": {}}
    with pytest.raises(APIResponseValidationError, match="non-integer count 'completed'"):
        await resolve(endpoint.health())


async def test_purge_queue_removes_queued_jobs_and_says_how_many(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    fake.script = Script(statuses=["IN_QUEUE"])
    first = await resolve(endpoint.run({"a": 1}))
    await resolve(endpoint.run({"a": 2}))
    result = await resolve(endpoint.purge_queue())
    assert result == PurgeResult(removed=2, status="completed")
    assert fake.jobs[first.id].status == "CANCELLED"


async def test_purge_queue_is_not_repeated_after_a_server_error(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    fake.fail("purge-queue", Fault(status=500))
    with pytest.raises(InternalServerError):
        await resolve(endpoint.purge_queue())
    assert fake.routes() == ["purge-queue"]


async def test_a_wrong_api_key_raises_authentication_error(make_endpoint: Any, resolve: Any) -> None:
    endpoint = make_endpoint(api_key="rpa_WRONGKEY00000000")
    with pytest.raises(AuthenticationError, match="401") as caught:
        await resolve(endpoint.health())
    assert "rpa_WRONGKEY00000000" not in str(caught.value)


async def test_the_key_and_base_url_come_from_the_environment(
    make_endpoint: Any, fake: FakeServerless, resolve: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("RUNPOD_API_KEY", API_KEY)
    monkeypatch.setenv("RUNPOD_ENDPOINT_BASE_URL", fake.url + "/")
    endpoint = make_endpoint(api_key=None, base_url=None)
    assert endpoint.base_url == fake.url
    await resolve(endpoint.health())
    assert fake.requests[-1].headers["authorization"] == f"Bearer {API_KEY}"


def test_the_public_serverless_api_is_the_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUNPOD_ENDPOINT_BASE_URL", raising=False)
    with Endpoint("abc", api_key=API_KEY) as endpoint:
        assert endpoint.base_url == "https://api.runpod.ai/v2"


def test_a_missing_key_is_a_config_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("RUNPOD_API_KEY", raising=False)
    monkeypatch.delenv("RUNPOD_PROFILE", raising=False)
    with pytest.raises(ConfigError, match="no Runpod API key found"):
        AsyncEndpoint("abc")


async def test_the_endpoint_id_is_escaped_in_paths(make_endpoint: Any, fake: FakeServerless, resolve: Any) -> None:
    endpoint = make_endpoint(endpoint_id="a/b c")
    await resolve(endpoint.health())
    assert fake.requests[-1].path == "/v2/a%2Fb%20c/health"


async def test_job_gives_a_handle_on_an_earlier_job(endpoint: Any, fake: FakeServerless, resolve: Any) -> None:
    fake.script = Script(statuses=["IN_PROGRESS", "COMPLETED"], output="done")
    job_id = (await resolve(endpoint.run({"a": 1}))).id
    assert fake.requests[-1].route == "run"
    job = endpoint.job(job_id)
    assert job.last_state is None
    assert await resolve(job.output()) == "done"


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"input": None}, TypeError, "input must be the job's input"),
        ({"input": {}, "webhook": "hooks.test/done"}, ValueError, "webhook must be an http"),
        ({"input": {}, "policy": {"executionTimeout": 1000}}, TypeError, "policy must be a JobPolicy, not dict"),
        ({"input": {}, "s3_config": {"accessId": "x"}}, TypeError, "s3_config must be an S3Config, not dict"),
    ],
)
async def test_run_rejects_bad_arguments_before_sending(
    endpoint: Any,
    fake: FakeServerless,
    resolve: Any,
    arguments: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    arguments = dict(arguments)
    job_input = arguments.pop("input")
    with pytest.raises(error, match=message):
        await resolve(endpoint.run(job_input, **arguments))
    with pytest.raises(error, match=message):
        await resolve(endpoint.run_sync(job_input, **arguments))
    assert fake.requests == []


@pytest.mark.parametrize("seconds", [0, -1, float("inf")])
async def test_run_sync_rejects_a_timeout_that_is_not_positive(endpoint: Any, resolve: Any, seconds: float) -> None:
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        await resolve(endpoint.run_sync({"a": 1}, timeout=seconds))


@pytest.mark.parametrize("endpoint_id", ["", "  "])
def test_an_empty_endpoint_id_is_rejected(endpoint_id: str) -> None:
    with pytest.raises(ValueError, match="endpoint_id must be a non-empty string"):
        Endpoint(endpoint_id, api_key=API_KEY)


def test_repr_names_the_endpoint_and_never_the_key() -> None:
    with Endpoint("abc", api_key=API_KEY, base_url="http://127.0.0.1:9/v2") as endpoint:
        assert repr(endpoint) == "Endpoint('abc', base_url='http://127.0.0.1:9/v2')"
        assert repr(endpoint.job("j1")) == "Job(id='j1', endpoint_id='abc', last_status=None)"


async def test_async_endpoint_closes_its_connections_on_leaving_the_block(fake: FakeServerless) -> None:
    async with AsyncEndpoint("ep-test", api_key=API_KEY, base_url=fake.url) as endpoint:
        await endpoint.health()
    with pytest.raises(RuntimeError, match="is closed"):
        await endpoint.health()


def test_poll_policy_is_the_default_unless_given() -> None:
    with Endpoint("abc", api_key=API_KEY) as endpoint:
        assert endpoint.poll_policy == PollPolicy()
    with Endpoint("abc", api_key=API_KEY, poll_policy=PollPolicy(max_delay=10)) as endpoint:
        assert endpoint.poll_policy.max_delay == 10


@pytest.mark.parametrize(("core_class", "endpoint_class"), [(SyncAPIClient, Endpoint), (AsyncAPIClient, AsyncEndpoint)])
async def test_an_endpoint_made_from_a_client_core_shares_its_key_and_settings(
    fake: FakeServerless, resolve: Any, core_class: type[Any], endpoint_class: type[Any]
) -> None:
    core = core_class(api_key=API_KEY, base_url="https://api.runpod.io", timeout=12, default_headers={"X-Team": "ml"})
    endpoint = endpoint_class._from_core(core, "ep-test", base_url=fake.url)
    await resolve(endpoint.health())
    assert endpoint.base_url == fake.url
    assert fake.requests[-1].headers["authorization"] == f"Bearer {API_KEY}"
    assert fake.requests[-1].headers["x-team"] == "ml"
    await resolve(core.aclose() if isinstance(core, AsyncAPIClient) else core.close())
