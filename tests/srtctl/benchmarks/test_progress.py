"""What a benchmark shows while it runs."""

import io
import logging

import pytest
from rich.console import Console

from srtctl.benchmarks._progress import LogProgress, RichProgress, default_progress
from srtctl.benchmarks._stats import RequestRecord


def records() -> list[RequestRecord]:
    return [
        RequestRecord(start=0.0, end=1.0, ttft=0.2, output_tokens=10),
        RequestRecord(start=0.0, end=1.0, error="HTTP 500: x"),
    ]


def test_log_progress_logs_the_phase_and_its_final_figures(caplog: pytest.LogCaptureFixture) -> None:
    progress = LogProgress(interval_s=0.0)
    with caplog.at_level(logging.INFO, logger="srtctl.benchmarks"):
        progress.begin("concurrency 4", 2)
        for record in records():
            progress.advance(record)
        progress.end()
        progress.close()
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == "concurrency 4: 2 requests"
    assert messages[-1].startswith("concurrency 4 done: 2/2 requests, 1 failed, ")
    assert "mean TTFT 200.0 ms" in messages[-1]


def test_rich_progress_draws_a_bar_with_live_figures() -> None:
    out = io.StringIO()
    progress = RichProgress(Console(file=out, force_terminal=True, width=150))
    progress.begin("concurrency 8", 2)
    for record in records():
        progress.advance(record)
    progress.end()
    progress.close()
    text = out.getvalue()
    assert "concurrency 8" in text
    assert "2/2" in text
    assert "1 failed" in text


def test_default_progress_logs_when_stderr_is_not_a_terminal() -> None:
    assert isinstance(default_progress(), LogProgress)
