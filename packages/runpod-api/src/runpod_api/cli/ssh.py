"""`runpod ssh`: the SSH public keys of the account, which pods accept logins with."""

from __future__ import annotations

import getpass
import socket
from pathlib import Path
from typing import Annotated

import typer

from . import _render
from ._config_file import PROFILE_NAME
from ._errors import EXIT_USAGE, CliError
from ._options import JsonFlag
from ._sshkeys import PublicKey, generate_key_pair, local_keys, runpod_key_dir
from ._state import State

__all__ = ("app",)

app = typer.Typer(help="The account's SSH keys (pods accept logins with them).", no_args_is_help=True)


def _given_key(key: str | None, key_file: Path | None) -> str | None:
    if key is not None and key_file is not None:
        raise CliError("give --key or --key-file, not both", EXIT_USAGE)
    if key_file is None:
        return key
    try:
        text = key_file.expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {str(key_file)!r}: {getattr(exc, 'strerror', None) or exc}", EXIT_USAGE) from None
    if "PRIVATE KEY" in text:
        raise CliError(f"{str(key_file)!r} is a private key: give its public half (the .pub file)", EXIT_USAGE)
    return text


@app.command("add-key")
def add_key(
    ctx: typer.Context,
    key: Annotated[str | None, typer.Option("--key", metavar="PUBLIC_KEY", help="An OpenSSH public key line.")] = None,
    key_file: Annotated[
        Path | None, typer.Option("--key-file", metavar="PATH", help="A public key file, e.g. ~/.ssh/id_ed25519.pub.")
    ] = None,
    name: Annotated[
        str, typer.Option("--name", help="Without --key/--key-file: the new key pair's name in ~/.runpod/ssh.")
    ] = "runpod",
    json_: JsonFlag = False,
) -> None:
    """Add an SSH public key to the account, keeping the keys already there.

    Without --key or --key-file, a new ed25519 key pair is made in ~/.runpod/ssh/NAME (or the one already
    there is used) and its public half is added. Pods get the account's keys when they start.
    """
    state = State.of(ctx)
    line = _given_key(key, key_file)
    private: Path | None = None
    if line is None:
        if not PROFILE_NAME.match(name):
            raise CliError(f"key name {name!r} may hold only letters, digits, '-' and '_'", EXIT_USAGE)
        private = runpod_key_dir() / name
        public_file = private.with_name(name + ".pub")
        if private.exists() and public_file.exists():
            line = public_file.read_text(encoding="utf-8")
        elif private.exists():
            raise CliError(f"{private} exists without {public_file.name}: choose another --name", EXIT_USAGE)
        else:
            comment = f"{getpass.getuser()}@{socket.gethostname()}-runpod"
            line = generate_key_pair(private, comment).line()
    client = state.client()
    parsed = PublicKey.parse(line)
    before = [k for k in (PublicKey.parse(existing) for existing in client.user.get().ssh_keys) if k is not None]
    client.user.add_ssh_key(line)  # checks the line; ValueError says what is wrong with it
    assert parsed is not None  # add_ssh_key accepted it, so it parses
    added = not any(parsed.same_key(k) for k in before)
    if state.wants_json(json_):
        _render.print_json(
            {
                "type": parsed.type,
                "fingerprint": parsed.fingerprint,
                "comment": parsed.comment,
                "added": added,
                "private_key": str(private) if private else None,
            }
        )
        return
    where = f" (private key: {private})" if private else ""
    if added:
        _render.say(f"Added {parsed.type} key {parsed.fingerprint} to your account{where}.")
        _render.say("Pods get the account's keys when they start: restart running pods to use it.")
    else:
        _render.say(f"Key {parsed.fingerprint} is already on your account{where}.")


@app.command("list-keys")
def list_keys(ctx: typer.Context, json_: JsonFlag = False) -> None:
    """List the account's SSH keys, with the private key on this machine that matches each, if any."""
    state = State.of(ctx)
    lines = state.client().user.get().ssh_keys
    local = local_keys()
    rows = []
    for line in lines:
        key = PublicKey.parse(line)
        if key is None:
            rows.append({"type": None, "fingerprint": None, "comment": line[:40], "local_private_key": None})
            continue
        match = next((str(k.path) for k in local if k.public.same_key(key)), None)
        rows.append(
            {"type": key.type, "fingerprint": key.fingerprint, "comment": key.comment, "local_private_key": match}
        )
    if state.wants_json(json_):
        _render.print_json(rows)
        return
    _render.table(
        ["TYPE", "FINGERPRINT", "COMMENT", "PRIVATE KEY HERE"],
        [(r["type"], r["fingerprint"], r["comment"], r["local_private_key"]) for r in rows],
        empty="no SSH keys on your account: add one with `runpod ssh add-key`",
    )
