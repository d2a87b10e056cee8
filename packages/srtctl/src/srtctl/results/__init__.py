"""Comparing finished jobs: a table, a CSV rollup, plots as PNG, and one self-contained HTML page.

`srtctl results DIR...` is the command line; `collect_results`, the tables and `write_report` are the
same steps for scripts.
"""

from ._collect import JobResult as JobResult
from ._collect import collect_results as collect_results
from ._report import Report as Report
from ._report import write_report as write_report
from ._table import accuracy_table as accuracy_table
from ._table import serving_table as serving_table

__all__ = ("JobResult", "Report", "accuracy_table", "collect_results", "serving_table", "write_report")
