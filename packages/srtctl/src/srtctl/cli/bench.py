"""`srtctl bench URL`: the built-in serving benchmark against any OpenAI-compatible endpoint, now."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Literal

import typer

from ._app import app

__all__ = ("bench",)


def _concurrencies(values: list[str]) -> tuple[int, ...]:
    levels: list[int] = []
    for value in values:
        for part in value.replace("x", ",").split(","):
            if not part.strip().isdigit() or int(part) < 1:
                raise typer.BadParameter(f"{value!r} is not a list of concurrencies (e.g. 1,16,64 or 1x16x64)")
            levels.append(int(part))
    return tuple(levels)


@app.command("bench")
def bench(
    url: Annotated[
        str, typer.Argument(help="Base URL of the endpoint, e.g. http://frontend:8000.", show_default=False)
    ],
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Model name to send; by default the endpoint's first.")
    ] = None,
    isl: Annotated[int, typer.Option("--isl", min=1, help="Prompt length in tokens.")] = 1024,
    osl: Annotated[int, typer.Option("--osl", min=1, help="Tokens to generate per request.")] = 128,
    concurrency: Annotated[
        list[str], typer.Option("--concurrency", "-c", help="Concurrency levels: 1,16,64 or 1x16x64 (repeatable).")
    ] = ["1"],  # noqa: B006 - typer needs a list default
    rate: Annotated[float | None, typer.Option("--rate", min=0.001, help="Requests/s (Poisson); default: max.")] = None,
    num_prompts: Annotated[int | None, typer.Option("--num-prompts", min=1, help="Requests per level.")] = None,
    warmup: Annotated[int | None, typer.Option("--warmup", min=0, help="Warm-up requests per level.")] = None,
    api: Annotated[
        Literal["completions", "chat"], typer.Option("--api", help="Which OpenAI API to use.")
    ] = "completions",
    gpus: Annotated[int, typer.Option("--gpus", min=1, help="GPUs behind the endpoint (for tok/s/GPU).")] = 1,
    max_error_rate: Annotated[float, typer.Option("--max-error-rate", min=0, max=1, help="Validity gate.")] = 0.0,
    ttft_limit_ms: Annotated[float | None, typer.Option("--ttft-limit-ms", help="Goodput limit on TTFT.")] = None,
    itl_limit_ms: Annotated[float | None, typer.Option("--itl-limit-ms", help="Goodput limit on ITL.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Name of this run in `srtctl results`.")] = None,
    api_key: Annotated[
        str | None, typer.Option("--api-key", envvar="OPENAI_API_KEY", help="Bearer token.", show_default=False)
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Where results.json and the logs go.")] = Path("bench-out"),
) -> None:
    """Run srtctl's serving benchmark against an endpoint and write results.json (exit 1 if it is not valid)."""
    from rich.console import Console
    from rich.markup import escape

    from ..benchmarks import (
        BenchmarkError,
        BenchmarkSpec,
        BenchmarkTarget,
        InvalidResultError,
        JobInfo,
        ServingSettings,
        run_benchmark,
    )
    from ..benchmarks._http import first_model
    from ..results import JobResult, serving_table

    errors = Console(stderr=True, soft_wrap=True)
    if not errors.is_terminal:
        # No live bar off a terminal: the benchmark's progress lines go to stderr instead.
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        progress_log = logging.getLogger("srtctl.benchmarks")
        progress_log.addHandler(handler)
        progress_log.setLevel(logging.INFO)
    try:
        chosen = model or first_model(url, api_key=api_key)
        spec = BenchmarkSpec(
            settings=ServingSettings(
                api=api,
                input_tokens=isl,
                output_tokens=osl,
                concurrencies=_concurrencies(concurrency),
                request_rate=rate,
                num_prompts=num_prompts,
                warmup_requests=warmup,
                max_error_rate=max_error_rate,
                ttft_limit_ms=ttft_limit_ms,
                itl_limit_ms=itl_limit_ms,
            ),
            target=BenchmarkTarget(base_url=url, model=chosen, gpus=gpus, api_key=api_key),
            job=JobInfo(name=name or chosen),
        )
        result = run_benchmark(spec, out)
        code = 0
    except InvalidResultError as exc:
        from ..benchmarks import load_result

        assert exc.results_path is not None
        result = load_result(exc.results_path)
        code = 1
    except BenchmarkError as exc:
        errors.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
    console = Console(width=None if Console().is_terminal else 200, soft_wrap=True)
    table = serving_table([JobResult(out / "results.json", result, result.job.title)])
    if table is not None:
        console.print(table)
    for problem in result.problems:
        console.print(f"[red]invalid:[/red] {escape(problem)}", highlight=False)
    console.print(f"wrote {out / 'results.json'}", highlight=False)
    raise typer.Exit(code)
