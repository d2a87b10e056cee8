"""Public key lines, fingerprints as ssh-keygen prints them, and key pairs made for `runpod ssh add-key`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from runpod_api.cli._remote import Location, quote_path
from runpod_api.cli._sshkeys import PublicKey, generate_key_pair, local_keys

from .sshd import ensure_openssh_server


def test_fingerprint_matches_ssh_keygen(tmp_path: Path) -> None:
    ensure_openssh_server()  # for ssh-keygen on a clean machine
    key = generate_key_pair(tmp_path / "k", "me@here")
    listed = subprocess.run(["ssh-keygen", "-l", "-f", str(tmp_path / "k.pub")], capture_output=True, text=True)
    assert listed.stdout.split()[1] == key.fingerprint
    assert key.comment == "me@here"


def test_generated_private_key_is_0600_and_never_overwritten(tmp_path: Path) -> None:
    generate_key_pair(tmp_path / "k", "c")
    assert (tmp_path / "k").stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):
        generate_key_pair(tmp_path / "k", "c")


def test_parse_rejects_what_is_not_a_key() -> None:
    assert PublicKey.parse("just-one-field") is None
    assert PublicKey.parse("ssh-ed25519 not*base64") is None


def test_same_key_ignores_comments() -> None:
    a, b = PublicKey("ssh-ed25519", "AAAA", "one"), PublicKey("ssh-ed25519", "AAAA", "two")
    assert a.same_key(b)
    assert a.line() == "ssh-ed25519 AAAA one"


def test_local_keys_need_both_halves(tmp_path: Path) -> None:
    generate_key_pair(tmp_path / ".runpod" / "ssh" / "both", "c")
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "id_orphan.pub").write_text((tmp_path / ".runpod" / "ssh" / "both.pub").read_text())
    assert [k.path.name for k in local_keys(tmp_path)] == ["both"]


@pytest.mark.parametrize(
    ("path", "quoted"),
    [
        ("/a b/c", "'/a b/c'"),
        ("it's", "'it'\"'\"'s'"),
        ("~", '"$HOME"'),
        ("~/x y", "\"$HOME\"/'x y'"),
        ("$(x)", "'$(x)'"),
    ],
)
def test_remote_paths_are_quoted(path: str, quoted: str) -> None:
    assert quote_path(path) == quoted


@pytest.mark.parametrize(
    ("text", "pod", "path"),
    [
        ("abc123:/data", "abc123", "/data"),
        ("abc123:", "abc123", "/workspace"),
        ("./a:b", None, "./a:b"),
        ("/tmp/x", None, "/tmp/x"),
        ("dir/file:x", None, "dir/file:x"),
    ],
)
def test_locations(text: str, pod: str | None, path: str) -> None:
    assert Location.parse(text) == Location(pod, path)
