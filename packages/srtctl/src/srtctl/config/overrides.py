"""Override files: a ``base`` job and named variants that change parts of it.

```yaml
base:
  name: dsr1
  ...
override_small:             # variant "small", named dsr1_small unless it sets its own name
  resources: {decode_nodes: 2, decode_workers: 2}
  benchmark: {concurrencies: [64]}
```

Each variant is the base deep-merged with the override: mappings merge key by key, anything else (lists
included) replaces, and ``null`` removes the key (back to its default). The base is a variant too, named
``base``. Lines stay exact: a value reports the line of the override that set it, else the base's.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from .._exceptions import ConfigError
from ._yaml import Document, YamlPath

__all__ = ("BASE", "OVERRIDE_PREFIX", "OverrideVariant", "expand_overrides", "is_override_file")

BASE = "base"
OVERRIDE_PREFIX = "override_"


@dataclass(frozen=True, slots=True, kw_only=True)
class OverrideVariant:
    """One variant of an override file: ``base`` or the suffix after ``override_``."""

    label: str
    doc: Document
    named: bool
    """Whether the override sets its own ``name`` (otherwise srtctl names it ``<base name>_<label>``)."""


def is_override_file(doc: Document) -> bool:
    """Whether ``doc`` is an override file (it has a top-level ``base``)."""
    return BASE in doc.data


def expand_overrides(doc: Document) -> list[OverrideVariant]:
    """The base and every ``override_<name>`` of an override file, each merged into a document of its own.

    Raises:
        ConfigError: a top-level key is neither ``base`` nor ``override_<name>``, or a section is not a mapping.
    """
    issues = []
    for key, value in doc.data.items():
        if key != BASE and not (
            isinstance(key, str) and key.startswith(OVERRIDE_PREFIX) and key[len(OVERRIDE_PREFIX) :]
        ):
            message = "unknown top-level key in an override file; expected base or override_<name>"
            issues.append(doc.issue((key,), message))
        elif not isinstance(value, dict):
            issues.append(doc.issue((key,), f"expected a mapping of settings, got {type(value).__name__}"))
    if issues:
        raise ConfigError(issues)

    base_data = doc.data[BASE]
    base_lines = _rebase(doc.lines, (BASE,))
    variants = [OverrideVariant(label=BASE, doc=Document(data=base_data, file=doc.file, lines=base_lines), named=True)]
    for key, override in doc.data.items():
        if key == BASE:
            continue
        label = key[len(OVERRIDE_PREFIX) :]
        lines = dict(base_lines)
        data = _merge(base_data, override, (), lines, _rebase(doc.lines, (key,)))
        variants.append(
            OverrideVariant(label=label, doc=Document(data=data, file=doc.file, lines=lines), named="name" in override)
        )
    return variants


def _rebase(lines: dict[YamlPath, int], prefix: YamlPath) -> dict[YamlPath, int]:
    size = len(prefix)
    return {path[size:]: line for path, line in lines.items() if path[:size] == prefix}


def _drop(lines: dict[YamlPath, int], path: YamlPath) -> None:
    size = len(path)
    for key in [key for key in lines if key[:size] == path and len(key) > size]:
        del lines[key]


def _merge(
    base: Any, override: Any, path: YamlPath, lines: dict[YamlPath, int], over_lines: dict[YamlPath, int]
) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            child = (*path, key)
            if value is None:
                merged.pop(key, None)
                _drop(lines, child)
                lines.pop(child, None)
                continue
            merged[key] = _merge(base.get(key), value, child, lines, over_lines)
            if child in over_lines:
                lines[child] = over_lines[child]
        return merged
    _drop(lines, path)
    size = len(path)
    lines.update({key: line for key, line in over_lines.items() if key[:size] == path and len(key) > size})
    return copy.deepcopy(override)
