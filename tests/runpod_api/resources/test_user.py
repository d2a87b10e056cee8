"""`client.user` against the fake control plane, sync and async alike."""

from __future__ import annotations

import base64

import pytest

from runpod_api.testing import FakeRunpod

pytestmark = pytest.mark.anyio


def key(seed: bytes, comment: str = "me@laptop") -> str:
    return f"ssh-ed25519 {base64.b64encode(seed * 32).decode()} {comment}"


async def test_get_returns_the_account(api) -> None:
    user = await api.user.get()
    assert (user.id, user.email, user.ssh_keys) == ("user-fake0001", "developer@example.com", [])


async def test_update_settings_replaces_every_key(api, fake: FakeRunpod) -> None:
    fake.state.user["pubKey"] = key(b"a")
    user = await api.user.update_settings(pub_key=key(b"b"))
    assert user.ssh_keys == [key(b"b")]


async def test_add_ssh_key_appends_to_the_keys_there(api, fake: FakeRunpod) -> None:
    fake.state.user["pubKey"] = key(b"a") + "\n\n" + key(b"b")
    user = await api.user.add_ssh_key(key(b"c") + "\n")
    assert user.ssh_keys == [key(b"a"), key(b"b"), key(b"c")]
    assert fake.state.user["pubKey"] == "\n".join([key(b"a"), key(b"b"), key(b"c")])


async def test_adding_a_key_already_there_changes_nothing(api, fake: FakeRunpod) -> None:
    fake.state.user["pubKey"] = key(b"a")
    user = await api.user.add_ssh_key(key(b"a", comment="other-comment"))
    assert user.ssh_keys == [key(b"a")]
    assert "UpdateUserSettings" not in fake.operations()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello", "not an OpenSSH public key"),
        ("ssh-ed25519 !!!notbase64", "not base64"),
        (key(b"a") + "\n" + key(b"b"), "single line"),
    ],
)
async def test_invalid_key_is_refused_before_any_request(api, fake: FakeRunpod, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        await api.user.add_ssh_key(text)
    assert fake.requests == []
