"""`runpod registry`: credentials for private container registries. Passwords are never shown or echoed."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from . import _render
from ._errors import EXIT_USAGE, CliError
from ._options import JsonFlag, YesFlag, delete_confirmed
from ._state import State

__all__ = ("app",)

app = typer.Typer(help="Container registry credentials, for private images.", no_args_is_help=True)

AuthId = Annotated[str, typer.Argument(metavar="AUTH_ID", help="The credential's id (`runpod registry list`).")]
UsernameOption = Annotated[str, typer.Option("--username", "-u", help="The registry user name.")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password (or token) from stdin instead of asking.")
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = typer.prompt("Registry password or token", hide_input=True)
    else:
        raise CliError("not on a terminal to ask for the password: pass it on stdin with --password-stdin", EXIT_USAGE)
    if not password:
        raise CliError("the password is empty", EXIT_USAGE)
    return password


@app.command("list")
def list_auths(ctx: typer.Context, json_: JsonFlag = False) -> None:
    """List the stored credentials (names only; Runpod never sends passwords back)."""
    state = State.of(ctx)
    auths = state.client().registry_auths.list()
    _render.listing(
        state.wants_json(json_), auths, ["ID", "NAME"], lambda a: (a.id, a.name), empty="no registry credentials"
    )


@app.command("create")
def create_auth(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name for the credential (unique in the account).")],
    username: UsernameOption,
    password_stdin: PasswordStdin = False,
    json_: JsonFlag = False,
) -> None:
    """Store a registry user name and password; use its id with `--registry-auth` on pods and templates."""
    state = State.of(ctx)
    auth = state.client().registry_auths.create(name=name, username=username, password=_password(password_stdin))
    _render.report(state.wants_json(json_), auth, f"Stored registry credential {auth.id} ({name}).")


@app.command("update")
def update_auth(
    ctx: typer.Context,
    auth_id: AuthId,
    username: UsernameOption,
    password_stdin: PasswordStdin = False,
    json_: JsonFlag = False,
) -> None:
    """Replace a credential's user name and password."""
    state = State.of(ctx)
    auth = state.client().registry_auths.update(auth_id, username=username, password=_password(password_stdin))
    _render.report(state.wants_json(json_), auth, f"Updated registry credential {auth_id}.")


@app.command("delete")
def delete_auth(ctx: typer.Context, auth_id: AuthId, yes: YesFlag = False, json_: JsonFlag = False) -> None:
    """Delete a credential (asks first, unless --yes)."""
    state = State.of(ctx)
    delete_confirmed(state.wants_json(json_), yes, "registry credential", auth_id, state.client().registry_auths.delete)
