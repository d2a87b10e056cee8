"""`runpod project new`: start a serverless worker project that runs its test input out of the box."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

from . import _render
from ._errors import EXIT_USAGE, CliError
from ._options import JsonFlag
from ._scaffold import project_files
from ._state import State

__all__ = ("app",)

app = typer.Typer(help="Worker projects.", no_args_is_help=True)


@app.command("new")
def new_project(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The project's name, also its directory's.")],
    directory: Annotated[
        Path | None, typer.Option("--dir", metavar="PATH", help="Where to create it (default: ./NAME).")
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """Create a worker project: handler.py, test_input.json, requirements.txt, a Dockerfile and a README.

    The image installs runpod-worker alone; `python handler.py` runs test_input.json at once.
    """
    files = project_files(name)
    target = directory if directory is not None else Path(name)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise CliError(f"{str(target)!r} exists and is not an empty directory", EXIT_USAGE)
    target.mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        (target / relative).write_text(text, encoding="utf-8")
    if State.of(ctx).wants_json(json_):
        _render.print_json({"name": name, "path": str(target.resolve()), "files": sorted(files)})
        return
    _render.say(f"Created {name} in {target}: {', '.join(sorted(files))}.")
    _render.say(f"Try it: cd {shlex.quote(str(target))} && pip install -r requirements.txt && python handler.py")
