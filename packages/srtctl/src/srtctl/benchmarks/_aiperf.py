"""NVIDIA's `aiperf profile` with synthetic inputs, one profile per concurrency level."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ._errors import BenchmarkFailedError
from ._external import Command, ExternalRunner, extra_flags
from ._registry import register_runner
from ._results import AccuracyScore, LatencyStats, ServingRun
from ._settings import AiperfSettings
from ._spec import BenchmarkSpec
from ._stats import run_from_totals

__all__ = ("AiperfRunner",)

EXPORT_FILE = "profile_export_aiperf.json"


def _artifact_dir(log_dir: Path, concurrency: int) -> Path:
    return log_dir / "aiperf" / f"concurrency_{concurrency}"


def _value(metrics: dict[str, Any], name: str, stat: str = "avg") -> float | None:
    entry = metrics.get(name)
    return entry.get(stat) if isinstance(entry, dict) else None


def _stats(metrics: dict[str, Any], name: str) -> LatencyStats | None:
    mean = _value(metrics, name)
    if mean is None:
        return None
    return LatencyStats(
        mean=mean, p50=_value(metrics, name, "p50"), p90=_value(metrics, name, "p90"), p99=_value(metrics, name, "p99")
    )


class AiperfRunner(ExternalRunner):
    """Renders `aiperf profile` and reads each level's `profile_export_aiperf.json`."""

    name = "aiperf"

    def commands(self, config: BenchmarkSpec, log_dir: Path) -> list[Command]:
        """One profile per concurrency level, each with its own artifact directory."""
        settings: AiperfSettings = config.settings
        target = config.target
        commands = []
        for concurrency in settings.concurrencies:
            argv = [
                settings.executable, "profile",
                "--model", target.model,
                "--url", target.root,
                "--endpoint-type", settings.api,
                "--streaming",
                "--tokenizer", settings.tokenizer or target.tokenizer or target.model,
                "--concurrency", str(concurrency),
                "--request-count", str(settings.requests_at(concurrency)),
                "--warmup-request-count", str(settings.warmup_at(concurrency)),
                "--synthetic-input-tokens-mean", str(settings.input_tokens),
                "--synthetic-input-tokens-stddev", "0",
                "--output-tokens-mean", str(settings.output_tokens),
                "--output-tokens-stddev", "0",
                "--extra-inputs", "ignore_eos:true",
                "--random-seed", str(settings.seed),
                "--artifact-dir", str(_artifact_dir(log_dir, concurrency)),
                "--ui-type", "none",
            ]  # fmt: skip
            if settings.request_rate is not None:
                argv += ["--request-rate", str(settings.request_rate)]
            goodput = []
            if settings.ttft_limit_ms is not None:
                goodput.append(f"time_to_first_token:{settings.ttft_limit_ms:g}")
            if settings.itl_limit_ms is not None:
                goodput.append(f"inter_token_latency:{settings.itl_limit_ms:g}")
            if goodput:
                argv += ["--goodput", " ".join(goodput)]
            argv += extra_flags(settings.args)
            commands.append(Command(tuple(argv), dict(settings.environment), f"concurrency {concurrency}"))
        return commands

    def parse(self, config: BenchmarkSpec, log_dir: Path) -> tuple[list[ServingRun], list[AccuracyScore]]:
        """One `ServingRun` per level, from its export file."""
        settings: AiperfSettings = config.settings
        runs = []
        for concurrency in settings.concurrencies:
            directory = _artifact_dir(log_dir, concurrency)
            found = sorted(directory.rglob(EXPORT_FILE))
            if not found:
                raise BenchmarkFailedError(f"aiperf wrote no {EXPORT_FILE} under {directory}")
            try:
                data = json.loads(found[-1].read_text())
            except (OSError, ValueError) as exc:
                raise BenchmarkFailedError(f"cannot read aiperf's results {found[-1]}: {exc}") from None
            metrics = data.get("records", data)
            completed = int(_value(metrics, "request_count") or 0)
            failed = int(_value(metrics, "error_request_count") or 0)
            duration = _value(metrics, "benchmark_duration") or 0.0
            if duration <= 0 and _value(metrics, "request_throughput"):
                duration = completed / (_value(metrics, "request_throughput") or 1.0)
            itl = _stats(metrics, "inter_token_latency")
            goodput = _value(metrics, "goodput")
            runs.append(
                run_from_totals(
                    concurrency=concurrency,
                    request_rate=settings.request_rate,
                    requests=completed + failed,
                    completed=completed,
                    duration_s=duration,
                    input_tokens=round((_value(metrics, "input_sequence_length") or 0) * completed),
                    output_tokens=round((_value(metrics, "output_sequence_length") or 0) * completed),
                    gpus=config.target.gpus,
                    ttft_ms=_stats(metrics, "time_to_first_token"),
                    itl_ms=itl,
                    tpot_ms=itl,  # aiperf's inter-token latency is per request: (latency - TTFT) / (tokens - 1)
                    e2e_ms=_stats(metrics, "request_latency"),
                    good_requests=round(goodput * duration) if goodput is not None else None,
                )
            )
        return runs, []


register_runner(AiperfRunner())
