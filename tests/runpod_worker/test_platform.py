"""Exact fault sequences for the platform client, through httpx2's MockTransport."""

from collections.abc import Callable

import httpx2
import pytest

from runpod_worker import RetryPolicy, WorkerConfig
from runpod_worker._http import HTTPClient
from runpod_worker._platform import Platform, is_retryable

pytestmark = pytest.mark.anyio

ENV = {
    "RUNPOD_WEBHOOK_GET_JOB": "http://queue.test/v2/ep/job-take/$ID?gpu=t",
    "RUNPOD_WEBHOOK_POST_OUTPUT": "http://queue.test/v2/ep/job-done/$RUNPOD_POD_ID/$ID?gpu=t",
    "RUNPOD_POD_ID": "w1",
}
NO_WAIT = RetryPolicy(initial_delay=0.001, max_delay=0.002, budget=5)


def platform(
    replies: list[Callable[[httpx2.Request], httpx2.Response] | int], policy: RetryPolicy = NO_WAIT
) -> tuple[Platform, list[httpx2.Request]]:
    seen: list[httpx2.Request] = []
    script = list(replies)

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        step = script.pop(0)
        return step(request) if callable(step) else httpx2.Response(step, content=b"server says no")

    client = HTTPClient(headers={}, transport=httpx2.MockTransport(handler))
    return Platform(client, WorkerConfig.from_env(ENV), post_retry=policy, take_timeout=1), seen


def fail(exc: Exception) -> Callable[[httpx2.Request], httpx2.Response]:
    def step(request: httpx2.Request) -> httpx2.Response:
        raise exc

    return step


async def test_post_retries_503_then_delivers() -> None:
    client, seen = platform([503, 503, 200])
    outcome = await client.post_result("j1", b"{}", is_stream=False)
    assert outcome.delivered and outcome.attempts == 3 and len(seen) == 3


async def test_post_retries_connection_errors_and_timeouts() -> None:
    client, seen = platform([fail(httpx2.ConnectError("refused")), fail(httpx2.ReadTimeout("slow")), 200])
    outcome = await client.post_result("j1", b"{}", is_stream=False)
    assert outcome.delivered and outcome.attempts == 3


async def test_post_4xx_is_final_and_says_why() -> None:
    client, seen = platform([413])
    outcome = await client.post_result("j1", b"{}", is_stream=True)
    assert (outcome.delivered, outcome.rejected, outcome.status) == (False, True, 413)
    assert outcome.reason == "HTTP 413: server says no"
    assert len(seen) == 1
    assert str(seen[0].url) == "http://queue.test/v2/ep/job-done/w1/j1?gpu=t&isStream=true"


async def test_post_gives_up_when_the_budget_is_spent() -> None:
    policy = RetryPolicy(initial_delay=0.05, max_delay=0.05, jitter=0, budget=0.12)
    client, seen = platform([503] * 10, policy)
    outcome = await client.post_result("j1", b"{}", is_stream=False)
    assert not outcome.delivered and not outcome.rejected
    assert outcome.attempts == 3 and outcome.reason == "HTTP 503: server says no"


async def test_post_that_never_got_a_reply_reports_the_connection_error() -> None:
    policy = RetryPolicy(initial_delay=0.01, max_delay=0.01, jitter=0, budget=0)
    client, _ = platform([fail(httpx2.ConnectError("refused"))], policy)
    outcome = await client.post_result("j1", b"{}", is_stream=False)
    assert outcome.status is None and "ConnectError" in outcome.reason


async def test_take_connection_error_is_a_problem_not_an_exception() -> None:
    client, _ = platform([fail(httpx2.ConnectError("refused"))])
    reply = await client.take(1, jobs_in_progress=False)
    assert reply.jobs == () and "ConnectError: refused" in (reply.problem or "")


async def test_take_timeout_means_no_job() -> None:
    client, _ = platform([fail(httpx2.ReadTimeout("held"))])
    reply = await client.take(1, jobs_in_progress=False)
    assert reply.jobs == () and reply.problem is None


async def test_stop_poll_errors_and_timeouts() -> None:
    client, seen = platform([fail(httpx2.ReadTimeout("held")), fail(httpx2.ConnectError("refused")), 503])
    assert (await client.poll_stop()).problem is None
    assert (await client.poll_stop()).is_error
    assert (await client.poll_stop()).is_error
    assert str(seen[0].url) == "http://queue.test/v2/ep/job-stop/w1?gpu=t"


@pytest.mark.parametrize(
    ("status", "retry"),
    [(500, True), (599, True), (429, True), (408, True), (400, False), (404, False), (413, False), (302, False)],
)
def test_which_statuses_are_worth_retrying(status: int, retry: bool) -> None:
    assert is_retryable(status) is retry
