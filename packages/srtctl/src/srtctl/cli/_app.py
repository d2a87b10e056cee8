"""The root `srtctl` Typer application and its global options."""

from typing import Annotated

import typer

from .._version import __version__

app = typer.Typer(
    name="srtctl",
    help="Launch disaggregated LLM inference on SLURM.",
    no_args_is_help=True,
    rich_markup_mode="rich",
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


def main() -> None:
    """Run the `srtctl` command line."""
    app()
