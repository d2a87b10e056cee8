"""The plain-text plan renderer's pieces."""

from datetime import UTC, datetime

from srtctl.cli._render import compress_numbers, render_plan, render_table
from srtctl.config import parse_config
from srtctl.plan import plan
from srtctl.runtime.context import RuntimeContext

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_compress_numbers_joins_runs() -> None:
    assert compress_numbers([6, 0, 1, 2, 3, 9, 10]) == "0-3,6,9-10"
    assert compress_numbers([]) == "-"


def test_render_table_pads_columns() -> None:
    assert render_table(("a", "bb"), [["ccc", "d"]]) == "  a    bb\n  ccc  d\n"


def test_a_worker_on_many_nodes_is_shown_by_its_first_and_last() -> None:
    text = "name: w\nmodel: {path: hf:o/m}\nresources: {gpu_type: x, gpus_per_node: 8, agg_nodes: 4, agg_workers: 1}\n"
    config = parse_config(text)
    runtime = RuntimeContext.from_config(config, 5, environ={}, hostnames=["a1", "a2", "a3", "a4"], now=NOW)
    rendered = render_plan(plan(config, runtime=runtime))
    assert "  agg_w0      a1..a4 (4 nodes)  0-7 (32)" in rendered
    assert "preview:" not in rendered
    assert "agg_w0_r3 (worker) on a4, rank 3 of 4, GPUs 0-7" in rendered
