"""`srtctl results DIR...`: compare finished jobs in a table, a CSV rollup, plots and an HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import app

__all__ = ("results",)


@app.command("results")
def results(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Job directories, sweep directories or results.json files.", show_default=False),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write rollup.csv, the plots and report.html.")
    ] = Path("srtctl-report"),
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Draw the PNG plots (needs srtctl[plot]).")] = True,
) -> None:
    """Compare the benchmark results of finished jobs and sweep variants."""
    from rich.console import Console
    from rich.markup import escape

    from ..benchmarks import BenchmarkError
    from ..results import accuracy_table, collect_results, serving_table, write_report

    console = Console(width=None if Console().is_terminal else 200, soft_wrap=True)
    errors = Console(stderr=True, soft_wrap=True)
    try:
        jobs = collect_results(paths)
    except BenchmarkError as exc:
        errors.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
    for table in (serving_table(jobs), accuracy_table(jobs)):
        if table is not None:
            console.print(table)
    for job in jobs:
        for problem in job.result.problems:
            console.print(f"[red]invalid[/red] {escape(job.label)}: {escape(problem)}", highlight=False)
    try:
        report = write_report(jobs, out, plots=plots)
    except BenchmarkError as exc:
        errors.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
    for path in (report.csv, *report.plots, report.html):
        console.print(f"wrote {path}", highlight=False)
