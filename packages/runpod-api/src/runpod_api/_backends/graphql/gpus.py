"""GPU types over GraphQL: gpuTypes and lowestPrice."""

from __future__ import annotations

import builtins

from ...types import GpuType
from ..base import Plan
from ._common import call, not_found, parse_list

__all__ = ("GraphQLGpus",)


class GraphQLGpus:
    """GPU types through Runpod's GraphQL API."""

    def list(self) -> Plan[builtins.list[GpuType]]:
        """Every GPU type."""
        data = yield call("ListGpuTypes")
        return parse_list(GpuType, data.get("gpuTypes"), "ListGpuTypes")

    def get(self, gpu_type_id: str, gpu_count: int) -> Plan[GpuType]:
        """One GPU type with its lowest price for `gpu_count` GPUs; NotFoundError when there is none."""
        data = yield call("GetGpuType", input={"id": gpu_type_id}, price={"gpuCount": gpu_count})
        found = parse_list(GpuType, data.get("gpuTypes"), "GetGpuType")
        if not found:
            raise not_found("GPU type", gpu_type_id)
        return found[0]
