"""The account an API key belongs to."""

from __future__ import annotations

from ._base import APIModel

__all__ = ("User",)


class User(APIModel):
    """The account: its id, email and SSH public keys."""

    id: str | None = None
    email: str | None = None
    pub_key: str | None = None
    """Every SSH public key, one per line, as the account stores them."""

    @property
    def ssh_keys(self) -> list[str]:
        """The SSH public keys, one entry per non-empty line."""
        return [line.strip() for line in (self.pub_key or "").splitlines() if line.strip()]
