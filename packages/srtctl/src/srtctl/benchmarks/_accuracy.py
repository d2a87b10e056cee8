"""Accuracy evaluations (MMLU, GPQA, GSM8K) through SGLang's `run_eval` or EleutherAI's `lm_eval`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ._errors import BenchmarkFailedError
from ._external import Command, ExternalRunner, extra_flags
from ._registry import register_runner
from ._results import AccuracyScore, ServingRun
from ._settings import AccuracySettings
from ._spec import BenchmarkSpec

__all__ = ("AccuracyRunner",)

# lm-eval's task name for each evaluation, and the metrics to report, in order of preference.
LM_EVAL_TASKS = {"mmlu": "mmlu", "gpqa": "gpqa_main_zeroshot", "gsm8k": "gsm8k"}
_PREFERRED_METRICS = ("exact_match,strict-match", "acc,none", "acc_norm,none", "exact_match,flexible-extract")
_REPEAT_MEAN = re.compile(r"Repeat:\s*\d+,\s*mean:\s*([0-9.]+)")
_SCORE = re.compile(r"Score:\s*([0-9.]+)")


def _pick_metric(metrics: dict[str, Any]) -> tuple[str, float] | None:
    for name in _PREFERRED_METRICS:
        if isinstance(metrics.get(name), int | float):
            return name, float(metrics[name])
    for name, value in metrics.items():
        if isinstance(value, int | float) and "stderr" not in name and name != "alias":
            return name, float(value)
    return None


class AccuracyRunner(ExternalRunner):
    """One accuracy task; registered once per task (`mmlu`, `gpqa`, `gsm8k`)."""

    def __init__(self, task: str) -> None:
        self.task = task
        self.name = task

    def commands(self, config: BenchmarkSpec, log_dir: Path) -> list[Command]:
        """The one evaluation command."""
        settings: AccuracySettings = config.settings
        target = config.target
        if settings.harness == "sglang":
            argv = [
                settings.python, "-m", "sglang.test.run_eval",
                "--base-url", target.root,
                "--model", target.model,
                "--eval-name", self.task,
                "--num-threads", str(settings.concurrency),
                "--repeat", str(settings.repeat),
            ]  # fmt: skip
            if settings.num_examples is not None:
                argv += ["--num-examples", str(settings.num_examples)]
            if settings.max_tokens is not None:
                argv += ["--max-tokens", str(settings.max_tokens)]
            if settings.temperature is not None:
                argv += ["--temperature", str(settings.temperature)]
        else:
            model_args = [
                f"model={target.model}",
                f"base_url={target.root}/v1/completions",
                f"tokenizer={target.tokenizer or target.model}",
                f"num_concurrent={settings.concurrency}",
                "max_retries=3",
                "tokenized_requests=False",
            ]
            argv = [
                settings.executable,
                "--model", "local-completions",
                "--model_args", ",".join(model_args),
                "--tasks", LM_EVAL_TASKS[self.task],
                "--output_path", str(log_dir / "lm-eval"),
            ]  # fmt: skip
            if settings.num_shots is not None:
                argv += ["--num_fewshot", str(settings.num_shots)]
            if settings.num_examples is not None:
                argv += ["--limit", str(settings.num_examples)]
            generation = []
            if settings.max_tokens is not None:
                generation.append(f"max_gen_toks={settings.max_tokens}")
            if settings.temperature is not None:
                generation.append(f"temperature={settings.temperature}")
            if generation:
                argv += ["--gen_kwargs", ",".join(generation)]
        argv += extra_flags(settings.args)
        return [Command(tuple(argv), dict(settings.environment), self.task)]

    def parse(self, config: BenchmarkSpec, log_dir: Path) -> tuple[list[ServingRun], list[AccuracyScore]]:
        """The score the harness reported."""
        settings: AccuracySettings = config.settings
        if settings.harness == "sglang":
            text = (log_dir / "benchmark.out").read_text(errors="replace")
            means = _REPEAT_MEAN.findall(text)
            scores = means or _SCORE.findall(text)
            score = float(scores[-1]) if scores else None
            return [], [AccuracyScore(task=self.task, metric="score", score=score)]
        found = sorted((log_dir / "lm-eval").rglob("results_*.json"), key=lambda p: p.stat().st_mtime)
        if not found:
            return [], [AccuracyScore(task=self.task, metric="score", score=None)]
        try:
            results = json.loads(found[-1].read_text()).get("results", {})
        except (OSError, ValueError) as exc:
            raise BenchmarkFailedError(f"cannot read lm-eval's results {found[-1]}: {exc}") from None
        picked = _pick_metric(results.get(LM_EVAL_TASKS[self.task], {}))
        if picked is None:
            return [], [AccuracyScore(task=self.task, metric="score", score=None)]
        return [], [AccuracyScore(task=self.task, metric=picked[0], score=picked[1])]


for _task in ("mmlu", "gpqa", "gsm8k"):
    register_runner(AccuracyRunner(_task))
