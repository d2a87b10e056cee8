"""Templates: the image, disk and start settings pods and serverless workers are made from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator

from ._base import APIModel, EnvDict, ParamsModel, drop_nulls, normalise_ports

__all__ = ("PortLabel", "Template", "TemplateParams")


class PortLabel(APIModel):
    """A name shown for one of a template's ports."""

    port: str | None = None
    name: str | None = None


class Template(APIModel):
    """A pod or serverless template."""

    id: str
    name: str | None = None
    image_name: str | None = None
    docker_args: str | None = None
    """The container start command."""
    env: EnvDict = Field(default_factory=dict, repr=False)
    """Environment variables (kept out of the repr: they often hold tokens)."""
    ports: str | None = None
    volume_mount_path: str | None = None
    volume_in_gb: int | None = None
    container_disk_in_gb: int | None = None
    container_registry_auth_id: str | None = None
    start_jupyter: bool | None = None
    start_ssh: bool | None = None
    start_script: str | None = None
    is_serverless: bool | None = None
    is_public: bool | None = None
    readme: str | None = None
    advanced_start: bool | None = None
    ports_config: Annotated[list[PortLabel], BeforeValidator(drop_nulls)] = Field(default_factory=list)
    category: str | None = None
    """CPU, GPU, NVIDIA or AMD."""


class TemplateParams(ParamsModel):
    """A template's whole definition, as `templates.create` takes it and `templates.update` sends it."""

    name: str = Field(min_length=1)
    image_name: str = Field(min_length=1)
    docker_args: str = ""
    container_disk_in_gb: int = Field(default=10, ge=1)
    volume_in_gb: int = Field(default=0, ge=0)
    volume_mount_path: str | None = None
    ports: str | None = None
    env: Mapping[str, str] = Field(default_factory=dict, repr=False)
    is_serverless: bool = False
    is_public: bool | None = None
    container_registry_auth_id: str | None = None
    start_ssh: bool | None = None
    start_jupyter: bool | None = None
    start_script: str | None = None
    readme: str | None = None
    advanced_start: bool | None = None
    ports_config: Mapping[str, str] | None = None
    """Names for ports, by port number: `{"8888": "Jupyter"}`."""
    category: str | None = None
    """CPU, GPU, NVIDIA or AMD."""

    @classmethod
    def from_template(cls, template: Template, **changes: object) -> TemplateParams:
        """The template's current definition with some settings changed, validated as a whole."""
        current = {name: getattr(template, name, None) for name in cls.model_fields if hasattr(template, name)}
        current["ports_config"] = {p.port: p.name for p in template.ports_config if p.port and p.name is not None}
        current = {k: v for k, v in current.items() if v is not None and v != {}}
        return cls.model_validate({**current, **changes})

    @field_validator("ports", mode="before")
    @classmethod
    def _ports(cls, value: object) -> object:
        if isinstance(value, Sequence) and not isinstance(value, str | bytes):
            return normalise_ports([str(v) for v in value])
        return normalise_ports(value) if isinstance(value, str) else value
