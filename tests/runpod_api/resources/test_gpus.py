"""`client.gpus` against the fake control plane, sync and async alike."""

from __future__ import annotations

import pytest

from runpod_api import NotFoundError
from runpod_api.testing import GPU_TYPES, FakeRunpod

pytestmark = pytest.mark.anyio


async def test_list_returns_every_gpu_type(api) -> None:
    gpus = await api.gpus.list()
    assert [g.id for g in gpus] == [g["id"] for g in GPU_TYPES]
    assert gpus[0].memory_in_gb == 24 and gpus[0].lowest_price is None


async def test_get_gives_the_lowest_price_for_a_count(api, fake: FakeRunpod) -> None:
    gpu = await api.gpus.get("NVIDIA A100 80GB PCIe", gpu_count=4)
    assert gpu.display_name == "A100 PCIe"
    assert (gpu.lowest_price.uninterruptable_price, gpu.lowest_price.stock_status) == (1.19, "Low")
    assert fake.requests[-1].variables == {"input": {"id": "NVIDIA A100 80GB PCIe"}, "price": {"gpuCount": 4}}


async def test_unknown_gpu_type_is_not_found(api) -> None:
    with pytest.raises(NotFoundError, match="GPU type 'NVIDIA Z9000' not found"):
        await api.gpus.get("NVIDIA Z9000")


@pytest.mark.parametrize("count", [0, -1, True, 1.5])
async def test_gpu_count_must_be_a_positive_integer(api, count: object) -> None:
    with pytest.raises(ValueError, match="gpu_count must be an integer >= 1"):
        await api.gpus.get("NVIDIA A100 80GB PCIe", gpu_count=count)
