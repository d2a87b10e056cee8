"""`runpod ssh add-key|list-keys`: keys really reach the account (runpod-python's add-key uploaded nothing)."""

from __future__ import annotations

from pathlib import Path

from runpod_api.testing import FakeRunpod

from .conftest import Runpod
from .sshd import keygen


def account_keys(fake: FakeRunpod) -> list[str]:
    return [line for line in fake.state.user["pubKey"].splitlines() if line.strip()]


def test_add_key_makes_a_key_pair_and_uploads_it(runpod: Runpod, fake: FakeRunpod) -> None:
    result = runpod.ok("ssh", "add-key", "--json").json()
    private = runpod.home / ".runpod" / "ssh" / "runpod"
    assert result["private_key"] == str(private)
    assert result["added"] is True
    assert private.stat().st_mode & 0o777 == 0o600
    assert (runpod.home / ".runpod").stat().st_mode & 0o777 == 0o700
    public = private.with_name("runpod.pub").read_text().split()
    assert [line.split()[:2] for line in account_keys(fake)] == [public[:2]]


def test_add_key_reuses_the_key_pair_already_made(runpod: Runpod, fake: FakeRunpod) -> None:
    first = runpod.ok("ssh", "add-key", "--name", "laptop", "--json").json()
    again = runpod.ok("ssh", "add-key", "--name", "laptop")
    assert f"Key {first['fingerprint']} is already on your account" in again.stdout
    assert len(account_keys(fake)) == 1


def test_add_key_uploads_a_given_key(runpod: Runpod, fake: FakeRunpod, tmp_path: Path) -> None:
    line = keygen(tmp_path / "mine", "me@laptop")
    result = runpod.ok("ssh", "add-key", "--key", line)
    assert "Added ssh-ed25519 key SHA256:" in result.stdout
    assert account_keys(fake) == [line]


def test_add_key_keeps_the_keys_already_there(runpod: Runpod, fake: FakeRunpod, tmp_path: Path) -> None:
    first, second = keygen(tmp_path / "one"), keygen(tmp_path / "two")
    fake.state.user["pubKey"] = first
    runpod.ok("ssh", "add-key", "--key-file", str(tmp_path / "two.pub"))
    assert account_keys(fake) == [first, second]


def test_add_key_refuses_a_private_key_file(runpod: Runpod, fake: FakeRunpod, tmp_path: Path) -> None:
    keygen(tmp_path / "k")
    result = runpod("ssh", "add-key", "--key-file", str(tmp_path / "k"))
    assert result.code == 2
    assert "is a private key: give its public half" in result.error
    assert "PRIVATE" not in result.stdout + result.stderr.replace("is a private key", "")
    assert account_keys(fake) == []


def test_add_key_refuses_text_that_is_not_a_key(runpod: Runpod, fake: FakeRunpod) -> None:
    result = runpod("ssh", "add-key", "--key", "hello world")
    assert result.code == 2
    assert result.error.startswith("error: invalid arguments: not an OpenSSH public key")
    assert account_keys(fake) == []


def test_list_keys_shows_fingerprints_and_local_matches(runpod: Runpod, fake: FakeRunpod, tmp_path: Path) -> None:
    runpod.ok("ssh", "add-key")
    elsewhere = keygen(tmp_path / "elsewhere", "other@box")
    fake.state.user["pubKey"] += "\n" + elsewhere
    keys = runpod.ok("ssh", "list-keys", "--json").json()
    assert [k["local_private_key"] for k in keys] == [str(runpod.home / ".runpod" / "ssh" / "runpod"), None]
    assert keys[1]["comment"] == "other@box"
    assert keys[1]["fingerprint"].startswith("SHA256:")
    assert "other@box" in runpod.ok("ssh", "list-keys").stdout


def test_list_keys_of_an_account_without_keys(runpod: Runpod) -> None:
    assert "no SSH keys on your account" in runpod.ok("ssh", "list-keys").stdout
