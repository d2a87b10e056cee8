"""Everything the `runpod` command prints: JSON for scripts, rich tables for people, spinners on stderr.

Data goes to stdout, progress and errors to stderr, so `runpod pod list --json | jq` always reads clean
JSON. rich is imported only when a table or a spinner is drawn: `--json` output and `--help` never load it.
Environment variable values (tokens, passwords) are never printed, in either form.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import sys
from collections.abc import Callable, Generator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from .._redact import REDACTED
from ._errors import EXIT_INTERRUPTED, CliError

if TYPE_CHECKING:
    from rich.console import Console

T = TypeVar("T")

__all__ = (
    "HIDDEN",
    "Spinner",
    "cell",
    "details",
    "error_line",
    "jsonable",
    "listing",
    "print_json",
    "progress",
    "report",
    "say",
    "stderr_console",
    "stdout_console",
    "table",
)

HIDDEN = REDACTED
"""What an environment variable's value is shown as."""

# Wide enough that an id is never cut when output goes to a file or a pipe (rich would assume 80 columns).
_PIPE_WIDTH = 1000


@functools.cache
def stdout_console() -> Console:
    """The console for data: stdout, as wide as needed when it is not a terminal."""
    from rich.console import Console

    console = Console(soft_wrap=False, highlight=False)
    if not console.is_terminal:
        console = Console(soft_wrap=False, highlight=False, width=_PIPE_WIDTH)
    return console


@functools.cache
def stderr_console() -> Console:
    """The console for progress: stderr."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _hide_env(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            k: (dict.fromkeys(v, HIDDEN) if k == "env" and isinstance(v, Mapping) else _hide_env(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_hide_env(v) for v in value]
    return value


def jsonable(value: Any) -> Any:
    """A JSON-ready copy of a model, a dataclass, or lists and dicts of them, environment values hidden."""
    if hasattr(value, "model_dump"):
        return _hide_env(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _hide_env({f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value) if f.repr})
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def print_json(value: Any) -> None:
    """Write a value to stdout as indented JSON."""
    sys.stdout.write(json.dumps(jsonable(value), indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def say(text: str) -> None:
    """Tell a person what happened, on stdout (plain text, no markup)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def error_line(message: str) -> None:
    """Write the one-line reason for a failure to stderr."""
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()


def report(as_json: bool, value: Any, human: str | Callable[[], None]) -> None:
    """Print a command's result: `value` as JSON when asked for, else `human` (a line, or what draws it)."""
    if as_json:
        print_json(value)
    elif callable(human):
        human()
    else:
        say(human)


def listing(
    as_json: bool, items: Sequence[T], columns: Sequence[str], row: Callable[[T], Sequence[Any]], *, empty: str
) -> None:
    """Print a list: the items as JSON when asked for, else a table with one `row(item)` each."""
    if as_json:
        print_json(items)
    else:
        table(columns, [row(item) for item in items], empty=empty)


def cell(value: Any) -> str:
    """How one value shows in a table: empty for None, JSON for lists and objects."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, empty: str = "nothing to show") -> None:
    """Draw rows under column headings; say `empty` when there are no rows."""
    if not rows:
        say(empty)
        return
    from rich import box
    from rich.table import Table

    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name in columns:
        grid.add_column(name, no_wrap=True, overflow="fold")
    for row in rows:
        grid.add_row(*(cell(v) for v in row))
    stdout_console().print(grid)


def details(pairs: Sequence[tuple[str, Any]]) -> None:
    """Draw one record as a two-column table of names and values (empty values left out)."""
    from rich import box
    from rich.table import Table

    grid = Table(box=box.SIMPLE, show_header=False, show_edge=False, pad_edge=False)
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for name, value in pairs:
        if value not in (None, "", [], {}):
            grid.add_row(name, cell(value))
    stdout_console().print(grid)


class Spinner:
    """A running progress display: change its text, or print a line of output without garbling it."""

    def __init__(self, update: Callable[[str], None] | None = None, console: Console | None = None) -> None:
        self._update = update
        self._console = console

    def update(self, text: str) -> None:
        """Change what the spinner says."""
        if self._update is not None:
            self._update(text)

    def line(self, text: str) -> None:
        """Print one line of output to stdout, above the spinner when both share a terminal."""
        if self._console is not None and _same_terminal():
            self._console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()


def _same_terminal() -> bool:
    try:
        return os.isatty(1) and os.isatty(2) and os.ttyname(1) == os.ttyname(2)
    except OSError:
        return False


@contextmanager
def progress(description: str, *, on_interrupt: str | None = None) -> Generator[Spinner]:
    """Show a spinner with the elapsed time on stderr while the block runs.

    Drawn only on an interactive terminal; elsewhere (a pipe, a CI log) nothing is drawn.

    Args:
        description: What is being waited for.
        on_interrupt: When given, Ctrl-C (at any moment, drawing included) ends the command with this
            message and exit status 130 instead of a bare interruption.
    """
    try:
        console = stderr_console()
        if not console.is_interactive:
            yield Spinner()
            return
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True, redirect_stdout=False, redirect_stderr=False) as bar:
            task = bar.add_task(description, total=None)
            yield Spinner(lambda text: bar.update(task, description=text), console)
    except KeyboardInterrupt:
        if on_interrupt is None:
            raise
        raise CliError(on_interrupt, EXIT_INTERRUPTED) from None
