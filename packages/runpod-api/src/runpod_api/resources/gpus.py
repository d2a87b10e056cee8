"""`client.gpus`: GPU types and their prices."""

from __future__ import annotations

import builtins

from .._resource import AsyncAPIResource, SyncAPIResource, require_id
from .._types import NOT_GIVEN, NotGiven, TimeoutTypes
from ..types import GpuType

__all__ = ("AsyncGpus", "Gpus")


def _check_count(gpu_count: int) -> int:
    if isinstance(gpu_count, bool) or not isinstance(gpu_count, int) or gpu_count < 1:
        raise ValueError(f"gpu_count must be an integer >= 1, got {gpu_count!r}")
    return gpu_count


class Gpus(SyncAPIResource):
    """GPU types: `client.gpus`."""

    def list(
        self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> builtins.list[GpuType]:
        """Return every GPU type Runpod rents out, with its list prices."""
        return self._run(self._backend.gpus.list(), timeout=timeout, max_retries=max_retries)

    def get(
        self,
        gpu_type_id: str,
        *,
        gpu_count: int = 1,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> GpuType:
        """Return one GPU type, with `lowest_price` filled for renting `gpu_count` of them.

        Raises:
            NotFoundError: There is no GPU type with this id.
        """
        plan = self._backend.gpus.get(require_id("gpu_type_id", gpu_type_id), _check_count(gpu_count))
        return self._run(plan, timeout=timeout, max_retries=max_retries)


class AsyncGpus(AsyncAPIResource):
    """GPU types: `client.gpus` of an `AsyncRunpod`; the methods of `Gpus`, awaited."""

    async def list(
        self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> builtins.list[GpuType]:
        """Return every GPU type Runpod rents out, with its list prices."""
        return await self._run(self._backend.gpus.list(), timeout=timeout, max_retries=max_retries)

    async def get(
        self,
        gpu_type_id: str,
        *,
        gpu_count: int = 1,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> GpuType:
        """Return one GPU type with its lowest price for `gpu_count` GPUs (see `Gpus.get`)."""
        plan = self._backend.gpus.get(require_id("gpu_type_id", gpu_type_id), _check_count(gpu_count))
        return await self._run(plan, timeout=timeout, max_retries=max_retries)
