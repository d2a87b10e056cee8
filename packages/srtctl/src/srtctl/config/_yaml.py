"""YAML documents that remember where each value came from.

PyYAML's safe loader composes a node tree whose marks carry line numbers; this module walks that tree into
plain Python data and records the line of every mapping key and list item, keyed by its YAML path. Errors
found later (by pydantic, by the topology checks) are mapped back to ``file:line`` through that index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .._exceptions import ConfigError, ConfigIssue

__all__ = ("Document", "YamlPath", "describe", "format_path", "parse_yaml", "read_file")

YamlPath = tuple[str | int, ...]

_PLAIN_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


@dataclass(slots=True, kw_only=True)
class Document:
    """Plain YAML data, the file it came from, and the 1-based line of each path in it."""

    data: Any
    file: str
    lines: dict[YamlPath, int] = field(default_factory=dict)

    def line_of(self, path: YamlPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor that the file spells out."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    def issue(self, path: YamlPath, message: str, variant: str | None = None) -> ConfigIssue:
        """A located issue for the value at ``path``."""
        return ConfigIssue(
            message=message, path=format_path(path), file=self.file, line=self.line_of(path), variant=variant
        )


def read_file(path: Path, what: str) -> str:
    """The text of ``path``.

    Raises:
        ConfigError: the file cannot be read (the message says which ``what``: job file, cluster file).
    """
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError((ConfigIssue(message=f"cannot read the {what}: {exc.strerror}", file=str(path)),)) from None


def format_path(path: YamlPath) -> str:
    """Spell a YAML path the way users read it: ``backend.prefill.args.tp-size``, ``benchmark.concurrencies[2]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def parse_yaml(text: str, file: str) -> Document:
    """Parse one YAML document (safe loader only) whose top level is a mapping.

    Raises:
        ConfigError: the text is not YAML, holds several documents, repeats a key, or is not a mapping.
    """
    doc = Document(data=None, file=file)
    try:
        doc.data = _compose(text, doc)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "not valid YAML"
        raise ConfigError((ConfigIssue(message=f"invalid YAML: {problem}", file=file, line=line),)) from None
    except yaml.YAMLError as exc:  # e.g. a character YAML does not allow; the message says where
        message = " ".join(str(exc).split())
        raise ConfigError((ConfigIssue(message=f"invalid YAML: {message}", file=file),)) from None
    if not isinstance(doc.data, dict):
        raise ConfigError(
            (doc.issue((), f"expected a mapping of settings at the top level, got {describe(doc.data)}"),)
        )
    return doc


def _compose(text: str, doc: Document) -> Any:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ConfigError(
                (ConfigIssue(message="the file is empty; expected a mapping of settings", file=doc.file),)
            )
        return _Walker(loader, doc).build(node, ())
    finally:
        loader.dispose()


class _Walker:
    def __init__(self, loader: yaml.SafeLoader, doc: Document) -> None:
        self.loader = loader
        self.doc = doc
        self.active: set[int] = set()

    def build(self, node: yaml.Node, path: YamlPath) -> Any:
        if id(node) in self.active:
            raise ConfigError((self.doc.issue(path, "a YAML alias refers to itself; expected a finite document"),))
        if isinstance(node, yaml.ScalarNode):
            return self.loader.construct_object(node, deep=True)
        if node.tag not in _PLAIN_TAGS:
            raise ConfigError((self.doc.issue(path, f"unsupported YAML tag {node.tag!r}; expected plain YAML"),))
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                items = []
                for index, item in enumerate(node.value):
                    self.doc.lines[(*path, index)] = item.start_mark.line + 1
                    items.append(self.build(item, (*path, index)))
                return items
            assert isinstance(node, yaml.MappingNode)
            self.loader.flatten_mapping(node)
            mapping: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, str | int | float | bool) and key is not None:
                    issue = ConfigIssue(
                        message=f"expected a plain key, got {describe(key)}",
                        path=format_path(path),
                        file=self.doc.file,
                        line=key_node.start_mark.line + 1,
                    )
                    raise ConfigError((issue,))
                if key in mapping:
                    first = self.doc.lines.get((*path, key))
                    issue = ConfigIssue(
                        message=f"duplicate key {key!r} (first set on line {first}); each key may appear once",
                        path=format_path((*path, key)),
                        file=self.doc.file,
                        line=key_node.start_mark.line + 1,
                    )
                    raise ConfigError((issue,))
                self.doc.lines[(*path, key)] = key_node.start_mark.line + 1
                mapping[key] = self.build(value_node, (*path, key))
            return mapping
        finally:
            self.active.discard(id(node))


def describe(value: Any) -> str:
    """Name a YAML value the way a user wrote it: ``'abc'``, ``12``, ``true``, ``null``, ``a mapping``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, int | float):
        return str(value)
    return f"a {type(value).__name__}"
