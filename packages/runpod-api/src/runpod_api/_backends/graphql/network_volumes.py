"""Network volumes over GraphQL: createNetworkVolume, updateNetworkVolume, deleteNetworkVolume."""

from __future__ import annotations

import builtins

from ...types import NetworkVolume, NetworkVolumeParams
from ..base import Plan
from ._common import call, compact, not_found, parse, parse_list

__all__ = ("GraphQLNetworkVolumes",)


class GraphQLNetworkVolumes:
    """Network volumes through Runpod's GraphQL API."""

    def list(self) -> Plan[builtins.list[NetworkVolume]]:
        """Every network volume of the account."""
        data = yield call("ListNetworkVolumes")
        return parse_list(NetworkVolume, (data.get("myself") or {}).get("networkVolumes"), "ListNetworkVolumes")

    def get(self, volume_id: str) -> Plan[NetworkVolume]:
        """One network volume; NotFoundError when there is none."""
        volumes = yield from self.list()
        for volume in volumes:
            if volume.id == volume_id:
                return volume
        raise not_found("network volume", volume_id)

    def create(self, params: NetworkVolumeParams) -> Plan[NetworkVolume]:
        """Create a network volume."""
        variables = {"name": params.name, "size": params.size, "dataCenterId": params.data_center_id}
        data = yield call("CreateNetworkVolume", input=variables)
        return parse(NetworkVolume, data.get("createNetworkVolume"), "CreateNetworkVolume")

    def update(self, volume_id: str, *, name: str | None, size: int | None) -> Plan[NetworkVolume]:
        """Rename or grow a network volume."""
        data = yield call("UpdateNetworkVolume", input=compact({"id": volume_id, "name": name, "size": size}))
        return parse(NetworkVolume, data.get("updateNetworkVolume"), "UpdateNetworkVolume")

    def delete(self, volume_id: str) -> Plan[None]:
        """Delete a network volume."""
        yield call("DeleteNetworkVolume", input={"id": volume_id})
