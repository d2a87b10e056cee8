"""Values with quotes, backslashes, newlines and non-ASCII text reach the server unchanged.

runpod-python pasted values into the query text, so a `"` or a `\\` broke the query or changed it. Here
values travel as variables: each test sends a hostile value through one field and reads what the server
stored, and checks that the query text never contains it.
"""

from __future__ import annotations

import pytest

from runpod_api.testing import FakeRunpod

pytestmark = pytest.mark.anyio

HOSTILE = [
    'say "hi"',
    "back\\slash \\n \\\\ and \\u0041",
    "line one\nline two\r\nline three\ttab",
    "caf\u00e9 \u65e5\u672c\u8a9e \u2603 \U0001f680",
    '"}) { id } } mutation { podTerminate(input: {podId: "x"}) } #',
    "$input ${HOME} `whoami` '; DROP TABLE pods; --",
]


def _query_texts(fake: FakeRunpod) -> str:
    return "\n".join(r.query for r in fake.requests)


@pytest.mark.parametrize("value", HOSTILE)
async def test_env_values_of_a_pod(api, fake: FakeRunpod, value: str) -> None:
    pod = await api.pods.create(name="p", image_name="a", gpu_type_id="NVIDIA GeForce RTX 4090", env={"V": value})
    assert fake.state.pods[pod.id]["env"] == [f"V={value}"]
    assert (await api.pods.get(pod.id)).env == {"V": value}
    assert value not in _query_texts(fake)


@pytest.mark.parametrize("value", HOSTILE)
async def test_docker_args_of_a_pod(api, fake: FakeRunpod, value: str) -> None:
    pod = await api.pods.create(name="p", image_name="a", instance_id="cpu3c-2-4", docker_args=value)
    assert fake.state.pods[pod.id]["dockerArgs"] == value
    assert (await api.pods.get(pod.id)).docker_args == value
    assert value not in _query_texts(fake)


@pytest.mark.parametrize("value", HOSTILE)
async def test_registry_password(api, fake: FakeRunpod, value: str) -> None:
    auth = await api.registry_auths.create(name="r", username="me", password=value)
    assert fake.state.registry_auths[auth.id]["password"] == value
    await api.registry_auths.update(auth.id, username="me", password=value + "2")
    assert fake.state.registry_auths[auth.id]["password"] == value + "2"
    assert value not in _query_texts(fake)


@pytest.mark.parametrize("value", HOSTILE)
async def test_template_start_command_script_and_env(api, fake: FakeRunpod, value: str) -> None:
    template = await api.templates.create(
        name=f"t {value}", image_name="a", docker_args=value, start_script=value, env={"V": value}
    )
    stored = fake.state.templates[template.id]
    assert (stored["name"], stored["dockerArgs"], stored["startScript"]) == (f"t {value}", value, value)
    assert stored["env"] == [{"key": "V", "value": value}]
    updated = await api.templates.update(template.id, readme=value)
    assert (updated.docker_args, updated.readme, updated.env) == (value, value, {"V": value})
    assert value not in _query_texts(fake)


@pytest.mark.parametrize("value", HOSTILE)
async def test_endpoint_env_survives_an_update(api, fake: FakeRunpod, value: str) -> None:
    template = await api.templates.create(name="t", image_name="a", is_serverless=True)
    endpoint = await api.endpoints.create(name="e", template_id=template.id, gpu_ids="AMPERE_16", env={"V": value})
    updated = await api.endpoints.update(endpoint.id, workers_max=1)
    assert updated.env == {"V": value}
    assert fake.state.endpoints[endpoint.id]["env"] == [{"key": "V", "value": value}]
    assert value not in _query_texts(fake)


async def test_ssh_key_comment_with_non_ascii(api, fake: FakeRunpod) -> None:
    key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFxRj2Vl3cF0 Zo\u00eb\'s "laptop" \u2603'
    await api.user.add_ssh_key(key)
    assert fake.state.user["pubKey"] == key
