"""`runpod pod list|get|create|stop|resume|terminate` against the fake control plane."""

from __future__ import annotations

from runpod_api.testing import FakeRunpod

from .conftest import GPU, Client, Runpod


def test_list_prints_json_for_scripts(runpod: Runpod, pod_id: str) -> None:
    pods = runpod.ok("pod", "list", "--json").json()
    assert [(p["id"], p["name"], p["desired_status"]) for p in pods] == [(pod_id, "dev", "RUNNING")]


def test_list_draws_a_table_for_people(runpod: Runpod, pod_id: str) -> None:
    out = runpod.ok("pod", "list").stdout
    assert out.splitlines()[0].split() == ["ID", "NAME", "STATUS", "GPU", "IMAGE", "$/H", "SSH"]
    assert pod_id in out
    assert "203.0.113.10:40022" in out


def test_list_of_no_pods_says_so(runpod: Runpod) -> None:
    assert runpod.ok("pod", "list").stdout == "no pods\n"


def test_get_shows_one_pod(runpod: Runpod, pod_id: str) -> None:
    pod = runpod.ok("pod", "get", pod_id, "--json").json()
    assert pod["id"] == pod_id
    assert pod["runtime"]["ports"][0]["private_port"] == 22
    assert f"id                  {pod_id}" in runpod.ok("pod", "get", pod_id).stdout


def test_get_of_an_unknown_pod_exits_4(runpod: Runpod) -> None:
    result = runpod("pod", "get", "nope")
    assert result.code == 4
    assert result.error == "error: pod 'nope' not found"


def test_create_sends_every_flag_given(runpod: Runpod, fake: FakeRunpod, api: Client) -> None:
    auth = api.registry_auths.create(name="hub", username="u", password="p")
    volume = api.network_volumes.create(name="v", size=10, data_center_id="EU-RO-1")
    created = runpod.ok(
        "pod", "create", "trainer",
        "--image", "me/train:1",
        "--gpu-type", "NVIDIA A100 80GB PCIe",
        "--gpu-count", "2",
        "--cloud", "secure",
        "--ports", "8888/http", "--ports", "22/tcp",
        "--env", "TOKEN=s3cret", "--env", "MODE=fast",
        "--disk", "50", "--volume-size", "100", "--volume-path", "/data",
        "--network-volume", volume.id, "--data-center", "EU-RO-1",
        "--min-vcpus", "4", "--min-memory", "16",
        "--cuda", "12.4", "--cuda", "12.6",
        "--registry-auth", auth.id,
        "--docker-args", "python train.py",
        "--no-public-ip", "--jupyter",
        "--json",
    ).json()  # fmt: skip
    sent = fake.state.pods[created["id"]]["_input"]
    assert sent == {
        "name": "trainer",
        "imageName": "me/train:1",
        "gpuTypeId": "NVIDIA A100 80GB PCIe",
        "gpuCount": 2,
        "cloudType": "SECURE",
        "ports": "8888/http,22/tcp",
        "env": [{"key": "TOKEN", "value": "s3cret"}, {"key": "MODE", "value": "fast"}],
        "containerDiskInGb": 50,
        "volumeInGb": 100,
        "volumeMountPath": "/data",
        "networkVolumeId": volume.id,
        "dataCenterId": "EU-RO-1",
        "minVcpuCount": 4,
        "minMemoryInGb": 16,
        "allowedCudaVersions": ["12.4", "12.6"],
        "containerRegistryAuthId": auth.id,
        "dockerArgs": "python train.py",
        "supportPublicIp": False,
        "startJupyter": True,
    } | {k: v for k, v in sent.items() if k not in _GIVEN}


_GIVEN = {
    "name", "imageName", "gpuTypeId", "gpuCount", "cloudType", "ports", "env", "containerDiskInGb", "volumeInGb",
    "volumeMountPath", "networkVolumeId", "dataCenterId", "minVcpuCount", "minMemoryInGb", "allowedCudaVersions",
    "containerRegistryAuthId", "dockerArgs", "supportPublicIp", "startJupyter",
}  # fmt: skip


def test_create_never_prints_environment_values(runpod: Runpod) -> None:
    args = ("pod", "create", "p", "--image", "a", "--gpu-type", GPU, "--env", "TOKEN=hunter2-secret-value")
    json_out = runpod.ok(*args, "--json").stdout
    pod_id = runpod.ok("pod", "list", "--json").json()[0]["id"]
    shown = json_out + runpod.ok("pod", "get", pod_id).stdout + runpod.ok("pod", "get", pod_id, "--json").stdout
    assert "hunter2-secret-value" not in shown
    assert "TOKEN=***" in runpod.ok("pod", "get", pod_id).stdout


def test_create_a_cpu_pod(runpod: Runpod, fake: FakeRunpod) -> None:
    pod = runpod.ok("pod", "create", "c", "--image", "a", "--cpu", "cpu3c-2-4", "--json").json()
    assert pod["gpu_count"] == 0
    assert fake.state.pods[pod["id"]]["_input"]["instanceId"] == "cpu3c-2-4"


def test_create_exposes_ssh_when_no_ports_are_given(runpod: Runpod, fake: FakeRunpod) -> None:
    pod = runpod.ok("pod", "create", "c", "--image", "a", "--gpu-type", GPU, "--json").json()
    assert fake.state.pods[pod["id"]]["_input"]["ports"] == "22/tcp"


def test_create_needs_a_gpu_type_or_a_cpu(runpod: Runpod) -> None:
    result = runpod("pod", "create", "x", "--image", "a")
    assert result.code == 2
    assert result.error == "error: give exactly one of --gpu-type (a GPU pod) or --cpu (a CPU pod)"


def test_create_needs_an_image_or_a_template(runpod: Runpod) -> None:
    result = runpod("pod", "create", "x", "--gpu-type", GPU)
    assert result.code == 2
    assert result.error == "error: give --image or --template"


def test_create_rejects_a_malformed_env_option(runpod: Runpod) -> None:
    result = runpod("pod", "create", "x", "--image", "a", "--gpu-type", GPU, "--env", "NOEQUALSsecret")
    assert result.code == 2
    assert "expected KEY=VALUE" in result.stderr
    assert "NOEQUALSsecret" in result.stderr  # the name part is shown: there is no value in it


def test_create_reports_invalid_ports_as_a_usage_error(runpod: Runpod) -> None:
    result = runpod("pod", "create", "x", "--image", "a", "--gpu-type", GPU, "--ports", "80")
    assert result.code == 2
    assert result.error.startswith("error: invalid arguments: ports: port '80' is not <number>/<http|tcp|udp>")


def test_stop_then_resume(runpod: Runpod, pod_id: str) -> None:
    assert runpod.ok("pod", "stop", pod_id, "--json").json()["desired_status"] == "EXITED"
    assert runpod.ok("pod", "resume", pod_id, "--wait", "--json").json()["desired_status"] == "RUNNING"


def test_resume_of_a_running_pod_is_refused(runpod: Runpod, pod_id: str) -> None:
    result = runpod("pod", "resume", pod_id)
    assert result.code == 1
    assert result.error.startswith("error: Runpod refused: ")
    assert result.error.endswith(" failed: Pod is already running")


def test_terminate_needs_yes_off_a_terminal(runpod: Runpod, fake: FakeRunpod, pod_id: str) -> None:
    result = runpod("pod", "terminate", pod_id)
    assert result.code == 2
    assert (
        result.error == f"error: pass --yes to terminate pod {pod_id} and delete its volume (not on a terminal to ask)"
    )
    assert pod_id in fake.state.pods


def test_terminate_with_yes(runpod: Runpod, fake: FakeRunpod, pod_id: str) -> None:
    assert runpod.ok("pod", "terminate", pod_id, "--yes", "--json").json() == {"id": pod_id, "terminated": True}
    assert pod_id not in fake.state.pods
