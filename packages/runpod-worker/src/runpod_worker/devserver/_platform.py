"""The platform's job bookkeeping, in memory: the queue, each job's state, stop requests, webhooks.

Both sides of the dev server call into one :class:`Platform`: clients submit, poll, stream, cancel and retry
jobs; workers take jobs, stream chunks, post results, poll for stop requests and ping. Every wait is
event-driven (a broadcast on each change), so a long-poll answers as soon as there is something to say.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import logging
import time
import uuid
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.abc

from .._http import HTTPClient, HTTPFailure
from .._version import __version__

__all__ = ("TERMINAL", "BadRequestError", "ConflictError", "Job", "Platform", "UnknownJobError")

logger = logging.getLogger(__name__)

TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"})
WORKER_SEEN_WINDOW = 90.0  # seconds a worker counts in /health after its last take or ping
_WEBHOOK_TIME_LIMIT = 10.0
_JSON = {"Content-Type": "application/json"}


class BadRequestError(ValueError):
    """A request body or parameter is malformed (HTTP 400)."""


class UnknownJobError(LookupError):
    """No job has this id (HTTP 404)."""


class ConflictError(ValueError):
    """The job is not in a state that allows the operation (HTTP 409)."""


@dataclasses.dataclass(slots=True, eq=False)
class Job:
    """One job as the platform tracks it."""

    id: str
    input: Any
    webhook: str | None
    execution_timeout: float | None
    submitted_at: float
    status: str = "IN_QUEUE"
    output: Any = None
    has_output: bool = False
    error: str | None = None
    stream: list[Any] = dataclasses.field(default_factory=list)
    streamed: int = 0
    worker_id: str | None = None
    attempt: int = 0
    started_at: float | None = None
    finished_at: float | None = None

    @property
    def is_terminal(self) -> bool:
        """Whether the job has finished, one way or another."""
        return self.status in TERMINAL

    def status_body(self) -> dict[str, Any]:
        """The ``/status`` answer (also the webhook body)."""
        body: dict[str, Any] = {"id": self.id, "status": self.status}
        if self.started_at is not None:
            body["delayTime"] = round((self.started_at - self.submitted_at) * 1000)
            if self.finished_at is not None:
                body["executionTime"] = round((self.finished_at - self.started_at) * 1000)
        if self.worker_id is not None:
            body["workerId"] = self.worker_id
        if self.has_output:
            body["output"] = self.output
        if self.error is not None:
            body["error"] = self.error
        return body

    def work_item(self) -> dict[str, Any]:
        """What a worker receives from job-take."""
        item: dict[str, Any] = {"id": self.id, "input": self.input}
        if self.webhook:
            item["webhook"] = self.webhook
        return item


class Platform:
    """The in-memory job queue and job store behind the dev server.

    Use it inside ``async with platform.running():``, which owns the background tasks (webhook deliveries,
    execution timeouts) and releases every long-poll when it ends.
    """

    def __init__(
        self,
        *,
        webhook_delays: Sequence[float] = (1.0, 2.0),
        retention: float = 1800.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create an empty platform.

        Args:
            webhook_delays: seconds to wait before each retry of a failed webhook delivery (so two retries,
                three attempts, by default).
            retention: seconds a finished job stays queryable (the platform keeps ``/run`` results about
                30 minutes); older ones are forgotten when new jobs arrive, so memory stays bounded.
            clock: the monotonic clock used for delay and execution times.
        """
        self.jobs: dict[str, Job] = {}
        self.retention = retention
        self.retried = 0
        self.webhook_delays = tuple(webhook_delays)
        self._clock = clock
        self._queue: collections.deque[Job] = collections.deque()
        self._stops: dict[str, list[str]] = collections.defaultdict(list)
        self._workers: dict[str, float] = {}
        self._changed = anyio.Event()
        self._closing = False
        self._tg: anyio.abc.TaskGroup | None = None
        self._http: HTTPClient | None = None

    @asynccontextmanager
    async def running(self) -> AsyncGenerator[Platform]:
        """Run the background tasks; on exit, release waiting long-polls and stop pending deliveries."""
        http = HTTPClient(headers={"User-Agent": f"runpod-worker-devserver/{__version__}"})
        try:
            async with anyio.create_task_group() as tg:
                self._tg, self._http, self._closing = tg, http, False
                try:
                    yield self
                finally:
                    self.close()
                    tg.cancel_scope.cancel()
                    self._tg = self._http = None
        finally:
            with anyio.CancelScope(shield=True):
                await http.aclose()

    def close(self) -> None:
        """Release every long-poll now (they answer as if nothing came), and keep later ones from waiting.

        Call it before shutting the HTTP server down, so the server need not wait for held requests.
        """
        self._closing = True
        self._notify()

    # -- client side -------------------------------------------------------------------------------------

    def submit(self, body: object) -> Job:
        """Queue a job from a ``/run`` or ``/runsync`` body.

        Raises:
            BadRequestError: the body is not an object with an ``input``, or ``webhook``/``policy`` are malformed.
        """
        if not isinstance(body, Mapping):
            raise BadRequestError('the request body must be a JSON object like {"input": {...}}')
        if body.get("input") is None:
            raise BadRequestError('the request body has no "input": send {"input": {...}}')
        webhook = body.get("webhook")
        if webhook is not None and not (isinstance(webhook, str) and webhook.startswith(("http://", "https://"))):
            raise BadRequestError(f'"webhook" must be an http(s) URL, got {webhook!r}')
        self._forget_old_jobs()
        job = Job(
            id=str(uuid.uuid4()),
            input=body["input"],
            webhook=webhook,
            execution_timeout=_execution_timeout(body.get("policy")),
            submitted_at=self._clock(),
        )
        self.jobs[job.id] = job
        self._queue.append(job)
        logger.debug("job %s queued", job.id)
        self._notify()
        return job

    def get(self, job_id: str) -> Job:
        """The job with this id.

        Raises:
            UnknownJobError: no such job.
        """
        try:
            return self.jobs[job_id]
        except KeyError:
            raise UnknownJobError(f"no job with id {job_id!r}") from None

    async def wait_finished(self, job: Job, hold: float) -> None:
        """Wait until ``job`` is terminal or ``hold`` seconds pass."""
        await self._wait_until(lambda: job.is_terminal, hold)

    async def next_chunks(self, job: Job, hold: float) -> list[Any]:
        """Stream chunks not yet handed out; waits up to ``hold`` seconds for one unless the job has finished."""
        await self._wait_until(lambda: len(job.stream) > job.streamed or job.is_terminal, hold)
        chunks = job.stream[job.streamed :]
        job.streamed = len(job.stream)
        return chunks

    def cancel(self, job: Job) -> Job:
        """Cancel a queued or running job (a running one is also signalled to its worker through job-stop)."""
        if job.is_terminal:
            return job
        if job.status == "IN_QUEUE":
            self._queue.remove(job)
        elif job.worker_id is not None:
            self._stops[job.worker_id].append(job.id)
        self._finish(job, "CANCELLED")
        return job

    def retry(self, job: Job) -> Job:
        """Queue a FAILED or TIMED_OUT job again, under the same id.

        Raises:
            ConflictError: the job is in any other state.
        """
        if job.status not in ("FAILED", "TIMED_OUT"):
            raise ConflictError(f"job {job.id!r} is {job.status}; only FAILED or TIMED_OUT jobs can be retried")
        job.status, job.output, job.has_output, job.error = "IN_QUEUE", None, False, None
        job.stream.clear()
        job.streamed = 0
        job.worker_id = job.started_at = job.finished_at = None
        job.submitted_at = self._clock()
        self.retried += 1
        self._queue.append(job)
        logger.debug("job %s queued again (retry)", job.id)
        self._notify()
        return job

    def purge(self) -> int:
        """Cancel every queued job; running jobs are left alone. Returns how many were removed."""
        queued = list(self._queue)
        for job in queued:
            self.cancel(job)
        return len(queued)

    def health(self) -> dict[str, Any]:
        """Job counts by state and worker counts, in the platform's ``/health`` shape."""
        counts = collections.Counter(job.status for job in self.jobs.values())
        now = self._clock()
        seen = {w for w, at in self._workers.items() if now - at <= WORKER_SEEN_WINDOW}
        running = {job.worker_id for job in self.jobs.values() if job.status == "IN_PROGRESS"} & seen
        return {
            "jobs": {
                "completed": counts["COMPLETED"],
                "failed": counts["FAILED"] + counts["TIMED_OUT"],
                "inProgress": counts["IN_PROGRESS"],
                "inQueue": counts["IN_QUEUE"],
                "retried": self.retried,
            },
            "workers": {
                "idle": len(seen - running),
                "initializing": 0,
                "ready": len(seen - running),
                "running": len(running),
                "throttled": 0,
                "unhealthy": 0,
            },
        }

    # -- worker side -------------------------------------------------------------------------------------

    async def take(self, worker_id: str, count: int, hold: float) -> list[Job]:
        """Hand up to ``count`` queued jobs to a worker, waiting up to ``hold`` seconds for the first one."""
        self._workers[worker_id] = self._clock()
        await self._wait_until(lambda: bool(self._queue), hold)
        taken = []
        while self._queue and len(taken) < count:
            job = self._queue.popleft()
            job.status, job.worker_id, job.started_at = "IN_PROGRESS", worker_id, self._clock()
            job.attempt += 1
            if job.execution_timeout is not None and self._tg is not None:
                self._tg.start_soon(self._expire, job, job.attempt, job.execution_timeout)
            logger.debug("job %s taken by worker %s", job.id, worker_id)
            taken.append(job)
        if taken:
            self._notify()
        return taken

    def post_result(self, job_id: str, body: object) -> bool:
        """Record a worker's job-done message: a progress update or the final result.

        Returns:
            False when the job is no longer running (cancelled or timed out): the message is dropped.

        Raises:
            UnknownJobError: no such job.
            BadRequestError: the body is not a JSON object.
        """
        job = self.get(job_id)
        if not isinstance(body, Mapping):
            raise BadRequestError(f"a job-done body must be a JSON object, got {type(body).__name__}")
        if job.status != "IN_PROGRESS":
            logger.info("job %s is %s; its late result is dropped", job.id, job.status)
            return False
        if body.get("status") == "IN_PROGRESS":
            job.output, job.has_output = body.get("output"), "output" in body
            self._notify()
            return True
        if "output" in body:
            job.output, job.has_output = body["output"], True
        error = body.get("error")
        if error:
            job.error = error if isinstance(error, str) else json.dumps(error)
        self._finish(job, "FAILED" if error else "COMPLETED")
        return True

    def post_chunks(self, job_id: str, body: object) -> bool:
        """Record a worker's job-stream message: ``{"output": chunk}`` or a list of them.

        Returns:
            False when the job is no longer running: the chunks are dropped.
        """
        job = self.get(job_id)
        items = body if isinstance(body, list) else [body]
        if not all(isinstance(item, Mapping) and "output" in item for item in items):
            raise BadRequestError('a job-stream body must be {"output": chunk} or a list of them')
        if job.status != "IN_PROGRESS":
            return False
        job.stream.extend(item["output"] for item in items)
        self._notify()
        return True

    async def stop_requests(self, worker_id: str, hold: float) -> list[str]:
        """Job ids this worker must stop, waiting up to ``hold`` seconds for one."""
        self._workers[worker_id] = self._clock()
        await self._wait_until(lambda: bool(self._stops.get(worker_id)), hold)
        return self._stops.pop(worker_id, [])

    def ping(self, worker_id: str) -> None:
        """Note that a worker is alive."""
        self._workers[worker_id] = self._clock()

    # -- internals ---------------------------------------------------------------------------------------

    def _finish(self, job: Job, status: str) -> None:
        job.status, job.finished_at = status, self._clock()
        logger.debug("job %s %s", job.id, status)
        if job.webhook and self._tg is not None:
            self._tg.start_soon(self._deliver, job.webhook, job.status_body())
        self._notify()

    async def _expire(self, job: Job, attempt: int, seconds: float) -> None:
        await anyio.sleep(seconds)
        if job.status == "IN_PROGRESS" and job.attempt == attempt:
            if job.worker_id is not None:
                self._stops[job.worker_id].append(job.id)
            self._finish(job, "TIMED_OUT")

    async def _deliver(self, url: str, body: dict[str, Any]) -> None:
        assert self._http is not None
        shown = url.split("?", 1)[0]
        content = json.dumps(body, ensure_ascii=False).encode()
        for attempt, delay in enumerate((0.0, *self.webhook_delays), start=1):
            await anyio.sleep(delay)
            try:
                reply = await self._http.post(url, content, headers=_JSON, time_limit=_WEBHOOK_TIME_LIMIT)
            except HTTPFailure as exc:
                problem = str(exc)
            else:
                if 200 <= reply.status < 300:
                    logger.info("webhook for job %s delivered to %s", body["id"], shown)
                    return
                problem = f"HTTP {reply.status}"
            logger.warning("webhook for job %s to %s failed (attempt %d): %s", body["id"], shown, attempt, problem)
        logger.error("webhook for job %s to %s gave up after %d attempts", body["id"], shown, attempt)

    def _forget_old_jobs(self) -> None:
        cutoff = self._clock() - self.retention
        expired = [j.id for j in self.jobs.values() if j.finished_at is not None and j.finished_at < cutoff]
        for job_id in expired:
            del self.jobs[job_id]

    def _notify(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    async def _wait_until(self, ready: Callable[[], bool], hold: float) -> None:
        with anyio.move_on_after(hold):
            while not (ready() or self._closing):
                await self._changed.wait()


def _execution_timeout(policy: object) -> float | None:
    if policy is None:
        return None
    if not isinstance(policy, Mapping):
        raise BadRequestError(f'"policy" must be an object, got {policy!r}')
    value = policy.get("executionTimeout")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise BadRequestError(f'"policy.executionTimeout" must be a positive number of milliseconds, got {value!r}')
    return value / 1000
