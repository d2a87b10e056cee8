"""A self-contained HTML page describing the dev server's routes (no scripts, no CDN: works offline)."""

from __future__ import annotations

import html
import json
from typing import Any

__all__ = ("render_docs",)

_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .3rem .6rem; }
tr:nth-child(even) { background: #f6f6f6; } code, pre { font: 13px ui-monospace, monospace; }
pre { background: #f6f6f6; padding: .8rem; overflow-x: auto; } .m { font-weight: bold; color: #06c; }
"""


def render_docs(document: dict[str, Any]) -> str:
    """Render the OpenAPI ``document`` as one HTML page: routes by tag, the job input schema, curl examples."""
    info = document["info"]
    sections = []
    for tag in ("jobs", "endpoint", "worker protocol"):
        rows = [
            f'<tr><td class="m">{method.upper()}</td><td><code>{html.escape(path)}</code></td>'
            f"<td>{html.escape(op['summary'])}</td></tr>"
            for path, ops in document["paths"].items()
            for method, op in ops.items()
            if op["tags"] == [tag]
        ]
        sections.append(f"<h2>{html.escape(tag)}</h2><table>{''.join(rows)}</table>")
    schemas = document["components"]["schemas"]
    schema_text = json.dumps({"JobInput": schemas["JobInput"]} | _nested(schemas), indent=2)
    examples = "\n".join(
        [
            "curl -s -X POST localhost:8000/runsync -H 'Content-Type: application/json' -d '{\"input\": {...}}'",
            "curl -s -X POST localhost:8000/run -H 'Content-Type: application/json' -d '{\"input\": {...}}'",
            "curl -s localhost:8000/status/<job id>",
            "curl -s localhost:8000/stream/<job id>",
            "curl -s -X POST localhost:8000/cancel/<job id>",
        ]
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(info['title'])}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(info['title'])}</h1>"
        f"<p>{html.escape(info['description'])}</p><p>Machine-readable: <a href='/openapi.json'>/openapi.json</a></p>"
        f"<h2>Job input</h2><p>The <code>input</code> of <code>/run</code> and <code>/runsync</code>:</p>"
        f"<pre>{html.escape(schema_text)}</pre>"
        f"{''.join(sections)}<h2>Try it</h2><pre>{html.escape(examples)}</pre></body></html>"
    )


_OWN = frozenset({"JobInput", "RunRequest", "JobStatus", "StreamResponse", "Health", "Purged", "WorkItem", "Error"})


def _nested(schemas: dict[str, Any]) -> dict[str, Any]:
    """The handler's nested models (component schemas that are not the server's own)."""
    return {name: schema for name, schema in schemas.items() if name not in _OWN}
