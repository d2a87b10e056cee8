"""Shared fixtures for srtctl's tests: job files written to a temp dir, and a minimal valid job."""

import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from srtctl.config import ClusterConfig, JobConfig, parse_config

FIXED_NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)

DISAGG_YAML = """\
name: demo
model:
  path: hf:org/model
resources:
  gpu_type: h100
  gpus_per_node: 8
  prefill_nodes: 1
  prefill_workers: 1
  decode_nodes: 1
  decode_workers: 1
"""


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a (dedented) file under the test's temp dir and return its path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    return write


@pytest.fixture
def job() -> Callable[..., JobConfig]:
    """Parse a job from YAML text (dedented), with an optional cluster."""

    def job(text: str = DISAGG_YAML, cluster: ClusterConfig | None = None) -> JobConfig:
        return parse_config(textwrap.dedent(text), file="job.yaml", cluster=cluster)

    return job
