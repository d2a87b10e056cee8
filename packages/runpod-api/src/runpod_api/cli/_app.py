"""The root `runpod` Typer application: global options, the command groups, and one way to fail.

Help is plain text (`rich_markup_mode=None`): typer's rich help formatter imports rich's markdown and
traceback machinery, which would triple the time `runpod --help` takes. Tables and spinners still use rich,
imported by the commands that draw them.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from .._version import __version__
from . import config, endpoints, gpus, pods, project, registry, ssh, templates, volumes
from ._errors import EXPECTED, describe
from ._render import error_line
from ._state import State

__all__ = ("app",)


class _RunpodGroup(TyperGroup):
    """The root group: every expected error of every command ends as one line on stderr and an exit code."""

    def invoke(self, ctx: Any) -> Any:  # typer's base takes its vendored click.Context
        try:
            return super().invoke(ctx)
        except EXPECTED as exc:
            message, code = describe(exc)
            error_line(message)
            raise typer.Exit(code) from None


app = typer.Typer(
    name="runpod",
    cls=_RunpodGroup,
    help="Manage Runpod pods, serverless endpoints, templates, volumes and jobs.",
    epilog="The API key comes from RUNPOD_API_KEY or ~/.runpod/config.toml (`runpod config set`).",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
)

app.add_typer(config.app, name="config")
app.add_typer(pods.app, name="pod")
app.add_typer(gpus.app, name="gpu")
app.add_typer(endpoints.app, name="endpoint")
app.add_typer(templates.app, name="template")
app.add_typer(volumes.app, name="volume")
app.add_typer(registry.app, name="registry")
app.add_typer(ssh.app, name="ssh")
app.add_typer(project.app, name="project")


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"runpod-api {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-p",
            metavar="NAME",
            help="A profile of ~/.runpod/config.toml (default: RUNPOD_API_KEY, else RUNPOD_PROFILE or 'default').",
        ),
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON (for scripts) from every command.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Manage Runpod pods, serverless endpoints, templates, volumes and jobs."""
    state = ctx.ensure_object(State)
    state.profile = profile
    state.json = json_
    ctx.call_on_close(state.close)
