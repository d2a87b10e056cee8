"""`runpod config`: set, show and check the API key profiles of `~/.runpod/config.toml`."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from .._config import API_KEY_ENV, DEFAULT_PROFILE, PROFILE_ENV, _checked_key, config_path, read_config
from . import _render
from ._config_file import mask, set_api_key, write_private
from ._options import JsonFlag
from ._state import State

__all__ = ("app",)

app = typer.Typer(help="Set and show API key profiles (~/.runpod/config.toml).", no_args_is_help=True)

ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile", "-p", metavar="NAME", help="The profile to use (default: the root --profile, else 'default')."
    ),
]


def _read_key(profile: str) -> str:
    if sys.stdin.isatty():
        # hide_input: the key is never echoed on screen (runpod-python echoed it).
        return typer.prompt(f"API key for profile {profile!r}", hide_input=True)
    return sys.stdin.readline()


@app.command("set")
def set_key(ctx: typer.Context, profile: ProfileOption = None) -> None:
    """Save an API key as a profile: typed without echo on a terminal, else read from stdin.

    Example: `echo "$KEY" | runpod config set --profile ci`
    """
    name = profile or State.of(ctx).profile or DEFAULT_PROFILE
    path = config_path()
    key = _checked_key(_read_key(name), "the input")
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    old = (read_config(path) or {}).get(name)
    write_private(path, set_api_key(text, name, key))
    replaced = (
        f" (replacing {mask(old['api_key'])})" if isinstance(old, dict) and isinstance(old.get("api_key"), str) else ""
    )
    _render.say(f"Saved the API key {mask(key)} as profile {name!r} in {path}{replaced}.")


def _profiles(config: dict[str, object]) -> list[tuple[str, str]]:
    found = []
    for name, table in config.items():
        if isinstance(table, dict) and isinstance(table.get("api_key", table.get("apikey")), str):
            found.append((name, mask(str(table.get("api_key", table.get("apikey"))))))
    if DEFAULT_PROFILE not in config and isinstance(config.get("apikey"), str):
        found.insert(0, (DEFAULT_PROFILE, mask(str(config["apikey"]))))  # runpodctl's top-level key
    return found


def _active(state: State) -> str:
    if state.profile:
        return state.profile
    if os.environ.get(API_KEY_ENV, "").strip():
        return API_KEY_ENV
    return os.environ.get(PROFILE_ENV, "").strip() or DEFAULT_PROFILE


@app.command("show")
def show(ctx: typer.Context, json_: JsonFlag = False) -> None:
    """List the profiles with their keys masked, and say which one commands use now."""
    state = State.of(ctx)
    path = config_path()
    profiles = _profiles(read_config(path) or {})
    active = _active(state)
    if state.wants_json(json_):
        env_key = os.environ.get(API_KEY_ENV, "").strip()
        _render.print_json(
            {
                "path": str(path),
                "active": active,
                "environment_key": mask(env_key) if env_key else None,
                "profiles": [{"name": name, "api_key": key, "active": name == active} for name, key in profiles],
            }
        )
        return
    _render.say(f"config file: {path}")
    if active == API_KEY_ENV:
        _render.say(f"commands use the key in {API_KEY_ENV} ({mask(os.environ[API_KEY_ENV].strip())})")
    rows = [(name, key, "*" if name == active else "") for name, key in profiles]
    _render.table(["PROFILE", "API KEY", "ACTIVE"], rows, empty="no profiles yet: add one with `runpod config set`")


@app.command("check")
def check(ctx: typer.Context, json_: JsonFlag = False) -> None:
    """Ask Runpod whether the active key works, and whose account it is."""
    state = State.of(ctx)
    user = state.client().user.get()
    if state.wants_json(json_):
        _render.print_json({"ok": True, "profile": _active(state), "user_id": user.id, "email": user.email})
    else:
        _render.say(f"The key of {_active(state)!r} works: account {user.email or user.id}.")
