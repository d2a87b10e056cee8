"""`client.network_volumes`: list, get, create, update (rename, grow), delete."""

from __future__ import annotations

import builtins

from .._resource import AsyncAPIResource, SyncAPIResource, require_id
from .._types import NOT_GIVEN, NotGiven, TimeoutTypes
from ..types import NetworkVolume, NetworkVolumeParams

__all__ = ("AsyncNetworkVolumes", "NetworkVolumes")


def _update_args(volume_id: str, name: str | None, size: int | None) -> tuple[str, str | None, int | None]:
    require_id("volume_id", volume_id)
    if name is None and size is None:
        raise ValueError("give name or size (or both) to update a network volume")
    if name is not None and not name.strip():
        raise ValueError("name must not be empty")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
        raise ValueError(f"size must be a whole number of GB >= 1, got {size!r}")
    return volume_id, name, size


class NetworkVolumes(SyncAPIResource):
    """Network volumes: `client.network_volumes`."""

    def list(
        self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> builtins.list[NetworkVolume]:
        """Return every network volume of the account."""
        return self._run(self._backend.network_volumes.list(), timeout=timeout, max_retries=max_retries)

    def get(
        self, volume_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> NetworkVolume:
        """Return one network volume.

        Raises:
            NotFoundError: There is no network volume with this id.
        """
        plan = self._backend.network_volumes.get(require_id("volume_id", volume_id))
        return self._run(plan, timeout=timeout, max_retries=max_retries)

    def create(
        self,
        *,
        name: str,
        size: int,
        data_center_id: str,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> NetworkVolume:
        """Create a network volume of `size` GB in a data center (e.g. "EU-RO-1")."""
        params = NetworkVolumeParams(name=name, size=size, data_center_id=data_center_id)
        return self._run(self._backend.network_volumes.create(params), timeout=timeout, max_retries=max_retries)

    def update(
        self,
        volume_id: str,
        *,
        name: str | None = None,
        size: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> NetworkVolume:
        """Rename a network volume or grow it to `size` GB (volumes cannot shrink)."""
        volume_id, name, size = _update_args(volume_id, name, size)
        plan = self._backend.network_volumes.update(volume_id, name=name, size=size)
        return self._run(plan, timeout=timeout, max_retries=max_retries)

    def delete(
        self, volume_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> None:
        """Delete a network volume and everything on it."""
        plan = self._backend.network_volumes.delete(require_id("volume_id", volume_id))
        self._run(plan, timeout=timeout, max_retries=max_retries)


class AsyncNetworkVolumes(AsyncAPIResource):
    """Network volumes: `client.network_volumes` of an `AsyncRunpod`; the methods of `NetworkVolumes`, awaited."""

    async def list(
        self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> builtins.list[NetworkVolume]:
        """Return every network volume of the account."""
        return await self._run(self._backend.network_volumes.list(), timeout=timeout, max_retries=max_retries)

    async def get(
        self, volume_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> NetworkVolume:
        """Return one network volume (see `NetworkVolumes.get`)."""
        plan = self._backend.network_volumes.get(require_id("volume_id", volume_id))
        return await self._run(plan, timeout=timeout, max_retries=max_retries)

    async def create(
        self,
        *,
        name: str,
        size: int,
        data_center_id: str,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> NetworkVolume:
        """Create a network volume of `size` GB in a data center."""
        params = NetworkVolumeParams(name=name, size=size, data_center_id=data_center_id)
        return await self._run(self._backend.network_volumes.create(params), timeout=timeout, max_retries=max_retries)

    async def update(
        self,
        volume_id: str,
        *,
        name: str | None = None,
        size: int | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> NetworkVolume:
        """Rename a network volume or grow it (see `NetworkVolumes.update`)."""
        volume_id, name, size = _update_args(volume_id, name, size)
        plan = self._backend.network_volumes.update(volume_id, name=name, size=size)
        return await self._run(plan, timeout=timeout, max_retries=max_retries)

    async def delete(
        self, volume_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> None:
        """Delete a network volume and everything on it."""
        plan = self._backend.network_volumes.delete(require_id("volume_id", volume_id))
        await self._run(plan, timeout=timeout, max_retries=max_retries)
