"""Serverless endpoints over GraphQL: saveEndpoint (create; full replace), updateEndpointTemplate, deleteEndpoint."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from ...types import EndpointParams, ServerlessEndpoint
from ..base import Plan
from ._common import call, compact, env_input, env_secrets, not_found, parse, parse_list

__all__ = ("GraphQLEndpoints", "endpoint_input")


def endpoint_input(params: EndpointParams, endpoint_id: str | None = None) -> dict[str, Any]:
    """The GraphQL EndpointInput for a whole configuration (with `id` it replaces the endpoint's)."""
    return compact(
        {
            "id": endpoint_id,
            "name": params.name,
            "templateId": params.template_id,
            "gpuIds": params.gpu_ids,
            "gpuCount": params.gpu_count,
            "instanceIds": list(params.instance_ids) if params.instance_ids is not None else None,
            "networkVolumeId": params.network_volume_id,
            "networkVolumeIds": [{"networkVolumeId": v} for v in params.network_volume_ids]
            if params.network_volume_ids
            else None,
            "locations": params.locations,
            "idleTimeout": params.idle_timeout,
            "scalerType": params.scaler_type,
            "scalerValue": params.scaler_value,
            "workersMin": params.workers_min,
            "workersMax": params.workers_max,
            "workersPFBTarget": params.workers_pfb_target,
            "flashBootType": params.flash_boot_type,
            "allowedCudaVersions": params.allowed_cuda_versions,
            "minCudaVersion": params.min_cuda_version,
            "executionTimeoutMs": params.execution_timeout_ms,
            "type": params.type,
            "modelReferences": list(params.model_references) if params.model_references is not None else None,
            "env": env_input(params.env),
        }
    )


class GraphQLEndpoints:
    """Serverless endpoints through Runpod's GraphQL API."""

    def list(self) -> Plan[builtins.list[ServerlessEndpoint]]:
        """Every endpoint of the account."""
        data = yield call("ListEndpoints")
        return parse_list(ServerlessEndpoint, (data.get("myself") or {}).get("endpoints"), "ListEndpoints")

    def get(self, endpoint_id: str) -> Plan[ServerlessEndpoint]:
        """One endpoint; NotFoundError when there is none."""
        data = yield call("GetEndpoint", id=endpoint_id)
        found = (data.get("myself") or {}).get("endpoint")
        if found is None:
            raise not_found("endpoint", endpoint_id)
        return parse(ServerlessEndpoint, found, "GetEndpoint")

    def create(self, params: EndpointParams) -> Plan[ServerlessEndpoint]:
        """Create an endpoint."""
        data = yield call("SaveEndpoint", env_secrets(params.env), input=endpoint_input(params))
        return parse(ServerlessEndpoint, data.get("saveEndpoint"), "SaveEndpoint")

    def update(self, endpoint_id: str, changes: Mapping[str, Any]) -> Plan[ServerlessEndpoint]:
        """Change some settings: saveEndpoint replaces the whole configuration, so send all of it."""
        current = yield from self.get(endpoint_id)
        params = EndpointParams.from_endpoint(current, **changes)
        data = yield call("SaveEndpoint", env_secrets(params.env), input=endpoint_input(params, endpoint_id))
        return parse(ServerlessEndpoint, data.get("saveEndpoint"), "SaveEndpoint")

    def update_template(self, endpoint_id: str, template_id: str) -> Plan[ServerlessEndpoint]:
        """Point the endpoint at another template, then read it back whole."""
        yield call("UpdateEndpointTemplate", input={"endpointId": endpoint_id, "templateId": template_id})
        return (yield from self.get(endpoint_id))

    def delete(self, endpoint_id: str) -> Plan[None]:
        """Delete the endpoint, scaling it to zero workers first as Runpod requires."""
        current = yield from self.get(endpoint_id)
        if current.workers_min or current.workers_max:
            yield from self.update(endpoint_id, {"workers_min": 0, "workers_max": 0})
        yield call("DeleteEndpoint", id=endpoint_id)
