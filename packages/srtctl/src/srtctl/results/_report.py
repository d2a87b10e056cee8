"""Writing a comparison to disk: the CSV rollup, the plots and the HTML page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..benchmarks._results import result_rows, rows_to_csv
from ._collect import JobResult
from ._html import render_html
from ._plots import render_plots

__all__ = ("REPORT_HTML", "ROLLUP_CSV", "Report", "write_report")

ROLLUP_CSV = "rollup.csv"
REPORT_HTML = "report.html"


@dataclass(frozen=True, slots=True)
class Report:
    """The files a comparison wrote."""

    csv: Path
    html: Path
    plots: tuple[Path, ...]


def write_report(jobs: Sequence[JobResult], out_dir: Path, *, plots: bool = True) -> Report:
    """Write the CSV rollup, the plots (unless `plots=False`) and the HTML page into `out_dir`.

    Raises:
        BenchmarkError: plots were asked for but matplotlib is not installed.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for job in jobs:
        rows += result_rows(job.result)
    csv_path = out_dir / ROLLUP_CSV
    csv_path.write_text(rows_to_csv(rows))
    images = render_plots(jobs) if plots else {}
    for name, png in images.items():
        (out_dir / name).write_bytes(png)
    html_path = out_dir / REPORT_HTML
    html_path.write_text(render_html(jobs, images))
    return Report(csv=csv_path, html=html_path, plots=tuple(out_dir / name for name in images))
