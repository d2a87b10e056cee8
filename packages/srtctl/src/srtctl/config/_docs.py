"""Attribute docstrings of config dataclasses, read once per module with ``ast``, for the JSON Schema.

Pydantic can read them itself (``use_attribute_docstrings``), but it re-reads the source per class on every
validator build, which costs a tenth of a second at each ``srtctl`` start; only ``srtctl schema`` needs them.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import sys
from typing import Any

__all__ = ("describe_schema",)


@functools.cache
def _module_docstrings(module: str) -> dict[str, dict[str, str]]:
    source = inspect.getsource(sys.modules[module])
    found: dict[str, dict[str, str]] = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        fields: dict[str, str] = {}
        for statement, following in zip(node.body, node.body[1:], strict=False):
            if (
                isinstance(statement, ast.AnnAssign)
                and isinstance(statement.target, ast.Name)
                and isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                fields[statement.target.id] = inspect.cleandoc(following.value.value)
        found[node.name] = fields
    return found


def describe_schema(schema: dict[str, Any], classes: list[type]) -> dict[str, Any]:
    """Add each field's docstring as its ``description`` in ``schema`` (in place), for these classes."""
    definitions = schema.get("$defs", {})
    for cls in classes:
        target = definitions.get(cls.__name__, schema if schema.get("title") == cls.__name__ else None)
        if target is None or not dataclasses.is_dataclass(cls):
            continue
        docs = _module_docstrings(cls.__module__).get(cls.__name__, {})
        for name, prop in target.get("properties", {}).items():
            if name in docs:
                prop.setdefault("description", docs[name])
    return schema
