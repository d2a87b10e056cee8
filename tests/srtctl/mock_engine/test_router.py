"""The mock engines behind the real SGLang router (`sglang-router`), in regular and prefill/decode mode."""

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from srtctl.benchmarks import BenchmarkSpec, BenchmarkTarget, NullProgress, ServingRun, ServingRunner, ServingSettings
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
    with httpx2.Client(timeout=30) as client:
        start = time.perf_counter()
        with client.stream("POST", url + path, json=body) as response:
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


@dataclass(frozen=True)
class Deployment:
    url: str
    engines: tuple[EngineProcess, ...]


@pytest.fixture(scope="module")
def regular(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """Two aggregated engines (1 ms per prompt token, 20 ms per output token) behind a round-robin router."""
    config = EngineConfig(port=0, served_model_name="mock", prefill_ms_per_token=1.0, decode_ms_per_token=20.0)
    with ExitStack() as stack:
        engines = tuple(stack.enter_context(EngineProcess.start(config)) for _ in range(2))
        log = tmp_path_factory.mktemp("router") / "router.log"
        url = stack.enter_context(router(log, "--worker-urls", *(e.url for e in engines), expect_workers=2))
        yield Deployment(url, engines)


@pytest.fixture(scope="module")
def disaggregated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """A prefill engine (1 ms per prompt token) and a decode engine (20 ms per token) behind a PD router."""
    prefill_config = EngineConfig(port=0, role=Role.PREFILL, bootstrap_port=0, prefill_ms_per_token=1.0)
    decode_config = EngineConfig(port=0, role=Role.DECODE, decode_ms_per_token=20.0)
    with EngineProcess.start(prefill_config) as prefill, EngineProcess.start(decode_config) as decode:
        args = ["--pd-disaggregation", "--prefill", prefill.url, str(prefill.bootstrap_port), "--decode", decode.url]
        with router(tmp_path_factory.mktemp("router") / "router.log", *args, expect_workers=2) as url:
            yield Deployment(url, (prefill, decode))


def serving_benchmark(url: str, tmp_path: Path, **settings: object) -> ServingRun:
    spec = BenchmarkSpec(
        settings=ServingSettings(**settings),  # type: ignore[arg-type]
        target=BenchmarkTarget(base_url=url, model="mock", gpus=2),
    )
    (run,) = ServingRunner(progress=NullProgress).run(spec, tmp_path).runs
    return run


def test_router_registers_mock_engines_with_their_model_name_and_labels(regular: Deployment) -> None:
    workers = httpx2.get(regular.url + "/workers").json()
    models = httpx2.get(regular.url + "/v1/models").json()
    assert sorted(w["url"] for w in workers["workers"]) == sorted(e.url for e in regular.engines)
    assert {w["model_id"] for w in workers["workers"]} == {"mock"}
    assert {w["metadata"]["disaggregation_mode"] for w in workers["workers"]} == {"null"}
    assert {w["metadata"]["architectures"] for w in workers["workers"]} == {'["LlamaForCausalLM"]'}
    assert [m["id"] for m in models["data"]] == ["mock"]


def test_router_streams_chat_tokens_from_mock_engines_round_robin(regular: Deployment) -> None:
    before = [requests_served(e) for e in regular.engines]
    body = {"model": "mock", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5, "stream": True}
    streams = [stream_arrivals(regular.url, "/v1/chat/completions", body) for _ in range(2)]
    served = [requests_served(e) - b for e, b in zip(regular.engines, before, strict=True)]
    for arrivals, events in streams:
        assert "".join(e["choices"][0]["delta"]["content"] for e in events) == " the quick brown fox jumps"  # type: ignore[index]
        assert arrivals[-1] - arrivals[0] > 0.06  # four 20 ms steps, spread out rather than in one burst
    assert served == [1, 1]


def test_router_passes_non_streamed_completions_through(regular: Deployment) -> None:
    response = httpx2.post(regular.url + "/v1/completions", json={"model": "m", "prompt": "a b", "max_tokens": 2})
    generate = httpx2.post(regular.url + "/generate", json={"text": "a b", "sampling_params": {"max_new_tokens": 1}})
    assert response.json()["usage"] == {"prompt_tokens": 2, "completion_tokens": 2, "total_tokens": 4}
    assert generate.json()["text"] == " the"


def test_serving_benchmark_through_the_router_measures_the_engines_latencies(
    regular: Deployment, tmp_path: Path
) -> None:
    run = serving_benchmark(regular.url, tmp_path, input_tokens=200, output_tokens=6, concurrencies=(4,), num_prompts=8)
    assert (run.completed, run.output_tokens) == (8, 48)  # usage travels through the router
    assert run.ttft_ms is not None and run.itl_ms is not None
    # The router's relayed chunks show stalls of their own (a delayed-ACK pattern of about 40 ms on reused
    # client connections), so the tolerance is wider than against the engine directly (the benchmarks'
    # accuracy test holds that to 5%).
    assert run.ttft_ms.mean == pytest.approx(200.0, rel=0.15)
    assert run.itl_ms.mean == pytest.approx(20.0, rel=0.25)


def test_router_pd_mode_first_token_waits_for_prefill_and_decode_streams_live(disaggregated: Deployment) -> None:
    before = [requests_served(e) for e in disaggregated.engines]
    body = {"model": "m", "prompt": " ".join(["w"] * 200), "max_tokens": 8, "stream": True}
    arrivals, events = stream_arrivals(disaggregated.url, "/v1/completions", body)
    served = [requests_served(e) - b for e, b in zip(disaggregated.engines, before, strict=True)]
    assert len(events) == 8
    assert 0.2 <= arrivals[0] < 0.35  # 200 prompt tokens x 1 ms of prefill, on the prefill engine
    # Decode's seven 20 ms steps (140 ms) stream live, not in one burst; the router itself may hold the first
    # chunks for a delayed ACK (about 40 ms) on a reused client connection.
    assert arrivals[-1] - arrivals[0] > 0.08
    assert served == [1, 1]


def test_serving_benchmark_through_the_router_in_pd_mode(disaggregated: Deployment, tmp_path: Path) -> None:
    run = serving_benchmark(
        disaggregated.url, tmp_path, api="chat", input_tokens=200, output_tokens=6, concurrencies=(4,), num_prompts=8
    )
    assert (run.completed, run.failed, run.output_tokens) == (8, 0, 48)
    assert run.ttft_ms is not None and run.ttft_ms.p50 is not None
    assert run.ttft_ms.p50 >= 200.0  # the prefill engine's 200 ms come first
    assert run.e2e_ms is not None and run.e2e_ms.p50 is not None
    assert run.e2e_ms.p50 >= 200.0 + 5 * 20.0


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
