"""The two kinds of model: answers (tolerant of new fields) and parameters (strict)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel

__all__ = ("APIModel", "EnvDict", "ParamsModel", "csv", "drop_nulls", "env_dict", "normalise_ports")


class APIModel(BaseModel):
    """A model of something Runpod returns.

    Fields are snake_case in Python and camelCase on the wire; fields the server adds later are kept
    (`model_extra`) instead of breaking the client.
    """

    model_config = ConfigDict(extra="allow", alias_generator=to_camel, validate_by_name=True, validate_by_alias=True)


class ParamsModel(BaseModel):
    """A model of what a caller asks for: strict types, unknown fields refused, input never echoed in errors."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        hide_input_in_errors=True,
        validate_by_name=True,
        validate_by_alias=False,
    )


def drop_nulls(value: Any) -> Any:
    """Turn a null list into an empty one and drop null entries (GraphQL lists may hold nulls)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [item for item in value if item is not None]
    return value


def env_dict(value: Any) -> Any:
    """Read environment variables in either wire form, `["KEY=value"]` or `[{key, value}]`, as a dict."""
    if value is None:
        return {}
    if isinstance(value, list):
        env: dict[str, Any] = {}
        for item in value:
            if isinstance(item, str):
                key, _, val = item.partition("=")
                env[key] = val
            elif isinstance(item, Mapping):
                env[str(item.get("key"))] = item.get("value") if item.get("value") is not None else ""
        return env
    return value


EnvDict = Annotated[dict[str, str], BeforeValidator(env_dict)]
"""Environment variables as a dict, whichever form the server sent."""

_PORT = re.compile(r"^\d{1,5}/(http|tcp|udp)$")


def normalise_ports(value: str | Sequence[str]) -> str:
    """Turn `"8888/http, 22/tcp"` or `["8888/http", "22/tcp"]` into Runpod's `"8888/http,22/tcp"`.

    Raises:
        ValueError: An entry is not `<port>/<http|tcp|udp>`.
    """
    items = value.split(",") if isinstance(value, str) else list(value)
    ports = [item.strip() for item in items if item.strip()]
    for port in ports:
        if not _PORT.match(port) or not 0 < int(port.split("/")[0]) < 65536:
            raise ValueError(f"port {port!r} is not <number>/<http|tcp|udp>, e.g. '8888/http'")
    return ",".join(ports)


def csv(value: str | Sequence[str]) -> str:
    """Join a list into Runpod's comma-separated form; a string is cleaned of spaces around commas."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return ",".join(item.strip() for item in items if item.strip())
