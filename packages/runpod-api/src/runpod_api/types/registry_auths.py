"""Credentials for private container registries."""

from __future__ import annotations

from pydantic import Field, SecretStr

from ._base import APIModel, ParamsModel

__all__ = ("RegistryAuth", "RegistryAuthParams")


class RegistryAuth(APIModel):
    """Stored registry credentials; Runpod never sends the password back."""

    id: str
    name: str | None = None


class RegistryAuthParams(ParamsModel):
    """A username and password for a registry (the password never shows in a repr or an error)."""

    name: str | None = None
    username: str = Field(min_length=1)
    password: SecretStr
