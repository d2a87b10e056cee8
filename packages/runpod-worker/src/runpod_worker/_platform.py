"""The platform's job queue as async calls: take jobs, poll for stops, post results, chunks and progress.

Posts are retried with backoff and jitter on connection errors, timeouts, 408, 429 and 5xx, within the retry
policy's budget. A 4xx is final: it comes back as a rejection that says why, so the caller can fail the job
with that reason instead of losing it.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

import anyio

from . import _protocol
from ._backoff import RetryPolicy
from ._config import WorkerConfig
from ._http import HTTPClient, HTTPFailure, HTTPTimeout, Reply

__all__ = ("Platform", "PostOutcome")

logger = logging.getLogger(__name__)

_POST_TIMEOUT = 60.0
_RETRYABLE = frozenset({408, 425, 429})


@dataclass(frozen=True, slots=True)
class PostOutcome:
    """How a post ended: delivered, refused by the platform (4xx), or given up after retries."""

    delivered: bool
    status: int | None = None
    """The last HTTP status (None when the last attempt got no reply)."""
    reason: str = ""
    """For a failure: the server's message or the connection error."""
    rejected: bool = False
    """The platform answered with a status that retrying cannot change (a 4xx such as payload too large)."""
    attempts: int = 1


def is_retryable(status: int) -> bool:
    """Whether a post that got this status may succeed if sent again."""
    return status >= 500 or status in _RETRYABLE


class Platform:
    """The job queue a worker talks to, as `WorkerConfig` describes it."""

    def __init__(
        self,
        http: HTTPClient,
        config: WorkerConfig,
        *,
        post_retry: RetryPolicy,
        take_timeout: float,
        rng: random.Random | None = None,
    ) -> None:
        assert config.job_take_url is not None and config.job_done_url is not None
        self._http = http
        self._take_url = config.job_take_url
        self._done_url = config.job_done_url
        self._stream_url = config.job_stream_url
        self.stop_url = _protocol.job_stop_url(config.job_take_url)
        self._post_retry = post_retry
        self._take_timeout = take_timeout
        self._rng = rng or random.Random()

    @property
    def can_stream(self) -> bool:
        """Whether stream chunks have somewhere to go (`RUNPOD_WEBHOOK_POST_STREAM` is set)."""
        return self._stream_url is not None

    async def take(self, free_slots: int, *, jobs_in_progress: bool) -> _protocol.TakeReply:
        """Ask for up to `free_slots` jobs (one long-poll); a reply that timed out means no job."""
        url = _protocol.job_take_url(self._take_url, free_slots, jobs_in_progress=jobs_in_progress)
        try:
            reply = await self._http.get(url, time_limit=self._take_timeout)
        except HTTPTimeout:
            return _protocol.TakeReply()
        except HTTPFailure as exc:
            return _protocol.TakeReply(problem=str(exc))
        return _protocol.parse_take_reply(reply.status, reply.content, reply.headers)

    async def poll_stop(self) -> _protocol.StopReply:
        """Ask which running jobs to stop (one long-poll)."""
        assert self.stop_url is not None
        try:
            reply = await self._http.get(self.stop_url, time_limit=self._take_timeout)
        except HTTPTimeout:
            return _protocol.StopReply()
        except HTTPFailure as exc:
            return _protocol.StopReply(problem=str(exc), is_error=True)
        return _protocol.parse_stop_reply(reply.status, reply.content, reply.headers)

    async def post_result(self, job_id: str, body: bytes, *, is_stream: bool) -> PostOutcome:
        """Post a job's final result (or a progress update) to job-done, retrying what may succeed later."""
        url = _protocol.job_url(self._done_url, job_id, is_stream=is_stream)
        return await self._post(url, job_id, body, "job-done")

    async def post_chunk(self, job_id: str, body: bytes) -> PostOutcome:
        """Post one stream chunk to job-stream."""
        assert self._stream_url is not None
        url = _protocol.job_url(self._stream_url, job_id, is_stream=False)
        return await self._post(url, job_id, body, "job-stream")

    async def _post(self, url: str, job_id: str, body: bytes, what: str) -> PostOutcome:
        # The platform's own SDK sends JSON under this content type; the platform expects exactly that.
        headers = {"Content-Type": "application/x-www-form-urlencoded", "charset": "utf-8", "X-Request-ID": job_id}
        started = anyio.current_time()
        attempt = 0
        while True:
            attempt += 1
            reply: Reply | None = None
            try:
                reply = await self._http.post(url, body, headers=headers, time_limit=_POST_TIMEOUT)
            except HTTPFailure as exc:
                reason = str(exc)
            else:
                if 200 <= reply.status < 300:
                    return PostOutcome(delivered=True, status=reply.status, attempts=attempt)
                reason = f"HTTP {reply.status}: {_protocol.excerpt(reply.content)}"
                if not is_retryable(reply.status):
                    return PostOutcome(
                        delivered=False, status=reply.status, reason=reason, rejected=True, attempts=attempt
                    )
            delay = self._post_retry.delay(attempt, self._rng)
            if reply is not None:
                delay = max(delay, _protocol.parse_retry_after(reply.headers.get("retry-after")) or 0.0)
            if not self._post_retry.allows_retry(anyio.current_time() - started, delay):
                return PostOutcome(
                    delivered=False, status=reply.status if reply else None, reason=reason, attempts=attempt
                )
            logger.warning("%s post failed (%s); retrying in %.2f s (attempt %d)", what, reason, delay, attempt + 1)
            await anyio.sleep(delay)
