"""Sweeps: one job file, many variants, by ``{parameter}`` placeholders.

```yaml
sweep:
  grid: {tp: [4, 8]}                      # every combination...
  zip: {isl: [1024, 8192], osl: [1024, 256]}   # ...of rows taken position by position
```

A string that is exactly ``"{p}"`` takes the value with its type (a number stays a number, a list stays a
list); a placeholder inside a longer string is replaced by the value's text. Every parameter must be used.
"""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass
from typing import Any

from .._exceptions import ConfigError, ConfigIssue
from ._validate import validate
from ._yaml import Document, YamlPath
from .schema import SweepConfig

__all__ = ("MAX_VARIANTS", "SweepVariant", "expand_sweep")

MAX_VARIANTS = 1000
"""A sweep larger than this is refused: it is almost certainly a mistake, and would submit that many jobs."""

_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepVariant:
    """One point of a sweep: its parameter values and the document with them filled in."""

    values: tuple[tuple[str, Any], ...]
    doc: Document


def expand_sweep(doc: Document, variant: str | None = None) -> list[SweepVariant]:
    """Expand the ``sweep`` section of ``doc``; a document without one is its own single variant.

    Raises:
        ConfigError: the sweep section is malformed, a parameter is unused, a zip is ragged, or a
            non-scalar value would land inside a longer string.
    """
    if "sweep" not in doc.data:
        return [SweepVariant(values=(), doc=doc)]
    sweep = validate(SweepConfig, doc, doc.data["sweep"], prefix=("sweep",), variant=variant)
    issues: list[ConfigIssue] = []
    if not sweep.grid and not sweep.zip:
        issues.append(doc.issue(("sweep",), "expected at least one parameter under grid or zip", variant))
    issues += [
        doc.issue(("sweep", "zip", name), f"parameter {name!r} is in both grid and zip", variant)
        for name in sorted(set(sweep.grid) & set(sweep.zip))
    ]
    lengths = {name: len(values) for name, values in sweep.zip.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name}: {n}" for name, n in lengths.items())
        issues.append(doc.issue(("sweep", "zip"), f"zip lists must have the same length, got {shown}", variant))
    body = {key: value for key, value in doc.data.items() if key != "sweep"}
    used = _placeholders(body)
    for section, params in (("grid", sweep.grid), ("zip", sweep.zip)):
        for name in params:
            if name not in used:
                message = f"parameter {name!r} is not used: no {{{name}}} placeholder in the file"
                issues.append(doc.issue(("sweep", section, name), message, variant))
    if issues:
        raise ConfigError(issues)

    grid_axes = [[(name, value) for value in values] for name, values in sweep.grid.items()]
    zip_rows = [tuple(zip(sweep.zip, row, strict=True)) for row in zip(*sweep.zip.values(), strict=True)] or [()]
    total = len(zip_rows)
    for axis in grid_axes:
        total *= len(axis)
    if total > MAX_VARIANTS:
        raise ConfigError((doc.issue(("sweep",), f"expands to {total} variants; at most {MAX_VARIANTS}", variant),))

    variants = []
    for grid_point in itertools.product(*grid_axes):
        for zip_row in zip_rows:
            values = (*grid_point, *zip_row)
            data = _substitute(body, dict(values), doc, (), variant)
            variants.append(SweepVariant(values=values, doc=Document(data=data, file=doc.file, lines=dict(doc.lines))))
    return variants


def format_value(value: Any) -> str:
    """The text a sweep value leaves in a string, as YAML would spell it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def _placeholders(data: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(data, dict):
        for value in data.values():
            found |= _placeholders(value)
    elif isinstance(data, list):
        for value in data:
            found |= _placeholders(value)
    elif isinstance(data, str):
        found.update(match.group(1) for match in _TOKEN.finditer(data) if match.group(1))
    return found


def _substitute(data: Any, values: dict[str, Any], doc: Document, path: YamlPath, variant: str | None) -> Any:
    if isinstance(data, dict):
        return {key: _substitute(value, values, doc, (*path, key), variant) for key, value in data.items()}
    if isinstance(data, list):
        return [_substitute(value, values, doc, (*path, index), variant) for index, value in enumerate(data)]
    if not isinstance(data, str):
        return data
    whole = _TOKEN.fullmatch(data)
    if whole and whole.group(1) in values:
        return copy.deepcopy(values[whole.group(1)])

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None or name not in values:
            return match.group(0)
        value = values[name]
        if isinstance(value, dict | list):
            message = f"sweep parameter {name!r} is a {type(value).__name__}; it can only fill a whole value"
            raise ConfigError((doc.issue(path, message, variant),))
        return format_value(value)

    return _TOKEN.sub(replace, data)
