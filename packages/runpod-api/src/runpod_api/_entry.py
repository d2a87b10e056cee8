"""The `runpod` console script: a thin door that says what to install when the CLI extra is missing."""

import sys

_CLI_MODULES = frozenset({"typer", "click", "rich", "fabric", "shellingham"})


def main() -> None:
    """Run the `runpod` command line."""
    try:
        from .cli import app
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] not in _CLI_MODULES:
            raise
        sys.stderr.write("error: the `runpod` command needs the CLI extra: pip install 'runpod-api[cli]'\n")
        raise SystemExit(1) from None
    app()
