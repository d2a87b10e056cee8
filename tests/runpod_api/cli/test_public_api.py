"""The CLI package exports the Typer app and nothing else; the commands never shadow builtins."""

from __future__ import annotations

import builtins

import runpod_api.cli
from runpod_api.cli import app


def test_cli_exports_only_the_app() -> None:
    assert runpod_api.cli.__all__ == ("app",)


def test_command_functions_do_not_shadow_builtins() -> None:
    import typer.main

    group = typer.main.get_group(app)
    for sub in group.commands.values():
        for command in getattr(sub, "commands", {}).values():
            assert command.callback is not None
            assert command.callback.__name__ not in dir(builtins), command.name
