"""The root `srtctl` Typer application and its global options."""

from typing import Annotated

import typer

from .._version import __version__
from . import apply, cancel, dry_run, logs, schema, status, validate, wait

app = typer.Typer(
    name="srtctl",
    help="Launch disaggregated LLM inference on SLURM.",
    no_args_is_help=True,
    # Plain help: rich's help renderer imports ~0.2 s of modules, and `srtctl --help` must stay under 0.3 s.
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"srtctl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Launch disaggregated LLM inference on SLURM."""


# Commands: each module imports only typer at the top; the library loads when a command runs.
app.command("validate")(validate.validate)
app.command("schema")(schema.schema)
app.command("dry-run")(dry_run.dry_run)
app.command("apply")(apply.apply)
app.command("status")(status.status)
app.command("logs")(logs.logs)
app.command("wait")(wait.wait)
app.command("cancel")(cancel.cancel)


def main() -> None:
    """Run the `srtctl` command line."""
    app()
