"""The interface each resource's backend implements (and the plan steps, re-exported)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .._plan import GraphQLCall, Plan, Sleep, Step
from ..types import (
    EndpointParams,
    GpuType,
    NetworkVolume,
    NetworkVolumeParams,
    Pod,
    PodCreateParams,
    RegistryAuth,
    RegistryAuthParams,
    ServerlessEndpoint,
    Template,
    TemplateParams,
    User,
)

__all__ = (
    "Backend",
    "EndpointsBackend",
    "GpusBackend",
    "GraphQLCall",
    "NetworkVolumesBackend",
    "Plan",
    "PodsBackend",
    "RegistryAuthsBackend",
    "Sleep",
    "Step",
    "TemplatesBackend",
    "UserBackend",
)


class PodsBackend(Protocol):
    """How pods are listed, read, created and driven through their lifecycle."""

    def list(self) -> Plan[builtins.list[Pod]]: ...
    def get(self, pod_id: str) -> Plan[Pod]: ...
    def create(self, params: PodCreateParams) -> Plan[Pod]: ...
    def stop(self, pod_id: str) -> Plan[Pod]: ...
    def resume(self, pod_id: str, gpu_count: int | None) -> Plan[Pod]: ...
    def terminate(self, pod_id: str) -> Plan[None]: ...


class GpusBackend(Protocol):
    """How GPU types and their prices are read."""

    def list(self) -> Plan[builtins.list[GpuType]]: ...
    def get(self, gpu_type_id: str, gpu_count: int) -> Plan[GpuType]: ...


class EndpointsBackend(Protocol):
    """How serverless endpoints are managed."""

    def list(self) -> Plan[builtins.list[ServerlessEndpoint]]: ...
    def get(self, endpoint_id: str) -> Plan[ServerlessEndpoint]: ...
    def create(self, params: EndpointParams) -> Plan[ServerlessEndpoint]: ...
    def update(self, endpoint_id: str, changes: Mapping[str, Any]) -> Plan[ServerlessEndpoint]: ...
    def update_template(self, endpoint_id: str, template_id: str) -> Plan[ServerlessEndpoint]: ...
    def delete(self, endpoint_id: str) -> Plan[None]: ...


class TemplatesBackend(Protocol):
    """How templates are managed."""

    def list(self) -> Plan[builtins.list[Template]]: ...
    def get(self, template_id: str) -> Plan[Template]: ...
    def create(self, params: TemplateParams) -> Plan[Template]: ...
    def update(self, template_id: str, changes: Mapping[str, Any]) -> Plan[Template]: ...
    def delete(self, template_id: str) -> Plan[None]: ...


class NetworkVolumesBackend(Protocol):
    """How network volumes are managed."""

    def list(self) -> Plan[builtins.list[NetworkVolume]]: ...
    def get(self, volume_id: str) -> Plan[NetworkVolume]: ...
    def create(self, params: NetworkVolumeParams) -> Plan[NetworkVolume]: ...
    def update(self, volume_id: str, *, name: str | None, size: int | None) -> Plan[NetworkVolume]: ...
    def delete(self, volume_id: str) -> Plan[None]: ...


class RegistryAuthsBackend(Protocol):
    """How container registry credentials are managed."""

    def list(self) -> Plan[builtins.list[RegistryAuth]]: ...
    def create(self, params: RegistryAuthParams) -> Plan[RegistryAuth]: ...
    def update(self, auth_id: str, params: RegistryAuthParams) -> Plan[RegistryAuth]: ...
    def delete(self, auth_id: str) -> Plan[None]: ...


class UserBackend(Protocol):
    """How the account is read and its settings changed."""

    def get(self) -> Plan[User]: ...
    def update_settings(self, *, pub_key: str) -> Plan[User]: ...


@dataclass(slots=True)
class Backend:
    """One backend per resource; replace a field to move that resource to another API."""

    pods: PodsBackend
    gpus: GpusBackend
    endpoints: EndpointsBackend
    templates: TemplatesBackend
    network_volumes: NetworkVolumesBackend
    registry_auths: RegistryAuthsBackend
    user: UserBackend
