"""Validate YAML data into a frozen dataclass and turn pydantic's errors into located, readable issues."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import types
import typing
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from .._exceptions import ConfigError, ConfigIssue
from ._yaml import Document, YamlPath, describe

__all__ = ("adapter", "validate")

T = TypeVar("T")
_WHOLE: Any = object()


@functools.cache
def adapter(cls: type[T]) -> TypeAdapter[T]:
    """One TypeAdapter per class, built on first use (building one costs milliseconds)."""
    return TypeAdapter(cls)


def validate(
    cls: type[T], doc: Document, data: Any = _WHOLE, *, prefix: YamlPath = (), variant: str | None = None
) -> T:
    """Validate ``data`` (by default the whole document; else the part of it at ``prefix``) as ``cls``.

    Raises:
        ConfigError: with one issue per problem, each naming the file, line and YAML path.
    """
    data = doc.data if data is _WHOLE else data
    try:
        return adapter(cls).validate_python(data)
    except ValidationError as exc:
        issues = [_issue(cls, doc, data, error, prefix, variant) for error in exc.errors(include_url=False)]
        raise ConfigError(_dedupe(issues)) from None


def _dedupe(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for issue in sorted(issues, key=lambda i: (i.line or 0, i.path)):
        if (issue.path, issue.message) not in seen:
            seen.add((issue.path, issue.message))
            kept.append(issue)
    return kept


def _clean_loc(data: Any, loc: tuple[Any, ...]) -> YamlPath:
    """Keep the parts of a pydantic location that exist in the data, dropping union and validator tags."""
    path: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if (
            isinstance(current, dict)
            and part in current
            or isinstance(current, list)
            and isinstance(part, int)
            and 0 <= part < len(current)
        ):
            path.append(part)
            current = current[part]
        elif last and isinstance(part, str) and isinstance(current, dict):
            path.append(part)  # a missing required field
    return tuple(path)


def _issue(cls: type, doc: Document, data: Any, error: Any, prefix: YamlPath, variant: str | None) -> ConfigIssue:
    path = _clean_loc(data, tuple(error["loc"]))
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind in {"unexpected_keyword_argument", "extra_forbidden"}:
        message = _unknown_key(cls, path)
    elif kind == "missing" or kind == "missing_keyword_only_argument":
        message = "required, but missing"
    elif kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        words = {
            "greater_than_equal": ("must be at least", "ge"),
            "greater_than": ("must be greater than", "gt"),
            "less_than_equal": ("must be at most", "le"),
            "less_than": ("must be less than", "lt"),
        }[kind]
        message = f"{words[0]} {ctx[words[1]]}"
    elif kind.startswith("int_"):
        message = f"expected a whole number, got {describe(value)}"
    elif kind.startswith("float_"):
        message = f"expected a number, got {describe(value)}"
    elif kind.startswith("bool_"):
        message = f"expected true or false, got {describe(value)}"
    elif kind == "string_type":
        message = f"expected a string, got {describe(value)}"
    elif kind == "string_too_short":
        message = "must not be empty"
    elif kind == "string_too_long":
        message = f"must be at most {ctx['max_length']} characters"
    elif kind == "string_pattern_mismatch":
        message = f"{describe(value)} does not match the pattern {ctx['pattern']}"
    elif kind == "too_short":
        message = f"must have at least {ctx['min_length']} item(s)"
    elif kind == "literal_error":
        message = f"expected {ctx['expected']}, got {describe(value)}"
    elif kind in {"dataclass_type", "dict_type", "mapping_type", "model_type", "dataclass_exact_type"}:
        message = f"expected a mapping, got {describe(value)}"
    elif kind in {"list_type", "tuple_type", "sequence_type", "iterable_type"}:
        message = f"expected a list, got {describe(value)}"
    elif kind == "value_error":
        message = str(error["msg"]).removeprefix("Value error, ")
    else:
        message = str(error["msg"])
        message = message[:1].lower() + message[1:]
    return doc.issue((*prefix, *path), message, variant)


def _unknown_key(cls: type, path: YamlPath) -> str:
    allowed = _allowed_keys(cls, path[:-1])
    if not allowed:
        return "unknown key"
    key = str(path[-1]) if path else ""
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key{hint}; expected one of: {', '.join(allowed)}"


def _allowed_keys(cls: type, path: YamlPath) -> list[str]:
    current: Any = cls
    for part in path:  # in our schema, only dataclasses (optional or not) hold fixed keys
        current = _strip(current)
        if not dataclasses.is_dataclass(current):
            return []
        current = typing.get_type_hints(current, include_extras=True).get(str(part))
    current = _strip(current)
    if dataclasses.is_dataclass(current):
        return [f.name for f in dataclasses.fields(current)]
    return []


def _strip(tp: Any) -> Any:
    """Unwrap Annotated and Optional down to the type that holds keys."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in {typing.Union, types.UnionType}:
            members = [arg for arg in typing.get_args(tp) if arg is not type(None)]
            if len(members) != 1:
                return tp
            tp = members[0]
        else:
            return tp
