"""The self-contained HTML page of a comparison: tables, the plots inlined, and the data itself."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..benchmarks._results import dump_result, now_iso, result_rows
from ._collect import JobResult

__all__ = ("render_html",)

_COLUMNS = (
    ("job", "label"), ("variant", "variant"), ("GPUs", "gpus"), ("conc", "concurrency"),
    ("req/s", "request_throughput"), ("out tok/s", "output_token_throughput"),
    ("tok/s/GPU", "output_throughput_per_gpu"), ("tok/s/user", "tokens_per_s_per_user"),
    ("TTFT p50 ms", "ttft_ms_p50"), ("TTFT p99 ms", "ttft_ms_p99"), ("ITL p50 ms", "itl_ms_p50"),
    ("ITL p99 ms", "itl_ms_p99"), ("E2E p50 ms", "e2e_ms_p50"), ("errors", "error_rate"), ("goodput", "goodput"),
    ("task", "task"), ("score", "score"), ("valid", "valid"),
)  # fmt: skip

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; font-size: 0.85rem; margin-bottom: 2rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
tr.invalid td { background: #fde8e8; }
img { max-width: 100%; border: 1px solid #eee; margin-bottom: 1.5rem; }
.problems { color: #a00; }
"""


def _cell(value: Any, key: str) -> str:
    if value is None or value == "":
        return ""
    if key == "error_rate":
        return f"{value:.1%}"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.3f}" if key == "score" else f"{value:,.2f}"
    return html.escape(str(value))


def render_html(jobs: Sequence[JobResult], plots: Mapping[str, bytes]) -> str:
    """A page that needs nothing else: the comparison table, every plot as an inline PNG, and the raw results."""
    rows = []
    for job in jobs:
        for row in result_rows(job.result):
            row["label"] = job.label
            css = "" if row["valid"] else ' class="invalid"'
            cells = "".join(f"<td>{_cell(row.get(key), key)}</td>" for _, key in _COLUMNS)
            rows.append(f"<tr{css}>{cells}</tr>")
    head = "".join(f"<th>{html.escape(name)}</th>" for name, _ in _COLUMNS)
    problems = [
        f"<li><b>{html.escape(job.label)}</b>: {html.escape(problem)}</li>"
        for job in jobs
        for problem in job.result.problems
    ]
    images = [
        f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        f"<figcaption>{html.escape(name)}</figcaption></figure>"
        for name, png in plots.items()
    ]
    data = json.dumps(
        [{"label": job.label, "path": str(job.path), "result": dump_result(job.result)} for job in jobs], indent=1
    ).replace("</", "<\\/")
    sources = "".join(f"<li>{html.escape(job.label)}: <code>{html.escape(str(job.path))}</code></li>" for job in jobs)
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>srtctl benchmark results</title><style>{_STYLE}</style></head>
<body>
<h1>srtctl benchmark results</h1>
<p>{len(jobs)} job(s), compared {html.escape(now_iso())}.</p>
<table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>
{'<h2>Validity problems</h2><ul class="problems">' + "".join(problems) + "</ul>" if problems else ""}
{"".join(images)}
<h2>Sources</h2><ul>{sources}</ul>
<script type="application/json" id="srtctl-results">{data}</script>
</body>
</html>
"""
