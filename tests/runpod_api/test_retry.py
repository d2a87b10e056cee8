"""Retry decisions: what is retried, what never is, and how long to wait."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from runpod_api._exceptions import APIConnectionError, APIStatusError, APITimeoutError, GraphQLError, make_status_error
from runpod_api._retry import RetryPolicy, parse_retry_after


def status(code: int, retry_after: float | None = None) -> APIStatusError:
    return make_status_error("x", status_code=code, retry_after=retry_after)


@pytest.mark.parametrize("code", [408, 429, 500, 502, 503, 504, 599])
def test_retryable_statuses_are_retried_for_queries(code: int) -> None:
    assert RetryPolicy().is_retryable(status(code), idempotent=True)


@pytest.mark.parametrize("code", [400, 401, 403, 404, 409, 422])
def test_client_errors_are_never_retried(code: int) -> None:
    assert not RetryPolicy().is_retryable(status(code), idempotent=True)


@pytest.mark.parametrize("code", [408, 429, 503])
def test_mutation_answered_with_an_error_status_is_not_retried(code: int) -> None:
    assert not RetryPolicy().is_retryable(status(code), idempotent=False)


def test_mutation_that_never_left_is_retried() -> None:
    error = APIConnectionError("refused", may_have_reached_server=False)
    assert RetryPolicy().is_retryable(error, idempotent=False)


def test_mutation_that_may_have_arrived_is_not_retried() -> None:
    error = APITimeoutError("read timeout", may_have_reached_server=True)
    assert not RetryPolicy().is_retryable(error, idempotent=False)
    assert RetryPolicy().is_retryable(error, idempotent=True)


def test_graphql_errors_are_not_retried() -> None:
    assert not RetryPolicy().is_retryable(GraphQLError("x", errors=[]), idempotent=True)


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=3.0, random=lambda: 0.0)
    assert [policy.backoff(n) for n in range(4)] == [0.5, 1.0, 2.0, 3.0]


def test_jitter_takes_off_at_most_its_fraction() -> None:
    policy = RetryPolicy(initial_delay=1.0, jitter=0.25, random=lambda: 0.999999)
    assert 0.75 <= policy.backoff(0) < 0.7501


def test_retry_after_is_waited_exactly() -> None:
    policy = RetryPolicy(random=lambda: 0.5)
    assert policy.next_delay(status(429, retry_after=7.0), retries_done=0, idempotent=True) == 7.0


def test_retry_after_beyond_the_limit_ends_retrying() -> None:
    policy = RetryPolicy(max_retry_after=30.0)
    assert policy.next_delay(status(503, retry_after=31.0), retries_done=0, idempotent=True) is None


def test_no_delay_once_retries_are_spent() -> None:
    policy = RetryPolicy(max_retries=2)
    error = APIConnectionError("reset")
    assert policy.next_delay(error, retries_done=1, idempotent=True) is not None
    assert policy.next_delay(error, retries_done=2, idempotent=True) is None
    assert policy.with_max_retries(0).next_delay(error, retries_done=0, idempotent=True) is None


@pytest.mark.parametrize(
    "kwargs",
    [{"max_retries": -1}, {"max_retries": True}, {"initial_delay": -1}, {"jitter": 1.5}],
    ids=str,
)
def test_invalid_policy_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        RetryPolicy(**kwargs)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": " 1.5 "}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "nope", "retry-after": "2"}, 2.0),
        ({"retry-after": "Wed, 21 Oct 2026 07:28:10 GMT"}, 10.0),
        ({"retry-after": "Wed, 21 Oct 2026 07:27:00 GMT"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "-1"}, None),
        ({"retry-after": "nan"}, None),
        ({}, None),
    ],
)
def test_retry_after_header_forms(headers: dict[str, str], expected: float | None) -> None:
    now = datetime(2026, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert parse_retry_after(headers, now=now) == expected


@pytest.mark.anyio
async def test_default_async_sleep_waits_without_blocking() -> None:
    await RetryPolicy().async_sleep(0)
