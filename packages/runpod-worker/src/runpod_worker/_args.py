"""The command-line flags a worker script accepts, as `runpod.serverless` defines them.

Unknown arguments are left alone: they belong to the user's own script.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass

from ._exceptions import ConfigError

__all__ = ("WorkerArgs", "parse_args")


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerArgs:
    """The worker's flags from the command line."""

    log_level: str | None = None
    """`--rp_log_level`: overrides `RUNPOD_LOG_LEVEL`."""
    debugger: bool = False
    """`--rp_debugger`."""
    serve_api: bool = False
    """`--rp_serve_api`: run the local dev server instead of taking jobs."""
    api_host: str = "localhost"
    """`--rp_api_host`."""
    api_port: int = 8000
    """`--rp_api_port`."""
    api_concurrency: int = 1
    """`--rp_api_concurrency`."""
    test_input: str | None = None
    """`--test_input`: a job as JSON, run once locally."""
    rest: tuple[str, ...] = ()
    """Arguments that are not the worker's."""


def parse_args(argv: Sequence[str]) -> WorkerArgs:
    """Read the worker's flags from `argv` (without the program name).

    Raises:
        ConfigError: a flag has a missing or malformed value.
    """
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    parser.add_argument("--rp_log_level", dest="log_level")
    parser.add_argument("--rp_debugger", dest="debugger", action="store_true")
    parser.add_argument("--rp_serve_api", dest="serve_api", action="store_true")
    parser.add_argument("--rp_api_host", dest="api_host", default="localhost")
    parser.add_argument("--rp_api_port", dest="api_port", type=int, default=8000)
    parser.add_argument("--rp_api_concurrency", dest="api_concurrency", type=int, default=1)
    parser.add_argument("--test_input", dest="test_input")
    try:
        known, rest = parser.parse_known_args(list(argv))
    except argparse.ArgumentError as exc:
        raise ConfigError(f"bad command-line flag: {exc}") from None
    return WorkerArgs(**vars(known), rest=tuple(rest))
