"""The built-in serving benchmark: synthetic load at each concurrency level, measured from the client."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path

import anyio

from ._http import build_requests, open_connections
from ._loadgen import arrival_offsets, run_phase
from ._progress import Progress, default_progress
from ._prompts import request_bodies, synthetic_requests
from ._registry import BenchmarkRunner, register_runner
from ._results import BenchmarkResult, ServingRun, now_iso
from ._settings import ServingSettings
from ._spec import BenchmarkSpec
from ._stats import GoodputLimits, summarize

__all__ = ("ServingRunner", "format_run")

logger = logging.getLogger("srtctl.benchmarks")

_PATHS = {"completions": "/v1/completions", "chat": "/v1/chat/completions"}


def format_run(run: ServingRun) -> str:
    """One line summing up a level, for logs."""

    def ms(stats: object, name: str) -> str:
        return f"{getattr(stats, name):.1f}" if stats is not None else "-"

    return (
        f"concurrency {run.concurrency}: {run.completed}/{run.requests} ok, "
        f"{run.request_throughput:.2f} req/s, {run.output_token_throughput:.1f} out tok/s "
        f"({run.output_throughput_per_gpu:.1f}/GPU), "
        f"TTFT mean {ms(run.ttft_ms, 'mean')} p99 {ms(run.ttft_ms, 'p99')} ms, "
        f"ITL mean {ms(run.itl_ms, 'mean')} p99 {ms(run.itl_ms, 'p99')} ms, E2E p50 {ms(run.e2e_ms, 'p50')} ms"
    )


class ServingRunner(BenchmarkRunner):
    """srtctl's own load generator (httpx2 + anyio) for any OpenAI-compatible endpoint.

    For each concurrency level it sends warm-up requests (not measured), then `num_prompts` streamed
    requests with synthetic prompts, and measures TTFT, inter-token latency, TPOT, end-to-end latency,
    throughput (also per GPU) and goodput under the latency limits.
    """

    name = "serving"

    def __init__(self, progress: Callable[[], Progress] = default_progress) -> None:
        self._progress = progress

    def run(self, config: BenchmarkSpec, log_dir: Path) -> BenchmarkResult:
        """Measure every level in turn; see `BenchmarkRunner.run`."""
        settings = config.settings
        if not isinstance(settings, ServingSettings):
            raise TypeError(f"the serving runner needs ServingSettings, got {type(settings).__name__}")
        log_dir.mkdir(parents=True, exist_ok=True)
        started = now_iso()
        progress = self._progress()
        try:
            runs = anyio.run(self._measure, config, settings, progress, log_dir / "benchmark.out")
        finally:
            progress.close()
        return config.result(started_at=started, runs=runs)

    async def _measure(
        self, config: BenchmarkSpec, settings: ServingSettings, progress: Progress, log_path: Path
    ) -> list[ServingRun]:
        target = config.target
        path = _PATHS[settings.api]
        limits = GoodputLimits(settings.ttft_limit_ms, settings.itl_limit_ms, settings.e2e_limit_ms)
        timeout = settings.request_timeout_s
        runs = []
        with log_path.open("a") as log:
            log.write(f"serving benchmark of {target.model!r} at {target.root}{path}\n")
            for level, concurrency in enumerate(settings.concurrencies):
                warmup = settings.warmup_at(concurrency)
                measured = settings.requests_at(concurrency)
                requests = synthetic_requests(
                    warmup + measured,
                    input_tokens=settings.input_tokens,
                    output_tokens=settings.output_tokens,
                    range_ratio=settings.random_range_ratio,
                    seed=settings.seed + level,
                )
                bodies = request_bodies(requests, api=settings.api, model=target.model, extra_body=settings.extra_body)
                built = build_requests(target, path, bodies, timeout_s=timeout)
                prompt_tokens = [r.prompt_tokens for r in requests]
                async with AsyncExitStack() as stack:
                    connections = [await stack.enter_async_context(c) for c in open_connections(concurrency)]
                    if warmup:
                        progress.begin(f"concurrency {concurrency} warm-up", warmup)
                        await run_phase(
                            connections,
                            built[:warmup],
                            prompt_tokens[:warmup],
                            arrivals=None,
                            timeout_s=timeout,
                            progress=progress,
                        )
                        progress.end()
                    progress.begin(f"concurrency {concurrency}", measured)
                    records, elapsed = await run_phase(
                        connections,
                        built[warmup:],
                        prompt_tokens[warmup:],
                        arrivals=arrival_offsets(measured, settings.request_rate, seed=settings.seed + level),
                        timeout_s=timeout,
                        progress=progress,
                    )
                    progress.end()
                run = summarize(
                    records,
                    concurrency=concurrency,
                    request_rate=settings.request_rate,
                    duration_s=elapsed,
                    gpus=target.gpus,
                    limits=limits,
                )
                line = format_run(run)
                logger.info("%s", line)
                log.write(line + "\n")
                for message, count in run.errors.items():
                    log.write(f"  {count}x {message}\n")
                log.flush()
                runs.append(run)
        return runs


register_runner(ServingRunner())
