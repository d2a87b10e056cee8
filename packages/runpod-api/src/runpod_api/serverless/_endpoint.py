"""`Endpoint` and `AsyncEndpoint`, `Job` and `AsyncJob`: the serverless endpoint client, one surface twice.

The logic lives in `_plan` as plans that do no I/O; the classes here hold the settings and run the plans,
blocking or awaiting. The request core underneath (`_base_client`) sends, retries and maps errors.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from .._base_client import (
    AsyncAPIClient,
    BaseAPIClient,
    RequestOptions,
    SyncAPIClient,
    core_settings,
    decode_json,
)
from .._config import DEFAULT_ENDPOINT_BASE_URL, ENDPOINT_BASE_URL_ENV, resolve_base_url
from .._exceptions import APIError
from .._retry import RetryPolicy
from .._types import DEFAULT_TIMEOUT, NOT_GIVEN, NotGiven, TimeoutTypes
from . import _plan
from ._models import EndpointHealth, JobPolicy, JobState, JobStatus, PurgeResult, S3Config
from ._plan import Call, Chunk, Deadline, Plan, PollPolicy, Step, Target

if TYPE_CHECKING:
    import httpx2

__all__ = ("DEFAULT_RUN_SYNC_TIMEOUT", "AsyncEndpoint", "AsyncJob", "Endpoint", "Job")

T = TypeVar("T")
CoreT = TypeVar("CoreT", bound=BaseAPIClient)

DEFAULT_RUN_SYNC_TIMEOUT = 300.0
"""How long `run_sync` waits for a job by default, in seconds, in all."""


def _require(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value


def endpoint_base_url(base_url: str | None = None) -> str:
    """The serverless API's base URL: `base_url`, else `RUNPOD_ENDPOINT_BASE_URL`, else the public one.

    Raises:
        ConfigError: The URL is not an absolute http(s) URL.
    """
    return resolve_base_url(base_url, env_var=ENDPOINT_BASE_URL_ENV, default=DEFAULT_ENDPOINT_BASE_URL)


@dataclass(frozen=True, slots=True)
class _Done(Generic[T]):
    value: T


def _advance(plan: Plan[T], answer: Any, error: APIError | None) -> Step | _Done[T]:
    """Move a plan on by one step: send it the last answer (or throw in the last error), get its next step."""
    try:
        return plan.send(answer) if error is None else plan.throw(error)
    except StopIteration as done:
        return _Done(done.value)


class _EndpointBase(Generic[CoreT]):
    """What both endpoint twins share: the endpoint's address, the plans' settings, the I/O-free parts."""

    _target: Target
    _core: CoreT

    def _setup(self, endpoint_id: str, core: CoreT, poll_policy: PollPolicy | None) -> None:
        self._core = core
        self._target = Target(_require("endpoint_id", endpoint_id), core.timeout, poll_policy or PollPolicy())

    @property
    def id(self) -> str:
        """The endpoint's id."""
        return self._target.endpoint_id

    @property
    def base_url(self) -> str:
        """The serverless API's base URL (the endpoint's routes are under `{base_url}/{id}/`)."""
        return self._core.base_url

    @property
    def poll_policy(self) -> PollPolicy:
        """How often a job being waited for is checked."""
        return self._target.poll

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id!r}, base_url={self.base_url!r})"

    def _decode(self, response: Any, options: RequestOptions) -> Any:
        return decode_json(response, secrets=self._core.secrets(options))


class _JobBase:
    """What both job twins share: the job's identity, its last known state, and the plans that update it."""

    _state: JobState | None

    def __init__(self, endpoint: _EndpointBase[Any], job_id: str, state: JobState | None = None) -> None:
        self._target = endpoint._target
        self._id = _require("job_id", job_id)
        self._state = state

    @property
    def id(self) -> str:
        """The job's id."""
        return self._id

    @property
    def endpoint_id(self) -> str:
        """The id of the endpoint the job runs on."""
        return self._target.endpoint_id

    @property
    def last_state(self) -> JobState | None:
        """The state this object last saw (None before it saw any); it does not ask the server."""
        return self._state

    def __repr__(self) -> str:
        status = None if self._state is None else str(self._state.status)
        return f"{type(self).__name__}(id={self._id!r}, endpoint_id={self.endpoint_id!r}, last_status={status!r})"

    def _remember(self, plan: Plan[JobState]) -> Plan[JobState]:
        self._state = yield from plan
        return self._state

    def _fetch_plan(self) -> Plan[JobState]:
        if self._state is not None and self._state.is_terminal:
            return self._state  # a finished job does not change (until `retry`, which updates this)
        return (yield from self._remember(_plan.fetch_state(self._target, self._id)))

    def _output_plan(self, timeout: float | None) -> Plan[Any]:
        deadline = Deadline.after(timeout)
        state = yield from self._remember(_plan.wait(self._target, self._id, self._state, deadline))
        return _plan.result(self._target, state)

    def _stream_plan(self, deadline: Deadline | None) -> Plan[None]:
        state = yield from _plan.stream(self._target, self._id, deadline)
        if state.status != JobStatus.COMPLETED:
            self._state = state
            raise _plan.job_error(self._target, state)
        # Not remembered: `/stream` does not carry the output, so `output()` must still ask `/status`.


class Endpoint(_EndpointBase[SyncAPIClient]):
    """A client for one serverless endpoint: submit jobs, wait for them, stream them, cancel them.

    Settings are read when the client is created:

    - the API key: `api_key`, else the `profile` in `~/.runpod/config.toml`, else `RUNPOD_API_KEY`,
      else the profile named by `RUNPOD_PROFILE` or `default`;
    - the base URL: `base_url`, else `RUNPOD_ENDPOINT_BASE_URL`, else `https://api.runpod.ai/v2`.

    Reads (status, stream, health) and cancels are retried on connection errors, 429 and 5xx; a job
    submission is retried only when it certainly never left this machine, so no job runs twice.

    Example:
        >>> with Endpoint("abc123") as endpoint:  # doctest: +SKIP
        ...     print(endpoint.run_sync({"prompt": "hello"}, timeout=60))
    """

    def __init__(
        self,
        endpoint_id: str,
        *,
        api_key: str | None = None,
        profile: str | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | None = None,
        poll_policy: PollPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx2.Client | None = None,
    ) -> None:
        """Create a client for the endpoint `endpoint_id`.

        Args:
            endpoint_id: The endpoint's id (the `abc123` of `https://api.runpod.ai/v2/abc123/run`).
            api_key: The API key; see the class docstring for where it is looked for otherwise.
            profile: A profile of `~/.runpod/config.toml` to take the key from.
            base_url: The serverless API's base URL, without the endpoint id (a local dev server:
                `http://127.0.0.1:8000/v2`).
            timeout: Time limits of each HTTP request: seconds, a `Timeout`, or None for none. How long a
                job may take is the `timeout` of `run_sync`, `output` and `stream`.
            max_retries: Retries of a failed read or cancel.
            retry_policy: Backoff settings (and how the client sleeps); `max_retries` overrides its count.
            poll_policy: How often a job being waited for is checked.
            default_headers: Headers to send with every request.
            http_client: An `httpx2.Client` to send with (proxies, custom TLS); `close()` leaves it open.

        Raises:
            ConfigError: No API key was found, or the base URL is invalid.
            ValueError: `endpoint_id` is empty.
        """
        settings = core_settings(
            api_key=api_key,
            profile=profile,
            base_url=endpoint_base_url(base_url),
            max_retries=max_retries,
            retry_policy=retry_policy,
        )
        core = SyncAPIClient(**settings, timeout=timeout, default_headers=default_headers, http_client=http_client)
        self._setup(endpoint_id, core, poll_policy)

    @classmethod
    def _from_core(cls, core: SyncAPIClient, endpoint_id: str, *, base_url: str | None = None) -> Endpoint:
        """An endpoint client sharing a control-plane client's key, settings and connections."""
        endpoint = cls.__new__(cls)
        endpoint._setup(endpoint_id, core.copy(base_url=endpoint_base_url(base_url)), None)
        return endpoint

    def run(
        self,
        input: Any,
        *,
        webhook: str | None = None,
        policy: JobPolicy | None = None,
        s3_config: S3Config | None = None,
    ) -> Job:
        """Submit a job and return at once with a handle on it.

        Args:
            input: The job's input (any JSON value), sent as the body's `input` exactly as given.
            webhook: A URL the platform posts the finished job to.
            policy: The job's execution timeout, time to live and priority.
            s3_config: A bucket the worker may upload results to.

        Raises:
            APIStatusError: The platform refused the job (the subclass names the status).
            APIConnectionError: No answer came; the job may or may not have been queued.
        """
        body, secrets = _plan.run_body(input, webhook=webhook, policy=policy, s3_config=s3_config)
        state = self._run(_plan.run(self._target, body, secrets))
        return Job(self, state.id, state)

    def run_sync(
        self,
        input: Any,
        *,
        timeout: float | None = DEFAULT_RUN_SYNC_TIMEOUT,
        webhook: str | None = None,
        policy: JobPolicy | None = None,
        s3_config: S3Config | None = None,
    ) -> Any:
        """Run a job and return its output, waiting at most `timeout` seconds in all.

        The job is submitted with `/runsync`; when that answers before the job has ended, the job is
        polled until it does. The job is not cancelled when the wait runs out.

        Args:
            input: The job's input (any JSON value).
            timeout: Seconds the whole call may take; None waits as long as the job takes.
            webhook: A URL the platform posts the finished job to.
            policy: The job's execution timeout, time to live and priority.
            s3_config: A bucket the worker may upload results to.

        Raises:
            JobFailedError: The job failed; `error` holds what the worker reported.
            JobCancelledError: The job was cancelled.
            JobTimeoutError: The job timed out on the platform, or `timeout` ran out (`job_id` says which
                job, to wait again with `endpoint.job(job_id)`).
            APITimeoutError: `/runsync` gave no answer within `timeout` (no job id is known then).
        """
        body, secrets = _plan.run_body(input, webhook=webhook, policy=policy, s3_config=s3_config)
        state = self._run(_plan.run_sync(self._target, body, secrets, Deadline.after(timeout)))
        return _plan.result(self._target, state)

    def job(self, job_id: str) -> Job:
        """A handle on a job submitted earlier, by id (no request is made)."""
        return Job(self, job_id)

    def health(self) -> EndpointHealth:
        """The endpoint's jobs and workers, counted by state."""
        return self._run(_plan.health(self._target))

    def purge_queue(self) -> PurgeResult:
        """Remove every job still waiting in the queue (running jobs go on)."""
        return self._run(_plan.purge_queue(self._target))

    def close(self) -> None:
        """Close the client's connections (not those of an `http_client` passed in)."""
        self._core.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _iterate(self, plan: Plan[Any]) -> Generator[Any, None, Any]:
        """Run a plan, yielding its chunks; return its result."""
        answer: Any = None
        error: APIError | None = None
        try:
            while True:
                step = _advance(plan, answer, error)
                answer, error = None, None
                if isinstance(step, _Done):
                    return step.value
                if isinstance(step, Chunk):
                    yield step.value
                elif isinstance(step, Call):
                    try:
                        answer = self._decode(self._core.request(step.options), step.options)
                    except APIError as exc:
                        error = exc
                else:
                    self._core.retry_policy.sleep(step.seconds)
        finally:
            plan.close()

    def _run(self, plan: Plan[T]) -> T:
        """Run a plan that yields no chunks; return its result."""
        steps = self._iterate(plan)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value


class Job(_JobBase):
    """A job on a serverless endpoint: ask its status, wait for its output, stream it, cancel or retry it.

    Get one from `Endpoint.run`, or `Endpoint.job(job_id)` for a job submitted earlier.
    """

    def __init__(self, endpoint: Endpoint, job_id: str, state: JobState | None = None) -> None:
        super().__init__(endpoint, job_id, state)
        self._endpoint = endpoint

    def status(self) -> JobStatus | str:
        """Ask the job's status (a finished job's is remembered and not asked again)."""
        return self.fetch().status

    def fetch(self) -> JobState:
        """Ask the job's whole state: status, output or error, timings (remembered once it has finished)."""
        return self._endpoint._run(self._fetch_plan())

    def output(self, timeout: float | None = None) -> Any:
        """Wait until the job ends and return its output.

        Args:
            timeout: Seconds to wait at most; None waits as long as the job takes. The job is polled with
                backoff (see `PollPolicy`).

        Raises:
            JobFailedError: The job failed; `error` holds what the worker reported.
            JobCancelledError: The job was cancelled.
            JobTimeoutError: The job timed out on the platform, or `timeout` ran out (the job goes on).
        """
        return self._endpoint._run(self._output_plan(timeout))

    def stream(self, timeout: float | None = None) -> Iterator[Any]:
        """Iterate over the job's stream: each chunk as it arrives, ending when the job ends.

        Args:
            timeout: Seconds the whole stream may take; None: as long as the job takes.

        Raises:
            JobFailedError: The job failed (after every chunk it produced was given).
            JobCancelledError: The job was cancelled (likewise).
            JobTimeoutError: The job timed out on the platform, or `timeout` ran out.
        """
        return self._endpoint._iterate(self._stream_plan(Deadline.after(timeout)))

    def cancel(self) -> JobStatus | str:
        """Cancel the job if it has not finished; return its status after that (CANCELLED, or how it ended)."""
        return self._endpoint._run(self._remember(_plan.cancel(self._target, self._id))).status

    def retry(self) -> JobStatus | str:
        """Queue a FAILED or TIMED_OUT job again, under the same id; return its new status.

        Raises:
            APIStatusError: The platform refused (the job is in another state).
        """
        return self._endpoint._run(self._remember(_plan.retry(self._target, self._id))).status


class AsyncEndpoint(_EndpointBase[AsyncAPIClient]):
    """The async twin of `Endpoint`: the same settings and methods, awaited (asyncio or trio).

    Example:
        >>> async with AsyncEndpoint("abc123") as endpoint:  # doctest: +SKIP
        ...     job = await endpoint.run({"prompt": "hello"})
        ...     async for chunk in job.stream():
        ...         print(chunk)
    """

    def __init__(
        self,
        endpoint_id: str,
        *,
        api_key: str | None = None,
        profile: str | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | None = None,
        poll_policy: PollPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        """Create a client; the arguments are those of `Endpoint`, with an `httpx2.AsyncClient`.

        Raises:
            ConfigError: No API key was found, or the base URL is invalid.
            ValueError: `endpoint_id` is empty.
        """
        settings = core_settings(
            api_key=api_key,
            profile=profile,
            base_url=endpoint_base_url(base_url),
            max_retries=max_retries,
            retry_policy=retry_policy,
        )
        core = AsyncAPIClient(**settings, timeout=timeout, default_headers=default_headers, http_client=http_client)
        self._setup(endpoint_id, core, poll_policy)

    @classmethod
    def _from_core(cls, core: AsyncAPIClient, endpoint_id: str, *, base_url: str | None = None) -> AsyncEndpoint:
        """An endpoint client sharing a control-plane client's key, settings and connections."""
        endpoint = cls.__new__(cls)
        endpoint._setup(endpoint_id, core.copy(base_url=endpoint_base_url(base_url)), None)
        return endpoint

    async def run(
        self,
        input: Any,
        *,
        webhook: str | None = None,
        policy: JobPolicy | None = None,
        s3_config: S3Config | None = None,
    ) -> AsyncJob:
        """Submit a job and return at once with a handle on it (see `Endpoint.run`)."""
        body, secrets = _plan.run_body(input, webhook=webhook, policy=policy, s3_config=s3_config)
        state = await self._run(_plan.run(self._target, body, secrets))
        return AsyncJob(self, state.id, state)

    async def run_sync(
        self,
        input: Any,
        *,
        timeout: float | None = DEFAULT_RUN_SYNC_TIMEOUT,
        webhook: str | None = None,
        policy: JobPolicy | None = None,
        s3_config: S3Config | None = None,
    ) -> Any:
        """Run a job and return its output, waiting at most `timeout` seconds in all (see `Endpoint.run_sync`)."""
        body, secrets = _plan.run_body(input, webhook=webhook, policy=policy, s3_config=s3_config)
        state = await self._run(_plan.run_sync(self._target, body, secrets, Deadline.after(timeout)))
        return _plan.result(self._target, state)

    def job(self, job_id: str) -> AsyncJob:
        """A handle on a job submitted earlier, by id (no request is made)."""
        return AsyncJob(self, job_id)

    async def health(self) -> EndpointHealth:
        """The endpoint's jobs and workers, counted by state."""
        return await self._run(_plan.health(self._target))

    async def purge_queue(self) -> PurgeResult:
        """Remove every job still waiting in the queue (running jobs go on)."""
        return await self._run(_plan.purge_queue(self._target))

    async def aclose(self) -> None:
        """Close the client's connections (not those of an `http_client` passed in)."""
        await self._core.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _step(self, step: Step) -> tuple[Any, APIError | None]:
        """Carry out a call or a sleep: (the decoded answer, None) or (None, the call's error)."""
        if isinstance(step, Call):
            try:
                return self._decode(await self._core.request(step.options), step.options), None
            except APIError as exc:
                return None, exc
        assert not isinstance(step, Chunk)
        await self._core.retry_policy.async_sleep(step.seconds)
        return None, None

    async def _run(self, plan: Plan[T]) -> T:
        """Run a plan that yields no chunks; return its result."""
        answer: Any = None
        error: APIError | None = None
        try:
            while True:
                step = _advance(plan, answer, error)
                if isinstance(step, _Done):
                    return step.value
                answer, error = await self._step(step)
        finally:
            plan.close()

    async def _iterate(self, plan: Plan[Any]) -> AsyncIterator[Any]:
        """Run a plan, yielding its chunks."""
        answer: Any = None
        error: APIError | None = None
        try:
            while True:
                step = _advance(plan, answer, error)
                if isinstance(step, _Done):
                    return
                if isinstance(step, Chunk):
                    answer, error = None, None
                    yield step.value
                else:
                    answer, error = await self._step(step)
        finally:
            plan.close()


class AsyncJob(_JobBase):
    """The async twin of `Job`: the same methods, awaited; `stream()` is an async iterator."""

    def __init__(self, endpoint: AsyncEndpoint, job_id: str, state: JobState | None = None) -> None:
        super().__init__(endpoint, job_id, state)
        self._endpoint = endpoint

    async def status(self) -> JobStatus | str:
        """Ask the job's status (a finished job's is remembered and not asked again)."""
        return (await self.fetch()).status

    async def fetch(self) -> JobState:
        """Ask the job's whole state: status, output or error, timings (remembered once it has finished)."""
        return await self._endpoint._run(self._fetch_plan())

    async def output(self, timeout: float | None = None) -> Any:
        """Wait until the job ends and return its output (see `Job.output`)."""
        return await self._endpoint._run(self._output_plan(timeout))

    def stream(self, timeout: float | None = None) -> AsyncIterator[Any]:
        """Iterate over the job's stream with `async for`: each chunk as it arrives, ending when the job ends."""
        return self._endpoint._iterate(self._stream_plan(Deadline.after(timeout)))

    async def cancel(self) -> JobStatus | str:
        """Cancel the job if it has not finished; return its status after that."""
        return (await self._endpoint._run(self._remember(_plan.cancel(self._target, self._id)))).status

    async def retry(self) -> JobStatus | str:
        """Queue a FAILED or TIMED_OUT job again, under the same id; return its new status."""
        return (await self._endpoint._run(self._remember(_plan.retry(self._target, self._id)))).status
