"""Benchmarks of a running deployment: a runner registry, srtctl's own load generator, external tools.

The orchestrator builds a `BenchmarkSpec` (the runner's settings, the `BenchmarkTarget` it measures, the
job it belongs to), usually with `spec_from_plan(plan, launcher=...)`, and calls `run_benchmark(spec,
log_dir)`, which picks the runner registered for `spec.settings.type`, runs it, applies the validity
gate, and writes `results.json` and `results.csv`.

Runners: `serving` (built in), `sglang-bench`, `aiperf`, `mmlu`, `gpqa`, `gsm8k`, `custom`.
"""

from . import _accuracy, _aiperf, _custom, _serving, _sglang_bench  # noqa: F401 - importing registers them
from ._errors import BenchmarkConfigError as BenchmarkConfigError
from ._errors import BenchmarkError as BenchmarkError
from ._errors import BenchmarkFailedError as BenchmarkFailedError
from ._errors import InvalidResultError as InvalidResultError
from ._errors import UnknownRunnerError as UnknownRunnerError
from ._external import Command as Command
from ._external import ExternalRunner as ExternalRunner
from ._from_plan import settings_from_config as settings_from_config
from ._from_plan import spec_from_plan as spec_from_plan
from ._progress import LogProgress as LogProgress
from ._progress import NullProgress as NullProgress
from ._progress import Progress as Progress
from ._progress import RichProgress as RichProgress
from ._registry import BenchmarkRunner as BenchmarkRunner
from ._registry import get_runner as get_runner
from ._registry import register_runner as register_runner
from ._registry import runner_names as runner_names
from ._results import AccuracyScore as AccuracyScore
from ._results import BenchmarkResult as BenchmarkResult
from ._results import JobInfo as JobInfo
from ._results import LatencyStats as LatencyStats
from ._results import ServingRun as ServingRun
from ._results import load_result as load_result
from ._results import write_result as write_result
from ._run import run_benchmark as run_benchmark
from ._serving import ServingRunner as ServingRunner
from ._settings import AccuracySettings as AccuracySettings
from ._settings import AiperfSettings as AiperfSettings
from ._settings import BenchmarkSettings as BenchmarkSettings
from ._settings import CustomSettings as CustomSettings
from ._settings import ServingSettings as ServingSettings
from ._settings import SglangBenchSettings as SglangBenchSettings
from ._settings import parse_settings as parse_settings
from ._spec import BenchmarkSpec as BenchmarkSpec
from ._spec import BenchmarkTarget as BenchmarkTarget

__all__ = (
    "AccuracyScore",
    "AccuracySettings",
    "AiperfSettings",
    "BenchmarkConfigError",
    "BenchmarkError",
    "BenchmarkFailedError",
    "BenchmarkResult",
    "BenchmarkRunner",
    "BenchmarkSettings",
    "BenchmarkSpec",
    "BenchmarkTarget",
    "Command",
    "CustomSettings",
    "ExternalRunner",
    "InvalidResultError",
    "JobInfo",
    "LatencyStats",
    "LogProgress",
    "NullProgress",
    "Progress",
    "RichProgress",
    "ServingRun",
    "ServingRunner",
    "ServingSettings",
    "SglangBenchSettings",
    "UnknownRunnerError",
    "get_runner",
    "load_result",
    "parse_settings",
    "register_runner",
    "run_benchmark",
    "runner_names",
    "settings_from_config",
    "spec_from_plan",
    "write_result",
)
