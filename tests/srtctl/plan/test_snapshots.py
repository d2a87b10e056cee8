"""Golden files of the rendered plan (what `srtctl dry-run` prints) for each backend and mode.

The files live in tests/srtctl/plan/snapshots/<backend>__<mode>.txt. After an intended change, regenerate
them and review the diff:

    SRTCTL_UPDATE_SNAPSHOTS=1 uv run pytest tests/srtctl/plan/test_snapshots.py
"""

import os
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from srtctl.cli._render import render_plan
from srtctl.config import parse_cluster, parse_config
from srtctl.plan import plan

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("SRTCTL_UPDATE_SNAPSHOTS") == "1"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

MODES = {
    "disaggregated": "prefill_nodes: 1\nprefill_workers: 1\ndecode_nodes: 1\ndecode_workers: 2\n",
    "aggregated": "agg_nodes: 2\nagg_workers: 4\n",
    "multi-node-prefill": "prefill_nodes: 2\nprefill_workers: 1\ndecode_nodes: 1\ndecode_workers: 1\n",
    "shared-node-decode": (
        "prefill_nodes: 1\nprefill_workers: 2\ngpus_per_prefill: 2\ndecode_nodes: 0\ndecode_workers: 2\n"
    ),
}

BACKENDS = {
    "sglang": (
        "model: {path: /models/Qwen3-32B, container: lmsysorg/sglang:v0.5.5}\n"
        "backend:\n  type: sglang\n  {role}:\n    args: {{mem-fraction-static: 0.85, trust-remote-code: true}}\n"
        "    environment: {{NCCL_DEBUG: WARN}}\n"
        "frontend: {{args: {{policy: round_robin}}}}\n"
        "environment: {{RUN: '{{run_name}}', WHERE: '{{node}}/{{node_rank}}'}}\n"
        "slurm: {{account: 'my account', partition: batch, time_limit: '01:00:00',"
        ' sbatch_directives: {{qos: high, comment: "it\'s mine"}}, srun_options: {{cpu-bind: none}}}}\n'
    ),
    "dynamo": (
        "model: {path: hf:Qwen/Qwen3-32B, container: nvcr.io#nvidia/ai-dynamo/sglang-runtime:0.8.0}\n"
        "backend:\n  type: dynamo\n  request_plane: nats\n  {role}:\n    args: {{mem-fraction-static: 0.85}}\n"
    ),
    "mock": ("model: {path: hf:mock/tiny}\nbackend:\n  type: mock\n  {role}:\n    args: {{decode-ms-per-token: 2}}\n"),
}


def cases() -> list[tuple[str, str]]:
    return [(b, m) for b in BACKENDS for m in MODES if not (b == "mock" and m == "multi-node-prefill")]


def rendered(backend: str, mode: str) -> str:
    role = "aggregated" if mode == "aggregated" else "decode"
    text = f"name: {backend}-{mode}\n" + BACKENDS[backend].replace("{role}", role).replace("{{", "{").replace("}}", "}")
    text += "resources:\n  gpu_type: h100\n  gpus_per_node: 8\n" + textwrap.indent(MODES[mode], "  ")
    cluster = parse_cluster("node_addresses: {'*': 127.0.0.1}\n" if backend == "mock" else "segment_directive: true\n")
    config = parse_config(text, cluster=cluster)
    launch = plan(config, cluster=cluster, output_base="/shared/outputs", python="/opt/srtctl/bin/python", now=NOW)
    return render_plan(launch)


@pytest.mark.parametrize(("backend", "mode"), cases())
def test_rendered_plan_matches_its_golden_file(backend: str, mode: str) -> None:
    path = SNAPSHOTS / f"{backend}__{mode}.txt"
    actual = rendered(backend, mode)
    if UPDATE:
        path.write_text(actual)
    assert path.is_file(), f"no golden file {path.name}; create it with SRTCTL_UPDATE_SNAPSHOTS=1"
    assert actual == path.read_text(), (
        f"the plan differs from {path.name}; if the change is intended, run "
        "SRTCTL_UPDATE_SNAPSHOTS=1 uv run pytest tests/srtctl/plan/test_snapshots.py and review the diff"
    )


def test_every_golden_file_belongs_to_a_case() -> None:
    expected = {f"{backend}__{mode}.txt" for backend, mode in cases()}
    assert {path.name for path in SNAPSHOTS.glob("*.txt")} == expected
