"""Stopping jobs, timeouts, refresh_worker and graceful shutdown, in process."""

import threading
import time
from typing import Any

import anyio
import anyio.to_thread
import pytest

from runpod_worker import Worker, WorkerConfig
from runpod_worker.testing import JobQueueServer

from .conftest import fast_worker, results, serving, sleepy_handler, wait_for, worker_env

pytestmark = pytest.mark.anyio


async def test_stopped_async_job_is_cancelled_and_gets_no_result(queue: JobQueueServer) -> None:
    cancelled = anyio.Event()
    started = anyio.Event()

    async def handler(job: dict[str, Any]) -> str:
        if job["id"] == "victim":
            started.set()
            try:
                await anyio.sleep(30)
            finally:
                cancelled.set()
        await anyio.sleep(0.3)
        return "sibling done"

    queue.add_job(1, job_id="victim")
    queue.add_job(2, job_id="sibling")
    async with serving(fast_worker(handler, concurrency=2), queue):
        await started.wait()
        queue.stop_job("victim")
        with anyio.fail_after(5):
            await cancelled.wait()
        await results(queue, 1)
        await anyio.sleep(0.2)
    assert queue.results("victim") == []
    assert queue.results("sibling")[0].body == {"output": "sibling done"}


async def test_stopped_sync_job_is_abandoned_and_gets_no_result(queue: JobQueueServer) -> None:
    release = threading.Event()
    started = threading.Event()
    queue.add_job(1, job_id="victim")
    queue.add_job(2, job_id="next")

    def handler(job: dict[str, Any]) -> str:
        if job["id"] == "victim":
            started.set()
            release.wait(5)
        return job["id"]

    async with serving(fast_worker(handler), queue):
        await anyio.to_thread.run_sync(started.wait, 5)
        queue.stop_job("victim")
        # The slot frees at once although the thread still runs: the next job is taken and finishes.
        [result] = await results(queue, 1)
        release.set()
        await anyio.sleep(0.2)
    assert result.job_id == "next"
    assert queue.results("victim") == []


async def test_stopped_job_gets_no_result_even_if_its_handler_swallows_the_cancellation(
    queue: JobQueueServer,
) -> None:
    started = anyio.Event()

    async def handler(job: dict[str, Any]) -> str:
        started.set()
        try:
            await anyio.sleep(30)
        except anyio.get_cancelled_exc_class():
            return "pretending nothing happened"
        return "never"

    queue.add_job(1, job_id="victim")
    async with serving(fast_worker(handler), queue):
        await started.wait()
        queue.stop_job("victim")
        await wait_for(queue, lambda: len(queue.requests_to("job-take")) >= 2, "the next take")
        await anyio.sleep(0.2)
    assert queue.job_done_posts("victim") == []


async def test_stop_for_an_unknown_job_changes_nothing(queue: JobQueueServer) -> None:
    queue.stop_job("ghost")
    queue.add_job(1, job_id="real")
    async with serving(fast_worker(lambda job: 1), queue):
        await results(queue, 1)


async def test_job_timeout_ends_the_job_with_an_error_result(queue: JobQueueServer) -> None:
    async def handler(job: dict[str, Any]) -> str:
        await anyio.sleep(job["input"])
        return "finished"

    queue.add_job(5, job_id="slow")
    queue.add_job(0, job_id="fast")
    async with serving(fast_worker(handler, concurrency=2, job_timeout=0.3), queue):
        await results(queue, 2)
    assert queue.results("slow")[0].body == {
        "error": "Job timed out: the handler ran longer than the job timeout of 0.3 s."
    }
    assert queue.results("fast")[0].body == {"output": "finished"}


async def test_job_timeout_abandons_a_blocking_sync_handler(queue: JobQueueServer) -> None:
    release = threading.Event()
    queue.add_job(1, job_id="stuck")
    async with serving(fast_worker(lambda job: release.wait(10), job_timeout=0.2), queue):
        [result] = await results(queue, 1)
        release.set()
    assert result.body["error"].startswith("Job timed out")


async def test_refresh_worker_marks_the_result_and_stops_after_one_job(queue: JobQueueServer) -> None:
    queue.add_job(1, job_id="only")
    queue.add_job(2, job_id="left")
    worker = fast_worker(lambda job: "ok", refresh_worker=True)
    config = WorkerConfig.from_env(worker_env(queue))
    with anyio.fail_after(10):
        await worker.serve(config)
    assert queue.results("only")[0].body == {"output": "ok", "stopPod": True}
    assert queue.taken == ["only"]


async def test_shutdown_lets_running_jobs_finish_and_posts_their_results(queue: JobQueueServer) -> None:
    handler, started = sleepy_handler(0.5, "made it")
    queue.add_job(1, job_id="inflight")
    worker = fast_worker(handler)
    async with anyio.create_task_group() as tg:
        tg.start_soon(worker.serve, WorkerConfig.from_env(worker_env(queue)))
        await started.wait()
        worker.shutdown()
    assert queue.results("inflight")[0].body == {"output": "made it"}


async def test_shutdown_abandons_held_polls_at_once() -> None:
    with JobQueueServer(hold=30) as queue:
        worker = fast_worker(lambda job: 1)
        async with anyio.create_task_group() as tg:
            tg.start_soon(worker.serve, WorkerConfig.from_env(worker_env(queue)))
            await wait_for(
                queue, lambda: len(queue.requests_to("job-stop")) and len(queue.requests_to("job-take")), "polls"
            )
            start = time.monotonic()
            worker.shutdown()
        assert time.monotonic() - start < 2


async def test_job_still_running_at_the_grace_deadline_gets_an_error_result(queue: JobQueueServer) -> None:
    handler, started = sleepy_handler(30)
    queue.add_job(1, job_id="long")
    worker = fast_worker(handler, shutdown_grace_period=0.3)
    async with anyio.create_task_group() as tg:
        tg.start_soon(worker.serve, WorkerConfig.from_env(worker_env(queue)))
        await started.wait()
        start = time.monotonic()
        worker.shutdown()
    assert time.monotonic() - start < 3
    assert queue.results("long")[0].body == {
        "error": "The worker shut down before this job finished: it was still running when the shutdown grace "
        "period of 0.3 s ended."
    }


async def test_shutdown_before_start_returns_without_taking_jobs(queue: JobQueueServer) -> None:
    queue.add_job(1)
    worker = fast_worker(lambda job: 1)
    worker.shutdown()
    with anyio.fail_after(5):
        await worker.serve(WorkerConfig.from_env(worker_env(queue)))
    assert queue.taken == []


async def test_results_that_cannot_be_posted_by_the_deadline_are_given_up(
    queue: JobQueueServer, caplog: pytest.LogCaptureFixture
) -> None:
    from runpod_worker import RetryPolicy

    queue.inject("job-done", status=503, times=None)
    queue.add_job(1, job_id="unlucky")
    worker = Worker(
        lambda job: 1,
        shutdown_grace_period=0.2,
        post_retry=RetryPolicy(initial_delay=0.05, max_delay=0.05, budget=30),
    )
    async with anyio.create_task_group() as tg:
        tg.start_soon(worker.serve, WorkerConfig.from_env(worker_env(queue)))
        await wait_for(queue, lambda: len(queue.requests_to("job-done")) >= 1, "a post")
        worker.shutdown()
    assert "Gave up posting the results of job(s) unlucky" in caplog.text
