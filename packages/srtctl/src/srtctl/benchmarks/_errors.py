"""The errors a benchmark raises on purpose, under srtctl's root `SrtctlError`.

```
SrtctlError
└── BenchmarkError
    ├── BenchmarkConfigError    the benchmark settings are wrong (also a ConfigError); each problem names its field
    ├── UnknownRunnerError      no runner is registered under the name asked for
    ├── BenchmarkFailedError    the benchmark tool could not run, or exited with an error
    └── InvalidResultError      the run finished but fails the validity gate (no tokens, too many errors)
```
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .._exceptions import ConfigError, SrtctlError

__all__ = (
    "BenchmarkConfigError",
    "BenchmarkError",
    "BenchmarkFailedError",
    "InvalidResultError",
    "UnknownRunnerError",
)


class BenchmarkError(SrtctlError):
    """The root of every error a benchmark raises on purpose."""


class BenchmarkConfigError(BenchmarkError, ConfigError):
    """The benchmark settings are invalid."""


class UnknownRunnerError(BenchmarkError):
    """No runner is registered under the requested name."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(f"no benchmark runner named {name!r}; known runners: {', '.join(self.known)}")


class BenchmarkFailedError(BenchmarkError):
    """The benchmark could not run to the end; `log_path` holds its output."""

    def __init__(self, message: str, *, log_path: Path | None = None) -> None:
        self.log_path = log_path
        super().__init__(f"{message} (log: {log_path})" if log_path is not None else message)


class InvalidResultError(BenchmarkError):
    """The benchmark finished but its result fails the validity gate; the result is still written."""

    def __init__(self, problems: Sequence[str], *, results_path: Path | None = None) -> None:
        self.problems = tuple(problems)
        self.results_path = results_path
        where = f" (results kept in {results_path})" if results_path is not None else ""
        super().__init__("the benchmark result is not valid" + where + ":\n" + "\n".join(f"- {p}" for p in problems))
