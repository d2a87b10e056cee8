"""Waiting for health against a real local HTTP server that answers 503 before its workers are ready."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from srtctl._exceptions import HealthCheckTimeout
from srtctl.frontends import HealthReport
from srtctl.plan import HealthCheck


class Router:
    """A stand-in for the router's GET /workers: a queue of (status, body) answers, the last one repeated."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, bytes]] = []
        self.requests = 0
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/workers"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        router = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                router.requests += 1
                status, body = router.answers[0] if len(router.answers) == 1 else router.answers.pop(0)
                self.send_response(status)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def workers(prefill: int, decode: int) -> tuple[int, bytes]:
    entries = [{"worker_type": "prefill", "is_healthy": True}] * prefill
    entries += [{"worker_type": "decode", "is_healthy": True}] * decode
    return 200, json.dumps({"workers": entries}).encode()


@pytest.fixture
def router() -> Iterator[Router]:
    router = Router()
    thread = threading.Thread(target=router.server.serve_forever, daemon=True)
    thread.start()
    yield router
    router.server.shutdown()
    router.server.server_close()


def check(url: str, timeout: float = 5.0) -> HealthCheck:
    return HealthCheck(
        url=url, frontend="sglang-router", expected_prefill=1, expected_decode=2, timeout_seconds=timeout,
        interval_seconds=0.01,
    )  # fmt: skip


def wait(health: HealthCheck, **overrides: object) -> tuple[HealthReport, list[HealthReport], list[str]]:
    from srtctl.runtime.health import wait_until_healthy

    reports: list[HealthReport] = []
    lines: list[str] = []
    arguments = {"watch": lambda: None, "on_report": reports.append, "progress": lines.append, **overrides}
    return wait_until_healthy(health, **arguments), reports, lines  # type: ignore[arg-type]


def test_waits_through_503_and_partial_readiness_until_every_worker_is_up(router: Router) -> None:
    router.answers = [(503, b"starting"), workers(1, 1), workers(1, 2)]
    final, reports, lines = wait(check(router.url))
    assert (final.ready, final.prefill, final.decode) == (True, 1, 2)
    assert [r.detail for r in reports] == [
        "frontend answered 503",
        "prefill 1/1, decode 1/2",
        "prefill 1/1, decode 2/2",
    ]
    assert lines[-1].startswith("healthy after ")


def test_reports_progress_only_when_the_counts_change(router: Router) -> None:
    router.answers = [workers(0, 0)] * 5 + [workers(1, 2)]
    _, reports, lines = wait(check(router.url))
    assert len(reports) == 6
    assert [line.split(" (")[0] for line in lines[:-1]] == ["waiting for workers: prefill 0/1, decode 0/2"]


def test_times_out_with_the_last_report_in_the_message(router: Router) -> None:
    router.answers = [workers(1, 1)]
    with pytest.raises(HealthCheckTimeout, match=r"not healthy after 0 s: prefill 1/1, decode 1/2 \(polled http"):
        wait(check(router.url, timeout=0.2))


def test_a_frontend_that_does_not_answer_is_not_ready_yet() -> None:
    with pytest.raises(HealthCheckTimeout, match="frontend not answering"):
        wait(check("http://127.0.0.1:9/workers", timeout=0.1))


def test_a_body_that_is_not_json_is_not_ready(router: Router) -> None:
    router.answers = [(200, b"<html>")]
    with pytest.raises(HealthCheckTimeout, match="something not JSON"):
        wait(check(router.url, timeout=0.1))


def test_watch_aborts_the_wait(router: Router) -> None:
    router.answers = [workers(0, 0)]

    def watch() -> None:
        if router.requests >= 2:
            raise RuntimeError("prefill_w0 exited")

    with pytest.raises(RuntimeError, match="prefill_w0 exited"):
        wait(check(router.url), watch=watch)


def test_wait_for_ports_returns_once_every_port_listens() -> None:
    import socket

    from srtctl.runtime.health import wait_for_ports

    first, second = socket.socket(), socket.socket()
    first.bind(("127.0.0.1", 0))
    second.bind(("127.0.0.1", 0))
    first.listen()
    addresses = [first.getsockname(), second.getsockname()]
    polls: list[float] = []

    def sleep(seconds: float) -> None:
        polls.append(seconds)
        second.listen()

    try:
        wait_for_ports(addresses, timeout=5, watch=lambda: None, sleep=sleep, interval=0.01)
    finally:
        first.close()
        second.close()
    assert polls == [0.01]


def test_wait_for_ports_names_the_ports_still_closed() -> None:
    from srtctl.runtime.health import wait_for_ports

    with pytest.raises(HealthCheckTimeout, match=r"not listening after 0 s: 127.0.0.1:9"):
        wait_for_ports([("127.0.0.1", 9)], timeout=0.05, watch=lambda: None, interval=0.01)
