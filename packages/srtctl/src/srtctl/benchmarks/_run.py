"""`run_benchmark`: run the right runner, apply the validity gate, write the results.

It is the one call an orchestrator needs.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from ._errors import BenchmarkFailedError, InvalidResultError
from ._gate import check_validity
from ._registry import get_runner
from ._results import BenchmarkResult, now_iso, write_result
from ._spec import BenchmarkSpec

__all__ = ("run_benchmark",)

logger = logging.getLogger("srtctl.benchmarks")


def run_benchmark(config: BenchmarkSpec, log_dir: Path) -> BenchmarkResult:
    """Run the benchmark `config` describes, gate it, and write `results.json` and `results.csv` to `log_dir`.

    The result is written in every case, a failed or invalid one included, so nothing measured is lost.

    Returns:
        The valid result.

    Raises:
        UnknownRunnerError: no runner performs `config.settings.type`.
        BenchmarkFailedError: the benchmark could not run to the end (results.json records why).
        InvalidResultError: it ran, but generated no tokens or failed too many requests.
    """
    runner = get_runner(config.runner_name)
    started = now_iso()
    logger.info("benchmark %s of %r at %s", runner.name, config.target.model, config.target.root)
    try:
        result = runner.run(config, log_dir)
    except BenchmarkFailedError as exc:
        write_result(config.result(started_at=started, problems=[str(exc)]), log_dir)
        raise
    problems = check_validity(result, config.settings, expects_measurements=runner.measures)
    result = replace(result, problems=problems)
    path = write_result(result, log_dir)
    if problems:
        raise InvalidResultError(problems, results_path=path)
    logger.info("benchmark results written to %s", path)
    return result
