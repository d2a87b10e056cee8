"""Wait until the frontend reports every expected prefill and decode worker ready, or a deadline passes."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Sequence

import httpx2

from .._exceptions import HealthCheckTimeout
from ..frontends import get_frontend
from ..frontends.base import HealthReport, not_ready
from ..plan.model import HealthCheck

__all__ = ("poll_health", "wait_for_ports", "wait_until_healthy")

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


def wait_for_ports(
    addresses: Sequence[tuple[str, int]],
    *,
    timeout: float,
    watch: Callable[[], None],
    sleep: Callable[[float], object] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    interval: float = 0.5,
) -> None:
    """Wait until every ``(host, port)`` accepts a TCP connection (infrastructure such as etcd and NATS).

    Raises:
        HealthCheckTimeout: some port still refused connections after ``timeout`` seconds; the message lists them.
    """
    deadline = clock() + timeout
    waiting = list(addresses)
    while True:
        watch()
        waiting = [address for address in waiting if not _accepts(address)]
        if not waiting:
            return
        if clock() >= deadline:
            closed = ", ".join(f"{host}:{port}" for host, port in waiting)
            raise HealthCheckTimeout(f"not listening after {timeout:.0f} s: {closed}")
        sleep(interval)


def _accepts(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=1.0):
            return True
    except OSError:
        return False
