"""GPU types and their prices."""

from __future__ import annotations

from ._base import APIModel

__all__ = ("GpuPrice", "GpuType")


class GpuPrice(APIModel):
    """The lowest current prices (per GPU per hour) and stock for a number of GPUs of one type."""

    minimum_bid_price: float | None = None
    """The lowest spot (interruptible) bid."""
    uninterruptable_price: float | None = None
    """The lowest on-demand price (Runpod's spelling)."""
    stock_status: str | None = None
    """High, Medium, Low or None."""


class GpuType(APIModel):
    """A GPU model Runpod rents out."""

    id: str
    display_name: str | None = None
    manufacturer: str | None = None
    memory_in_gb: int | None = None
    cuda_cores: int | None = None
    secure_cloud: bool | None = None
    community_cloud: bool | None = None
    secure_price: float | None = None
    community_price: float | None = None
    secure_spot_price: float | None = None
    community_spot_price: float | None = None
    one_week_price: float | None = None
    one_month_price: float | None = None
    three_month_price: float | None = None
    max_gpu_count: int | None = None
    lowest_price: GpuPrice | None = None
    """Filled by `gpus.get`, for the GPU count asked for."""
