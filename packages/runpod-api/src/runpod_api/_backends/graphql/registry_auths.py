"""Container registry credentials over GraphQL: saveRegistryAuth, updateRegistryAuth, deleteRegistryAuth."""

from __future__ import annotations

import builtins

from ...types import RegistryAuth, RegistryAuthParams
from ..base import Plan
from ._common import call, parse, parse_list

__all__ = ("GraphQLRegistryAuths",)


class GraphQLRegistryAuths:
    """Registry credentials through Runpod's GraphQL API; passwords are sent, never read back."""

    def list(self) -> Plan[builtins.list[RegistryAuth]]:
        """Every stored credential (names only)."""
        data = yield call("ListRegistryAuths")
        return parse_list(RegistryAuth, (data.get("myself") or {}).get("containerRegistryCreds"), "ListRegistryAuths")

    def create(self, params: RegistryAuthParams) -> Plan[RegistryAuth]:
        """Store a credential."""
        password = params.password.get_secret_value()
        variables = {"name": params.name or "", "username": params.username, "password": password}
        data = yield call("CreateRegistryAuth", (password,), input=variables)
        return parse(RegistryAuth, data.get("saveRegistryAuth"), "CreateRegistryAuth")

    def update(self, auth_id: str, params: RegistryAuthParams) -> Plan[RegistryAuth]:
        """Change a credential's username and password."""
        password = params.password.get_secret_value()
        variables = {"id": auth_id, "username": params.username, "password": password}
        data = yield call("UpdateRegistryAuth", (password,), input=variables)
        return parse(RegistryAuth, data.get("updateRegistryAuth"), "UpdateRegistryAuth")

    def delete(self, auth_id: str) -> Plan[None]:
        """Delete a credential."""
        yield call("DeleteRegistryAuth", id=auth_id)
