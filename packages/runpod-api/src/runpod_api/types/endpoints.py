"""Serverless endpoints: their configuration and what creating or changing one takes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from ._base import APIModel, EnvDict, ParamsModel, csv, drop_nulls

__all__ = ("EndpointParams", "EndpointVolume", "FlashBootType", "ScalerType", "ServerlessEndpoint")

ScalerType = Literal["QUEUE_DELAY", "REQUEST_COUNT"]
"""How an endpoint scales: by seconds a job waits in the queue, or by requests per worker."""

FlashBootType = Literal["OFF", "FLASHBOOT", "PRIORITY_FLASHBOOT"]
"""Whether workers start from a cached snapshot."""


class EndpointVolume(APIModel):
    """One of the network volumes an endpoint's workers mount."""

    network_volume_id: str | None = None
    data_center_id: str | None = None


class ServerlessEndpoint(APIModel):
    """A serverless endpoint's configuration (to run jobs on it, use the serverless endpoint client)."""

    id: str
    name: str | None = None
    template_id: str | None = None
    gpu_ids: str | None = None
    """GPU pool ids, comma-separated (`AMPERE_16,ADA_24`)."""
    gpu_count: int | None = None
    instance_ids: list[str] | None = None
    """CPU instance ids, for CPU endpoints."""
    workers_min: int | None = None
    workers_max: int | None = None
    workers_standby: int | None = None
    idle_timeout: int | None = None
    """Seconds an idle worker is kept."""
    locations: str | None = None
    scaler_type: str | None = None
    scaler_value: int | None = None
    network_volume_id: str | None = None
    network_volume_ids: Annotated[list[EndpointVolume], BeforeValidator(drop_nulls)] = Field(default_factory=list)
    allowed_cuda_versions: str | None = None
    min_cuda_version: str | None = None
    execution_timeout_ms: int | None = None
    flash_boot_type: str | None = None
    type: str | None = None
    """QB (queue-based) or LB (load-balanced)."""
    model_references: list[str] | None = None
    workers_pfb_target: int | None = Field(default=None, alias="workersPFBTarget")
    env: EnvDict = Field(default_factory=dict, repr=False)
    """Environment variables (kept out of the repr: they often hold tokens)."""
    user_id: str | None = None
    version: int | None = None
    created_at: str | None = None


class EndpointParams(ParamsModel):
    """An endpoint's whole configuration, as `endpoints.create` takes it and `endpoints.update` sends it."""

    name: str = Field(min_length=1)
    template_id: str = Field(min_length=1)
    gpu_ids: str | None = None
    gpu_count: int | None = Field(default=None, ge=1)
    instance_ids: Sequence[str] | None = None
    network_volume_id: str | None = None
    network_volume_ids: Sequence[str] | None = None
    locations: str | None = None
    idle_timeout: int | None = Field(default=None, ge=0)
    scaler_type: str | None = None
    """QUEUE_DELAY or REQUEST_COUNT (a string, so a type Runpod adds later still passes)."""
    scaler_value: int | None = Field(default=None, ge=1)
    workers_min: int | None = Field(default=None, ge=0)
    workers_max: int | None = Field(default=None, ge=0)
    workers_pfb_target: int | None = Field(default=None, ge=0)
    flash_boot_type: str | None = None
    """OFF, FLASHBOOT or PRIORITY_FLASHBOOT."""
    allowed_cuda_versions: str | None = None
    min_cuda_version: str | None = None
    execution_timeout_ms: int | None = Field(default=None, ge=1)
    type: str | None = None
    """QB (queue-based) or LB (load-balanced)."""
    model_references: Sequence[str] | None = None
    env: Mapping[str, str] | None = Field(default=None, repr=False)

    @field_validator("gpu_ids", "locations", "allowed_cuda_versions", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, Sequence) and not isinstance(value, bytes):
            return csv([str(v) for v in value]) if not isinstance(value, str) else csv(value)
        return value

    @classmethod
    def from_endpoint(cls, endpoint: ServerlessEndpoint, **changes: object) -> EndpointParams:
        """The endpoint's current configuration with some settings changed, validated as a whole."""
        current = {name: getattr(endpoint, name, None) for name in cls.model_fields if hasattr(endpoint, name)}
        current["network_volume_ids"] = [
            v.network_volume_id for v in endpoint.network_volume_ids if v.network_volume_id
        ]
        current = {k: v for k, v in current.items() if v is not None and v != []}
        return cls.model_validate({**current, **changes})

    @model_validator(mode="after")
    def _consistent(self) -> EndpointParams:
        if not self.gpu_ids and not self.instance_ids:
            raise ValueError("give gpu_ids (GPU pool ids such as 'AMPERE_16') or instance_ids (CPU, e.g. 'cpu3c-2-4')")
        if self.workers_min is not None and self.workers_max is not None and self.workers_min > self.workers_max:
            raise ValueError(f"workers_min ({self.workers_min}) is larger than workers_max ({self.workers_max})")
        return self
