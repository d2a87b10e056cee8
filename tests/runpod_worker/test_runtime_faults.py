"""A fault-injecting queue: results are retried or replaced by an error, polls back off and never spin."""

import json
import time
from typing import Any

import anyio
import pytest

from runpod_worker import RetryPolicy, Worker, WorkerConfig
from runpod_worker.testing import JobQueueServer

from .conftest import fast_worker, results, serving, worker_env

pytestmark = pytest.mark.anyio


# -- job-done -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429, 408])
async def test_result_is_retried_after_a_transient_status_and_posted_once(queue: JobQueueServer, status: int) -> None:
    queue.inject("job-done", status=status, times=2)
    queue.add_job(1, job_id="j1")
    async with serving(fast_worker(lambda job: "ok"), queue):
        await results(queue, 1)
    assert len(queue.requests_to("job-done")) == 3
    assert [r.body for r in queue.results()] == [{"output": "ok"}]


async def test_result_is_retried_after_a_dropped_connection(queue: JobQueueServer) -> None:
    queue.inject("job-done", drop=True, times=2)
    queue.add_job(1, job_id="j1")
    async with serving(fast_worker(lambda job: "ok"), queue):
        await results(queue, 1)
    assert [r.body for r in queue.results()] == [{"output": "ok"}]


async def test_result_is_retried_with_exponential_backoff_and_jitter(queue: JobQueueServer) -> None:
    queue.inject("job-done", status=503, times=3)
    queue.add_job(1, job_id="j1")
    policy = RetryPolicy(initial_delay=0.1, max_delay=1.0, jitter=0.5, budget=10)
    async with serving(fast_worker(lambda job: "ok", post_retry=policy), queue):
        await results(queue, 1)
    times = [r.time for r in queue.requests_to("job-done")]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert 0.05 <= gaps[0] <= 0.2 and 0.1 <= gaps[1] <= 0.35 and 0.2 <= gaps[2] <= 0.6


async def test_retry_after_on_a_result_post_is_honoured(queue: JobQueueServer) -> None:
    queue.inject("job-done", status=429, headers={"Retry-After": "0.4"})
    queue.add_job(1, job_id="j1")
    async with serving(fast_worker(lambda job: "ok"), queue):
        await results(queue, 1)
    first, second = (r.time for r in queue.requests_to("job-done"))
    assert second - first >= 0.38


async def test_rejected_result_becomes_an_error_result_that_says_why(queue: JobQueueServer) -> None:
    queue.inject("job-done", status=400, body=b'{"error": "output exceeds 20 MB"}')
    queue.add_job(1, job_id="big")
    async with serving(fast_worker(lambda job: "x" * 3_000_000), queue):
        [result] = await results(queue, 1)
    assert result.body == {
        "error": 'The platform refused this job\'s result with HTTP 400 (the result was 2.9 MiB): HTTP 400: {"error": '
        '"output exceeds 20 MB"}'
    }
    # The first post was not retried: a 4xx cannot succeed by repeating it.
    assert len(queue.requests_to("job-done")) == 2


async def test_result_lost_after_the_budget_is_logged(queue: JobQueueServer, caplog: pytest.LogCaptureFixture) -> None:
    queue.inject("job-done", status=503, times=None)
    queue.add_job(1, job_id="j1")
    policy = RetryPolicy(initial_delay=0.02, max_delay=0.05, budget=0.3)
    async with serving(fast_worker(lambda job: "ok", post_retry=policy), queue):
        await anyio.to_thread.run_sync(queue.wait_for, lambda: "it is lost" in caplog.text, 5.0, "the loss")
    assert "The result of this job could not be posted after" in caplog.text
    assert "HTTP 503" in caplog.text


async def test_error_replacement_that_is_also_refused_is_logged(
    queue: JobQueueServer, caplog: pytest.LogCaptureFixture
) -> None:
    queue.inject("job-done", status=404, times=2)
    queue.add_job(1, job_id="j1")
    async with serving(fast_worker(lambda job: "ok"), queue):
        await anyio.to_thread.run_sync(queue.wait_for, lambda: "it is lost" in caplog.text, 5.0, "the loss")
    assert len(queue.requests_to("job-done")) == 2


def two_chunks(job: dict[str, Any]) -> Any:
    yield "a"
    yield "b"


async def test_stream_chunk_is_retried(queue: JobQueueServer) -> None:
    queue.inject("job-stream", status=503, times=1)
    queue.add_job(1, job_id="s1")
    async with serving(fast_worker(two_chunks), queue):
        await results(queue, 1)
    assert [c.body for c in queue.stream("s1")] == [{"output": "a"}, {"output": "b"}]


async def test_stream_chunk_refused_is_logged_and_the_stream_goes_on(
    queue: JobQueueServer, caplog: pytest.LogCaptureFixture
) -> None:
    queue.inject("job-stream", status=413, times=1)
    queue.add_job(1, job_id="s1")
    async with serving(fast_worker(two_chunks), queue):
        await results(queue, 1)
    assert [c.body for c in queue.stream("s1")] == [{"output": "b"}]
    assert "A chunk of this job could not be posted: HTTP 413" in caplog.text


# -- job-take and job-stop never spin ---------------------------------------------------------------------------


def default_backoff_worker() -> Worker:
    # The production backoff: these tests check the request rate a user would see.
    return Worker(lambda job: 1, post_retry=RetryPolicy(initial_delay=0.01, budget=1))


async def poll_rates(queue: JobQueueServer, seconds: float = 1.0) -> tuple[float, float]:
    """Requests per second to job-take and job-stop while the worker runs for `seconds`."""
    async with serving(default_backoff_worker(), queue):
        await anyio.sleep(seconds)
    return len(queue.requests_to("job-take")) / seconds, len(queue.requests_to("job-stop")) / seconds


# A spinning loop makes hundreds of requests a second (runpod 1.12: about 3,000); backing off makes a few.
@pytest.mark.parametrize("status", [500, 503, 400])
async def test_polls_back_off_on_error_status(status: int) -> None:
    with JobQueueServer(hold=0) as queue:
        queue.inject("*", status=status, times=None)
        take, stop = await poll_rates(queue)
    assert take < 10 and stop < 10


async def test_polls_back_off_on_instant_204() -> None:
    with JobQueueServer(hold=0) as queue:
        take, stop = await poll_rates(queue)
    assert take < 10 and stop < 10


async def test_polls_back_off_on_dropped_connections() -> None:
    with JobQueueServer(hold=0) as queue:
        queue.inject("*", drop=True, times=None)
        take, stop = await poll_rates(queue)
    assert take < 10 and stop < 10


async def test_job_take_takes_at_once_after_a_held_empty_poll() -> None:
    with JobQueueServer(hold=1.1) as queue:
        async with serving(default_backoff_worker(), queue):
            await anyio.to_thread.run_sync(queue.wait_for_requests, "job-take", 2, 5.0)
            first, second = queue.requests_to("job-take")[:2]
    assert second.time - first.time < 1.4


async def test_job_take_backs_off_while_connections_are_refused(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="runpod_worker")
    with JobQueueServer(hold=0.2) as queue:
        config = WorkerConfig.from_env(worker_env(queue))
        worker = default_backoff_worker()
        with queue.refuse_connections():
            async with anyio.create_task_group() as tg:
                tg.start_soon(worker.serve, config)
                await anyio.sleep(1.0)
                worker.shutdown()
    attempts = [r for r in caplog.records if "job-take" in r.getMessage() and "backing off" in r.getMessage()]
    assert 2 <= len(attempts) < 10
    # One warning for the outage, the rest quietly at debug level.
    assert sum(r.levelname == "WARNING" for r in attempts) == 1


async def test_job_take_recovers_when_the_server_returns(
    queue: JobQueueServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="runpod_worker")
    queue.inject("job-take", status=503, times=3)
    queue.add_job(1, job_id="j1")
    async with serving(fast_worker(lambda job: 1), queue):
        await results(queue, 1)
    assert "job-take works again after 3 failed attempt(s)" in caplog.text


async def test_job_take_waits_as_long_as_retry_after_says() -> None:
    with JobQueueServer(hold=0) as queue:
        queue.inject("job-take", status=429, headers={"Retry-After": "0.6"})
        queue.add_job(1)
        async with serving(fast_worker(lambda job: 1), queue):
            await results(queue, 1)
        first, second = (r.time for r in queue.requests_to("job-take")[:2])
        assert second - first >= 0.55


async def test_malformed_stop_reply_is_logged_once(queue: JobQueueServer, caplog: pytest.LogCaptureFixture) -> None:
    queue.inject("job-stop", status=200, body=b"<html>", times=None)
    async with serving(fast_worker(lambda job: 1), queue):
        await anyio.to_thread.run_sync(queue.wait_for_requests, "job-stop", 3, 5.0)
    assert caplog.text.count("job-stop answered with a body that is not JSON") == 1


async def test_without_job_take_in_the_url_there_is_no_stop_channel(
    queue: JobQueueServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"{queue.url}/v2/ep/job-take/$ID?gpu=test".replace("/job-take/", "/take/")
    async with serving(fast_worker(lambda job: 1), queue, RUNPOD_WEBHOOK_GET_JOB=url):
        await anyio.sleep(0.2)
    assert "job-stop requests are off" in caplog.text
    assert queue.requests_to("job-stop") == []


async def test_take_reply_that_is_not_json_backs_off(queue: JobQueueServer, caplog: pytest.LogCaptureFixture) -> None:
    queue.add_take_reply(200, "<html>busy</html>", "text/html")
    queue.add_job(1, job_id="j1")
    async with serving(fast_worker(lambda job: 1), queue):
        await results(queue, 1)
    assert "job-take answered HTTP 200 with a body that is not JSON: <html>busy</html>" in caplog.text


async def test_take_timeout_starts_a_new_poll_at_once() -> None:
    with JobQueueServer(hold=5) as queue:
        worker = fast_worker(lambda job: 1, take_timeout=0.3)
        async with serving(worker, queue):
            await anyio.to_thread.run_sync(queue.wait_for_requests, "job-take", 3, 5.0)
        first, second, third = (r.time for r in queue.requests_to("job-take")[:3])
        assert 0.25 <= second - first <= 0.6 and third - second <= 0.6


async def test_job_done_payload_is_json_text(queue: JobQueueServer) -> None:
    queue.add_job(1, job_id="j1")
    start = time.monotonic()
    async with serving(fast_worker(lambda job: {"ü": "ä"}), queue):
        [result] = await results(queue, 1)
    assert json.loads(result.raw.decode("utf-8")) == {"output": {"ü": "ä"}}
    assert time.monotonic() - start < 5
