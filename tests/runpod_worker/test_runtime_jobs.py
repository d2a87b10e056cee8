"""The job loop against a real queue: what each handler outcome posts, and how jobs are taken."""

import json
import threading
import time
from typing import Any

import anyio
import pytest

from runpod_worker import ProtocolError
from runpod_worker.testing import JobQueueServer

from .conftest import fast_worker, results, serving, wait_for

pytestmark = pytest.mark.anyio


async def run_one(queue: JobQueueServer, handler: Any, job_input: Any = None, **options: Any) -> Any:
    queue.add_job(job_input, job_id="j1")
    async with serving(fast_worker(handler, **options), queue):
        [result] = await results(queue, 1)
    return result


async def test_sync_handler_result_is_posted_to_job_done(queue: JobQueueServer) -> None:
    result = await run_one(queue, lambda job: {"doubled": job["input"] * 2}, 21)
    assert result.body == {"output": {"doubled": 42}}
    assert result.request.path == "/v2/ep/job-done/worker-1/j1"
    assert result.request.query == {"gpu": "test", "isStream": "false"}


async def test_job_done_carries_the_platform_sdk_headers(queue: JobQueueServer) -> None:
    result = await run_one(queue, lambda job: 1)
    headers = result.request.headers
    assert headers["authorization"] == "test-key"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers["charset"] == "utf-8"
    assert headers["x-request-id"] == "j1"


async def test_request_id_header_does_not_leak_onto_polls(queue: JobQueueServer) -> None:
    await run_one(queue, lambda job: 1)
    polls = [r for r in queue.requests if r.method == "GET"]
    assert polls and all("x-request-id" not in r.headers for r in polls)
    assert all(r.headers["authorization"] == "test-key" for r in polls)


async def test_async_handler_result_is_posted(queue: JobQueueServer) -> None:
    async def handler(job: dict[str, Any]) -> str:
        await anyio.sleep(0.01)
        return f"hello {job['input']}"

    assert (await run_one(queue, handler, "you")).body == {"output": "hello you"}


async def test_handler_receives_every_field_the_queue_sent(queue: JobQueueServer) -> None:
    seen: list[dict[str, Any]] = []
    queue.add_job({"a": 1}, job_id="j1", webhook="http://hook", policy={"ttl": 5})
    async with serving(fast_worker(seen.append), queue):
        await results(queue, 1)
    assert seen == [{"id": "j1", "input": {"a": 1}, "webhook": "http://hook", "policy": {"ttl": 5}}]


@pytest.mark.parametrize(
    ("returned", "body"),
    [
        ({"a": 1}, {"output": {"a": 1}}),
        ({"output": 5}, {"output": {"output": 5}}),
        ([1, "b"], {"output": [1, "b"]}),
        (None, {"output": None}),
        ({}, {}),
        ({"error": "bad prompt", "seed": 3}, {"output": {"seed": 3}, "error": "bad prompt"}),
        ({"refresh_worker": True, "a": 1}, {"output": {"a": 1}, "stopPod": True}),
    ],
)
async def test_each_returned_value_posts_its_body(queue: JobQueueServer, returned: object, body: object) -> None:
    assert (await run_one(queue, lambda job: returned)).body == body


async def test_handler_exception_posts_the_error_info_and_the_worker_goes_on(queue: JobQueueServer) -> None:
    def handler(job: dict[str, Any]) -> int:
        if job["input"] == "bad":
            raise KeyError("missing")
        return 1

    queue.add_job("bad", job_id="j1")
    queue.add_job("good", job_id="j2")
    async with serving(fast_worker(handler), queue):
        await results(queue, 2)
    info = json.loads(queue.results("j1")[0].body["error"])
    assert info["error_type"] == "<class 'KeyError'>"
    assert info["error_message"] == "'missing'"
    assert info["worker_id"] == "worker-1" and info["hostname"] == "unknown"
    assert "KeyError" in info["error_traceback"]
    assert queue.results("j2")[0].body == {"output": 1}


async def test_handler_calling_sys_exit_fails_only_its_job(queue: JobQueueServer) -> None:
    def handler(job: dict[str, Any]) -> None:
        raise SystemExit(3)

    result = await run_one(queue, handler)
    assert json.loads(result.body["error"])["error_type"] == "<class 'SystemExit'>"


@pytest.mark.parametrize(
    ("output", "problem"),
    [
        ({"image": b"\x89PNG"}, "output['image'] is of type bytes, which is not JSON-serialisable"),
        ({"loss": float("nan")}, "output['loss'] is nan, which JSON cannot hold"),
        ([float("-inf")], "output[0] is -inf, which JSON cannot hold"),
    ],
)
async def test_output_that_is_not_json_becomes_an_error_result(
    queue: JobQueueServer, output: object, problem: str
) -> None:
    result = await run_one(queue, lambda job: output)
    assert list(result.body) == ["error"]
    assert result.body["error"].startswith(f"The handler's result cannot be sent: {problem}")


async def test_take_reply_without_input_gets_an_error_result_for_that_job(queue: JobQueueServer) -> None:
    queue.add_raw_job({"id": "no-input"})
    queue.add_job("fine", job_id="ok")
    async with serving(fast_worker(lambda job: job["input"]), queue):
        await results(queue, 2)
    assert queue.results("no-input")[0].body == {
        "error": "the job-take reply for this job had no 'input' field, so it could not run"
    }
    assert queue.results("ok")[0].body == {"output": "fine"}


async def test_jobs_without_an_id_are_logged_and_skipped(
    queue: JobQueueServer, caplog: pytest.LogCaptureFixture
) -> None:
    queue.add_take_reply(200, '[{"input": 1}]')
    queue.add_job(2, job_id="j2")
    async with serving(fast_worker(lambda job: job["input"]), queue):
        await results(queue, 1)
    assert "job-take handed out a job without a string 'id'" in caplog.text


async def test_a_job_handed_out_twice_runs_once(queue: JobQueueServer) -> None:
    release = threading.Event()
    calls: list[str] = []

    def handler(job: dict[str, Any]) -> int:
        calls.append(job["id"])
        release.wait(5)
        return 1

    queue.add_job(1, job_id="dup")
    queue.add_raw_job({"id": "dup", "input": 1})
    async with serving(fast_worker(handler, concurrency=2), queue):
        await wait_for(queue, lambda: queue.pending_jobs == 0, "both takes")
        await anyio.sleep(0.1)
        release.set()
        await results(queue, 1)
    assert calls == ["dup"]
    assert len(queue.results("dup")) == 1


async def test_concurrent_sync_jobs_run_at_once_and_each_posts_when_it_ends(queue: JobQueueServer) -> None:
    running = 0
    peak = 0
    lock = threading.Lock()

    def handler(job: dict[str, Any]) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(job["input"])
        with lock:
            running -= 1
        return job["input"]

    for n, seconds in enumerate([0.6, 0.1, 0.3]):
        queue.add_job(seconds, job_id=f"j{n}")
    async with serving(fast_worker(handler, concurrency=3), queue):
        await results(queue, 3)
    assert peak == 3
    # Each result went out when its own job ended, shortest first.
    assert [r.job_id for r in queue.results()] == ["j1", "j2", "j0"]


async def test_batch_size_is_the_number_of_free_slots(queue: JobQueueServer) -> None:
    release = threading.Event()
    queue.add_job(1, job_id="first")
    async with serving(fast_worker(lambda job: release.wait(5), concurrency=4), queue):
        await wait_for(queue, lambda: len(queue.requests_to("job-take-batch")) >= 2, "a second batch take")
        release.set()
        await results(queue, 1)
    first, second = queue.requests_to("job-take-batch")[:2]
    assert (first.query["batch_size"], first.query["job_in_progress"]) == ("4", "0")
    assert (second.query["batch_size"], second.query["job_in_progress"]) == ("3", "1")


async def test_more_jobs_than_asked_for_run_but_never_above_concurrency(queue: JobQueueServer) -> None:
    running = 0
    peak = 0

    async def handler(job: dict[str, Any]) -> int:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await anyio.sleep(0.05)
        running -= 1
        return 1

    queue.add_take_reply(200, json.dumps([{"id": f"j{n}", "input": n} for n in range(5)]))
    async with serving(fast_worker(handler, concurrency=2), queue):
        await results(queue, 5)
    assert peak == 2


async def test_next_take_starts_as_soon_as_the_slot_frees(queue: JobQueueServer) -> None:
    for n in range(5):
        queue.add_job(n, job_id=f"j{n}")
    async with serving(fast_worker(lambda job: job["input"]), queue):
        await results(queue, 5)
    done = [r.time for r in queue.results()]
    takes = [r.time for r in queue.requests_to("job-take")]
    # Each take after the first follows the previous result at once (runpod 1.12 waits about a second).
    gaps = [min(t for t in takes if t >= d) - d for d in done[:-1]]
    assert max(gaps) < 0.25


async def test_concurrency_modifier_change_applies_at_once(queue: JobQueueServer) -> None:
    seen: list[int] = []

    def modifier(current: int) -> int:
        seen.append(current)
        return 3

    queue.add_job(1)
    async with serving(fast_worker(lambda job: 1, concurrency_modifier=modifier), queue):
        await results(queue, 1)
    assert queue.requests_to("job-take-batch")[0].query["batch_size"] == "3"
    assert seen[0] == 1 and 3 in seen


async def test_concurrency_modifier_raises_the_limit_while_every_slot_is_busy(queue: JobQueueServer) -> None:
    release = threading.Event()
    limit = [1]
    queue.add_job(1, job_id="long")
    async with serving(fast_worker(lambda job: release.wait(5), concurrency_modifier=lambda current: limit[0]), queue):
        await wait_for(queue, lambda: queue.taken == ["long"], "the first job")
        limit[0] = 2
        queue.add_job(2, job_id="second")
        await wait_for(queue, lambda: "second" in queue.taken, "a take while the first job runs", within=5)
        release.set()
        await results(queue, 2)


@pytest.mark.parametrize("bad", [None, 0, -2, "4", 2.5, True])
async def test_bad_concurrency_modifier_result_is_logged_and_ignored(
    queue: JobQueueServer, caplog: pytest.LogCaptureFixture, bad: object
) -> None:
    queue.add_job(1)
    async with serving(fast_worker(lambda job: 1, concurrency=2, concurrency_modifier=lambda current: bad), queue):
        await results(queue, 1)
    assert (
        f"concurrency_modifier returned {bad!r}, which is not a positive integer; keeping concurrency 2" in caplog.text
    )
    assert queue.requests_to("job-take-batch")[0].query["batch_size"] == "2"
    # Logged once, not on every poll.
    assert caplog.text.count("concurrency_modifier returned") == 1


async def test_concurrency_modifier_that_raises_is_logged_and_ignored(
    queue: JobQueueServer, caplog: pytest.LogCaptureFixture
) -> None:
    def modifier(current: int) -> int:
        raise RuntimeError("no GPU info")

    queue.add_job(1)
    async with serving(fast_worker(lambda job: 1, concurrency_modifier=modifier), queue):
        await results(queue, 1)
    assert "concurrency_modifier raised RuntimeError: no GPU info; keeping concurrency 1" in caplog.text


async def test_progress_update_with_nan_fails_in_the_handler(queue: JobQueueServer) -> None:
    from runpod_worker import progress_update

    def handler(job: dict[str, Any]) -> str:
        try:
            progress_update(job, {"eta": float("nan")})
        except ProtocolError as exc:
            return str(exc)
        return "sent"

    result = await run_one(queue, handler)
    assert result.body == {
        "output": "the progress update['eta'] is nan, which JSON cannot hold (NaN and Infinity are not JSON)"
    }


async def test_next_take_does_not_wait_for_the_previous_result_to_be_posted(queue: JobQueueServer) -> None:
    queue.inject("job-done", delay=0.5, times=1)
    queue.add_job(1, job_id="j1")
    queue.add_job(2, job_id="j2")
    async with serving(fast_worker(lambda job: job["input"]), queue):
        await results(queue, 2)
    first_post = queue.requests_to("job-done")[0].time
    second_take = queue.requests_to("job-take")[1].time
    assert second_take - first_post < 0.3


async def test_results_on_their_way_are_bounded_by_the_concurrency(queue: JobQueueServer) -> None:
    queue.inject("job-done", delay=0.6, times=None)
    for n in range(6):
        queue.add_job(n, job_id=f"j{n}")
    async with serving(fast_worker(lambda job: job["input"]), queue):
        await anyio.sleep(0.4)
        # One job running or posting, one more result on its way: no third take while both posts hang.
        assert len(queue.taken) == 2
        await results(queue, 6)
