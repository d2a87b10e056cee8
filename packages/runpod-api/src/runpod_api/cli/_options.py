"""Options many commands share, declared once, and the small parsers behind them."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from ._errors import EXIT_USAGE, CliError
from ._render import report

__all__ = (
    "JsonFlag",
    "YesFlag",
    "confirm_or_refuse",
    "delete_confirmed",
    "parse_env",
    "read_json_input",
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts) instead of a table.")]
YesFlag = Annotated[bool, typer.Option("--yes", "-y", help="Do it without asking (needed when not on a terminal).")]


def parse_env(pairs: list[str] | None) -> dict[str, str] | None:
    """Turn repeated `--env KEY=VALUE` options into a dict; None when none were given.

    Raises:
        typer.BadParameter: An entry has no `=` or no name (the value is never shown: it may be a secret).
    """
    if not pairs:
        return None
    env: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected KEY=VALUE, got an entry named {key.strip()!r}", param_hint="--env")
        env[key.strip()] = value
    return env


def read_json_input(value: str) -> Any:
    """Read a job input given as JSON text, `@path` to a JSON file, or `-` for stdin.

    Raises:
        typer.BadParameter: The text is not JSON, or the file cannot be read.
    """
    source = "the input"
    if value == "-":
        text, source = sys.stdin.read(), "stdin"
    elif value.startswith("@"):
        path = Path(value[1:]).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise typer.BadParameter(f"cannot read {str(path)!r}: {exc.strerror}", param_hint="--input") from None
        except UnicodeDecodeError:
            raise typer.BadParameter(f"{str(path)!r} is not UTF-8 text", param_hint="--input") from None
        source = str(path)
    else:
        text = value
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(
            f"{source} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", param_hint="--input"
        ) from None


def confirm_or_refuse(action: str, yes: bool) -> None:
    """Go on when `--yes` was given or the person at the terminal agrees to `action`; otherwise stop.

    Args:
        action: What is about to happen, as a verb phrase: "terminate pod abc and delete its volume".
        yes: Whether `--yes` was given.

    Raises:
        CliError: Not on a terminal and no `--yes` (exit 2), or the person said no (exit 1).
    """
    if yes:
        return
    if not sys.stdin.isatty():
        raise CliError(f"pass --yes to {action} (not on a terminal to ask)", EXIT_USAGE)
    if not typer.confirm(action[:1].upper() + action[1:] + "?", default=False):
        raise CliError(f"did not {action}: not confirmed")


def delete_confirmed(
    as_json: bool,
    yes: bool,
    what: str,
    resource_id: str,
    delete: Callable[[str], object],
    *,
    verb: str = "delete",
    warning: str = "",
) -> None:
    """Ask (or take `--yes`), delete, and say so: `{"id": ..., "deleted": true}` in JSON.

    Args:
        as_json: Print JSON.
        yes: `--yes` was given.
        what: What is deleted, as a person says it: "network volume".
        resource_id: Its id.
        delete: The library call that deletes it.
        verb: "delete", or "terminate" for a pod.
        warning: Added to the question, such as " and everything on it".
    """
    confirm_or_refuse(f"{verb} {what} {resource_id}{warning}", yes)
    delete(resource_id)
    report(as_json, {"id": resource_id, f"{verb}d": True}, f"{verb.capitalize()}d {what} {resource_id}.")
