"""`Runpod` and `AsyncRunpod`: the control-plane clients, one surface over one request core.

Everything that does no I/O (settings, building a GraphQL request, reading its answer) lives in
`_RunpodBase`; the twins add only running plans and closing. Resource namespaces are cached properties
that import their module on first use, and the GraphQL machinery (gql, graphql-core) is imported by the
first control-plane call, so `import runpod_api` and building a client stay cheap.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from ._base_client import AsyncAPIClient, RequestOptions, SyncAPIClient, core_settings, decode_json
from ._config import API_BASE_URL_ENV, DEFAULT_API_BASE_URL, resolve_base_url
from ._exceptions import RunpodError
from ._http import HTTPResponse, display_url
from ._plan import GraphQLCall, Plan, Sleep
from ._retry import RetryPolicy
from ._types import DEFAULT_TIMEOUT, NOT_GIVEN, NotGiven, Timeout, TimeoutTypes
from .serverless import AsyncEndpoint, Endpoint

if TYPE_CHECKING:
    import httpx2

    from ._backends import Backend
    from ._graphql import Operation
    from .resources.endpoints import AsyncEndpoints, Endpoints
    from .resources.gpus import AsyncGpus, Gpus
    from .resources.network_volumes import AsyncNetworkVolumes, NetworkVolumes
    from .resources.pods import AsyncPods, Pods
    from .resources.registry_auths import AsyncRegistryAuths, RegistryAuths
    from .resources.templates import AsyncTemplates, Templates
    from .resources.user import AsyncUserResource, UserResource

__all__ = ("AsyncRunpod", "Runpod")

T = TypeVar("T")
CoreT = TypeVar("CoreT", SyncAPIClient, AsyncAPIClient)

GRAPHQL_PATH = "/graphql"


def _settings(
    *,
    api_key: str | None,
    profile: str | None,
    base_url: str | None,
    max_retries: int | NotGiven,
    retry_policy: RetryPolicy | None,
) -> dict[str, Any]:
    url = resolve_base_url(base_url, env_var=API_BASE_URL_ENV, default=DEFAULT_API_BASE_URL)
    # RUNPOD_API_BASE_URL holds the base without /graphql (runpod-python's rule); accept the full URL too.
    url = url.removesuffix(GRAPHQL_PATH)
    return core_settings(
        api_key=api_key, profile=profile, base_url=url, max_retries=max_retries, retry_policy=retry_policy
    )


def _string_leaves(value: Any) -> builtins.list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _string_leaves(v)]
    if isinstance(value, builtins.list | tuple):
        return [s for v in value for s in _string_leaves(v)]
    return []


class _RunpodBase(Generic[CoreT]):
    """What both clients share: the backend and the I/O-free halves of a GraphQL call."""

    _backend: Backend

    _core: CoreT

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return self._core.base_url

    @property
    def timeout(self) -> Timeout:
        """The time limits of each request."""
        return self._core.timeout

    @property
    def max_retries(self) -> int:
        """How often a failed query is retried."""
        return self._core.retry_policy.max_retries

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def with_options(
        self,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
    ) -> Self:
        """Return a client with other settings that shares this one's connections.

        Example:
            >>> client.with_options(max_retries=5, timeout=120).pods.list()  # doctest: +SKIP
        """
        clone = object.__new__(type(self))
        policy = self._core.retry_policy
        clone._core = self._core.copy(
            timeout=NOT_GIVEN if isinstance(timeout, NotGiven) else Timeout.of(timeout),
            retry_policy=policy if isinstance(max_retries, NotGiven) else policy.with_max_retries(max_retries),
            default_headers=default_headers,
        )
        clone._backend = self._backend
        return clone

    @staticmethod
    def _default_backend() -> Backend:
        from ._backends.graphql import graphql_backend

        return graphql_backend()

    @staticmethod
    def _operation(step: GraphQLCall) -> Operation:
        from . import _graphql  # the first control-plane call loads gql and graphql-core, not the import

        return _graphql.operation(step.operation)

    @staticmethod
    def _graphql_options(
        operation: Operation,
        variables: Mapping[str, Any],
        secrets: tuple[str, ...],
        timeout: TimeoutTypes | NotGiven,
        max_retries: int | NotGiven,
    ) -> RequestOptions:
        return RequestOptions(
            method="POST",
            path=GRAPHQL_PATH,
            json=operation.payload(variables),
            idempotent=operation.is_query,
            timeout=timeout,
            max_retries=max_retries,
            secrets=secrets,
        )

    @staticmethod
    def _graphql_data(operation: Operation, response: HTTPResponse, secrets: tuple[str, ...]) -> dict[str, Any]:
        from . import _graphql

        return _graphql.read_result(
            decode_json(response, secrets=secrets),
            operation_name=operation.name or "GraphQL operation",
            secrets=secrets,
            method=response.method,
            url=display_url(response.url),
        )

    @staticmethod
    def _adhoc(query: str, operation_name: str | None) -> Operation:
        from . import _graphql

        return _graphql.adhoc_operation(query, operation_name)


class Runpod(_RunpodBase[SyncAPIClient]):
    """A client for Runpod's control plane: pods, GPU types, endpoints, templates, volumes, registry auth, user.

    Settings are read when the client is created:

    - the API key: `api_key`, else the `profile` in `~/.runpod/config.toml`, else `RUNPOD_API_KEY`,
      else the profile named by `RUNPOD_PROFILE` or `default`;
    - the base URL: `base_url`, else `RUNPOD_API_BASE_URL`, else `https://api.runpod.io`.

    Use it as a context manager, or call `close()`, to release its connections.

    Example:
        >>> with Runpod() as client:  # doctest: +SKIP
        ...     for pod in client.pods.list():
        ...         print(pod.id, pod.desired_status)
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        profile: str | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx2.Client | None = None,
    ) -> None:
        """Create a client.

        Args:
            api_key: The API key; see the class docstring for where it is looked for otherwise.
            profile: A profile of `~/.runpod/config.toml` to take the key from.
            base_url: The API's base URL, without `/graphql`.
            timeout: Time limits for each request: seconds, a `Timeout`, or None for none.
            max_retries: Retries of a failed query (mutations are retried only when they never left).
            retry_policy: Backoff settings; `max_retries` overrides its count.
            default_headers: Headers to send with every request.
            http_client: An `httpx2.Client` to send with (proxies, custom TLS); it is not closed by `close()`.

        Raises:
            ConfigError: No API key was found, or a setting is invalid.
        """
        settings = _settings(
            api_key=api_key, profile=profile, base_url=base_url, max_retries=max_retries, retry_policy=retry_policy
        )
        self._core = SyncAPIClient(
            **settings, timeout=timeout, default_headers=default_headers, http_client=http_client
        )
        self._backend = self._default_backend()

    @cached_property
    def pods(self) -> Pods:
        """GPU and CPU pods."""
        from .resources.pods import Pods

        return Pods(self)

    @cached_property
    def gpus(self) -> Gpus:
        """GPU types and their prices."""
        from .resources.gpus import Gpus

        return Gpus(self)

    @cached_property
    def endpoints(self) -> Endpoints:
        """Serverless endpoints (their configuration; jobs go through the serverless endpoint client)."""
        from .resources.endpoints import Endpoints

        return Endpoints(self)

    @cached_property
    def templates(self) -> Templates:
        """Pod and serverless templates."""
        from .resources.templates import Templates

        return Templates(self)

    @cached_property
    def network_volumes(self) -> NetworkVolumes:
        """Network volumes."""
        from .resources.network_volumes import NetworkVolumes

        return NetworkVolumes(self)

    @cached_property
    def registry_auths(self) -> RegistryAuths:
        """Credentials for private container registries."""
        from .resources.registry_auths import RegistryAuths

        return RegistryAuths(self)

    @cached_property
    def user(self) -> UserResource:
        """The account and its settings (SSH keys)."""
        from .resources.user import UserResource

        return UserResource(self)

    def graphql(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> dict[str, Any]:
        """Run any GraphQL operation and return its `data`: the escape hatch for what the resources lack.

        Pass values as `variables`, never inside `query`. Queries are retried like every query; mutations
        only when they never left. Every string among the variables is kept out of error messages.

        Raises:
            ValueError: `query` is not GraphQL or does not hold the operation named.
            GraphQLError: The answer carried errors.
        """
        operation = self._adhoc(query, operation_name)
        secrets = tuple(_string_leaves(variables or {}))
        options = self._graphql_options(operation, variables or {}, secrets, timeout, max_retries)
        response = self._core.request(options)
        return self._graphql_data(operation, response, self._core.secrets(options))

    def _call(self, step: GraphQLCall, timeout: TimeoutTypes | NotGiven, max_retries: int | NotGiven) -> Any:
        operation = self._operation(step)
        options = self._graphql_options(operation, step.variables, step.secrets, timeout, max_retries)
        response = self._core.request(options)
        return self._graphql_data(operation, response, self._core.secrets(options))

    def _run(
        self, plan: Plan[T], *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> T:
        """Run a backend plan: each step's answer is sent back into it, each error thrown into it."""
        answer: Any = None
        error: RunpodError | None = None
        while True:
            try:
                step = plan.send(answer) if error is None else plan.throw(error)
            except StopIteration as done:
                return done.value
            answer, error = None, None
            if isinstance(step, Sleep):
                self._core.retry_policy.sleep(step.seconds)
                continue
            try:
                answer = self._call(step, timeout, max_retries)
            except RunpodError as exc:
                error = exc

    def endpoint(self, endpoint_id: str, *, base_url: str | None = None) -> Endpoint:
        """A client for the jobs of one serverless endpoint (run, run_sync, stream...).

        It shares this client's API key, time limits, retry policy, headers and connections, and lives as
        long as this client. Its base URL: `base_url`, else `RUNPOD_ENDPOINT_BASE_URL`, else the public
        serverless API (`https://api.runpod.ai/v2`).

        Example:
            >>> client.endpoint("abc123").run_sync({"prompt": "hello"}, timeout=60)  # doctest: +SKIP
        """
        return Endpoint._from_core(self._core, endpoint_id, base_url=base_url)

    def close(self) -> None:
        """Close the client's connections (not those of an `http_client` passed in)."""
        self._core.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncRunpod(_RunpodBase[AsyncAPIClient]):
    """The async twin of `Runpod`: the same settings, namespaces and methods, awaited.

    Use it as an async context manager, or call `aclose()`, to release its connections.

    Example:
        >>> async with AsyncRunpod() as client:  # doctest: +SKIP
        ...     pods = await client.pods.list()
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        profile: str | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        max_retries: int | NotGiven = NOT_GIVEN,
        retry_policy: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        """Create a client; the arguments are those of `Runpod`, with an `httpx2.AsyncClient`.

        Raises:
            ConfigError: No API key was found, or a setting is invalid.
        """
        settings = _settings(
            api_key=api_key, profile=profile, base_url=base_url, max_retries=max_retries, retry_policy=retry_policy
        )
        self._core = AsyncAPIClient(
            **settings, timeout=timeout, default_headers=default_headers, http_client=http_client
        )
        self._backend = self._default_backend()

    @cached_property
    def pods(self) -> AsyncPods:
        """GPU and CPU pods."""
        from .resources.pods import AsyncPods

        return AsyncPods(self)

    @cached_property
    def gpus(self) -> AsyncGpus:
        """GPU types and their prices."""
        from .resources.gpus import AsyncGpus

        return AsyncGpus(self)

    @cached_property
    def endpoints(self) -> AsyncEndpoints:
        """Serverless endpoints (their configuration; jobs go through the serverless endpoint client)."""
        from .resources.endpoints import AsyncEndpoints

        return AsyncEndpoints(self)

    @cached_property
    def templates(self) -> AsyncTemplates:
        """Pod and serverless templates."""
        from .resources.templates import AsyncTemplates

        return AsyncTemplates(self)

    @cached_property
    def network_volumes(self) -> AsyncNetworkVolumes:
        """Network volumes."""
        from .resources.network_volumes import AsyncNetworkVolumes

        return AsyncNetworkVolumes(self)

    @cached_property
    def registry_auths(self) -> AsyncRegistryAuths:
        """Credentials for private container registries."""
        from .resources.registry_auths import AsyncRegistryAuths

        return AsyncRegistryAuths(self)

    @cached_property
    def user(self) -> AsyncUserResource:
        """The account and its settings (SSH keys)."""
        from .resources.user import AsyncUserResource

        return AsyncUserResource(self)

    async def graphql(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> dict[str, Any]:
        """Run any GraphQL operation and return its `data` (see `Runpod.graphql`)."""
        operation = self._adhoc(query, operation_name)
        secrets = tuple(_string_leaves(variables or {}))
        options = self._graphql_options(operation, variables or {}, secrets, timeout, max_retries)
        response = await self._core.request(options)
        return self._graphql_data(operation, response, self._core.secrets(options))

    async def _call(self, step: GraphQLCall, timeout: TimeoutTypes | NotGiven, max_retries: int | NotGiven) -> Any:
        operation = self._operation(step)
        options = self._graphql_options(operation, step.variables, step.secrets, timeout, max_retries)
        response = await self._core.request(options)
        return self._graphql_data(operation, response, self._core.secrets(options))

    async def _run(
        self, plan: Plan[T], *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> T:
        """Run a backend plan: each step's answer is sent back into it, each error thrown into it."""
        answer: Any = None
        error: RunpodError | None = None
        while True:
            try:
                step = plan.send(answer) if error is None else plan.throw(error)
            except StopIteration as done:
                return done.value
            answer, error = None, None
            if isinstance(step, Sleep):
                await self._core.retry_policy.async_sleep(step.seconds)
                continue
            try:
                answer = await self._call(step, timeout, max_retries)
            except RunpodError as exc:
                error = exc

    def endpoint(self, endpoint_id: str, *, base_url: str | None = None) -> AsyncEndpoint:
        """A client for the jobs of one serverless endpoint, sharing this client's settings (see `Runpod.endpoint`)."""
        return AsyncEndpoint._from_core(self._core, endpoint_id, base_url=base_url)

    async def aclose(self) -> None:
        """Close the client's connections (not those of an `http_client` passed in)."""
        await self._core.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
