"""From a job file to validated, frozen job configs.

The pipeline, each step pure: parse the YAML keeping every line; expand an override file into its variants;
expand each variant's sweep; fill in the cluster's defaults and aliases; validate against the schema; then
check the topology (does it fit, are the engine flags consistent). Every problem in every variant is
collected and raised together, each naming its file, line and YAML path.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._exceptions import ConfigError, ConfigIssue, TopologyError
from ._validate import validate
from ._yaml import Document, parse_yaml, read_file
from .cluster import ClusterConfig, apply_cluster
from .overrides import BASE, OVERRIDE_PREFIX, expand_overrides, is_override_file
from .schema import JobConfig
from .sweep import expand_sweep, format_value

__all__ = ("job_json_schema", "load_config", "load_configs", "parse_config", "parse_configs", "split_selector")


def split_selector(argument: str) -> tuple[Path, str | None]:
    """Split ``job.yaml:variant`` into the file and the variant selector.

    A path that exists as given is never split, so file names containing ``:`` still work.
    """
    path = Path(argument)
    if path.exists() or ":" not in argument:
        return path, None
    file, _, selector = argument.rpartition(":")
    return Path(file), selector or None


def load_configs(
    path: str | os.PathLike[str], *, cluster: ClusterConfig | None = None, select: str | None = None
) -> tuple[JobConfig, ...]:
    """Load every variant of a job file (one for a plain file; more for override files and sweeps).

    Args:
        path: the job file.
        cluster: the cluster file's settings (no defaults or aliases when None).
        select: keep only the variants whose name, override label or glob pattern matches.

    Raises:
        ConfigError: the file cannot be read, or any variant is invalid (a ``TopologyError`` when the
            variants are well-formed but do not fit their nodes and GPUs).
    """
    path = Path(path)
    return parse_configs(read_file(path, "job file"), file=str(path), cluster=cluster, select=select)


def load_config(path: str | os.PathLike[str], *, cluster: ClusterConfig | None = None) -> JobConfig:
    """Load a job file that describes exactly one job.

    Raises:
        ConfigError: the file is invalid, or expands to several variants.
    """
    return _single(load_configs(path, cluster=cluster), str(path))


def parse_config(text: str, *, file: str = "<string>", cluster: ClusterConfig | None = None) -> JobConfig:
    """Parse the text of a job file that describes exactly one job (see :func:`parse_configs`)."""
    return _single(parse_configs(text, file=file, cluster=cluster), file)


def parse_configs(
    text: str, *, file: str = "<string>", cluster: ClusterConfig | None = None, select: str | None = None
) -> tuple[JobConfig, ...]:
    """Parse the text of a job file into every variant it describes; pure (reads no file, no environment).

    Raises:
        ConfigError: see :func:`load_configs`.
    """
    cluster = cluster or ClusterConfig()
    doc = parse_yaml(text, file)
    candidates = _variants(doc)
    if select is not None:
        candidates = _select(candidates, select, file)
    several = len(candidates) > 1 or is_override_file(doc) or "sweep" in doc.data
    configs: list[JobConfig] = []
    problems: list[ConfigIssue] = []
    topology: list[ConfigIssue] = []
    for variant in candidates:
        label = variant.name if several else None
        data, alias_issues = apply_cluster(variant.doc, variant.doc.data, cluster, label)
        problems.extend(alias_issues)
        try:
            config = validate(JobConfig, variant.doc, data, variant=label)
        except ConfigError as exc:
            problems.extend(exc.issues)
            continue
        if alias_issues:
            continue
        from ..plan.topology import check_job  # the plan package imports this one

        found = [variant.doc.issue(p.path, p.message, label) for p in check_job(config)]
        topology.extend(sorted(found, key=lambda issue: issue.line or 0))
        configs.append(config)
    if problems:
        raise ConfigError(problems + topology)
    if topology:
        raise TopologyError(topology)
    return tuple(configs)


@dataclass(frozen=True, slots=True)
class _Candidate:
    name: str
    labels: tuple[str, ...]
    doc: Document


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _variants(doc: Document) -> list[_Candidate]:
    if is_override_file(doc):
        overrides = expand_overrides(doc)
        base_name = doc.data[BASE].get("name")
        base_name = base_name if isinstance(base_name, str) else BASE
        named = []
        for override in overrides:
            if not override.named:
                override.doc.data["name"] = f"{base_name}_{override.label}"
            name = override.doc.data.get("name")
            named.append((override.label, str(name) if name is not None else override.label, override.doc))
    else:
        name = doc.data.get("name")
        named = [("", str(name) if name is not None else "job", doc)]

    problems: list[ConfigIssue] = []
    candidates: list[_Candidate] = []
    for label, name, variant_doc in named:
        try:
            points = expand_sweep(variant_doc, label or None)
        except ConfigError as exc:
            problems.extend(exc.issues)
            continue
        for point in points:
            final = name
            if point.values:
                swept = point.doc.data.get("name")
                if swept == name or not isinstance(swept, str):
                    suffix = "_".join(f"{key}{_UNSAFE.sub('-', format_value(value))}" for key, value in point.values)
                    final = f"{name}_{suffix}"
                    point.doc.data["name"] = final
                else:
                    final = swept
            labels = tuple(part for part in (label, final) if part)
            candidates.append(_Candidate(final, labels, point.doc))
    if problems:
        raise ConfigError(problems)
    seen: dict[str, _Candidate] = {}
    for candidate in candidates:
        if candidate.name in seen:
            problems.append(
                candidate.doc.issue(("name",), f"two variants are both named {candidate.name!r}; names must differ")
            )
        seen[candidate.name] = candidate
    if problems:
        raise ConfigError(problems)
    return candidates


def _select(candidates: list[_Candidate], selector: str, file: str) -> list[_Candidate]:
    chosen = [
        c for c in candidates if selector in c.labels or any(fnmatch.fnmatchcase(label, selector) for label in c.labels)
    ]
    if not chosen:
        names = ", ".join(c.name for c in candidates)
        raise ConfigError((ConfigIssue(message=f"no variant matches {selector!r}; the file has: {names}", file=file),))
    return chosen


def _single(configs: tuple[JobConfig, ...], file: str) -> JobConfig:
    if len(configs) != 1:
        names = ", ".join(config.name for config in configs)
        message = f"describes {len(configs)} jobs ({names}); pick one with {file}:<variant> or load them all"
        raise ConfigError((ConfigIssue(message=message, file=file),))
    return configs[0]


def job_json_schema() -> dict[str, Any]:
    """The JSON Schema of a job file, for editors: a job (with an optional ``sweep``), or an override file."""
    from . import schema
    from ._docs import describe_schema
    from ._validate import adapter

    classes = [getattr(schema, name) for name in schema.__all__ if name.endswith("Config")]
    job = describe_schema(adapter(JobConfig).json_schema(), classes)
    sweep = describe_schema(adapter(schema.SweepConfig).json_schema(), classes)
    defs: dict[str, Any] = {**job.pop("$defs", {}), **sweep.pop("$defs", {})}
    defs["SweepConfig"] = sweep
    job["properties"]["sweep"] = {"$ref": "#/$defs/SweepConfig"}
    defs["JobConfig"] = job
    override_file = {
        "title": "Override file",
        "description": "A base job and named variants (override_<name>) deep-merged over it.",
        "type": "object",
        "properties": {"base": {"$ref": "#/$defs/JobConfig"}},
        "patternProperties": {f"^{OVERRIDE_PREFIX}.+$": {"type": "object"}},
        "required": ["base"],
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "srtctl job file",
        "anyOf": [{"$ref": "#/$defs/JobConfig"}, override_file],
        "$defs": defs,
    }
