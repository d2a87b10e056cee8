"""The account over GraphQL: myself and updateUserSettings."""

from __future__ import annotations

from ...types import User
from ..base import Plan
from ._common import call, parse

__all__ = ("GraphQLUser",)


class GraphQLUser:
    """The account through Runpod's GraphQL API."""

    def get(self) -> Plan[User]:
        """The account the API key belongs to."""
        data = yield call("GetUser")
        return parse(User, data.get("myself"), "GetUser")

    def update_settings(self, *, pub_key: str) -> Plan[User]:
        """Replace the account's SSH public keys (all of them, one per line)."""
        data = yield call("UpdateUserSettings", input={"pubKey": pub_key})
        return parse(User, data.get("updateUserSettings"), "UpdateUserSettings")
