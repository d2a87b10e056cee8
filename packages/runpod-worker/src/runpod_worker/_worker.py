"""The front doors: `Worker` for new code, `start(config)` for code written for `runpod.serverless`.

This module imports nothing heavy: anyio and httpx2 load when a worker starts, not when the package is imported.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from ._backoff import RetryPolicy
from ._config import WorkerConfig, parse_log_level
from ._exceptions import ConfigError, FitnessCheckError
from ._typed_input import with_typed_input

if TYPE_CHECKING:
    from ._fitness import FitnessCheck
    from ._http import QueueHTTP
    from ._runtime import Runtime

__all__ = ("Worker", "start")

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Any]

# `runpod.serverless.start` keys that only its local test mode reads; ignored here as they are there in production.
_LOCAL_ONLY_KEYS = frozenset(
    {"jobs_fetcher", "jobs_fetcher_timeout", "jobs_handler", "stop_signals_fetcher", "stop_signals_fetcher_timeout"}
)
_START_KEYS = frozenset({"handler", "concurrency_modifier", "return_aggregate_stream", "refresh_worker", "rp_args"})
_NO_QUEUE = (
    "RUNPOD_WEBHOOK_GET_JOB is not set, so there is no job queue to take jobs from. On Runpod the platform sets "
    "it (with the other RUNPOD_WEBHOOK_* variables); to run against a local queue, point them at one, for example "
    "runpod_worker.testing.JobQueueServer."
)


class Worker:
    """A Runpod serverless worker: takes jobs from the platform's queue, runs the handler, posts every result.

    Example:
        ```python
        from runpod_worker import Worker

        def handler(job):
            return {"greeting": f"hello {job['input']['name']}"}

        Worker(handler, concurrency=4, job_timeout=600).run()
        ```

    Args:
        handler: called with each job dict (`id`, `input` and every other field the queue sent). It may be a
            function or `async` function, a sync or async generator function (each value it yields is
            streamed), or any callable returning one of those.
        concurrency: how many jobs run at once. Sync handlers run in worker threads, so N sync jobs run at once.
        concurrency_modifier: called with the current concurrency before each job-take; returns the new one.
            A change applies at once. A result that is not a positive integer is logged and ignored.
        return_aggregate_stream: a generator's final result lists every chunk it yielded (else `[]`).
        refresh_worker: ask the platform to replace this worker after each job (`stopPod`), and stop taking
            jobs after the first one.
        job_timeout: seconds a job may run before it ends with an error result saying it timed out. A sync
            handler's thread cannot be interrupted: it is abandoned and its result discarded.
        shutdown_grace_period: on SIGTERM or SIGINT, seconds that running jobs get to finish. Jobs still
            running then end with an error result. A second signal ends the grace period at once.
        poll_backoff: waits between job-take and job-stop polls that failed or came back empty at once.
        post_retry: waits between attempts to post a result that failed, and the time budget for them.
        take_timeout: seconds a job-take or job-stop long-poll may stay open before the worker asks again.

    Raises:
        ConfigError: an option has a value the worker cannot use.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        concurrency: int = 1,
        concurrency_modifier: Callable[[int], int] | None = None,
        return_aggregate_stream: bool = False,
        refresh_worker: bool = False,
        job_timeout: float | None = None,
        shutdown_grace_period: float = 30.0,
        poll_backoff: RetryPolicy | None = None,
        post_retry: RetryPolicy | None = None,
        take_timeout: float = 90.0,
    ) -> None:
        if not callable(handler):
            raise ConfigError(f"handler must be callable, got {type(handler).__name__}: {handler!r}")
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ConfigError(f"concurrency must be a positive integer, got {concurrency!r}")
        if concurrency_modifier is not None and not callable(concurrency_modifier):
            raise ConfigError(f"concurrency_modifier must be callable, got {concurrency_modifier!r}")
        if job_timeout is not None and not (_is_number(job_timeout) and job_timeout > 0):
            raise ConfigError(f"job_timeout must be a positive number of seconds or None, got {job_timeout!r}")
        if not (_is_number(shutdown_grace_period) and shutdown_grace_period >= 0):
            raise ConfigError(f"shutdown_grace_period must be zero or more seconds, got {shutdown_grace_period!r}")
        if not (_is_number(take_timeout) and take_timeout > 0):
            raise ConfigError(f"take_timeout must be a positive number of seconds, got {take_timeout!r}")
        self.handler = with_typed_input(handler)
        self.concurrency = concurrency
        self.concurrency_modifier = concurrency_modifier
        self.return_aggregate_stream = bool(return_aggregate_stream)
        self.refresh_worker = bool(refresh_worker)
        self.job_timeout = job_timeout
        self.shutdown_grace_period = shutdown_grace_period
        self.poll_backoff = poll_backoff or RetryPolicy(initial_delay=0.2, max_delay=5.0)
        self.post_retry = post_retry or RetryPolicy(initial_delay=0.5, max_delay=10.0, budget=120.0)
        self.take_timeout = take_timeout
        self._runtime: Runtime | None = None
        self._stop_requested = False
        self._notes: list[str] = []

    @classmethod
    def from_start_config(cls, config: Mapping[str, Any]) -> Worker:
        """A worker from a `runpod.serverless.start` config dict (`handler`, `concurrency_modifier`, ...).

        Raises:
            ConfigError: `handler` is missing or a key has a bad value.
        """
        if not isinstance(config, Mapping):
            raise ConfigError(f"start() takes a dict like {{'handler': handler}}, got {type(config).__name__}")
        if "handler" not in config:
            raise ConfigError("start() needs a 'handler' key: start({'handler': handler})")
        worker = cls(
            config["handler"],
            concurrency_modifier=config.get("concurrency_modifier"),
            return_aggregate_stream=bool(config.get("return_aggregate_stream", False)),
            refresh_worker=bool(config.get("refresh_worker", False)),
        )
        unknown = sorted(set(config) - _START_KEYS - _LOCAL_ONLY_KEYS)
        if unknown:
            worker._notes.append(f"start() ignores config keys it does not know: {', '.join(map(repr, unknown))}")
        return worker

    def run(self, *, environ: Mapping[str, str] | None = None, log_level: str | None = None) -> None:
        """Read the environment, set up logging, and take jobs until SIGTERM or SIGINT; returns after draining.

        First the fitness checks run (the built-in ones `environ` asks for, then those registered with
        `register_fitness_check`): on the first failure the worker reports it to the platform and the process
        exits with code 1 (on another thread than the main one, `FitnessCheckError` is raised instead).

        Python cannot stop a thread: if sync handlers of stopped or timed-out jobs are still running once the
        worker has drained, the process runs its exit handlers and exits with code 0 without waiting for them.

        Args:
            environ: the environment to read (`os.environ` by default).
            log_level: overrides `RUNPOD_LOG_LEVEL` (`DEBUG`, `INFO`, `WARN`, `WARNING` or `ERROR`).

        Raises:
            ConfigError: the environment does not describe a job queue, or a variable is invalid.
            FitnessCheckError: a fitness check failed, when not on the main thread.
        """
        import anyio

        from ._fitness import checks_for, registered_checks
        from ._logging import configure

        environ = os.environ if environ is None else environ
        config = WorkerConfig.from_env(environ)
        level = config.log_level if log_level is None else parse_log_level(log_level, source="--rp_log_level")
        if config.job_take_url is None:
            raise ConfigError(_NO_QUEUE)
        checks = checks_for(environ, registered_checks())
        restore = configure(level, json_lines=config.endpoint_id is not None)
        try:
            for note in self._notes:
                logger.warning("%s", note)
            on_main_thread = threading.current_thread() is threading.main_thread()
            try:
                anyio.run(partial(self._serve, config, handle_signals=on_main_thread, fitness_checks=checks))
            except FitnessCheckError:
                if not on_main_thread:
                    raise
                logger.error("This worker is unfit to take jobs; exiting with code 1")
                _exit_now(1)
            leave_lingering_handlers(on_main_thread=on_main_thread)
        finally:
            restore()

    async def serve(self, config: WorkerConfig | None = None, *, handle_signals: bool = False) -> None:
        """Take and run jobs until `shutdown()` is called (or a signal arrives, with `handle_signals`).

        The async form of `run()` for code that has its own event loop. It sets up no logging and runs no fitness
        checks (the local dev server serves through it); `run()` does both.

        Args:
            config: the platform settings; read from `os.environ` when None.
            handle_signals: shut down gracefully on SIGTERM and SIGINT (only possible on the main thread).

        Raises:
            ConfigError: the settings do not describe a job queue.
        """
        await self._serve(config, handle_signals=handle_signals)

    async def _serve(
        self,
        config: WorkerConfig | None,
        *,
        handle_signals: bool,
        fitness_checks: Sequence[tuple[str, FitnessCheck]] = (),
    ) -> None:
        import platform

        import anyio

        from ._handlers import handler_kind
        from ._heartbeat import Heartbeat
        from ._http import open_client
        from ._platform import Platform
        from ._runtime import Runtime, RuntimeOptions
        from ._version import __version__

        config = config or WorkerConfig.from_env(os.environ)
        if config.job_take_url is None:
            raise ConfigError(_NO_QUEUE)
        user_agent = f"runpod-worker/{__version__} (Python {platform.python_version()}; {sys.platform})"
        headers = {"User-Agent": user_agent}
        if config.api_key:
            headers["Authorization"] = config.api_key
        urls = [url for url in (config.job_take_url, config.job_done_url, config.job_stream_url) if url]
        try:
            http = open_client(headers, urls, os.environ)
        except ValueError as exc:
            raise ConfigError(f"The job queue's requests cannot be sent: {exc}") from None
        heartbeat: Heartbeat | None = None
        try:
            await _check_fitness(fitness_checks, config, http, __version__)
            logger.info(
                "Starting runpod-worker %s: %s handler, concurrency %d, worker %s",
                __version__,
                handler_kind(self.handler),
                self.concurrency,
                config.worker_id,
            )
            if config.heartbeat_enabled:
                heartbeat = Heartbeat.start(
                    config,
                    version=__version__,
                    user_agent=user_agent,
                    log_json=config.endpoint_id is not None,
                    log_level=logging.getLogger("runpod_worker").getEffectiveLevel(),
                )
                await heartbeat.wait_ready()
            else:
                logger.info("Heartbeat off: it needs RUNPOD_WEBHOOK_PING, RUNPOD_POD_ID and RUNPOD_AI_API_KEY")
            platform_ = Platform(http, config, post_retry=self.post_retry, take_timeout=self.take_timeout)
            options = RuntimeOptions(
                concurrency=self.concurrency,
                concurrency_modifier=self.concurrency_modifier,
                return_aggregate_stream=self.return_aggregate_stream,
                refresh_worker=self.refresh_worker,
                job_timeout=self.job_timeout,
                shutdown_grace_period=self.shutdown_grace_period,
                poll_backoff=self.poll_backoff,
                # Results of jobs cut at the deadline get a little more time to reach the platform.
                results_window=min(10.0, max(1.0, self.shutdown_grace_period)),
                modifier_interval=1.0,
            )
            runtime = Runtime(self.handler, options, config, platform_, heartbeat=heartbeat, version=__version__)
            self._runtime = runtime
            if self._stop_requested:
                runtime.shutdown("shutdown() was called before the worker started")
            await runtime.run(handle_signals=handle_signals)
            logger.info("Worker stopped")
        finally:
            self._runtime = None
            self._stop_requested = False
            if heartbeat is not None:
                heartbeat.close()
            with anyio.CancelScope(shield=True):
                await http.aclose()

    def shutdown(self) -> None:
        """Shut down gracefully, as on SIGTERM: no new jobs, running ones get the grace period.

        Call it from the event loop the worker runs on (from another thread, go through `anyio.from_thread`).
        """
        if self._runtime is not None:
            self._runtime.shutdown("shutdown() was called")
        else:
            self._stop_requested = True


def start(config: Mapping[str, Any]) -> None:
    """Run a worker exactly as `runpod.serverless.start(config)` would: the one-line way to move over.

    `config` takes the same keys: `handler` (required), `concurrency_modifier`, `return_aggregate_stream` and
    `refresh_worker`. The environment is read now, when the worker starts. A configuration problem ends the
    process with exit code 1 and a message that says what is wrong.

    Example:
        ```python
        import runpod_worker

        def handler(job):
            return {"echo": job["input"]}

        runpod_worker.start({"handler": handler})
        ```
    """
    from ._args import parse_args

    try:
        args = parse_args(sys.argv[1:])
        worker = Worker.from_start_config(config)
        if args.serve_api:
            from ._local import serve_api

            serve_api(worker, args, environ=os.environ)
            return
        if args.test_input is not None or not os.environ.get("RUNPOD_WEBHOOK_GET_JOB"):
            from ._local import run_test_input, script_dir

            raise SystemExit(run_test_input(worker, args, environ=os.environ, script_dir=script_dir()))
        if args.debugger:
            worker._notes.append("--rp_debugger is not supported by runpod-worker; ignored")
        worker.run(log_level=args.log_level)
    except ConfigError as exc:
        raise SystemExit(f"runpod-worker: {exc}") from None


async def _check_fitness(
    checks: Sequence[tuple[str, FitnessCheck]], config: WorkerConfig, http: QueueHTTP, version: str
) -> None:
    """Run the fitness checks; on the first failure, log it, tell the platform once (at most 2 s), and raise."""
    from ._fitness import REPORT_TIMEOUT, run_checks, unhealthy_url
    from ._http import HTTPFailure

    try:
        await run_checks(checks)
    except FitnessCheckError as failure:
        logger.error("Fitness check %r failed: %s", failure.check, failure.reason, exc_info=failure.__cause__)
        if config.ping_url and config.api_key:
            try:
                reply = await http.get(unhealthy_url(config.ping_url, failure, version), time_limit=REPORT_TIMEOUT)
            except HTTPFailure as exc:
                logger.warning("Could not report the failed check to the platform: %s", exc)
            else:
                logger.info("Reported the failed check to the platform (HTTP %d)", reply.status)
        else:
            logger.warning("Not reporting the failed check: it needs RUNPOD_WEBHOOK_PING and RUNPOD_AI_API_KEY")
        raise


def leave_lingering_handlers(*, on_main_thread: bool) -> None:
    """After the loop has drained, exit at once if sync handlers of stopped jobs are still running in threads.

    Only on the main thread, where ending the process is ours to decide.
    """
    lingering = _running_handler_threads()
    if lingering and on_main_thread:
        logger.warning(
            "%d sync handler(s) of stopped or timed-out jobs are still running; exiting without them", len(lingering)
        )
        _exit_now()


def _running_handler_threads(wait: float = 0.5) -> list[threading.Thread]:
    """Worker threads still running handler code that the worker abandoned (Python cannot kill a thread)."""
    from ._threads import THREAD_NAME

    threads = [t for t in threading.enumerate() if t.name == THREAD_NAME and t.is_alive()]
    deadline = time.monotonic() + wait
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [t for t in threads if t.is_alive()]


def _exit_now(code: int = 0) -> None:
    # The interpreter would wait for other threads at exit (a handler's, or the user's own), possibly for ever,
    # while the platform waits for the process to end. Run the exit handlers (log flushing, the user's atexit
    # functions), then leave without them.
    atexit._run_exitfuncs()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
