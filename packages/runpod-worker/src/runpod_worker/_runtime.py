"""The job loop: take jobs while slots are free, run each in its own task, post every result.

One anyio task group holds it all:
- the fetch loop asks for as many jobs as there are free slots, as soon as a slot frees;
- the stop loop long-polls job-stop and cancels the jobs it names (they get no result);
- each job runs in its own task: the handler inside a cancel scope (job timeout, shutdown deadline), its stream
  chunks and progress updates posted in order beside it, then its final result, retried until delivered.

On shutdown the polls are abandoned at once, running jobs get the grace period to finish, and any still
running at its end are cancelled and given an error result.
"""

from __future__ import annotations

import logging
import math
import random
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel
from anyio.abc import TaskGroup

from . import _progress, _protocol
from ._backoff import RetryPolicy
from ._config import WorkerConfig
from ._exceptions import ProtocolError
from ._handlers import Handler, Outcome, run_handler
from ._heartbeat import Heartbeat
from ._logging import current_job
from ._platform import Platform

__all__ = ("Runtime", "RuntimeOptions")

logger = logging.getLogger(__name__)

# A poll that the server held open at least this long was a proper long-poll, not a spin.
_HELD_POLL = 1.0
# An instant "no job" is not an error: back off from it, but never wait longer than this before asking again.
_EMPTY_POLL_CAP = 1.0
# The longest the heartbeat may go on listing a job that has finished.
_STALE_IDS = 0.5
# Stream chunks posted but not yet acknowledged before the generator is made to wait.
_STREAM_WINDOW = 32


@dataclass(frozen=True, slots=True, kw_only=True)
class RuntimeOptions:
    """How the loop behaves; `Worker` builds this from its keyword options."""

    concurrency: int
    concurrency_modifier: Callable[[int], Any] | None
    return_aggregate_stream: bool
    refresh_worker: bool
    job_timeout: float | None
    shutdown_grace_period: float
    poll_backoff: RetryPolicy
    results_window: float
    modifier_interval: float


class _Job:
    """One job this worker has taken and not yet finished with."""

    __slots__ = ("batch_id", "cut", "data", "finished", "handler_scope", "holds_slot", "id", "invalid", "outbox")
    __slots__ += ("posting", "scope", "stopped", "tg")

    def __init__(self, data: dict[str, Any], invalid: str | None = None) -> None:
        self.data = data
        self.id: str = data["id"]
        batch = data.get("batchId")
        self.batch_id: str | None = str(batch) if batch else None
        self.invalid = invalid
        self.scope = anyio.CancelScope()
        self.handler_scope: anyio.CancelScope | None = None
        self.tg: TaskGroup | None = None
        self.outbox: _Outbox | None = None
        self.stopped = False
        self.cut = False
        self.finished = False
        self.holds_slot = False
        self.posting = False


class _Outbox:
    """A job's stream chunks and progress updates, posted one at a time in the order they were made."""

    def __init__(self, platform: Platform, job_id: str) -> None:
        self._platform = platform
        self._job_id = job_id
        self._send, self._receive = anyio.create_memory_object_stream[tuple[str, bytes]](math.inf)
        self._window = anyio.Semaphore(_STREAM_WINDOW)
        self._done = anyio.Event()

    def put_progress(self, body: bytes) -> None:
        self._send.send_nowait(("progress", body))

    async def put_chunk(self, body: bytes) -> None:
        # Bound the chunks waiting to be posted, so a slow platform slows the generator instead of filling memory.
        await self._window.acquire()
        self._send.send_nowait(("chunk", body))

    async def run(self) -> None:
        try:
            async with self._receive:
                async for kind, body in self._receive:
                    if kind == "chunk":
                        outcome = await self._platform.post_chunk(self._job_id, body)
                        self._window.release()
                    else:
                        outcome = await self._platform.post_result(self._job_id, body, is_stream=False)
                    if not outcome.delivered:
                        logger.error("A %s of this job could not be posted: %s", kind, outcome.reason)
        finally:
            self._done.set()

    async def drain(self) -> None:
        """Wait until everything queued so far is posted (or given up)."""
        self._send.close()
        await self._done.wait()


class Runtime:
    """One run of the job loop against one platform, until shutdown."""

    def __init__(
        self,
        handler: Handler,
        options: RuntimeOptions,
        config: WorkerConfig,
        platform: Platform,
        *,
        heartbeat: Heartbeat | None = None,
        version: str,
        rng: random.Random | None = None,
    ) -> None:
        self._handler = handler
        self._opts = options
        self._config = config
        self._platform = platform
        self._heartbeat = heartbeat
        self._version = version
        self._rng = rng or random.Random()
        self._concurrency = options.concurrency
        self._slots = anyio.CapacityLimiter(self._concurrency)
        self._threads = anyio.CapacityLimiter(self._concurrency)
        self._jobs: dict[str, _Job] = {}
        # Jobs whose handler has ended and whose result is on its way: they no longer hold a slot.
        self._posting = 0
        self._ids_stale = False
        self._slot_freed = anyio.Event()
        self._changed = anyio.Event()
        self._jobs_tg: TaskGroup | None = None
        self._polls: anyio.CancelScope | None = None
        self._shutting_down = False
        self._cutting = False
        self._cut_now = False
        self._bad_modifier: str | None = None
        self._loop_thread = 0
        self._token: anyio.lowlevel.EventLoopToken | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------------

    async def run(self, *, handle_signals: bool = False) -> None:
        """Take and run jobs until `shutdown()` (or SIGTERM/SIGINT with `handle_signals`), then drain."""
        self._loop_thread = threading.get_ident()
        self._token = anyio.lowlevel.current_token()
        async with anyio.create_task_group() as outer:
            if handle_signals:
                outer.start_soon(self._watch_signals)
            async with anyio.create_task_group() as jobs:
                self._jobs_tg = jobs
                async with anyio.create_task_group() as polls:
                    self._polls = polls.cancel_scope
                    if self._shutting_down:
                        polls.cancel_scope.cancel()
                    polls.start_soon(self._fetch_loop, name="job-take loop")
                    if self._platform.stop_url is not None:
                        polls.start_soon(self._stop_loop, name="job-stop loop")
                    else:
                        logger.warning("RUNPOD_WEBHOOK_GET_JOB has no '/job-take/' part: job-stop requests are off")
                await self._drain()
            outer.cancel_scope.cancel()

    def shutdown(self, reason: str = "shutdown requested") -> None:
        """Stop taking jobs and abandon the held polls at once; running jobs get the grace period."""
        if self._shutting_down:
            return
        self._shutting_down = True
        running = len(self._jobs)
        logger.info("Shutting down (%s): taking no more jobs, %d still running", reason, running)
        if self._polls is not None:
            self._polls.cancel()

    async def _watch_signals(self) -> None:
        with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async for signum in signals:
                name = signal.Signals(signum).name
                if not self._shutting_down:
                    self.shutdown(f"received {name}")
                else:
                    logger.warning("Received %s again: ending the grace period now", name)
                    self._cut_now = True
                    self._changed.set()

    async def _drain(self) -> None:
        if not self._jobs:
            return
        grace = self._opts.shutdown_grace_period
        logger.info("Waiting up to %g s for %d running job(s) to finish", grace, len(self._jobs))
        with anyio.move_on_after(grace):
            await self._wait_for_jobs(stop_on_cut=True)
        if not self._jobs:
            return
        self._cutting = True
        logger.warning(
            "%d job(s) still running at the end of the shutdown grace period: %s; failing them",
            len(self._jobs),
            ", ".join(self._jobs),
        )
        for job in list(self._jobs.values()):
            job.cut = True
            if job.handler_scope is not None:
                job.handler_scope.cancel()
        with anyio.move_on_after(self._opts.results_window):
            await self._wait_for_jobs(stop_on_cut=False)
        if self._jobs:
            logger.error("Gave up posting the results of job(s) %s: the worker is exiting", ", ".join(self._jobs))
            assert self._jobs_tg is not None
            self._jobs_tg.cancel_scope.cancel()

    async def _wait_for_jobs(self, *, stop_on_cut: bool) -> None:
        while self._jobs and not (stop_on_cut and self._cut_now):
            self._changed = anyio.Event()
            await self._changed.wait()

    # -- concurrency ---------------------------------------------------------------------------------------------

    def _apply_modifier(self) -> None:
        modifier = self._opts.concurrency_modifier
        if modifier is None:
            return
        try:
            value = modifier(self._concurrency)
        except Exception as exc:
            problem = f"raised {type(exc).__name__}: {exc}"
        else:
            if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
                self._bad_modifier = None
                if value != self._concurrency:
                    self._set_concurrency(value)
                return
            problem = f"returned {value!r}, which is not a positive integer"
        if problem != self._bad_modifier:
            logger.warning("concurrency_modifier %s; keeping concurrency %d", problem, self._concurrency)
            self._bad_modifier = problem

    def _set_concurrency(self, value: int) -> None:
        logger.info("Concurrency changed from %d to %d", self._concurrency, value)
        self._concurrency = value
        self._slots.total_tokens = value
        self._threads.total_tokens = value

    # -- taking jobs ---------------------------------------------------------------------------------------------

    async def _fetch_loop(self) -> None:
        failures = 0
        last_problem: str | None = None
        while True:
            self._apply_modifier()
            # Up to `concurrency` results may be on their way while new jobs run, so that posting a result
            # never delays the next take; beyond that, a slow platform holds the worker back.
            free = self._concurrency - len(self._jobs) + min(self._posting, self._concurrency)
            if free <= 0:
                await self._wait_for_slot()
                continue
            if self._ids_stale:
                self._report_jobs()
            started = anyio.current_time()
            reply = await self._platform.take(free, jobs_in_progress=bool(self._jobs))
            elapsed = anyio.current_time() - started
            for item in reply.dropped:
                logger.error("job-take handed out %s; no result can be posted for it", item)
            for job_id, reason in reply.invalid:
                logger.error("Job %s cannot run: %s", job_id, reason)
                self._start_job({"id": job_id}, invalid=reason)
            for data in reply.jobs:
                self._start_job(data)
            if reply.jobs or reply.invalid:
                # The heartbeat must list new jobs before any of their handlers can hold the GIL: they start
                # only when this task next yields.
                self._report_jobs()
                if failures and last_problem:
                    logger.info("job-take works again after %d failed attempt(s)", failures)
                failures, last_problem = 0, None
                continue
            if reply.problem is None and elapsed >= _HELD_POLL:
                failures = 0
                continue
            failures += 1
            delay = self._opts.poll_backoff.delay(failures, self._rng)
            if reply.problem is None:
                delay = min(delay, _EMPTY_POLL_CAP)
            elif reply.problem != last_problem:
                logger.warning("%s; backing off (attempt %d)", reply.problem, failures)
            else:
                logger.debug("%s; backing off (attempt %d)", reply.problem, failures)
            last_problem = reply.problem or last_problem
            delay = max(delay - elapsed, reply.retry_after or 0.0)
            if delay > 0:
                await anyio.sleep(delay)

    async def _wait_for_slot(self) -> None:
        self._slot_freed = anyio.Event()
        # A concurrency_modifier may raise the limit while every slot is busy: ask it again now and then.
        wait = self._opts.modifier_interval if self._opts.concurrency_modifier else math.inf
        with anyio.move_on_after(wait):
            await self._slot_freed.wait()

    def _start_job(self, data: dict[str, Any], *, invalid: str | None = None) -> None:
        job_id = data["id"]
        if job_id in self._jobs:
            logger.warning("job-take handed out job %s again while it is still in progress; ignored", job_id)
            return
        job = _Job(data, invalid)
        self._jobs[job_id] = job
        assert self._jobs_tg is not None
        self._jobs_tg.start_soon(self._run_job, job, name=f"job {job_id}")

    def _report_jobs(self) -> None:
        """Tell the heartbeat process which jobs are in progress now."""
        self._ids_stale = False
        if self._heartbeat is not None:
            self._heartbeat.update(job_id for job_id, job in self._jobs.items() if not job.stopped)

    def _job_left(self) -> None:
        # An idle worker reports the shorter list at once. A busy one reports it with its next take, or within
        # half a second: one pipe write per burst of finished jobs instead of one per job.
        if not self._jobs or self._shutting_down:
            self._report_jobs()
        elif not self._ids_stale:
            self._ids_stale = True
            assert self._jobs_tg is not None
            self._jobs_tg.start_soon(self._report_stale_jobs)

    async def _report_stale_jobs(self) -> None:
        await anyio.sleep(_STALE_IDS)
        if self._ids_stale:
            self._report_jobs()

    # -- stopping jobs -------------------------------------------------------------------------------------------

    async def _stop_loop(self) -> None:
        failures = 0
        last_problem: str | None = None
        while True:
            started = anyio.current_time()
            reply = await self._platform.poll_stop()
            elapsed = anyio.current_time() - started
            for job_id in reply.job_ids:
                self._stop_job(job_id)
            if reply.problem and reply.problem != last_problem:
                logger.warning("%s", reply.problem)
            last_problem = reply.problem
            if reply.job_ids or (not reply.is_error and elapsed >= _HELD_POLL):
                failures = 0
                continue
            failures += 1
            delay = self._opts.poll_backoff.delay(failures, self._rng)
            if not reply.is_error:
                delay = min(delay, _EMPTY_POLL_CAP)
            delay = max(delay - elapsed, reply.retry_after or 0.0)
            if delay > 0:
                await anyio.sleep(delay)

    def _stop_job(self, job_id: str) -> None:
        job = self._jobs.get(job_id)
        if job is None or job.stopped:
            logger.debug("job-stop named job %s, which is not running here", job_id)
            return
        token = current_job.set((job.id, job.batch_id))
        try:
            logger.info("Stopping job.")
        finally:
            current_job.reset(token)
        job.stopped = True
        job.scope.cancel()
        self._report_jobs()

    # -- running one job -----------------------------------------------------------------------------------------

    async def _run_job(self, job: _Job) -> None:
        current_job.set((job.id, job.batch_id))
        _progress.register(job.id, self._progress_sink(job))
        try:
            with job.scope:
                result: tuple[bytes, bool] | None = None
                async with anyio.create_task_group() as tg:
                    job.tg = tg
                    result = await self._execute(job)
                    self._handler_done(job)
                    if job.outbox is not None:
                        await job.outbox.drain()
                if result is not None:
                    await self._deliver(job, *result)
            logger.info("Job stopped." if job.stopped else "Finished.")
        finally:
            _progress.unregister(job.id)
            if job.holds_slot:
                self._slots.release_on_behalf_of(job)
            if job.posting:
                self._posting -= 1
            if self._jobs.get(job.id) is job:
                del self._jobs[job.id]
            self._job_left()
            self._slot_freed.set()
            self._changed.set()

    def _handler_done(self, job: _Job) -> None:
        """Free the job's slot as soon as its handler ends: the next take need not wait for the result's post."""
        if self._opts.refresh_worker:
            # This worker is done after one job: stop before the freed slot lets another take start.
            self.shutdown("refresh_worker is set: this worker is done after one job")
        if job.holds_slot:
            self._slots.release_on_behalf_of(job)
            job.holds_slot = False
        job.posting = True
        self._posting += 1
        self._slot_freed.set()

    async def _execute(self, job: _Job) -> tuple[bytes, bool] | None:
        """Run the handler; returns the encoded final body and its `isStream` flag."""
        refresh = self._opts.refresh_worker
        if job.invalid is not None:
            return self._encode(_protocol.error_body(job.invalid, refresh_worker=refresh)), False
        outcome: Outcome | None = None
        with anyio.CancelScope() as scope:
            job.handler_scope = scope
            if self._cutting:
                scope.cancel()
            await self._slots.acquire_on_behalf_of(job)
            job.holds_slot = True
            if self._opts.job_timeout is not None:
                scope.deadline = anyio.current_time() + self._opts.job_timeout
            logger.info("Started.")
            outcome = await run_handler(
                self._handler,
                job.data,
                limiter=self._threads,
                on_chunk=lambda chunk: self._stream_chunk(job, chunk),
                aggregate=self._opts.return_aggregate_stream,
            )
        job.finished = True
        if outcome is None:
            if job.cut:
                grace = self._opts.shutdown_grace_period
                message = (
                    "The worker shut down before this job finished: it was still running when the shutdown "
                    f"grace period of {grace:g} s ended."
                )
            else:
                message = f"Job timed out: the handler ran longer than the job timeout of {self._opts.job_timeout:g} s."
            logger.error("%s", message)
            return self._encode(_protocol.error_body(message, refresh_worker=refresh)), False
        return self._final_body(outcome), outcome.streaming

    def _final_body(self, outcome: Outcome) -> bytes:
        refresh = self._opts.refresh_worker
        if outcome.kind == "raised":
            assert outcome.error is not None
            logger.error("Captured handler exception", exc_info=outcome.error)
            error = _protocol.exception_error(
                outcome.error, hostname=self._config.hostname, worker_id=self._config.worker_id, version=self._version
            )
            return self._encode(_protocol.error_body(error, refresh_worker=refresh))
        if outcome.kind == "streamed" and not outcome.stopped_on_error:
            return self._encode(_protocol.stream_end_body(outcome.chunks, refresh_worker=refresh))
        # A returned value, or the error chunk that ended a stream.
        return self._encode(_protocol.result_body(outcome.value, refresh_worker=refresh))

    def _encode(self, body: dict[str, Any]) -> bytes:
        try:
            return _protocol.encode_body(body)
        except ProtocolError as exc:
            message = f"The handler's result cannot be sent: {exc}"
            logger.error("%s", message)
            return _protocol.encode_body(_protocol.error_body(message, refresh_worker=self._opts.refresh_worker))

    async def _deliver(self, job: _Job, body: bytes, is_stream: bool) -> bool:
        outcome = await self._platform.post_result(job.id, body, is_stream=is_stream)
        if outcome.delivered:
            return True
        if outcome.rejected:
            logger.error(
                "The platform refused this job's result (%s, %s); posting an error result instead",
                outcome.reason,
                _size(len(body)),
            )
            message = (
                f"The platform refused this job's result with HTTP {outcome.status} (the result was "
                f"{_size(len(body))}): {outcome.reason}"
            )
            error = _protocol.error_body(message, refresh_worker=self._opts.refresh_worker)
            outcome = await self._platform.post_result(job.id, _protocol.encode_body(error), is_stream=is_stream)
            if outcome.delivered:
                return True
        logger.error(
            "The result of this job could not be posted after %d attempt(s), it is lost: %s",
            outcome.attempts,
            outcome.reason,
        )
        return False

    # -- streams and progress ------------------------------------------------------------------------------------

    def _outbox(self, job: _Job) -> _Outbox:
        if job.outbox is None:
            job.outbox = _Outbox(self._platform, job.id)
            assert job.tg is not None
            job.tg.start_soon(job.outbox.run, name=f"job {job.id} outbox")
        return job.outbox

    async def _stream_chunk(self, job: _Job, chunk: object) -> None:
        body = _protocol.encode_body({"output": chunk}, what="the stream chunk")
        if self._platform.can_stream:
            await self._outbox(job).put_chunk(body)

    def _progress_sink(self, job: _Job) -> Callable[[object], None]:
        def sink(progress: object) -> None:
            body = _protocol.encode_body(_protocol.progress_body(progress), what="the progress update")
            if threading.get_ident() == self._loop_thread:
                self._queue_progress(job, body)
                return
            try:
                anyio.from_thread.run_sync(self._queue_progress, job, body, token=self._token)
            except RuntimeError:
                logger.warning("A progress update arrived after the worker stopped; ignored")

        return sink

    def _queue_progress(self, job: _Job, body: bytes) -> None:
        if job.finished or job.stopped or job.tg is None:
            logger.warning("A progress update arrived after the job ended; ignored")
            return
        self._outbox(job).put_progress(body)


def _size(count: int) -> str:
    if count < 1024 * 1024:
        return f"{count} bytes"
    return f"{count / (1024 * 1024):.1f} MiB"
