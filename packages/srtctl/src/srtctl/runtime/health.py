"""Wait until the frontend reports every expected prefill and decode worker ready, or a deadline passes."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx2

from .._exceptions import HealthCheckTimeout
from ..frontends import get_frontend
from ..frontends.base import HealthReport, not_ready
from ..plan.model import HealthCheck

__all__ = ("poll_health", "wait_until_healthy")

_REQUEST_TIMEOUT_S = 5.0
_QUIET_S = 15.0
"""Progress is reported when the counts change, and at least this often while they do not."""


def poll_health(client: httpx2.Client, check: HealthCheck) -> HealthReport:
    """Ask the frontend once and read its answer into a report (never raises for HTTP trouble)."""
    try:
        response = client.get(check.url)
    except httpx2.HTTPError as exc:
        return not_ready(check.expected_prefill, check.expected_decode, f"frontend not answering ({exc})")
    if response.status_code != httpx2.codes.OK:
        return not_ready(check.expected_prefill, check.expected_decode, f"frontend answered {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        return not_ready(check.expected_prefill, check.expected_decode, "frontend answered with something not JSON")
    frontend = get_frontend(check.frontend)
    return frontend.check_health(body, check.expected_prefill, check.expected_decode)


def wait_until_healthy(
    check: HealthCheck,
    *,
    watch: Callable[[], None],
    on_report: Callable[[HealthReport], None],
    progress: Callable[[str], None],
    sleep: Callable[[float], object] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> HealthReport:
    """Poll ``check.url`` every ``check.interval_seconds`` until the report is ready.

    Args:
        check: the plan's health check (URL, frontend, expected counts, timeout, interval).
        watch: called before each poll; raises to abort the wait (a process exited, the job was cancelled).
        on_report: receives every report (to update the status file).
        progress: receives a line for people watching the job's log.
        sleep: waits between polls (an event's ``wait`` lets a signal cut it short).
        clock: monotonic seconds.

    Raises:
        HealthCheckTimeout: not ready after ``check.timeout_seconds``; the message has the last report.
    """
    started = clock()
    deadline = started + check.timeout_seconds
    last_detail = ""
    last_said = started
    timeout = min(_REQUEST_TIMEOUT_S, max(check.interval_seconds, 1.0))
    with httpx2.Client(timeout=timeout) as client:
        while True:
            watch()
            report = poll_health(client, check)
            on_report(report)
            now = clock()
            if report.ready:
                progress(f"healthy after {now - started:.0f} s: {report.detail}")
                return report
            if report.detail != last_detail or now - last_said >= _QUIET_S:
                progress(
                    f"waiting for workers: {report.detail} ({now - started:.0f} s of {check.timeout_seconds:.0f} s)"
                )
                last_detail, last_said = report.detail, now
            if now >= deadline:
                raise HealthCheckTimeout(
                    f"not healthy after {check.timeout_seconds:.0f} s: {report.detail} (polled {check.url})"
                )
            sleep(min(check.interval_seconds, max(deadline - now, 0.0)))
