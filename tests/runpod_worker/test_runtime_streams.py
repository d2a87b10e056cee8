"""Generators stream chunk by chunk; progress updates always come before the final result."""

import functools
import json
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from runpod_worker import progress_update
from runpod_worker.testing import JobQueueServer

from .conftest import fast_worker, results, serving

pytestmark = pytest.mark.anyio


def count_to(job: dict[str, Any]) -> Iterator[int]:
    yield from range(job["input"])


async def async_count_to(job: dict[str, Any]) -> AsyncIterator[int]:
    for n in range(job["input"]):
        await anyio.lowlevel.checkpoint()
        yield n


class AsyncCallable:
    async def __call__(self, job: dict[str, Any]) -> AsyncIterator[str]:
        yield "from __call__"


async def stream_one(queue: JobQueueServer, handler: Any, job_input: Any = 3, **options: Any) -> Any:
    queue.add_job(job_input, job_id="s1")
    async with serving(fast_worker(handler, **options), queue):
        [result] = await results(queue, 1)
    return result


@pytest.mark.parametrize(
    "handler",
    [count_to, async_count_to, lambda job: count_to(job), functools.partial(async_count_to)],
    ids=["sync generator", "async generator", "callable returning a generator", "partial of an async generator"],
)
async def test_chunks_stream_in_order_then_the_final_result_says_is_stream(queue: JobQueueServer, handler: Any) -> None:
    result = await stream_one(queue, handler)
    chunks = queue.stream("s1")
    assert [c.body for c in chunks] == [{"output": 0}, {"output": 1}, {"output": 2}]
    # Chunks go out with isStream=false, as the platform's own SDK sends them; only the final says true.
    assert all(c.request.query["isStream"] == "false" for c in chunks)
    assert result.body == {"output": []}
    assert result.is_stream
    assert all(c.time <= result.time for c in chunks)


async def test_callable_object_with_an_async_generator_call_streams(queue: JobQueueServer) -> None:
    await stream_one(queue, AsyncCallable())
    assert [c.body for c in queue.stream("s1")] == [{"output": "from __call__"}]


@pytest.mark.parametrize("handler", [count_to, async_count_to], ids=["sync generator", "async generator"])
async def test_aggregate_stream_lists_every_chunk_in_the_final_result(queue: JobQueueServer, handler: Any) -> None:
    result = await stream_one(queue, handler, return_aggregate_stream=True)
    assert result.body == {"output": [0, 1, 2]}


async def test_refresh_worker_marks_a_streamed_result_too(queue: JobQueueServer) -> None:
    result = await stream_one(queue, count_to, refresh_worker=True)
    assert result.body == {"output": [], "stopPod": True}


async def test_yielded_error_ends_the_stream_and_fails_the_job(queue: JobQueueServer) -> None:
    def handler(job: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield {"token": "a"}
        yield {"error": "out of memory", "step": 2}
        yield {"token": "never"}

    result = await stream_one(queue, handler)
    assert [c.body for c in queue.stream("s1")] == [{"output": {"token": "a"}}]
    assert result.body == {"output": {"step": 2}, "error": "out of memory"}
    assert result.is_stream


async def test_async_generator_error_chunk_ends_the_stream(queue: JobQueueServer) -> None:
    async def handler(job: dict[str, Any]) -> AsyncIterator[Any]:
        yield 1
        yield {"error": "bad"}

    result = await stream_one(queue, handler)
    assert result.body == {"error": "bad"}


async def test_generator_that_raises_posts_the_error_info_with_is_stream(queue: JobQueueServer) -> None:
    def handler(job: dict[str, Any]) -> Iterator[int]:
        yield 1
        raise RuntimeError("decoder crashed")

    result = await stream_one(queue, handler)
    assert json.loads(result.body["error"])["error_message"] == "decoder crashed"
    assert result.is_stream
    assert [c.body for c in queue.stream("s1")] == [{"output": 1}]


async def test_chunk_that_is_not_json_fails_the_job_naming_it(queue: JobQueueServer) -> None:
    def handler(job: dict[str, Any]) -> Iterator[Any]:
        yield {"ok": 1}
        yield {"ok": float("inf")}
        yield {"ok": 3}

    result = await stream_one(queue, handler)
    info = json.loads(result.body["error"])
    assert info["error_message"].startswith("the stream chunk['ok'] is inf, which JSON cannot hold")
    assert [c.body for c in queue.stream("s1")] == [{"output": {"ok": 1}}]


async def test_without_a_stream_url_chunks_are_not_posted_but_the_result_is(queue: JobQueueServer) -> None:
    queue.add_job(2, job_id="s1")
    async with serving(fast_worker(count_to, return_aggregate_stream=True), queue, RUNPOD_WEBHOOK_POST_STREAM=""):
        [result] = await results(queue, 1)
    assert queue.stream("s1") == []
    assert result.body == {"output": [0, 1]}


async def test_stream_of_many_chunks_keeps_its_order(queue: JobQueueServer) -> None:
    await stream_one(queue, count_to, 200)
    assert [c.body["output"] for c in queue.stream("s1")] == list(range(200))


async def test_progress_from_a_sync_handler_arrives_in_order_before_the_result(queue: JobQueueServer) -> None:
    def handler(job: dict[str, Any]) -> str:
        for pct in (10, 50, 90):
            progress_update(job, {"pct": pct})
        return "done"

    result = await stream_one(queue, handler)
    posts = queue.job_done_posts("s1")
    assert [p.body for p in posts] == [
        {"status": "IN_PROGRESS", "output": {"pct": 10}},
        {"status": "IN_PROGRESS", "output": {"pct": 50}},
        {"status": "IN_PROGRESS", "output": {"pct": 90}},
        {"output": "done"},
    ]
    assert all(p.request.query["isStream"] == "false" for p in posts)
    assert result is posts[-1] or result.body == posts[-1].body


async def test_progress_from_an_async_handler_arrives_before_the_result(queue: JobQueueServer) -> None:
    async def handler(job: dict[str, Any]) -> str:
        progress_update(job, "loading")
        return "done"

    await stream_one(queue, handler)
    assert [p.body for p in queue.job_done_posts("s1")] == [
        {"status": "IN_PROGRESS", "output": "loading"},
        {"output": "done"},
    ]


async def test_progress_from_another_thread_arrives_before_the_result(queue: JobQueueServer) -> None:
    def handler(job: dict[str, Any]) -> str:
        thread = threading.Thread(target=progress_update, args=(job["id"], "from a helper thread"))
        thread.start()
        thread.join()
        return "done"

    await stream_one(queue, handler)
    assert [p.body for p in queue.job_done_posts("s1")] == [
        {"status": "IN_PROGRESS", "output": "from a helper thread"},
        {"output": "done"},
    ]


async def test_progress_is_retried_and_still_arrives_before_the_result(queue: JobQueueServer) -> None:
    queue.inject("job-done", status=503, times=2)

    def handler(job: dict[str, Any]) -> str:
        progress_update(job, 1)
        return "done"

    await stream_one(queue, handler)
    assert [p.body for p in queue.job_done_posts("s1")] == [{"status": "IN_PROGRESS", "output": 1}, {"output": "done"}]


async def test_progress_and_chunks_keep_their_relative_order(queue: JobQueueServer) -> None:
    def handler(job: dict[str, Any]) -> Iterator[str]:
        progress_update(job, "start")
        yield "a"
        progress_update(job, "middle")
        yield "b"

    await stream_one(queue, handler)
    both = sorted(queue.job_done_posts("s1") + queue.stream("s1"), key=lambda p: p.time)
    assert [p.body.get("output") for p in both] == ["start", "a", "middle", "b", []]


async def test_progress_for_a_job_that_is_not_running_is_ignored(caplog: pytest.LogCaptureFixture) -> None:
    progress_update({"id": "nobody"}, 1)
    assert "progress_update for job 'nobody', which is not running in this worker: ignored" in caplog.text


async def test_progress_after_the_job_ended_is_ignored(queue: JobQueueServer, caplog: pytest.LogCaptureFixture) -> None:
    leftover: list[dict[str, Any]] = []
    late = threading.Event()

    def handler(job: dict[str, Any]) -> str:
        leftover.append(job)

        def later() -> None:
            late.wait(5)
            progress_update(job, "too late")

        threading.Thread(target=later).start()
        return "done"

    queue.add_job(1, job_id="s1")
    queue.add_job(2, job_id="s2")
    async with serving(fast_worker(handler), queue):
        await results(queue, 1)
        late.set()
        await results(queue, 2)
        await anyio.sleep(0.1)
    assert not queue.progress("s1")
