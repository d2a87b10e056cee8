"""Helpers every GraphQL backend uses: reading models out of answers, shaping inputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..._exceptions import APIResponseValidationError, NotFoundError
from ..base import GraphQLCall

__all__ = ("call", "compact", "env_input", "env_secrets", "not_found", "parse", "parse_list")

M = TypeVar("M", bound=BaseModel)


def call(operation: str, secrets: tuple[str, ...] = (), **variables: Any) -> GraphQLCall:
    """A step that runs one operation with these variables."""
    return GraphQLCall(operation, variables, secrets)


def compact(values: Mapping[str, Any]) -> dict[str, Any]:
    """Drop unset (None) entries: Runpod treats an explicit null differently from an absent field."""
    return {k: v for k, v in values.items() if v is not None}


def env_input(env: Mapping[str, str] | None) -> list[dict[str, str]] | None:
    """Environment variables in GraphQL's `[{key, value}]` form."""
    return None if env is None else [{"key": k, "value": v} for k, v in env.items()]


def env_secrets(env: Mapping[str, str] | None) -> tuple[str, ...]:
    """Environment variable values often hold tokens: keep them out of error messages."""
    return tuple(env.values()) if env else ()


def parse(model: type[M], value: Any, operation: str) -> M:
    """Read one model out of an answer.

    Raises:
        APIResponseValidationError: The value does not fit the model (the message names the field).
    """
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise APIResponseValidationError(
            f"{operation}: the answer does not fit {model.__name__} at {where}: {first['msg']}"
        ) from None


def parse_list(model: type[M], values: Any, operation: str) -> list[M]:
    """Read a list of models out of an answer; null entries (GraphQL allows them) are skipped."""
    if values is None:
        return []
    if not isinstance(values, list):
        raise APIResponseValidationError(f"{operation}: expected a list, got {type(values).__name__}")
    return [parse(model, value, operation) for value in values if value is not None]


def not_found(kind: str, resource_id: str) -> NotFoundError:
    """The error for a lookup by id that found nothing."""
    return NotFoundError(f"{kind} {resource_id!r} not found", status_code=404)
