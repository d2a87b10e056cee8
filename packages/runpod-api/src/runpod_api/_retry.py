"""When to try a request again, and how long to wait first: pure decisions, no I/O.

What is retried:

- connection failures and timeouts (`APIConnectionError`, `APITimeoutError`);
- HTTP 408, 429 and every 5xx.

A request that is not safe to repeat (a GraphQL mutation, a serverless job submission) is retried only
when the failure proves it never left this machine (`APIConnectionError.may_have_reached_server` is
False): once it may have reached the server, repeating it could create a second pod or run a job twice.

How long to wait: the server's `Retry-After` (seconds or an HTTP date) when it sent one, exactly; else
exponential backoff from `initial_delay`, doubling per retry up to `max_delay`, less a random jitter of up
to `jitter` of the delay so that many clients do not retry in step. A `Retry-After` longer than
`max_retry_after` ends the retries: the error goes to the caller, who can read `retry_after` from it.
"""

from __future__ import annotations

import dataclasses
import random as _random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ._exceptions import APIConnectionError, APIError, APIStatusError

__all__ = ("DEFAULT_MAX_RETRIES", "RETRYABLE_STATUSES", "RetryPolicy", "is_retryable_status", "parse_retry_after")

DEFAULT_MAX_RETRIES = 2
RETRYABLE_STATUSES = frozenset({408, 429})
"""Statuses below 500 that are retried; every status of 500 and above is retried too."""


def is_retryable_status(status_code: int) -> bool:
    """Say whether an HTTP status is worth retrying (408, 429, 5xx)."""
    return status_code in RETRYABLE_STATUSES or status_code >= 500


async def _anyio_sleep(seconds: float) -> None:
    import anyio  # only async clients pay for it, and httpx2's async client has loaded it already

    await anyio.sleep(seconds)


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How a client retries failed requests.

    Give one to a client (`Runpod(retry_policy=RetryPolicy(max_retries=5))`); `max_retries` can also be set
    per client and per call on its own. Tests pass `sleep` and `async_sleep` functions that record the
    delays instead of waiting.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    """Retries after the first attempt; 0 turns retrying off."""
    initial_delay: float = 0.5
    """Backoff before the first retry, in seconds."""
    max_delay: float = 8.0
    """The backoff never grows past this."""
    max_retry_after: float = 60.0
    """A `Retry-After` longer than this is not waited for: the error is raised instead."""
    jitter: float = 0.25
    """Up to this fraction of each backoff is taken off at random."""
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    """How the sync client waits."""
    async_sleep: Callable[[float], Awaitable[None]] = field(default=_anyio_sleep, repr=False, compare=False)
    """How the async client waits."""
    random: Callable[[], float] = field(default=_random.random, repr=False, compare=False)
    """A source of numbers in [0, 1) for the jitter."""

    def __post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise ValueError(f"max_retries must be an integer >= 0, got {self.max_retries!r}")
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)!r}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be between 0 and 1, got {self.jitter!r}")

    def with_max_retries(self, max_retries: int) -> RetryPolicy:
        """Return a copy with another retry count."""
        return dataclasses.replace(self, max_retries=max_retries)

    def is_retryable(self, error: APIError, *, idempotent: bool) -> bool:
        """Say whether this failure is worth another attempt, ignoring how many were made.

        Args:
            error: What the attempt raised.
            idempotent: Whether repeating the request is harmless (a query, a GET).
        """
        if isinstance(error, APIConnectionError):
            return idempotent or not error.may_have_reached_server
        if isinstance(error, APIStatusError):
            return idempotent and is_retryable_status(error.status_code)
        return False

    def backoff(self, retries_done: int) -> float:
        """The wait before retry number `retries_done + 1` when the server gave no `Retry-After`."""
        delay = min(self.max_delay, self.initial_delay * 2.0**retries_done)
        return delay * (1.0 - self.jitter * self.random())

    def next_delay(self, error: APIError, *, retries_done: int, idempotent: bool) -> float | None:
        """Decide about one failure: the seconds to wait before retrying, or None to raise it.

        Args:
            error: What the attempt raised.
            retries_done: How many retries were already made for this request.
            idempotent: Whether repeating the request is harmless.
        """
        if retries_done >= self.max_retries or not self.is_retryable(error, idempotent=idempotent):
            return None
        retry_after = error.retry_after if isinstance(error, APIStatusError) else None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        return self.backoff(retries_done)


def parse_retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Read how long the server asked to wait, in seconds, from `retry-after-ms` or `Retry-After`.

    `Retry-After` may be a number of seconds or an HTTP date. Header names must be lower case. Returns
    None when neither header is present or parseable; a date in the past gives 0.
    """
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            value = float(millis) / 1000.0
        except ValueError:
            value = -1.0
        if 0 <= value < float("inf"):
            return value
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        from email.utils import parsedate_to_datetime  # only when a server sends a date, which is rare

        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    return seconds if 0 <= seconds < float("inf") else None
