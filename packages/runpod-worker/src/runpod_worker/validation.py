"""Check a job's input against a dict schema, in the format of runpod-python's ``rp_validator``.

A schema maps each accepted key to a rule::

    SCHEMA = {
        "prompt": {"type": str, "required": True},
        "steps": {"type": int, "required": False, "default": 20, "constraints": lambda n: 0 < n <= 150},
    }
    result = validate(job["input"], SCHEMA)
    if "errors" in result:
        return {"error": "; ".join(result["errors"])}
    steps = result["validated_input"]["steps"]

A rule holds ``type`` (a class, a tuple of classes, or one of the names ``"str"``, ``"int"``, ``"float"``,
``"bool"``, ``"list"``, ``"dict"``), and optionally ``required`` (default ``False``), ``default`` and
``constraints`` (a predicate). Valid inputs give the same ``validated_input`` as runpod-python; invalid ones
give every problem at once. Unlike runpod-python, a given value is always type-checked and its constraint is
always applied (runpod-python skips both when the value has the default's type), ``None`` never satisfies a
required key, ``True`` is not an ``int``, a constraint that raises becomes an error instead of an exception,
and the caller's schema is never modified. A broken schema is the handler author's mistake, so it raises
:class:`SchemaError` rather than failing the job's input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypedDict

from ._exceptions import WorkerError

__all__ = ("SchemaError", "ValidationResult", "validate")

_TYPE_NAMES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "dict": dict}
_RULE_KEYS = frozenset({"type", "required", "default", "constraints"})


class SchemaError(WorkerError, ValueError):
    """The schema itself is malformed (a rule without ``type``, an unknown rule key, a bad constraint)."""


class ValidationResult(TypedDict, total=False):
    """What :func:`validate` returns: exactly one of the two keys is present."""

    validated_input: dict[str, Any]
    """The input with every schema key present (defaults filled in, ints widened to float where asked)."""
    errors: list[str]
    """Every problem found, one sentence each, naming the key."""


def validate(raw_input: object, schema: Mapping[str, Mapping[str, Any]]) -> ValidationResult:
    """Validate ``raw_input`` against ``schema`` and report every problem at once.

    Args:
        raw_input: the job's ``input`` (normally a dict decoded from JSON).
        schema: key -> rule, as described in the module docstring.

    Returns:
        ``{"validated_input": {...}}`` when the input is valid, otherwise ``{"errors": [...]}``.

    Raises:
        SchemaError: the schema is malformed; the message names the key and the problem.
    """
    rules = {key: _check_rule(key, rule) for key, rule in schema.items()}
    if not isinstance(raw_input, Mapping):
        return {"errors": [f"input must be a JSON object, not {_describe(raw_input)}."]}
    errors = [f"{key!r} is not a valid input option." for key in raw_input if key not in rules]
    validated: dict[str, Any] = {}
    for key, rule in rules.items():
        value = raw_input.get(key)
        if value is None:
            if rule.required:
                errors.append(f"{key!r} is a required input.")
            else:
                validated[key] = rule.default
            continue
        problem = rule.check(key, value)
        if problem is None:
            validated[key] = rule.widened(value)
        else:
            errors.append(problem)
    if errors:
        return {"errors": errors}
    return {"validated_input": validated}


class _Rule:
    __slots__ = ("constraints", "default", "required", "types")

    def __init__(
        self, types: tuple[type, ...], required: bool, default: Any, constraints: Callable[[Any], object] | None
    ) -> None:
        self.types = types
        self.required = required
        self.default = default
        self.constraints = constraints

    def widens_to_float(self, value: object) -> bool:
        return float in self.types and isinstance(value, int) and not isinstance(value, bool)

    def widened(self, value: object) -> object:
        return float(value) if isinstance(value, int) and self.widens_to_float(value) else value

    def accepts_type(self, value: object) -> bool:
        if isinstance(value, bool) and bool not in self.types:
            return False
        return isinstance(value, self.types) or self.widens_to_float(value)

    def check(self, key: str, value: object) -> str | None:
        if not self.accepts_type(value):
            expected = " or ".join(t.__name__ for t in self.types)
            return f"{key!r} should be of type {expected}, not {_describe(value)}."
        if self.constraints is None:
            return None
        try:
            ok = self.constraints(self.widened(value))
        except Exception as exc:
            return f"{key!r} does not meet the constraints: the check raised {type(exc).__name__}: {exc}."
        return None if ok else f"{key!r} does not meet the constraints (got {value!r})."


def _check_rule(key: str, rule: object) -> _Rule:
    if not isinstance(rule, Mapping):
        raise SchemaError(f"schema entry {key!r} must be a dict with a 'type', not {_describe(rule)}")
    unknown = sorted(set(rule) - _RULE_KEYS)
    if unknown:
        raise SchemaError(f"schema entry {key!r} has unknown rule keys {unknown}; allowed: {sorted(_RULE_KEYS)}")
    if "type" not in rule:
        raise SchemaError(f"schema entry {key!r} is missing its 'type'")
    constraints = rule.get("constraints")
    if constraints is not None and not callable(constraints):
        raise SchemaError(f"schema entry {key!r} has 'constraints' that is not callable: {constraints!r}")
    return _Rule(_types(key, rule["type"]), bool(rule.get("required", False)), rule.get("default"), constraints)


def _types(key: str, spec: object) -> tuple[type, ...]:
    items = spec if isinstance(spec, tuple) else (spec,)
    types: list[type] = []
    for item in items:
        if isinstance(item, str) and item in _TYPE_NAMES:
            types.append(_TYPE_NAMES[item])
        elif isinstance(item, type):
            types.append(item)
        else:
            raise SchemaError(
                f"schema entry {key!r} has type {item!r}; "
                f"use a class, a tuple of classes or one of {sorted(_TYPE_NAMES)}"
            )
    return tuple(types)


def _describe(value: object) -> str:
    return "null" if value is None else type(value).__name__
