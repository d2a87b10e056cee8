"""`client.endpoints` against the fake control plane, sync and async alike."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from runpod_api import GraphQLError, NotFoundError
from runpod_api.testing import FakeRunpod

pytestmark = pytest.mark.anyio


@pytest.fixture
async def template_id(api) -> str:
    template = await api.templates.create(name="worker", image_name="me/worker:1", is_serverless=True)
    return template.id


async def test_create_sends_runpod_python_defaults(api, fake: FakeRunpod, template_id: str) -> None:
    endpoint = await api.endpoints.create(name="llm", template_id=template_id, gpu_ids="AMPERE_16")
    assert fake.requests[-1].variables["input"] == {
        "name": "llm",
        "templateId": template_id,
        "gpuIds": "AMPERE_16",
        "gpuCount": 1,
        "idleTimeout": 5,
        "scalerType": "QUEUE_DELAY",
        "scalerValue": 4,
        "workersMin": 0,
        "workersMax": 3,
    }
    assert (endpoint.name, endpoint.workers_max, endpoint.idle_timeout) == ("llm", 3, 5)


async def test_create_with_every_option(api, fake: FakeRunpod, template_id: str) -> None:
    volume = await api.network_volumes.create(name="models", size=100, data_center_id="EU-RO-1")
    endpoint = await api.endpoints.create(
        name="llm",
        template_id=template_id,
        gpu_ids=["ADA_24", "AMPERE_48"],
        gpu_count=2,
        network_volume_id=volume.id,
        network_volume_ids=[volume.id],
        locations=["EU-RO-1", "US-TX-3"],
        idle_timeout=60,
        scaler_type="REQUEST_COUNT",
        scaler_value=2,
        workers_min=1,
        workers_max=10,
        flashboot=True,
        allowed_cuda_versions=["12.4", "12.6"],
        min_cuda_version="12.4",
        execution_timeout_ms=600_000,
        endpoint_type="QB",
        env={"MODEL": "llama"},
    )
    assert (endpoint.gpu_ids, endpoint.locations, endpoint.flash_boot_type) == (
        "ADA_24,AMPERE_48",
        "EU-RO-1,US-TX-3",
        "FLASHBOOT",
    )
    assert (endpoint.allowed_cuda_versions, endpoint.execution_timeout_ms, endpoint.env) == (
        "12.4,12.6",
        600_000,
        {"MODEL": "llama"},
    )
    assert [v.data_center_id for v in endpoint.network_volume_ids] == ["EU-RO-1"]


async def test_cpu_endpoint_uses_instance_ids(api, template_id: str) -> None:
    endpoint = await api.endpoints.create(name="cpu", template_id=template_id, instance_ids=["cpu3c-2-4"])
    assert endpoint.instance_ids == ["cpu3c-2-4"]


async def test_endpoint_needs_gpus_or_cpus(api, fake: FakeRunpod, template_id: str) -> None:
    with pytest.raises(ValidationError, match="give gpu_ids"):
        await api.endpoints.create(name="x", template_id=template_id)


async def test_workers_min_above_max_is_refused(api, template_id: str) -> None:
    with pytest.raises(ValidationError, match=r"workers_min \(5\) is larger than workers_max \(2\)"):
        await api.endpoints.create(name="x", template_id=template_id, gpu_ids="AMPERE_16", workers_min=5, workers_max=2)


async def test_list_and_get(api, template_id: str) -> None:
    created = await api.endpoints.create(name="a", template_id=template_id, gpu_ids="AMPERE_16")
    assert [e.id for e in await api.endpoints.list()] == [created.id]
    assert (await api.endpoints.get(created.id)).template_id == template_id
    with pytest.raises(NotFoundError, match="endpoint 'nope' not found"):
        await api.endpoints.get("nope")


async def test_update_changes_only_what_is_given(api, template_id: str) -> None:
    created = await api.endpoints.create(
        name="a",
        template_id=template_id,
        gpu_ids="AMPERE_16",
        env={"K": "v"},
        execution_timeout_ms=1000,
        flashboot=True,
    )
    updated = await api.endpoints.update(created.id, workers_min=1, workers_max=7, scaler_value=9)
    assert (updated.workers_min, updated.workers_max, updated.scaler_value) == (1, 7, 9)
    # Runpod replaces the whole configuration, so everything else must have been sent back unchanged.
    assert (updated.name, updated.gpu_ids, updated.env, updated.execution_timeout_ms) == (
        "a",
        "AMPERE_16",
        {"K": "v"},
        1000,
    )
    assert (updated.flash_boot_type, updated.idle_timeout, updated.template_id) == ("FLASHBOOT", 5, template_id)


async def test_update_can_clear_an_optional_setting(api, template_id: str) -> None:
    created = await api.endpoints.create(
        name="a", template_id=template_id, gpu_ids="AMPERE_16", execution_timeout_ms=1000
    )
    updated = await api.endpoints.update(created.id, execution_timeout_ms=None, flashboot=False)
    assert (updated.execution_timeout_ms, updated.flash_boot_type) == (None, "OFF")


async def test_update_without_changes_is_refused(api, fake: FakeRunpod) -> None:
    with pytest.raises(ValueError, match="at least one setting"):
        await api.endpoints.update("abc")
    with pytest.raises(ValueError, match="name cannot be cleared"):
        await api.endpoints.update("abc", name=None)
    assert fake.requests == []


async def test_update_template_points_at_another_template(api, template_id: str) -> None:
    other = await api.templates.create(name="worker-2", image_name="me/worker:2", is_serverless=True)
    created = await api.endpoints.create(name="a", template_id=template_id, gpu_ids="AMPERE_16", workers_max=2)
    updated = await api.endpoints.update_template(created.id, other.id)
    assert (updated.template_id, updated.workers_max) == (other.id, 2)


async def test_delete_scales_to_zero_first(api, fake: FakeRunpod, template_id: str) -> None:
    created = await api.endpoints.create(name="a", template_id=template_id, gpu_ids="AMPERE_16", workers_min=1)
    assert await api.endpoints.delete(created.id) is None
    assert created.id not in fake.state.endpoints
    assert fake.operations()[-4:] == ["GetEndpoint", "GetEndpoint", "SaveEndpoint", "DeleteEndpoint"]


async def test_delete_of_a_scaled_down_endpoint_is_one_call(api, fake: FakeRunpod, template_id: str) -> None:
    created = await api.endpoints.create(name="a", template_id=template_id, gpu_ids="AMPERE_16", workers_max=0)
    await api.endpoints.delete(created.id)
    assert fake.operations()[-2:] == ["GetEndpoint", "DeleteEndpoint"]


async def test_server_refusal_names_the_reason(api) -> None:
    with pytest.raises(GraphQLError, match="Template missing not found"):
        await api.endpoints.create(name="a", template_id="missing", gpu_ids="AMPERE_16")
