"""Pods: what Runpod returns about them and what creating one takes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from ._base import APIModel, EnvDict, ParamsModel, drop_nulls, normalise_ports

__all__ = ("CloudType", "Pod", "PodCreateParams", "PodGpuUsage", "PodMachine", "PodPort", "PodRuntime")

CloudType = Literal["ALL", "SECURE", "COMMUNITY"]
"""Where a pod may run: Runpod's secure cloud, the community cloud, or either."""

TERMINAL_STATUSES = frozenset({"EXITED", "TERMINATED", "DEAD"})


class PodPort(APIModel):
    """A port of a running pod and where it is reachable."""

    ip: str | None = None
    is_ip_public: bool | None = None
    private_port: int | None = None
    public_port: int | None = None
    type: str | None = None
    """`http` or `tcp`."""


class PodGpuUsage(APIModel):
    """How busy one GPU of a running pod is."""

    id: str | None = None
    gpu_util_percent: int | None = None
    memory_util_percent: int | None = None


class PodRuntime(APIModel):
    """What exists only while the pod's container runs."""

    uptime_in_seconds: int | None = None
    ports: Annotated[list[PodPort], BeforeValidator(drop_nulls)] = Field(default_factory=list)
    gpus: Annotated[list[PodGpuUsage], BeforeValidator(drop_nulls)] = Field(default_factory=list)


class PodMachine(APIModel):
    """The machine a pod was placed on."""

    pod_host_id: str | None = None
    gpu_display_name: str | None = None
    location: str | None = None


class Pod(APIModel):
    """A GPU or CPU pod."""

    id: str
    name: str | None = None
    desired_status: str | None = None
    """What Runpod is driving the pod towards: RUNNING, EXITED, TERMINATED..."""
    image_name: str | None = None
    docker_args: str | None = None
    docker_id: str | None = None
    gpu_count: int | None = None
    vcpu_count: float | None = None
    memory_in_gb: float | None = None
    container_disk_in_gb: int | None = None
    volume_in_gb: float | None = None
    volume_mount_path: str | None = None
    cost_per_hr: float | None = None
    env: EnvDict = Field(default_factory=dict, repr=False)
    """Environment variables (kept out of the repr: they often hold tokens)."""
    port: int | None = None
    ports: str | None = None
    template_id: str | None = None
    network_volume_id: str | None = None
    container_registry_auth_id: str | None = None
    machine_id: str | None = None
    pod_type: str | None = None
    last_status_change: str | None = None
    uptime_seconds: int | None = None
    runtime: PodRuntime | None = None
    """Present while the container runs; None while it starts or after it stops."""
    machine: PodMachine | None = None

    @property
    def is_running(self) -> bool:
        """True once the pod should run and its container is up."""
        return self.desired_status == "RUNNING" and self.runtime is not None

    def public_address(self, private_port: int) -> tuple[str, int] | None:
        """Where a container port is reachable from outside (`(ip, port)`), if it is."""
        for port in self.runtime.ports if self.runtime else ():
            if port.private_port == private_port and port.is_ip_public and port.ip and port.public_port:
                return port.ip, port.public_port
        return None


_GPU_ONLY = ("gpu_count", "volume_in_gb", "min_vcpu_count", "min_memory_in_gb", "allowed_cuda_versions")


class PodCreateParams(ParamsModel):
    """Everything `pods.create` accepts: a GPU pod when `gpu_type_id` is given, a CPU pod for `instance_id`."""

    name: str = Field(min_length=1)
    image_name: str | None = None
    template_id: str | None = None
    gpu_type_id: str | None = None
    instance_id: str | None = None
    gpu_count: int | None = Field(default=None, ge=1)
    cloud_type: CloudType | None = None
    support_public_ip: bool | None = None
    start_ssh: bool | None = None
    start_jupyter: bool | None = None
    data_center_id: str | None = None
    country_code: str | None = None
    volume_in_gb: int | None = Field(default=None, ge=0)
    container_disk_in_gb: int | None = Field(default=None, ge=1)
    min_vcpu_count: int | None = Field(default=None, ge=1)
    min_memory_in_gb: int | None = Field(default=None, ge=1)
    docker_args: str | None = None
    ports: str | None = None
    volume_mount_path: str | None = None
    env: Mapping[str, str] | None = Field(default=None, repr=False)
    network_volume_id: str | None = None
    allowed_cuda_versions: Sequence[str] | None = None
    min_download: int | None = Field(default=None, ge=0)
    min_upload: int | None = Field(default=None, ge=0)
    container_registry_auth_id: str | None = None

    @field_validator("ports", mode="before")
    @classmethod
    def _ports(cls, value: object) -> object:
        if isinstance(value, Sequence) and not isinstance(value, str | bytes):
            return normalise_ports([str(v) for v in value])
        return normalise_ports(value) if isinstance(value, str) else value

    @field_validator("env")
    @classmethod
    def _env_keys(cls, value: Mapping[str, str] | None) -> Mapping[str, str] | None:
        for key in value or {}:
            if not key or "=" in key:
                raise ValueError(f"environment variable name {key!r} must be non-empty and hold no '='")
        return value

    @model_validator(mode="after")
    def _gpu_or_cpu(self) -> PodCreateParams:
        if (self.gpu_type_id is None) == (self.instance_id is None):
            raise ValueError("give exactly one of gpu_type_id (a GPU pod) or instance_id (a CPU pod, e.g. 'cpu3c-2-4')")
        if self.image_name is None and self.template_id is None:
            raise ValueError("give image_name or template_id")
        if self.instance_id is not None:
            given = [name for name in _GPU_ONLY if getattr(self, name) is not None]
            if given:
                raise ValueError(f"{', '.join(given)} apply only to GPU pods, not to a CPU pod (instance_id)")
        return self

    @property
    def is_gpu(self) -> bool:
        """True for a GPU pod."""
        return self.gpu_type_id is not None
