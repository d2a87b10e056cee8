"""Network volumes: storage that outlives pods and can be shared by them and by serverless workers."""

from __future__ import annotations

from pydantic import Field

from ._base import APIModel, ParamsModel

__all__ = ("NetworkVolume", "NetworkVolumeParams")


class NetworkVolume(APIModel):
    """A network volume in one data center."""

    id: str
    name: str | None = None
    size: int | None = None
    """Size in GB."""
    data_center_id: str | None = None


class NetworkVolumeParams(ParamsModel):
    """What creating a network volume takes."""

    name: str = Field(min_length=1)
    size: int = Field(ge=1)
    """Size in GB."""
    data_center_id: str = Field(min_length=1)
