"""`runpod gpu|template|volume|registry ...` against the fake control plane."""

from __future__ import annotations

from runpod_api.testing import FakeRunpod

from .conftest import GPU, Client, Runpod

# -- gpu ---------------------------------------------------------------------------------------------------------


def test_gpu_list(runpod: Runpod) -> None:
    gpus = runpod.ok("gpu", "list", "--json").json()
    assert GPU in [g["id"] for g in gpus]
    assert runpod.ok("gpu", "list").stdout.splitlines()[0].split()[:3] == ["ID", "NAME", "MEMORY"]


def test_gpu_get_prices_a_count(runpod: Runpod) -> None:
    gpu = runpod.ok("gpu", "get", GPU, "--count", "2", "--json").json()
    assert gpu["lowest_price"]["uninterruptable_price"] == 0.34
    assert "lowest $/h for 2" in runpod.ok("gpu", "get", GPU, "-n", "2").stdout


def test_gpu_get_of_an_unknown_type_exits_4(runpod: Runpod) -> None:
    assert runpod("gpu", "get", "NVIDIA Nothing").code == 4


# -- template ----------------------------------------------------------------------------------------------------


def test_template_create_list_get(runpod: Runpod, fake: FakeRunpod) -> None:
    created = runpod.ok(
        "template", "create", "tpl", "--image", "me/img:2", "--serverless", "--docker-args", "python -u h.py",
        "--disk", "20", "--ports", "8000/http", "--env", "KEY=v4lue", "--json",
    ).json()  # fmt: skip
    record = fake.state.templates[created["id"]]
    assert (record["imageName"], record["isServerless"], record["dockerArgs"]) == ("me/img:2", True, "python -u h.py")
    assert (record["containerDiskInGb"], record["ports"]) == (20, "8000/http")
    assert [t["id"] for t in runpod.ok("template", "list", "--json").json()] == [created["id"]]
    assert runpod.ok("template", "get", created["id"], "--json").json()["env"] == {"KEY": "***"}
    assert "serverless" in runpod.ok("template", "list").stdout


def test_template_update_keeps_what_is_not_given(runpod: Runpod, api: Client, fake: FakeRunpod) -> None:
    template = api.templates.create(name="t", image_name="a:1", docker_args="run")
    runpod.ok("template", "update", template.id, "--image", "a:2")
    record = fake.state.templates[template.id]
    assert (record["imageName"], record["dockerArgs"]) == ("a:2", "run")


def test_template_update_with_nothing_is_a_usage_error(runpod: Runpod, api: Client) -> None:
    template = api.templates.create(name="t", image_name="a:1")
    assert runpod("template", "update", template.id).code == 2


def test_template_delete_in_use_is_refused(runpod: Runpod, api: Client) -> None:
    template = api.templates.create(name="t", image_name="a:1", is_serverless=True)
    api.endpoints.create(name="e", template_id=template.id, gpu_ids="AMPERE_16")
    result = runpod("template", "delete", template.id, "--yes")
    assert result.code == 1
    assert "Template is in use by an endpoint" in result.error


def test_template_delete(runpod: Runpod, api: Client, fake: FakeRunpod) -> None:
    template = api.templates.create(name="t", image_name="a:1")
    runpod.ok("template", "delete", template.id, "--yes")
    assert fake.state.templates == {}


# -- volume ------------------------------------------------------------------------------------------------------


def test_volume_lifecycle(runpod: Runpod, fake: FakeRunpod) -> None:
    volume = runpod.ok("volume", "create", "data", "--size", "50", "--data-center", "EU-RO-1", "--json").json()
    assert (volume["size"], volume["data_center_id"]) == (50, "EU-RO-1")
    assert runpod.ok("volume", "list", "--json").json() == [volume]
    assert runpod.ok("volume", "get", volume["id"], "--json").json() == volume
    grown = runpod.ok("volume", "update", volume["id"], "--size", "80", "--name", "bigger", "--json").json()
    assert (grown["size"], grown["name"]) == (80, "bigger")
    runpod.ok("volume", "delete", volume["id"], "--yes")
    assert fake.state.network_volumes == {}


def test_volume_cannot_shrink(runpod: Runpod, api: Client) -> None:
    volume = api.network_volumes.create(name="v", size=50, data_center_id="EU-RO-1")
    result = runpod("volume", "update", volume.id, "--size", "10")
    assert result.code == 1
    assert "cannot shrink" in result.error


def test_volume_list_table(runpod: Runpod, api: Client) -> None:
    api.network_volumes.create(name="v", size=50, data_center_id="EU-RO-1")
    assert "EU-RO-1" in runpod.ok("volume", "list").stdout


# -- registry ----------------------------------------------------------------------------------------------------

PASSWORD = "dckr_pat_very-secret-token"


def test_registry_create_reads_the_password_from_stdin(runpod: Runpod, fake: FakeRunpod) -> None:
    result = runpod.ok("registry", "create", "hub", "--username", "me", "--password-stdin", input=PASSWORD + "\n")
    (auth,) = fake.state.registry_auths.values()
    assert (auth["username"], auth["password"]) == ("me", PASSWORD)
    assert PASSWORD not in result.stdout + result.stderr
    assert runpod.ok("registry", "list", "--json").json() == [{"id": auth["id"], "name": "hub"}]


def test_registry_password_off_a_terminal_needs_stdin(runpod: Runpod, fake: FakeRunpod) -> None:
    result = runpod("registry", "create", "hub", "--username", "me")
    assert result.code == 2
    assert "--password-stdin" in result.error
    assert fake.state.registry_auths == {}


def test_registry_update_and_delete(runpod: Runpod, api: Client, fake: FakeRunpod) -> None:
    auth = api.registry_auths.create(name="hub", username="a", password="old-password")
    runpod.ok("registry", "update", auth.id, "-u", "b", "--password-stdin", input="new-password\n")
    assert fake.state.registry_auths[auth.id]["password"] == "new-password"
    runpod.ok("registry", "delete", auth.id, "--yes")
    assert fake.state.registry_auths == {}


def test_registry_list_table(runpod: Runpod, api: Client) -> None:
    api.registry_auths.create(name="hub", username="a", password="pw-pw-pw")
    assert "hub" in runpod.ok("registry", "list").stdout
