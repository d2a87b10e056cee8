"""The base of every resource namespace (`client.pods`, `client.templates`...), sync and async."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from ._types import NOT_GIVEN, NotGiven, TimeoutTypes

if TYPE_CHECKING:
    from ._backends import Backend, Plan
    from ._client import AsyncRunpod, Runpod

__all__ = ("AsyncAPIResource", "SyncAPIResource", "require_id")

T = TypeVar("T")


def require_id(name: str, value: str) -> str:
    """Fail early, naming the argument, when an id is empty (it would address the wrong thing)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value


class SyncAPIResource:
    """A namespace of blocking methods; each runs a backend plan through the client."""

    def __init__(self, client: Runpod) -> None:
        self._client = client

    @property
    def _backend(self) -> Backend:
        return self._client._backend

    def _run(
        self,
        plan: Plan[T],
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> T:
        return self._client._run(plan, timeout=timeout, max_retries=max_retries)


class AsyncAPIResource:
    """A namespace of async methods; each runs a backend plan through the client."""

    def __init__(self, client: AsyncRunpod) -> None:
        self._client = client

    @property
    def _backend(self) -> Backend:
        return self._client._backend

    async def _run(
        self,
        plan: Plan[T],
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> T:
        return await self._client._run(plan, timeout=timeout, max_retries=max_retries)
