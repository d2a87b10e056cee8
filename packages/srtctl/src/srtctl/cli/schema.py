"""``srtctl schema``: the JSON Schema of job files (or of the cluster file), for editors."""

from __future__ import annotations

import json
from typing import Annotated, Literal

import typer

__all__ = ("schema",)


def schema(
    kind: Annotated[Literal["job", "cluster"], typer.Argument(help="job: job files; cluster: srtslurm.yaml.")] = "job",
) -> None:
    """Print the JSON Schema of job files (or of srtslurm.yaml), for editor completion and checks."""
    from ..config import cluster_json_schema, job_json_schema

    document = job_json_schema() if kind == "job" else cluster_json_schema()
    typer.echo(json.dumps(document, indent=2))
