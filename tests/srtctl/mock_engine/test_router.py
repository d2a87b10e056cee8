"""The mock engines behind the real SGLang router (`sglang-router`), in regular and prefill/decode mode."""

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx2
import pytest

from srtctl.mock_engine import EngineConfig, EngineProcess, Role

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def router(log: Path, *args: str, expect_workers: int) -> Iterator[str]:
    """Run `sglang_router.launch_router` on free ports until it reports `expect_workers` healthy workers."""
    port = free_port()
    argv = [
        sys.executable, "-m", "sglang_router.launch_router", "--host", "127.0.0.1", "--port", str(port),
        "--prometheus-host", "127.0.0.1", "--prometheus-port", str(free_port()), "--policy", "round_robin",
        "--worker-startup-timeout-secs", "30", "--log-level", "warn", *args,
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"router exited: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, f"router never became ready: {log.read_text()[-2000:]}"
            try:
                ready = httpx2.get(url + "/readiness", timeout=2)
                if ready.status_code == 200 and ready.json()["healthy_workers"] == expect_workers:
                    break
            except httpx2.TransportError:
                pass
            time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stream_arrivals(url: str, path: str, body: dict[str, object]) -> tuple[list[float], list[dict[str, object]]]:
    """POST a streaming request; return each token event's arrival time (s after sending) and its payload."""
    arrivals, events = [], []
    start = time.perf_counter()
    with httpx2.stream("POST", url + path, json=body, timeout=30) as response:
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            if line.startswith("data: {"):
                arrivals.append(time.perf_counter() - start)
                events.append(json.loads(line.removeprefix("data: ")))
    return arrivals, events


def requests_served(engine: EngineProcess) -> int:
    metrics = httpx2.get(engine.url + "/metrics").text
    line = next(line for line in metrics.splitlines() if line.startswith("sglang:num_requests_total"))
    return int(line.rsplit(" ", 1)[1])


def test_router_registers_mock_engines_with_their_model_name(tmp_path: Path) -> None:
    config = EngineConfig(port=0, served_model_name="mock-llama")
    with ExitStack() as stack:
        engines = [stack.enter_context(EngineProcess.start(config)) for _ in range(2)]
        urls = [e.url for e in engines]
        url = stack.enter_context(router(tmp_path / "router.log", "--worker-urls", *urls, expect_workers=2))
        workers = httpx2.get(url + "/workers").json()
        models = httpx2.get(url + "/v1/models").json()
    assert sorted(w["url"] for w in workers["workers"]) == sorted(urls)
    assert {w["model_id"] for w in workers["workers"]} == {"mock-llama"}
    assert {w["metadata"]["disaggregation_mode"] for w in workers["workers"]} == {"null"}
    assert [m["id"] for m in models["data"]] == ["mock-llama"]


def test_router_streams_chat_tokens_from_mock_engines_round_robin(tmp_path: Path) -> None:
    config = EngineConfig(port=0, served_model_name="mock", decode_ms_per_token=20)
    with ExitStack() as stack:
        engines = [stack.enter_context(EngineProcess.start(config)) for _ in range(2)]
        url = stack.enter_context(
            router(tmp_path / "router.log", "--worker-urls", *(e.url for e in engines), expect_workers=2)
        )
        body = {"model": "mock", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5, "stream": True}
        streams = [stream_arrivals(url, "/v1/chat/completions", body) for _ in range(2)]
        served = [requests_served(e) for e in engines]
    for arrivals, events in streams:
        assert "".join(e["choices"][0]["delta"]["content"] for e in events) == " the quick brown fox jumps"  # type: ignore[index]
        assert arrivals[-1] - arrivals[0] > 0.06  # four 20 ms steps, spread out rather than in one burst
    assert served == [1, 1]


def test_router_passes_non_streamed_completions_through(tmp_path: Path) -> None:
    with (
        EngineProcess.start(EngineConfig(port=0)) as engine,
        router(tmp_path / "router.log", "--worker-urls", engine.url, expect_workers=1) as url,
    ):
        response = httpx2.post(url + "/v1/completions", json={"model": "m", "prompt": "a b", "max_tokens": 2})
        generate = httpx2.post(url + "/generate", json={"text": "a b", "sampling_params": {"max_new_tokens": 1}})
    assert response.json()["usage"] == {"prompt_tokens": 2, "completion_tokens": 2, "total_tokens": 4}
    assert generate.json()["text"] == " the"


def test_router_pd_mode_first_token_waits_for_prefill_and_decode_streams_live(tmp_path: Path) -> None:
    prefill_config = EngineConfig(port=0, role=Role.PREFILL, bootstrap_port=0, prefill_ms_per_token=4.0)
    decode_config = EngineConfig(port=0, role=Role.DECODE, decode_ms_per_token=40.0)
    with (
        EngineProcess.start(prefill_config) as prefill,
        EngineProcess.start(decode_config) as decode,
    ):
        args = ["--pd-disaggregation", "--prefill", prefill.url, str(prefill.bootstrap_port), "--decode", decode.url]
        with router(tmp_path / "router.log", *args, expect_workers=2) as url:
            body = {"model": "m", "prompt": " ".join(["w"] * 50), "max_tokens": 4, "stream": True}
            arrivals, events = stream_arrivals(url, "/v1/completions", body)
            served = requests_served(prefill), requests_served(decode)
    assert len(events) == 4
    assert 0.2 <= arrivals[0] < 0.35  # 50 prompt tokens x 4 ms of prefill
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
    assert min(gaps) > 0.01, gaps  # streamed live, not held back and sent in one burst
    assert arrivals[-1] - arrivals[0] == pytest.approx(0.12, abs=0.03)  # three 40 ms decode steps
    assert served == (1, 1)


def test_router_pd_mode_with_a_wrong_bootstrap_port_fails_the_request(tmp_path: Path) -> None:
    with (
        EngineProcess.start(EngineConfig(port=0, role=Role.PREFILL, bootstrap_port=0)) as prefill,
        EngineProcess.start(EngineConfig(port=0, role=Role.DECODE)) as decode,
    ):
        args = ["--pd-disaggregation", "--prefill", prefill.url, str(free_port()), "--decode", decode.url]
        with router(tmp_path / "router.log", *args, "--disable-retries", expect_workers=2) as url:
            response = httpx2.post(url + "/v1/completions", json={"model": "m", "prompt": "a", "max_tokens": 1})
    assert response.status_code == 500
    assert "cannot reach the prefill bootstrap" in response.text
