"""The README's CLI section stays true: every command it names exists."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from runpod_api.cli import app

README = (Path(__file__).resolve().parents[3] / "packages" / "runpod-api" / "README.md").read_text()
SECTION = README.split("## The `runpod` command line", 1)[1].split("\n## ", 1)[0]


def named_commands() -> set[tuple[str, str]]:
    named = {tuple(m.split()[:2]) for m in re.findall(r"^\$ runpod (\w[\w-]* [\w-]+)", SECTION, re.M)}
    for group, commands in re.findall(r"`runpod (\w+) ([\w\\|-]+)", SECTION):
        named |= {(group, command) for command in commands.split("\\|")}
    return named


def test_every_command_in_the_readme_exists() -> None:
    group = typer.main.get_group(app)
    named = named_commands()
    assert len(named) >= 25
    for group_name, command in sorted(named):
        sub = group.commands[group_name]
        assert command in getattr(sub, "commands", {}), f"runpod {group_name} {command}"
