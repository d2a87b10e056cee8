"""`client.network_volumes` against the fake control plane, sync and async alike."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from runpod_api import GraphQLError, NotFoundError
from runpod_api.testing import FakeRunpod

pytestmark = pytest.mark.anyio


async def test_create_list_get_update_delete(api, fake: FakeRunpod) -> None:
    volume = await api.network_volumes.create(name="data", size=10, data_center_id="EU-RO-1")
    assert (volume.name, volume.size, volume.data_center_id) == ("data", 10, "EU-RO-1")
    assert [v.id for v in await api.network_volumes.list()] == [volume.id]
    assert (await api.network_volumes.get(volume.id)).name == "data"
    grown = await api.network_volumes.update(volume.id, name="data-2", size=20)
    assert (grown.name, grown.size) == ("data-2", 20)
    await api.network_volumes.delete(volume.id)
    assert await api.network_volumes.list() == []
    with pytest.raises(NotFoundError, match=f"network volume '{volume.id}' not found"):
        await api.network_volumes.get(volume.id)


async def test_volumes_cannot_shrink(api) -> None:
    volume = await api.network_volumes.create(name="data", size=10, data_center_id="EU-RO-1")
    with pytest.raises(GraphQLError, match="cannot shrink"):
        await api.network_volumes.update(volume.id, size=5)


@pytest.mark.parametrize(
    ("kwargs", "message"), [({}, "give name or size"), ({"size": 0}, "size must be"), ({"name": " "}, "name must not")]
)
async def test_update_arguments_are_checked(api, fake: FakeRunpod, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        await api.network_volumes.update("abc", **kwargs)
    assert fake.requests == []


async def test_create_arguments_are_checked(api) -> None:
    with pytest.raises(ValidationError, match="size"):
        await api.network_volumes.create(name="data", size=0, data_center_id="EU-RO-1")
