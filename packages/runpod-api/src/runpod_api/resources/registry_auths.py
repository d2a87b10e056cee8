"""`client.registry_auths`: credentials for private container registries (list, create, update, delete)."""

from __future__ import annotations

import builtins

from pydantic import SecretStr

from .._resource import AsyncAPIResource, SyncAPIResource, require_id
from .._types import NOT_GIVEN, NotGiven, TimeoutTypes
from ..types import RegistryAuth, RegistryAuthParams

__all__ = ("AsyncRegistryAuths", "RegistryAuths")


def _params(name: str | None, username: str, password: str) -> RegistryAuthParams:
    if not isinstance(password, str) or not password:
        raise ValueError("password must be a non-empty string")
    return RegistryAuthParams(name=name, username=username, password=SecretStr(password))


class RegistryAuths(SyncAPIResource):
    """Container registry credentials: `client.registry_auths`. Passwords are sent, never read back or shown."""

    def list(
        self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> builtins.list[RegistryAuth]:
        """Return every stored credential (id and name)."""
        return self._run(self._backend.registry_auths.list(), timeout=timeout, max_retries=max_retries)

    def create(
        self,
        *,
        name: str,
        username: str,
        password: str,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> RegistryAuth:
        """Store a registry username and password; pass its id to `pods.create` or `templates.create`."""
        plan = self._backend.registry_auths.create(_params(require_id("name", name), username, password))
        return self._run(plan, timeout=timeout, max_retries=max_retries)

    def update(
        self,
        auth_id: str,
        *,
        username: str,
        password: str,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> RegistryAuth:
        """Replace a credential's username and password (Runpod cannot rename one)."""
        plan = self._backend.registry_auths.update(require_id("auth_id", auth_id), _params(None, username, password))
        return self._run(plan, timeout=timeout, max_retries=max_retries)

    def delete(
        self, auth_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> None:
        """Delete a credential."""
        self._run(
            self._backend.registry_auths.delete(require_id("auth_id", auth_id)),
            timeout=timeout,
            max_retries=max_retries,
        )


class AsyncRegistryAuths(AsyncAPIResource):
    """Container registry credentials: `client.registry_auths` of an `AsyncRunpod`, awaited."""

    async def list(
        self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> builtins.list[RegistryAuth]:
        """Return every stored credential (id and name)."""
        return await self._run(self._backend.registry_auths.list(), timeout=timeout, max_retries=max_retries)

    async def create(
        self,
        *,
        name: str,
        username: str,
        password: str,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> RegistryAuth:
        """Store a registry username and password (see `RegistryAuths.create`)."""
        plan = self._backend.registry_auths.create(_params(require_id("name", name), username, password))
        return await self._run(plan, timeout=timeout, max_retries=max_retries)

    async def update(
        self,
        auth_id: str,
        *,
        username: str,
        password: str,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> RegistryAuth:
        """Replace a credential's username and password."""
        plan = self._backend.registry_auths.update(require_id("auth_id", auth_id), _params(None, username, password))
        return await self._run(plan, timeout=timeout, max_retries=max_retries)

    async def delete(
        self, auth_id: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> None:
        """Delete a credential."""
        plan = self._backend.registry_auths.delete(require_id("auth_id", auth_id))
        await self._run(plan, timeout=timeout, max_retries=max_retries)
