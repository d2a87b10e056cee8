"""`client.templates` against the fake control plane, sync and async alike."""

from __future__ import annotations

import pytest

from runpod_api import GraphQLError, NotFoundError
from runpod_api.testing import FakeRunpod

pytestmark = pytest.mark.anyio


async def test_create_sends_the_required_defaults(api, fake: FakeRunpod) -> None:
    template = await api.templates.create(name="base", image_name="runpod/base:1")
    assert fake.requests[-1].variables["input"] == {
        "name": "base",
        "imageName": "runpod/base:1",
        "dockerArgs": "",
        "containerDiskInGb": 10,
        "volumeInGb": 0,
        "env": [],
        "isServerless": False,
    }
    assert (template.name, template.container_disk_in_gb, template.env) == ("base", 10, {})


async def test_create_with_every_option(api) -> None:
    auth = await api.registry_auths.create(name="ghcr", username="me", password="secret-pw")
    template = await api.templates.create(
        name="full",
        image_name="ghcr.io/me/app:2",
        docker_args="python -m app --port 8888",
        container_disk_in_gb=25,
        volume_in_gb=50,
        volume_mount_path="/workspace",
        ports=["8888/http", "22/tcp"],
        env={"A": "1", "B": "2"},
        is_serverless=False,
        is_public=False,
        container_registry_auth_id=auth.id,
        start_ssh=True,
        start_jupyter=False,
        start_script="echo hi",
        readme="# App",
        ports_config={"8888": "App"},
        category="NVIDIA",
    )
    got = await api.templates.get(template.id)
    assert got.model_dump() == template.model_dump()
    assert (got.ports, got.env, got.container_registry_auth_id) == ("8888/http,22/tcp", {"A": "1", "B": "2"}, auth.id)
    assert [(p.port, p.name) for p in got.ports_config] == [("8888", "App")]


async def test_list_shows_the_accounts_templates(api) -> None:
    await api.templates.create(name="a", image_name="x")
    await api.templates.create(name="b", image_name="y")
    assert sorted(t.name for t in await api.templates.list()) == ["a", "b"]


async def test_update_changes_only_what_is_given(api) -> None:
    created = await api.templates.create(name="a", image_name="x:1", env={"K": "v"}, ports="22/tcp", readme="r")
    updated = await api.templates.update(created.id, image_name="x:2", volume_mount_path=None)
    assert (updated.image_name, updated.env, updated.ports, updated.readme) == ("x:2", {"K": "v"}, "22/tcp", "r")
    assert updated.volume_mount_path is None


async def test_update_without_changes_is_refused(api) -> None:
    with pytest.raises(ValueError, match="at least one setting"):
        await api.templates.update("abc")


async def test_delete_looks_the_name_up(api, fake: FakeRunpod) -> None:
    created = await api.templates.create(name="doomed", image_name="x")
    await api.templates.delete(created.id)
    assert fake.requests[-1].variables == {"name": "doomed"}
    with pytest.raises(NotFoundError, match=f"template '{created.id}' not found"):
        await api.templates.get(created.id)


async def test_template_in_use_is_not_deleted(api) -> None:
    template = await api.templates.create(name="used", image_name="x", is_serverless=True)
    await api.endpoints.create(name="e", template_id=template.id, gpu_ids="AMPERE_16")
    with pytest.raises(GraphQLError, match="in use"):
        await api.templates.delete(template.id)


async def test_duplicate_name_is_refused_by_the_server(api) -> None:
    await api.templates.create(name="same", image_name="x")
    with pytest.raises(GraphQLError, match="must be unique"):
        await api.templates.create(name="same", image_name="y")
