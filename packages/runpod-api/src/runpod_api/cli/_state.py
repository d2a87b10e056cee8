"""The settings the root command reads (`--profile`, `--json`), kept in `ctx.obj` for every command.

The clients are made on first use, so `runpod --help`, `runpod config` and `runpod project new` never
look for an API key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

from .._config import API_KEY_ENV, config_path
from ._errors import EXIT_AUTH, CliError

if TYPE_CHECKING:
    from .._client import Runpod
    from ..serverless import Endpoint

__all__ = ("State",)


@dataclass(slots=True)
class State:
    """What every command of one `runpod` invocation shares."""

    profile: str | None = None
    """The `--profile` given, else None (the library then reads `RUNPOD_API_KEY`, `RUNPOD_PROFILE`, `default`)."""
    json: bool = False
    """`runpod --json ...`: every command prints JSON."""
    _client: Runpod | None = field(default=None, repr=False)

    @classmethod
    def of(cls, ctx: typer.Context) -> State:
        """The state the root command stored (a fresh one when a command runs on its own, as in tests)."""
        state = ctx.find_object(State)
        if state is None:
            state = ctx.ensure_object(State)
        return state

    def wants_json(self, flag: bool) -> bool:
        """Whether this command prints JSON: its own `--json`, or the root's."""
        return flag or self.json

    def client(self) -> Runpod:
        """The control-plane client, made on first use with the key the profile or environment gives."""
        if self._client is None:
            from .._client import Runpod

            self._check_some_key()
            self._client = Runpod(profile=self.profile)
        return self._client

    def _check_some_key(self) -> None:
        # The library's message names its Python arguments; on the command line, say what to type instead.
        if self.profile is None and not os.environ.get(API_KEY_ENV, "").strip() and not config_path().exists():
            raise CliError(f"no Runpod API key: save one with `runpod config set`, or set {API_KEY_ENV}", EXIT_AUTH)

    def endpoint(self, endpoint_id: str) -> Endpoint:
        """A serverless client for one endpoint, sharing the control-plane client's key and connections."""
        return self.client().endpoint(endpoint_id)

    def close(self) -> None:
        """Release the clients' connections."""
        if self._client is not None:
            self._client.close()
            self._client = None
