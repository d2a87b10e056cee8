"""`client.user`: the account, its settings, and adding an SSH key without losing the others."""

from __future__ import annotations

import base64
import binascii

from .._backends import UserBackend
from .._plan import Plan
from .._resource import AsyncAPIResource, SyncAPIResource
from .._types import NOT_GIVEN, NotGiven, TimeoutTypes
from ..types import User

__all__ = ("AsyncUserResource", "UserResource", "add_ssh_key", "check_ssh_key")

_KEY_TYPES = ("ssh-rsa", "ssh-ed25519", "ssh-dss", "ecdsa-sha2-", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-")


def check_ssh_key(public_key: str) -> str:
    """Return an OpenSSH public key line, stripped, or raise ValueError saying what is wrong with it."""
    if not isinstance(public_key, str):
        raise ValueError(f"the SSH public key must be a string, not {type(public_key).__name__}")
    key = public_key.strip()
    if "\n" in key or "\r" in key:
        raise ValueError("the SSH public key must be a single line (add keys one at a time)")
    fields = key.split()
    if len(fields) < 2 or not fields[0].startswith(_KEY_TYPES):
        raise ValueError(
            "not an OpenSSH public key: expected '<type> <base64 key> [comment]', e.g. 'ssh-ed25519 AAAA...'"
        )
    try:
        base64.b64decode(fields[1], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not an OpenSSH public key: the key part is not base64") from None
    return key


def add_ssh_key(backend: UserBackend, public_key: str) -> Plan[User]:
    """A plan that appends a key to the account's keys; a key already there (by key material) is kept once."""
    key = check_ssh_key(public_key)
    user = yield from backend.get()
    existing = user.ssh_keys
    if any(line.split()[:2] == key.split()[:2] for line in existing):
        return user
    return (yield from backend.update_settings(pub_key="\n".join([*existing, key])))


class UserResource(SyncAPIResource):
    """The account: `client.user`."""

    def get(self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN) -> User:
        """Return the account the API key belongs to."""
        return self._run(self._backend.user.get(), timeout=timeout, max_retries=max_retries)

    def update_settings(
        self, *, pub_key: str, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> User:
        """Replace the account's SSH public keys, all at once (one per line). To add one, use `add_ssh_key`."""
        return self._run(self._backend.user.update_settings(pub_key=pub_key), timeout=timeout, max_retries=max_retries)

    def add_ssh_key(
        self, public_key: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> User:
        """Add an SSH public key to the account, keeping the keys already there.

        Raises:
            ValueError: The text is not one OpenSSH public key.
        """
        return self._run(add_ssh_key(self._backend.user, public_key), timeout=timeout, max_retries=max_retries)


class AsyncUserResource(AsyncAPIResource):
    """The account: `client.user` of an `AsyncRunpod`; the methods of `UserResource`, awaited."""

    async def get(
        self, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> User:
        """Return the account the API key belongs to."""
        return await self._run(self._backend.user.get(), timeout=timeout, max_retries=max_retries)

    async def update_settings(
        self, *, pub_key: str, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> User:
        """Replace the account's SSH public keys, all at once."""
        plan = self._backend.user.update_settings(pub_key=pub_key)
        return await self._run(plan, timeout=timeout, max_retries=max_retries)

    async def add_ssh_key(
        self, public_key: str, *, timeout: TimeoutTypes | NotGiven = NOT_GIVEN, max_retries: int | NotGiven = NOT_GIVEN
    ) -> User:
        """Add an SSH public key to the account, keeping the keys already there."""
        return await self._run(add_ssh_key(self._backend.user, public_key), timeout=timeout, max_retries=max_retries)
