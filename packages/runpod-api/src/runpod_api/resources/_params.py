"""Gathering a method's keyword arguments into a parameters model or a dict of changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._types import NotGiven

__all__ = ("changes", "given")

_CALL_OPTIONS = frozenset({"self", "timeout", "max_retries"})


def given(arguments: Mapping[str, Any], *, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """A method's arguments (from `locals()`) minus `self`, the call options, unset ones and `drop`."""
    return {
        k: v
        for k, v in arguments.items()
        if k not in _CALL_OPTIONS and k not in drop and v is not None and not isinstance(v, NotGiven)
    }


def changes(arguments: Mapping[str, Any], *, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """An update method's arguments that were passed (not NOT_GIVEN); None stays, meaning "clear"."""
    return {
        k: v for k, v in arguments.items() if k not in _CALL_OPTIONS and k not in drop and not isinstance(v, NotGiven)
    }
