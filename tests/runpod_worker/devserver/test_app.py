"""The dev server's routes, driven over HTTP: a client on one side, the worker protocol spoken by hand on the other."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx2
import pytest

pytest.importorskip("starlette")

import anyio.lowlevel
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runpod_worker._typed_input import input_spec
from runpod_worker.devserver import Platform, Timings, create_app
from runpod_worker.devserver._openapi import REF_TEMPLATE

pytestmark = pytest.mark.anyio

FAST = Timings(take=0.05, stop=0.05, stream=5.0, runsync=5.0)
W = "/v2/local"


@pytest.fixture
def base(serve_asgi) -> str:
    return serve_asgi(create_app(Platform(webhook_delays=(0.0, 0.0)), timings=FAST))


@pytest.fixture
async def http(base: str) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=base, timeout=10) as client:
        yield client


async def submit(http: httpx2.AsyncClient, payload: Any = None, **extra: Any) -> str:
    response = await http.post("/run", json={"input": payload if payload is not None else {"n": 1}, **extra})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "IN_QUEUE"
    return response.json()["id"]


async def take(http: httpx2.AsyncClient, worker: str = "w1") -> dict[str, Any]:
    response = await http.get(f"{W}/job-take/{worker}?gpu=test&job_in_progress=0")
    assert response.status_code == 200, response.text
    return response.json()


async def done(http: httpx2.AsyncClient, job_id: str, body: Any, worker: str = "w1") -> dict[str, Any]:
    response = await http.post(
        f"{W}/job-done/{worker}/{job_id}?gpu=test&isStream=false",
        content=httpx2.Response(200, json=body).content,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def status(http: httpx2.AsyncClient, job_id: str) -> dict[str, Any]:
    response = await http.get(f"/status/{job_id}")
    assert response.status_code == 200, response.text
    return response.json()


async def test_job_goes_from_queue_to_worker_to_completed(http: httpx2.AsyncClient) -> None:
    job_id = await submit(http, {"prompt": "hi"})
    assert (await status(http, job_id))["status"] == "IN_QUEUE"
    assert await take(http) == {"id": job_id, "input": {"prompt": "hi"}}
    assert (await status(http, job_id))["status"] == "IN_PROGRESS"
    assert await done(http, job_id, {"output": {"text": "HI"}}) == {"accepted": True}
    final = await status(http, job_id)
    assert final["status"] == "COMPLETED"
    assert final["output"] == {"text": "HI"}
    assert final["workerId"] == "w1"
    assert final["delayTime"] >= 0 and final["executionTime"] >= 0


async def test_status_answers_post_too(http: httpx2.AsyncClient) -> None:
    job_id = await submit(http)
    assert (await http.post(f"/status/{job_id}")).json()["status"] == "IN_QUEUE"


async def test_client_routes_are_served_under_an_endpoint_prefix(http: httpx2.AsyncClient) -> None:
    response = await http.post("/v2/my-endpoint/run", json={"input": {}})
    job_id = response.json()["id"]
    assert (await http.get(f"/v2/my-endpoint/status/{job_id}")).json()["status"] == "IN_QUEUE"


async def test_runsync_returns_the_result_once_the_worker_posts_it(http: httpx2.AsyncClient) -> None:
    answers: list[dict[str, Any]] = []

    async def client() -> None:
        answers.append((await http.post("/runsync", json={"input": {"x": 2}})).json())

    async with anyio.create_task_group() as tg:
        tg.start_soon(client)
        job = await take(http)
        await done(http, job["id"], {"output": 4})
    assert answers == [answers[0] | {"id": job["id"], "status": "COMPLETED", "output": 4}]


async def test_runsync_answers_with_the_current_state_after_its_wait(http: httpx2.AsyncClient) -> None:
    response = await http.post("/runsync?wait=20", json={"input": {}})
    assert response.json()["status"] == "IN_QUEUE"


async def test_take_answers_204_when_nothing_is_queued(http: httpx2.AsyncClient) -> None:
    response = await http.get(f"{W}/job-take/w1?job_in_progress=0")
    assert response.status_code == 204


async def test_take_is_released_as_soon_as_a_job_arrives(serve_asgi) -> None:
    base = serve_asgi(create_app(Platform(), timings=Timings(take=30)))
    async with httpx2.AsyncClient(base_url=base, timeout=10) as http:
        taken: list[dict[str, Any]] = []

        async def worker() -> None:
            taken.append(await take(http))

        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(worker)
                job_id = await submit(http)
    assert taken[0]["id"] == job_id


async def test_take_batch_hands_out_up_to_batch_size_jobs(http: httpx2.AsyncClient) -> None:
    ids = [await submit(http, {"i": i}) for i in range(3)]
    response = await http.get(f"{W}/job-take-batch/w1?batch_size=2&job_in_progress=0")
    assert [job["id"] for job in response.json()] == ids[:2]
    response = await http.get(f"{W}/job-take-batch/w1?batch_size=5&job_in_progress=1")
    assert [job["id"] for job in response.json()] == ids[2:]
    assert (await http.get(f"{W}/job-take-batch/w1?batch_size=5")).status_code == 204


async def test_take_batch_rejects_a_bad_batch_size(http: httpx2.AsyncClient) -> None:
    response = await http.get(f"{W}/job-take-batch/w1?batch_size=zero")
    assert response.status_code == 400
    assert "batch_size must be a positive integer" in response.json()["error"]


async def test_stream_returns_each_chunk_once_while_the_job_runs(http: httpx2.AsyncClient) -> None:
    job_id = await submit(http)
    await take(http)
    for chunk in ("a", "b"):
        await http.post(f"{W}/job-stream/w1/{job_id}?isStream=false", json={"output": chunk})
    first = (await http.get(f"/stream/{job_id}")).json()
    assert first == {"id": job_id, "status": "IN_PROGRESS", "stream": [{"output": "a"}, {"output": "b"}]}
    await http.post(f"{W}/job-stream/w1/{job_id}", json=[{"output": "c"}, {"output": "d"}])
    assert (await http.get(f"/stream/{job_id}")).json()["stream"] == [{"output": "c"}, {"output": "d"}]
    await done(http, job_id, {"output": []})
    assert (await http.get(f"/stream/{job_id}")).json() == {"id": job_id, "status": "COMPLETED", "stream": []}


async def test_stream_is_held_open_until_a_chunk_arrives(http: httpx2.AsyncClient) -> None:
    job_id = await submit(http)
    await take(http)
    got: list[dict[str, Any]] = []

    async def reader() -> None:
        got.append((await http.get(f"/stream/{job_id}")).json())

    with anyio.fail_after(4):
        async with anyio.create_task_group() as tg:
            tg.start_soon(reader)
            await anyio.lowlevel.checkpoint()
            await http.post(f"{W}/job-stream/w1/{job_id}", json={"output": 1})
    assert got[0]["stream"] == [{"output": 1}]


async def test_stream_with_a_bad_body_is_rejected(http: httpx2.AsyncClient) -> None:
    job_id = await submit(http)
    await take(http)
    response = await http.post(f"{W}/job-stream/w1/{job_id}", json={"chunk": 1})
    assert response.status_code == 400


async def test_error_result_fails_the_job(http: httpx2.AsyncClient) -> None:
    job_id = await submit(http)
    await take(http)
    await done(http, job_id, {"error": "model exploded"})
    assert await status(http, job_id) == (await status(http, job_id)) | {"status": "FAILED", "error": "model exploded"}


async def test_structured_error_still_fails_the_job_as_json_text(http: httpx2.AsyncClient) -> None:
    job_id = await submit(http)
    await take(http)
    await done(http, job_id, {"error": {"code": 7}})
    final = await status(http, job_id)
    assert (final["status"], final["error"]) == ("FAILED", '{"code": 7}')


async def test_failed_stream_reports_its_error(http: httpx2.AsyncClient) -> None:
    job_id = await submit(http)
    await take(http)
    await done(http, job_id, {"error": "boom"})
    assert (await http.get(f"/stream/{job_id}")).json()["error"] == "boom"


async def test_progress_update_shows_while_the_job_runs(http: httpx2.AsyncClient) -> None:
    job_id = await submit(http)
    await take(http)
    await done(http, job_id, {"status": "IN_PROGRESS", "output": {"percent": 50}})
    now = await status(http, job_id)
    assert (now["status"], now["output"]) == ("IN_PROGRESS", {"percent": 50})


async def test_cancel_of_a_queued_job_keeps_it_from_any_worker(http: httpx2.AsyncClient) -> None:
    job_id = await submit(http)
    assert (await http.post(f"/cancel/{job_id}")).json() == {"id": job_id, "status": "CANCELLED"}
    assert (await http.get(f"{W}/job-take/w1")).status_code == 204


async def test_cancel_of_a_running_job_is_sent_to_its_worker(http: httpx2.AsyncClient) -> None:
    job_id = await submit(http)
    await take(http)
    await http.post(f"/cancel/{job_id}")
    assert (await http.get(f"{W}/job-stop/w2")).status_code == 204
    response = await http.get(f"{W}/job-stop/w1?gpu=test")
    assert response.json() == {"jobsToStop": [job_id]}
    assert (await http.get(f"{W}/job-stop/w1")).status_code == 204


async def test_late_result_of_a_cancelled_job_is_dropped(http: httpx2.AsyncClient) -> None:
    job_id = await submit(http)
    await take(http)
    await http.post(f"/cancel/{job_id}")
    assert await done(http, job_id, {"output": 1}) == {"accepted": False}
    late_chunk = await http.post(f"{W}/job-stream/w1/{job_id}", json={"output": 1})
    assert late_chunk.json() == {"accepted": False}
    assert (await status(http, job_id))["status"] == "CANCELLED"


async def test_cancel_of_a_finished_job_changes_nothing(http: httpx2.AsyncClient) -> None:
    job_id = await submit(http)
    await take(http)
    await done(http, job_id, {"output": 1})
    assert (await http.post(f"/cancel/{job_id}")).json()["status"] == "COMPLETED"


async def test_retry_queues_a_failed_job_again(http: httpx2.AsyncClient) -> None:
    job_id = await submit(http, {"try": 1})
    await take(http)
    await done(http, job_id, {"error": "flaky"})
    assert (await http.post(f"/retry/{job_id}")).json() == {"id": job_id, "status": "IN_QUEUE"}
    assert (await status(http, job_id)) == {"id": job_id, "status": "IN_QUEUE"}
    assert (await take(http))["id"] == job_id
    await done(http, job_id, {"output": "ok"})
    assert (await status(http, job_id))["output"] == "ok"
    assert (await http.get("/health")).json()["jobs"]["retried"] == 1


async def test_retry_of_a_completed_job_is_refused(http: httpx2.AsyncClient) -> None:
    job_id = await submit(http)
    await take(http)
    await done(http, job_id, {"output": 1})
    response = await http.post(f"/retry/{job_id}")
    assert response.status_code == 409
    assert "is COMPLETED; only FAILED or TIMED_OUT jobs can be retried" in response.json()["error"]


async def test_health_counts_jobs_by_state_and_workers(http: httpx2.AsyncClient) -> None:
    done_id, failed_id, running_id = [await submit(http) for _ in range(3)]
    await submit(http)
    for job_id, body in ((done_id, {"output": 1}), (failed_id, {"error": "x"})):
        assert (await take(http))["id"] == job_id
        await done(http, job_id, body)
    assert (await take(http))["id"] == running_id
    await http.get(f"{W}/ping/w2?runpod_version=test")
    health = (await http.get("/health")).json()
    assert health["jobs"] == {"completed": 1, "failed": 1, "inProgress": 1, "inQueue": 1, "retried": 0}
    assert (health["workers"]["running"], health["workers"]["idle"]) == (1, 1)


async def test_purge_queue_cancels_only_queued_jobs(http: httpx2.AsyncClient) -> None:
    running = await submit(http)
    await take(http)
    queued = [await submit(http) for _ in range(2)]
    assert (await http.post("/purge-queue")).json() == {"removed": 2, "status": "completed"}
    assert [(await status(http, j))["status"] for j in queued] == ["CANCELLED", "CANCELLED"]
    assert (await status(http, running))["status"] == "IN_PROGRESS"
    assert (await http.get(f"{W}/job-take/w1")).status_code == 204


async def test_execution_timeout_times_the_job_out_and_stops_it(http: httpx2.AsyncClient) -> None:
    job_id = await submit(http, policy={"executionTimeout": 50})
    await take(http)
    with anyio.fail_after(5):
        stop = await http.get(f"{W}/job-stop/w1")
        while stop.status_code == 204:  # each poll is held open server-side until a stop is due
            stop = await http.get(f"{W}/job-stop/w1")
    assert stop.json() == {"jobsToStop": [job_id]}
    assert (await status(http, job_id))["status"] == "TIMED_OUT"
    assert (await http.post(f"/retry/{job_id}")).json()["status"] == "IN_QUEUE"


class Receiver:
    """A webhook receiver that fails its first ``failures`` deliveries and signals each one across threads."""

    def __init__(self, failures: int, expect: int) -> None:
        self.failures = failures
        self.expect = expect
        self.bodies: list[Any] = []
        self.all_arrived = threading.Event()

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            self.bodies.append(await request.json())
            if len(self.bodies) == self.expect:
                self.all_arrived.set()
            if self.failures:
                self.failures -= 1
                return Response(status_code=500)
            return Response(status_code=200)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


class Flag(logging.Handler):
    """Set an event when a log message contains ``text``."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.seen = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.seen.set()


@pytest.mark.parametrize("failures", [0, 2])
async def test_webhook_gets_the_status_body_and_is_retried(http: httpx2.AsyncClient, serve_asgi, failures: int) -> None:
    receiver = Receiver(failures, expect=failures + 1)
    hook = serve_asgi(receiver.app()) + "/hook?token=t"
    job_id = await submit(http, webhook=hook)
    await take(http)
    await done(http, job_id, {"output": {"ok": True}})
    final = await status(http, job_id)
    assert await anyio.to_thread.run_sync(receiver.all_arrived.wait, 5)
    assert receiver.bodies == [final] * (failures + 1)


async def test_webhook_gives_up_after_its_retries_without_logging_its_query(
    http: httpx2.AsyncClient, serve_asgi, caplog
) -> None:
    caplog.set_level(logging.INFO, "runpod_worker.devserver")
    flag = Flag("gave up")
    logging.getLogger("runpod_worker.devserver").addHandler(flag)
    try:
        receiver = Receiver(failures=10, expect=3)
        hook = serve_asgi(receiver.app()) + "/hook?token=secret"
        job_id = await submit(http, webhook=hook)
        await take(http)
        await done(http, job_id, {"output": 1})
        assert await anyio.to_thread.run_sync(flag.seen.wait, 5)
    finally:
        logging.getLogger("runpod_worker.devserver").removeHandler(flag)
    assert len(receiver.bodies) == 3
    assert "secret" not in caplog.text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"input": null}', 'the request body has no "input"'),
        (b"[1, 2]", "the request body must be a JSON object"),
        (b"{nope", "the request body is not valid JSON"),
        (b'{"input": {}, "webhook": "ftp://x"}', '"webhook" must be an http(s) URL'),
        (b'{"input": {}, "policy": {"executionTimeout": -1}}', 'executionTimeout" must be a positive number'),
        (b'{"input": {}, "policy": 5}', '"policy" must be an object'),
    ],
)
async def test_bad_run_bodies_are_rejected_with_the_reason(http: httpx2.AsyncClient, body: bytes, message: str) -> None:
    response = await http.post("/run", content=body)
    assert response.status_code == 400
    assert message in response.json()["error"]


async def test_unknown_job_is_404_with_the_id(http: httpx2.AsyncClient) -> None:
    response = await http.get("/status/nope")
    assert response.status_code == 404
    assert response.json() == {"error": "no job with id 'nope'"}


async def test_result_for_an_unknown_job_is_404(http: httpx2.AsyncClient) -> None:
    response = await http.post(f"{W}/job-done/w1/nope", json={"output": 1})
    assert response.status_code == 404


async def test_result_that_is_not_an_object_is_400(http: httpx2.AsyncClient) -> None:
    job_id = await submit(http)
    await take(http)
    response = await http.post(f"{W}/job-done/w1/{job_id}", json=[1])
    assert response.status_code == 400


async def test_unknown_route_and_wrong_method_answer_json(http: httpx2.AsyncClient) -> None:
    missing = await http.get("/nowhere")
    assert (missing.status_code, missing.json()) == (404, {"error": "Not Found: GET /nowhere"})
    wrong = await http.get("/run")
    assert wrong.status_code == 405
    assert wrong.json() == {"error": "Method Not Allowed: GET /run"}


async def test_bad_wait_is_rejected(http: httpx2.AsyncClient) -> None:
    assert (await http.post("/runsync?wait=soon", json={"input": {}})).status_code == 400


class Prompt(BaseModel):
    text: str
    steps: int = 20


class Batch(BaseModel):
    prompts: list[Prompt]


def typed(batch: Batch) -> dict:
    return {}


async def test_openapi_describes_the_routes_and_the_handlers_input(serve_asgi) -> None:
    spec = input_spec(typed)
    assert spec is not None
    base = serve_asgi(create_app(input_schema=spec.json_schema(REF_TEMPLATE)))
    async with httpx2.AsyncClient(base_url=base) as http:
        document = (await http.get("/openapi.json")).json()
        page = (await http.get("/docs")).text
        root = await http.get("/", follow_redirects=False)
    schemas = document["components"]["schemas"]
    assert schemas["JobInput"]["properties"]["prompts"]["items"] == {"$ref": "#/components/schemas/Prompt"}
    assert schemas["Prompt"]["required"] == ["text"]
    assert {"/run", "/runsync", "/status/{job_id}", "/stream/{job_id}", "/cancel/{job_id}", "/retry/{job_id}"} <= set(
        document["paths"]
    )
    assert "/v2/{endpoint_id}/job-take/{worker_id}" in document["paths"]
    assert "&quot;prompts&quot;" in page and "&quot;steps&quot;" in page and "/purge-queue" in page
    assert (root.status_code, root.headers["location"]) == (307, "/docs")


async def test_openapi_without_a_declared_input_accepts_any_json(http: httpx2.AsyncClient) -> None:
    document = (await http.get("/openapi.json")).json()
    assert "type" not in document["components"]["schemas"]["JobInput"]
