"""A job's methods (status, fetch, output, stream, cancel, retry), sync and async, against the fake API."""

from __future__ import annotations

import time
from typing import Any

import pytest

from runpod_api import (
    APIConnectionError,
    APIResponseValidationError,
    ConflictError,
    InternalServerError,
    JobCancelledError,
    JobError,
    JobFailedError,
    JobTimeoutError,
    NotFoundError,
)
from runpod_api.serverless import JobStatus

from .fake_serverless import FakeServerless, Fault, Script
from .helpers import collect, next_item

pytestmark = pytest.mark.anyio

ENDINGS = [("FAILED", JobFailedError), ("CANCELLED", JobCancelledError), ("TIMED_OUT", JobTimeoutError)]


async def submit(endpoint: Any, resolve: Any, fake: FakeServerless, script: Script) -> Any:
    fake.script = script
    job = await resolve(endpoint.run({"a": 1}))
    fake.requests.clear()
    return job


async def test_status_asks_the_server_each_time_until_the_job_ends(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    job = await submit(endpoint, resolve, fake, Script(statuses=["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]))
    assert await resolve(job.status()) is JobStatus.IN_QUEUE
    assert await resolve(job.status()) is JobStatus.IN_PROGRESS
    assert await resolve(job.status()) is JobStatus.COMPLETED
    assert await resolve(job.status()) is JobStatus.COMPLETED
    assert fake.routes() == ["status", "status", "status"]
    assert fake.requests[0].path == f"/v2/ep-test/status/{job.id}"


async def test_fetch_gives_the_whole_state_of_a_finished_job(endpoint: Any, fake: FakeServerless, resolve: Any) -> None:
    job = await submit(endpoint, resolve, fake, Script(output={"x": 1}))
    state = await resolve(job.fetch())
    assert (state.id, state.status, state.output) == (job.id, JobStatus.COMPLETED, {"x": 1})
    assert (state.delay_ms, state.execution_ms, state.worker_id) == (12, 34, "fake-worker")
    assert job.last_state == state


async def test_status_is_retried_on_429_5xx_and_dropped_connections(
    endpoint: Any, fake: FakeServerless, resolve: Any, sleeps: list[float]
) -> None:
    job = await submit(endpoint, resolve, fake, Script(statuses=["IN_PROGRESS"]))
    fake.fail("status", Fault(status=429, headers={"Retry-After": "1.5"}), Fault(drop=True))
    assert await resolve(job.status()) is JobStatus.IN_PROGRESS
    fake.fail("status", Fault(status=502), Fault(status=504))
    assert await resolve(job.status()) is JobStatus.IN_PROGRESS
    assert fake.routes() == ["status"] * 6
    assert sleeps == [1.5, 1.0, 0.5, 1.0]


async def test_status_gives_up_after_the_retries_allowed(
    make_endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    endpoint = make_endpoint(max_retries=1)
    job = await submit(endpoint, resolve, fake, Script(statuses=["IN_PROGRESS"]))
    fake.fail("status", Fault(status=500, body={"error": "db down"}), Fault(status=500, body={"error": "db down"}))
    with pytest.raises(InternalServerError, match="db down"):
        await resolve(job.status())
    assert fake.routes() == ["status", "status"]


async def test_status_of_an_unknown_job_raises_not_found(endpoint: Any, resolve: Any) -> None:
    with pytest.raises(NotFoundError, match="no job 'nope'"):
        await resolve(endpoint.job("nope").status())


async def test_output_waits_for_the_job_polling_with_backoff(
    endpoint: Any, fake: FakeServerless, resolve: Any, sleeps: list[float]
) -> None:
    statuses = ["IN_QUEUE"] * 3 + ["IN_PROGRESS"] * 4 + ["COMPLETED"]
    job = await submit(endpoint, resolve, fake, Script(statuses=statuses, output="done"))
    assert await resolve(job.output()) == "done"
    assert fake.routes() == ["status"] * 8
    assert sleeps == pytest.approx([0.2, 0.3, 0.45, 0.675, 1.0125, 1.51875, 2.278125])


async def test_output_backoff_stops_growing_at_the_poll_policy_maximum(
    endpoint: Any, fake: FakeServerless, resolve: Any, sleeps: list[float]
) -> None:
    job = await submit(endpoint, resolve, fake, Script(statuses=["IN_QUEUE"] * 12 + ["COMPLETED"]))
    await resolve(job.output())
    assert max(sleeps) == 3.0
    assert sleeps[-3:] == [3.0, 3.0, 3.0]


async def test_output_of_a_finished_job_is_not_asked_again(endpoint: Any, fake: FakeServerless, resolve: Any) -> None:
    job = await submit(endpoint, resolve, fake, Script(output=[1]))
    assert await resolve(job.output()) == [1]
    assert await resolve(job.output()) == [1]
    assert fake.routes() == ["status"]


@pytest.mark.parametrize(("status", "error_class"), ENDINGS)
async def test_output_raises_a_typed_error_carrying_the_job_error(
    endpoint: Any, fake: FakeServerless, resolve: Any, status: str, error_class: type[JobError]
) -> None:
    job = await submit(endpoint, resolve, fake, Script(statuses=["IN_PROGRESS", status], error="disk full"))
    with pytest.raises(error_class) as caught:
        await resolve(job.output())
    assert caught.value.job_id == job.id
    assert caught.value.status == status
    if status != "CANCELLED":
        assert caught.value.error == "disk full"
        assert str(caught.value).endswith(": disk full")


async def test_a_failed_job_without_an_error_text_says_so(endpoint: Any, fake: FakeServerless, resolve: Any) -> None:
    job = await submit(endpoint, resolve, fake, Script(statuses=["FAILED"]))
    with pytest.raises(JobFailedError, match=r"failed \(the worker gave no error\)"):
        await resolve(job.output())


async def test_a_job_ending_in_a_state_unknown_to_the_client_is_a_job_error(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    job = await submit(endpoint, resolve, fake, Script(statuses=["IN_PROGRESS"]))
    fake.fail("status", Fault(status=200, body={"id": job.id, "status": "RUNNING"}))
    assert await resolve(job.status()) is JobStatus.IN_PROGRESS
    fake.fail("status", Fault(status=200, body={"id": job.id, "status": "EXPLODED"}))
    assert await resolve(job.status()) == "EXPLODED"


async def test_output_timeout_raises_with_the_last_status_and_leaves_the_job_running(
    make_endpoint: Any, fake: FakeServerless, resolve: Any, real_time: dict[str, Any]
) -> None:
    endpoint = make_endpoint(**real_time)
    job = await submit(endpoint, resolve, fake, Script(statuses=["IN_QUEUE"]))
    start = time.monotonic()
    with pytest.raises(JobTimeoutError, match=r"within 0.4s \(last status IN_QUEUE\)") as caught:
        await resolve(job.output(timeout=0.4))
    assert 0.4 <= time.monotonic() - start < 0.8
    assert caught.value.status == "IN_QUEUE"
    assert isinstance(caught.value, TimeoutError)
    assert "cancel" not in fake.routes()


async def test_output_timeout_cuts_a_status_request_that_hangs(
    make_endpoint: Any, fake: FakeServerless, resolve: Any, real_time: dict[str, Any]
) -> None:
    endpoint = make_endpoint(**real_time)
    job = await submit(endpoint, resolve, fake, Script(statuses=["IN_PROGRESS"]))
    fake.fail("status", Fault(status=200, delay=3.0, body={"id": job.id, "status": "COMPLETED"}))
    start = time.monotonic()
    with pytest.raises(JobTimeoutError, match="last status IN_QUEUE"):
        await resolve(job.output(timeout=0.4))
    assert time.monotonic() - start < 0.8


async def test_output_timeout_must_be_positive(endpoint: Any, resolve: Any) -> None:
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        await resolve(endpoint.job("j").output(timeout=0))
    with pytest.raises(TypeError, match="timeout must be a number of seconds or None, not str"):
        await resolve(endpoint.job("j").output(timeout="5"))


async def test_stream_yields_each_chunk_as_it_arrives(endpoint: Any, fake: FakeServerless, resolve: Any) -> None:
    statuses = ["IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED"]
    job = await submit(endpoint, resolve, fake, Script(statuses=statuses, chunks=[["a"], [], ["b", "c"]]))
    chunks = job.stream()
    assert await next_item(chunks) == "a"
    assert fake.routes() == ["stream"]
    assert await collect(chunks) == ["b", "c"]
    assert fake.routes() == ["stream"] * 4
    assert fake.requests[0].path == f"/v2/ep-test/stream/{job.id}"


async def test_stream_polls_again_at_once_after_chunks_and_backs_off_when_empty(
    endpoint: Any, fake: FakeServerless, resolve: Any, sleeps: list[float]
) -> None:
    statuses = ["IN_PROGRESS"] * 5 + ["COMPLETED"]
    job = await submit(endpoint, resolve, fake, Script(statuses=statuses, chunks=[["a"], [], [], ["b"], [], []]))
    assert await collect(job.stream()) == ["a", "b"]
    assert sleeps == pytest.approx([0.2, 0.3, 0.2])


async def test_stream_hands_over_the_chunks_that_come_with_the_end(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    job = await submit(endpoint, resolve, fake, Script(statuses=["COMPLETED"], chunks=[[1], [2], [3]]))
    assert await collect(job.stream()) == [1, 2, 3]
    assert fake.routes() == ["stream"]


@pytest.mark.parametrize(("status", "error_class"), ENDINGS)
async def test_stream_ends_on_each_terminal_state_after_its_chunks(
    endpoint: Any, fake: FakeServerless, resolve: Any, status: str, error_class: type[JobError]
) -> None:
    script = Script(statuses=["IN_PROGRESS", "IN_PROGRESS", status], chunks=[["a"], ["b"]], error="gpu lost")
    job = await submit(endpoint, resolve, fake, script)
    received: list[Any] = []
    with pytest.raises(error_class) as caught:
        chunks = job.stream()
        while True:
            received.append(await next_item(chunks))
    assert received == ["a", "b"]
    assert caught.value.status == status
    if status != "CANCELLED":
        assert caught.value.error == "gpu lost"  # /stream gave no error text: the client asked /status
    assert fake.routes() == ["stream", "stream", "stream", "status"]


async def test_stream_of_a_job_cancelled_while_streaming_ends(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    job = await submit(endpoint, resolve, fake, Script(statuses=["IN_PROGRESS"], chunks=[["a"], ["b"], ["c"]]))
    chunks = job.stream()
    assert await next_item(chunks) == "a"
    assert await resolve(job.cancel()) is JobStatus.CANCELLED
    with pytest.raises(JobCancelledError):
        await collect(chunks)


async def test_stream_is_retried_on_server_errors(
    endpoint: Any, fake: FakeServerless, resolve: Any, sleeps: list[float]
) -> None:
    job = await submit(endpoint, resolve, fake, Script(statuses=["COMPLETED"], chunks=[["a"]]))
    fake.fail("stream", Fault(status=503), Fault(drop=True))
    assert await collect(job.stream()) == ["a"]
    assert fake.routes() == ["stream"] * 3


async def test_stream_timeout_ends_a_stream_that_does_not_finish(
    make_endpoint: Any, fake: FakeServerless, resolve: Any, real_time: dict[str, Any]
) -> None:
    endpoint = make_endpoint(**real_time)
    job = await submit(endpoint, resolve, fake, Script(statuses=["IN_PROGRESS"], chunks=[["a"]]))
    received: list[Any] = []
    start = time.monotonic()
    with pytest.raises(JobTimeoutError, match=r"within 0.4s \(last status IN_PROGRESS\)"):
        chunks = job.stream(timeout=0.4)
        while True:
            received.append(await next_item(chunks))
    assert received == ["a"]
    assert 0.4 <= time.monotonic() - start < 0.8


async def test_output_after_a_completed_stream_asks_for_the_output(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    job = await submit(endpoint, resolve, fake, Script(output={"n": 2}, chunks=[[1], [2]]))
    assert await collect(job.stream()) == [1, 2]
    assert await resolve(job.output()) == {"n": 2}
    assert fake.routes() == ["stream", "status"]


async def test_cancel_cancels_a_running_job(endpoint: Any, fake: FakeServerless, resolve: Any) -> None:
    job = await submit(endpoint, resolve, fake, Script(statuses=["IN_PROGRESS"]))
    assert await resolve(job.cancel()) is JobStatus.CANCELLED
    assert fake.requests[-1].method == "POST"
    assert fake.requests[-1].path == f"/v2/ep-test/cancel/{job.id}"
    with pytest.raises(JobCancelledError, match=f"job {job.id!r} on endpoint 'ep-test' was cancelled"):
        await resolve(job.output())
    assert fake.routes() == ["cancel"]


async def test_cancel_of_a_finished_job_reports_how_it_ended(endpoint: Any, fake: FakeServerless, resolve: Any) -> None:
    job = await submit(endpoint, resolve, fake, Script(output=1))
    assert await resolve(job.output()) == 1
    assert await resolve(job.cancel()) is JobStatus.COMPLETED


async def test_cancel_is_retried_because_repeating_it_is_harmless(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    job = await submit(endpoint, resolve, fake, Script(statuses=["IN_PROGRESS"]))
    fake.fail("cancel", Fault(drop=True), Fault(status=500))
    assert await resolve(job.cancel()) is JobStatus.CANCELLED
    assert fake.routes() == ["cancel"] * 3


async def test_retry_queues_a_failed_job_again_and_output_then_completes(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    again = Script(statuses=["IN_PROGRESS", "COMPLETED"], output="second time lucky")
    job = await submit(endpoint, resolve, fake, Script(statuses=["FAILED"], error="flaky", after_retry=again))
    with pytest.raises(JobFailedError):
        await resolve(job.output())
    assert await resolve(job.retry()) is JobStatus.IN_QUEUE
    assert await resolve(job.output()) == "second time lucky"
    assert fake.routes() == ["status", "retry", "status", "status"]
    assert fake.requests[1].path == f"/v2/ep-test/retry/{job.id}"


async def test_retry_of_a_completed_job_is_refused(endpoint: Any, fake: FakeServerless, resolve: Any) -> None:
    job = await submit(endpoint, resolve, fake, Script())
    await resolve(job.status())
    with pytest.raises(ConflictError, match="only FAILED or TIMED_OUT jobs can be retried"):
        await resolve(job.retry())


async def test_retry_is_not_repeated_after_a_dropped_connection(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    job = await submit(endpoint, resolve, fake, Script(statuses=["FAILED"]))
    fake.fail("retry", Fault(drop=True))
    with pytest.raises(APIConnectionError):
        await resolve(job.retry())
    assert fake.routes() == ["retry"]


async def test_an_empty_job_id_is_rejected(endpoint: Any) -> None:
    with pytest.raises(ValueError, match="job_id must be a non-empty string"):
        endpoint.job("")


async def test_stream_rejects_an_answer_whose_stream_is_not_a_list(
    endpoint: Any, fake: FakeServerless, resolve: Any
) -> None:
    job = await submit(endpoint, resolve, fake, Script(statuses=["IN_PROGRESS"]))
    fake.fail("stream", Fault(status=200, body={"id": job.id, "status": "IN_PROGRESS", "stream": "oops"}))
    with pytest.raises(APIResponseValidationError, match="a stream that is not a list: oops"):
        await collect(job.stream())
