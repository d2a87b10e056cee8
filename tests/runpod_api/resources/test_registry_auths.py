"""`client.registry_auths` against the fake control plane, sync and async alike."""

from __future__ import annotations

import pytest

from runpod_api import GraphQLError
from runpod_api.testing import FakeRunpod, Fault

pytestmark = pytest.mark.anyio


async def test_create_list_update_delete(api, fake: FakeRunpod) -> None:
    auth = await api.registry_auths.create(name="ghcr", username="me", password="first-password")
    assert (auth.name, fake.state.registry_auths[auth.id]["password"]) == ("ghcr", "first-password")
    assert [(a.id, a.name) for a in await api.registry_auths.list()] == [(auth.id, "ghcr")]
    updated = await api.registry_auths.update(auth.id, username="me2", password="second-password")
    assert updated.name == "ghcr"
    assert fake.state.registry_auths[auth.id] | {"id": "-"} == {
        "id": "-",
        "name": "ghcr",
        "username": "me2",
        "password": "second-password",
    }
    await api.registry_auths.delete(auth.id)
    assert await api.registry_auths.list() == []


async def test_password_is_never_read_back(api, fake: FakeRunpod) -> None:
    await api.registry_auths.create(name="ghcr", username="me", password="never-shown")
    listing = await api.registry_auths.list()
    assert "never-shown" not in repr(listing)
    assert "password" not in fake.requests[-1].query


async def test_password_is_kept_out_of_errors_even_when_the_server_echoes_it(api, fake: FakeRunpod) -> None:
    fake.add_fault(
        Fault(
            graphql_errors=[{"message": "bad credentials for me:echoed-password", "path": ["saveRegistryAuth"]}],
            data={"saveRegistryAuth": None},
        )
    )
    with pytest.raises(GraphQLError) as exc:
        await api.registry_auths.create(name="r", username="me", password="echoed-password")
    error = exc.value
    for text in (str(error), repr(error), repr(error.errors), repr(error.data)):
        assert "echoed-password" not in text
    assert error.errors[0]["path"] == ["saveRegistryAuth"]


async def test_empty_password_is_refused(api) -> None:
    with pytest.raises(ValueError, match="password must be a non-empty string"):
        await api.registry_auths.create(name="r", username="me", password="")
