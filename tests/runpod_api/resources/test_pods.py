"""`client.pods` against the fake control plane, sync and async alike."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from runpod_api import NotFoundError, ResourceStateError, WaitTimeoutError
from runpod_api.testing import FakeRunpod

pytestmark = pytest.mark.anyio

GPU = "NVIDIA GeForce RTX 4090"


async def test_create_gpu_pod_sends_every_option(api, fake: FakeRunpod) -> None:
    volume = await api.network_volumes.create(name="data", size=50, data_center_id="EU-RO-1")
    auth = await api.registry_auths.create(name="ghcr", username="me", password="pw-1234")
    pod = await api.pods.create(
        name="trainer",
        image_name="ghcr.io/me/private:1",
        gpu_type_id=GPU,
        gpu_count=2,
        cloud_type="SECURE",
        support_public_ip=False,
        start_ssh=False,
        start_jupyter=True,
        data_center_id="EU-RO-1",
        country_code="RO",
        volume_in_gb=20,
        container_disk_in_gb=30,
        min_vcpu_count=4,
        min_memory_in_gb=16,
        docker_args="python train.py",
        ports=["8888/http", "22/tcp"],
        volume_mount_path="/data",
        env={"MODE": "train"},
        network_volume_id=volume.id,
        allowed_cuda_versions=["12.4", "12.6"],
        min_download=100,
        min_upload=50,
        container_registry_auth_id=auth.id,
    )
    sent = fake.state.pods[pod.id]["_input"]
    assert sent == {
        "name": "trainer",
        "imageName": "ghcr.io/me/private:1",
        "gpuTypeId": GPU,
        "gpuCount": 2,
        "cloudType": "SECURE",
        "supportPublicIp": False,
        "startSsh": False,
        "startJupyter": True,
        "dataCenterId": "EU-RO-1",
        "countryCode": "RO",
        "volumeInGb": 20,
        "containerDiskInGb": 30,
        "minVcpuCount": 4,
        "minMemoryInGb": 16,
        "dockerArgs": "python train.py",
        "ports": "8888/http,22/tcp",
        "volumeMountPath": "/data",
        "env": [{"key": "MODE", "value": "train"}],
        "networkVolumeId": volume.id,
        "allowedCudaVersions": ["12.4", "12.6"],
        "minDownload": 100,
        "minUpload": 50,
        "containerRegistryAuthId": auth.id,
    }
    assert (pod.name, pod.gpu_count, pod.env, pod.container_registry_auth_id) == (
        "trainer",
        2,
        {"MODE": "train"},
        auth.id,
    )


async def test_gpu_pod_gets_runpod_python_defaults(api, fake: FakeRunpod) -> None:
    pod = await api.pods.create(name="p", image_name="alpine", gpu_type_id=GPU)
    assert fake.state.pods[pod.id]["_input"] == {
        "name": "p",
        "imageName": "alpine",
        "gpuTypeId": GPU,
        "gpuCount": 1,
        "cloudType": "ALL",
        "supportPublicIp": True,
        "startSsh": True,
        "containerDiskInGb": 10,
    }


async def test_create_cpu_pod(api, fake: FakeRunpod) -> None:
    pod = await api.pods.create(name="cpu", image_name="alpine", instance_id="cpu3c-2-4", env={"A": "1"})
    assert (pod.gpu_count, pod.vcpu_count, pod.memory_in_gb) == (0, 2.0, 4.0)
    assert fake.operations()[-1] == "CreateCpuPod"
    assert fake.state.pods[pod.id]["_input"]["instanceId"] == "cpu3c-2-4"


async def test_network_volume_alone_places_the_pod_in_its_data_center(api, fake: FakeRunpod) -> None:
    volume = await api.network_volumes.create(name="data", size=10, data_center_id="US-TX-3")
    pod = await api.pods.create(name="p", image_name="alpine", gpu_type_id=GPU, network_volume_id=volume.id)
    assert fake.state.pods[pod.id]["_input"]["dataCenterId"] == "US-TX-3"


async def test_unknown_network_volume_is_not_found_before_deploying(api, fake: FakeRunpod) -> None:
    with pytest.raises(NotFoundError, match="network volume 'nope' not found"):
        await api.pods.create(name="p", image_name="alpine", gpu_type_id=GPU, network_volume_id="nope")
    assert "CreateGpuPod" not in fake.operations()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"image_name": "a"}, "exactly one of gpu_type_id"),
        ({"image_name": "a", "gpu_type_id": GPU, "instance_id": "cpu3c-2-4"}, "exactly one of gpu_type_id"),
        ({"gpu_type_id": GPU}, "image_name or template_id"),
        ({"image_name": "a", "instance_id": "cpu3c-2-4", "volume_in_gb": 5}, "volume_in_gb apply only to GPU pods"),
        ({"image_name": "a", "gpu_type_id": GPU, "ports": "8888"}, "port '8888' is not"),
        ({"image_name": "a", "gpu_type_id": GPU, "cloud_type": "CHEAP"}, "cloud_type"),
        ({"image_name": "a", "gpu_type_id": GPU, "gpu_count": 0}, "gpu_count"),
        ({"image_name": "a", "gpu_type_id": GPU, "env": {"A=B": "c"}}, "environment variable name 'A=B'"),
    ],
)
async def test_invalid_pod_is_refused_before_any_request(api, fake: FakeRunpod, kwargs: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        await api.pods.create(name="p", **kwargs)
    assert fake.requests == []


async def test_runpod_refusal_is_a_graphql_error_naming_the_reason(api) -> None:
    from runpod_api import GraphQLError

    with pytest.raises(GraphQLError, match="no longer any instances available"):
        await api.pods.create(name="p", image_name="a", gpu_type_id=GPU, gpu_count=64)


async def test_list_and_get_show_created_pods(api) -> None:
    first = await api.pods.create(name="one", image_name="a", gpu_type_id=GPU)
    second = await api.pods.create(name="two", image_name="b", instance_id="cpu3c-2-4")
    assert sorted(p.name for p in await api.pods.list()) == ["one", "two"]
    got = await api.pods.get(second.id)
    assert (got.id, got.image_name, got.desired_status) == (second.id, "b", "RUNNING")
    assert (await api.pods.get(first.id)).machine.gpu_display_name == "RTX 4090"


async def test_missing_pod_is_not_found(api) -> None:
    with pytest.raises(NotFoundError, match="pod 'nope' not found") as exc:
        await api.pods.get("nope")
    assert exc.value.status_code == 404


async def test_empty_id_is_refused_by_name(api, fake: FakeRunpod) -> None:
    with pytest.raises(ValueError, match="pod_id must be a non-empty string"):
        await api.pods.get(" ")
    assert fake.requests == []


async def test_stop_then_resume_keeps_the_gpu_count(api, fake: FakeRunpod) -> None:
    pod = await api.pods.create(name="p", image_name="a", gpu_type_id=GPU, gpu_count=2)
    assert (await api.pods.stop(pod.id)).desired_status == "EXITED"
    resumed = await api.pods.resume(pod.id)
    assert (resumed.desired_status, resumed.gpu_count) == ("RUNNING", 2)
    resume_request = next(r for r in fake.requests if r.operation == "ResumePod")
    assert resume_request.variables == {"input": {"podId": pod.id, "gpuCount": 2}}


async def test_resume_with_another_gpu_count(api) -> None:
    pod = await api.pods.create(name="p", image_name="a", gpu_type_id=GPU, gpu_count=2)
    await api.pods.stop(pod.id)
    assert (await api.pods.resume(pod.id, gpu_count=1)).gpu_count == 1


async def test_terminate_removes_the_pod(api) -> None:
    pod = await api.pods.create(name="p", image_name="a", gpu_type_id=GPU)
    assert await api.pods.terminate(pod.id) is None
    with pytest.raises(NotFoundError):
        await api.pods.get(pod.id)


async def test_wait_until_running_polls_until_the_container_is_up(api, fake: FakeRunpod, sleeps: list) -> None:
    fake.state.boot_polls = 3
    pod = await api.pods.create(name="p", image_name="a", gpu_type_id=GPU, ports="22/tcp")
    running = await api.pods.wait_until_running(pod.id, poll_interval=2.0)
    assert running.is_running
    assert running.public_address(22) == ("203.0.113.10", 40022)
    assert fake.operations().count("GetPod") == 4
    assert sleeps == [2.0, 2.0, 2.0]


async def test_wait_until_running_gives_up_after_max_wait(api, fake: FakeRunpod, sleeps: list) -> None:
    fake.state.boot_polls = 100
    pod = await api.pods.create(name="p", image_name="a", gpu_type_id=GPU)
    with pytest.raises(WaitTimeoutError, match=r"not running after 10s \(last status RUNNING\)") as exc:
        await api.pods.wait_until_running(pod.id, max_wait=10, poll_interval=5)
    assert (exc.value.resource_id, isinstance(exc.value, TimeoutError)) == (pod.id, True)
    assert fake.operations().count("GetPod") == 3


async def test_wait_on_a_stopped_pod_fails_at_once(api, fake: FakeRunpod) -> None:
    pod = await api.pods.create(name="p", image_name="a", gpu_type_id=GPU)
    await api.pods.stop(pod.id)
    with pytest.raises(ResourceStateError, match="is EXITED and will not start by itself"):
        await api.pods.wait_until_running(pod.id)


async def test_wait_refuses_a_non_positive_poll_interval(api) -> None:
    with pytest.raises(ValueError, match="poll_interval must be positive"):
        await api.pods.wait_until_running("abc", poll_interval=0)
