"""From a job's `benchmark:` block and its launch plan to the `BenchmarkSpec` a runner takes.

The job config keeps one flat `benchmark:` block for every runner (see `srtctl.config.BenchmarkConfig`);
each runner has typed settings of its own. `settings_from_config` maps the one onto the other, and
`spec_from_plan` adds what only the launch plan knows: the frontend's URL, the served model name, the
model path the engines see (the tokenizer of external tools), the GPU count and the job's identity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._errors import BenchmarkConfigError
from ._results import JobInfo
from ._settings import AccuracySettings, AiperfSettings, CustomSettings, ServingSettings, SglangBenchSettings
from ._spec import BenchmarkSpec, BenchmarkTarget

if TYPE_CHECKING:
    from ..config.schema import BenchmarkConfig
    from ..plan.model import LaunchPlan

__all__ = ("settings_from_config", "spec_from_plan")

_LOAD_SHAPED = ("serving", "sglang-bench", "aiperf")


def _flags(args: Mapping[str, Any]) -> dict[str, Any]:
    """The config's flags (`flush-cache: true`) as a runner's extra flags (`{"--flush-cache": True}`)."""
    return {f"--{name}": value for name, value in args.items()}


def settings_from_config(benchmark: BenchmarkConfig, *, python: str = "python3") -> Any:
    """The runner settings for a job's `benchmark:` block; None for `type: none`.

    Args:
        benchmark: the job config's benchmark block.
        python: the interpreter that has SGLang, for `sglang-bench` and the SGLang accuracy harness.

    Raises:
        BenchmarkConfigError: the block sets something its runner cannot use.
    """
    kind = benchmark.type
    if kind == "none":
        return None
    environment = dict(benchmark.environment)
    if kind in _LOAD_SHAPED:
        if benchmark.isl is None or benchmark.osl is None or not benchmark.concurrencies:
            raise BenchmarkConfigError(f"benchmark: the {kind} benchmark needs isl, osl and concurrencies")
        shape: dict[str, Any] = {
            "input_tokens": benchmark.isl,
            "output_tokens": benchmark.osl,
            "concurrencies": tuple(benchmark.concurrencies),
            "request_rate": benchmark.request_rate,
            "num_prompts": benchmark.num_prompts,
            "warmup_requests": benchmark.warmup_requests,
            "max_error_rate": benchmark.max_error_rate,
        }
        if kind == "serving":
            if benchmark.args:
                raise BenchmarkConfigError("benchmark.args: the built-in serving benchmark takes no tool flags")
            if environment:
                raise BenchmarkConfigError("benchmark.environment: the built-in serving benchmark runs no tool")
            return ServingSettings(**shape, ttft_limit_ms=benchmark.ttft_limit_ms, itl_limit_ms=benchmark.itl_limit_ms)
        if kind == "sglang-bench":
            return SglangBenchSettings(**shape, python=python, args=_flags(benchmark.args), environment=environment)
        return AiperfSettings(
            **shape,
            ttft_limit_ms=benchmark.ttft_limit_ms,
            itl_limit_ms=benchmark.itl_limit_ms,
            args=_flags(benchmark.args),
            environment=environment,
        )
    if kind == "custom":
        if not benchmark.command:
            raise BenchmarkConfigError("benchmark.command: required by the custom benchmark")
        return CustomSettings(command=benchmark.command, environment=environment)
    return AccuracySettings(
        type=kind,
        num_examples=benchmark.num_examples,
        python=python,
        args=_flags(benchmark.args),
        environment=environment,
    )


def spec_from_plan(plan: LaunchPlan, *, launcher: Sequence[str] = ()) -> BenchmarkSpec | None:
    """What to benchmark for a planned job, once its deployment is healthy; None for `type: none`.

    Args:
        plan: the job's launch plan (its config, runtime context, topology and frontend URLs).
        launcher: the prefix that runs an external tool where it is installed, e.g. `srun` into the
            job's container on the head node; the built-in serving benchmark ignores it.

    Raises:
        BenchmarkConfigError: the benchmark block cannot be run as written, or the plan has no frontend.
    """
    runtime = plan.runtime
    settings = settings_from_config(plan.config.benchmark, python=runtime.engine_python)
    if settings is None:
        return None
    if not plan.frontend_urls:
        raise BenchmarkConfigError("the plan has no frontend URL to benchmark")
    labels = {
        "topology": plan.topology.label,
        "backend": plan.config.backend.type,
        "frontend": plan.config.frontend_type,
    }
    if plan.config.model.precision:
        labels["precision"] = plan.config.model.precision
    if runtime.container_image:
        labels["container"] = runtime.container_image
    return BenchmarkSpec(
        settings=settings,
        target=BenchmarkTarget(
            base_url=plan.frontend_urls[0],
            model=runtime.served_model_name,
            gpus=plan.topology.total_gpus,
            tokenizer=runtime.model_path,
        ),
        job=JobInfo(job_id=runtime.job_id, name=plan.config.name, labels=labels),
        launcher=tuple(launcher),
    )
