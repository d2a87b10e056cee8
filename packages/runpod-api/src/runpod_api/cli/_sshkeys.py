"""SSH public keys: reading them, their fingerprints, the private keys on this machine that match them.

The account's keys live on Runpod (one OpenSSH line each); pods are started with them. This module finds
which local private keys (`~/.runpod/ssh/*`, `~/.ssh/id_*`, each beside its `.pub`) belong to one of those,
so `runpod pod ssh` offers the right key, and makes a new ed25519 key pair for `runpod ssh add-key`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ._config_file import make_private_dir

__all__ = ("LocalKey", "PublicKey", "generate_key_pair", "local_keys", "runpod_key_dir")


@dataclass(frozen=True, slots=True)
class PublicKey:
    """One OpenSSH public key line, split into its parts."""

    type: str
    """The key type, such as `ssh-ed25519`."""
    blob: str
    """The base64 key material."""
    comment: str = ""
    """The free text after the key, usually `user@host` or a name."""

    @classmethod
    def parse(cls, line: str) -> PublicKey | None:
        """Read an OpenSSH public key line; None when it is not one."""
        fields = line.strip().split(maxsplit=2)
        if len(fields) < 2:
            return None
        try:
            base64.b64decode(fields[1], validate=True)
        except (binascii.Error, ValueError):
            return None
        return cls(fields[0], fields[1], fields[2] if len(fields) > 2 else "")

    @property
    def fingerprint(self) -> str:
        """The SHA256 fingerprint, as `ssh-keygen -l` prints it."""
        digest = hashlib.sha256(base64.b64decode(self.blob)).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")

    def same_key(self, other: PublicKey) -> bool:
        """Whether two lines hold the same key, whatever their comments."""
        return (self.type, self.blob) == (other.type, other.blob)

    def line(self) -> str:
        """The OpenSSH line."""
        return f"{self.type} {self.blob}" + (f" {self.comment}" if self.comment else "")


@dataclass(frozen=True, slots=True)
class LocalKey:
    """A private key file on this machine and its public half."""

    path: Path
    public: PublicKey


def runpod_key_dir(home: Path | None = None) -> Path:
    """Where `runpod ssh add-key` keeps the key pairs it makes: `~/.runpod/ssh`."""
    return (home or Path.home()) / ".runpod" / "ssh"


def local_keys(home: Path | None = None) -> list[LocalKey]:
    """Private keys in `~/.runpod/ssh` and `~/.ssh/id_*` that have a readable `.pub` beside them."""
    home = home or Path.home()
    candidates = sorted(runpod_key_dir(home).glob("*.pub")) + sorted((home / ".ssh").glob("id_*.pub"))
    found = []
    for pub in candidates:
        private = pub.with_suffix("")
        try:
            key = PublicKey.parse(pub.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
        if key is not None and private.is_file():
            found.append(LocalKey(private, key))
    return found


def generate_key_pair(path: Path, comment: str) -> PublicKey:
    """Write a new ed25519 key pair: `path` (the private key, mode 0600, no passphrase) and `path.pub`.

    Raises:
        FileExistsError: `path` exists already (a key is never overwritten).
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    make_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private)
    line = f"{public.decode()} {comment}".strip()
    path.with_name(path.name + ".pub").write_text(line + "\n", encoding="utf-8")
    parsed = PublicKey.parse(line)
    assert parsed is not None
    return parsed
