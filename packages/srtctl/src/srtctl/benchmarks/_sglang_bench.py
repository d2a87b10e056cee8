"""SGLang's `bench_serving` with its random dataset, one invocation per concurrency level."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ._errors import BenchmarkFailedError
from ._external import Command, ExternalRunner, extra_flags
from ._registry import register_runner
from ._results import AccuracyScore, LatencyStats, ServingRun
from ._settings import SglangBenchSettings
from ._spec import BenchmarkSpec
from ._stats import run_from_totals

__all__ = ("SglangBenchRunner",)

OUTPUT_FILE = "sglang-bench.jsonl"


def _stats(data: dict[str, Any], metric: str) -> LatencyStats | None:
    mean = data.get(f"mean_{metric}_ms")
    if mean is None:
        return None
    return LatencyStats(
        mean=mean,
        p50=data.get(f"median_{metric}_ms"),
        p90=data.get(f"p90_{metric}_ms"),
        p99=data.get(f"p99_{metric}_ms"),
    )


class SglangBenchRunner(ExternalRunner):
    """Renders `python3 -m sglang.bench_serving` and reads the JSON lines it appends to its output file."""

    name = "sglang-bench"

    def commands(self, config: BenchmarkSpec, log_dir: Path) -> list[Command]:
        """One bench_serving run per concurrency level, all appending to one output file."""
        settings: SglangBenchSettings = config.settings
        target = config.target
        backend = "sglang-oai-chat" if settings.api == "chat" else "sglang-oai"
        commands = []
        for concurrency in settings.concurrencies:
            argv = [
                settings.python, "-m", "sglang.bench_serving",
                "--backend", backend,
                "--base-url", target.root,
                "--model", target.model,
                "--tokenizer", settings.tokenizer or target.tokenizer or target.model,
                "--dataset-name", "random",
                "--random-input-len", str(settings.input_tokens),
                "--random-output-len", str(settings.output_tokens),
                "--random-range-ratio", str(settings.random_range_ratio),
                "--num-prompts", str(settings.requests_at(concurrency)),
                "--max-concurrency", str(concurrency),
                "--request-rate", "inf" if settings.request_rate is None else str(settings.request_rate),
                "--warmup-requests", str(settings.warmup_at(concurrency)),
                "--seed", str(settings.seed),
                "--output-file", str(log_dir / OUTPUT_FILE),
                *extra_flags(settings.args),
            ]  # fmt: skip
            commands.append(Command(tuple(argv), dict(settings.environment), f"concurrency {concurrency}"))
        return commands

    def parse(self, config: BenchmarkSpec, log_dir: Path) -> tuple[list[ServingRun], list[AccuracyScore]]:
        """One `ServingRun` per JSON line of the output file."""
        settings: SglangBenchSettings = config.settings
        path = log_dir / OUTPUT_FILE
        try:
            lines = [line for line in path.read_text().splitlines() if line.strip()]
            rows = [json.loads(line) for line in lines]
        except (OSError, ValueError) as exc:
            raise BenchmarkFailedError(f"cannot read bench_serving's results {path}: {exc}") from None
        runs = []
        for row in rows:
            concurrency = int(row.get("max_concurrency") or 0)
            requests = settings.requests_at(concurrency) if concurrency else int(row.get("completed", 0))
            rate = row.get("request_rate")
            runs.append(
                run_from_totals(
                    concurrency=concurrency,
                    request_rate=None if rate in (None, "inf") or rate == float("inf") else float(rate),
                    requests=max(requests, int(row.get("completed", 0))),
                    completed=int(row.get("completed", 0)),
                    duration_s=float(row.get("duration", 0.0)),
                    input_tokens=int(row.get("total_input_tokens", 0)),
                    output_tokens=int(row.get("total_output_tokens", 0)),
                    gpus=config.target.gpus,
                    ttft_ms=_stats(row, "ttft"),
                    itl_ms=_stats(row, "itl"),
                    tpot_ms=_stats(row, "tpot"),
                    e2e_ms=_stats(row, "e2e_latency"),
                )
            )
        return runs, []


register_runner(SglangBenchRunner())
