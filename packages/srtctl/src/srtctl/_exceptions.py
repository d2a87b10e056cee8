"""Every error srtctl raises on purpose, rooted in one base class.

```
SrtctlError
├── ConfigError            a job or cluster file is wrong; carries one ConfigIssue per problem
│   └── TopologyError      the workers do not fit, or clash, on the nodes and GPUs asked for
│       └── AllocationError   allocate_endpoints() ran out of nodes
├── CommandError           an external command (sbatch, srun, scontrol) failed; carries its argv and output
├── SubmitError            a job could not be submitted
└── HealthCheckTimeout     a deployment did not become healthy before its deadline
```
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = (
    "AllocationError",
    "CommandError",
    "ConfigError",
    "ConfigIssue",
    "HealthCheckTimeout",
    "SrtctlError",
    "SubmitError",
    "TopologyError",
)


class SrtctlError(Exception):
    """The root of every error srtctl raises on purpose."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigIssue:
    """One problem in a config, located as precisely as the source allows."""

    message: str
    """What is wrong and what is expected, e.g. ``must be at least 1``."""
    path: str = ""
    """The YAML path of the offending value, e.g. ``resources.decode_workers``; empty for the whole document."""
    file: str | None = None
    """The file the value came from, when it came from a file."""
    line: int | None = None
    """The 1-based line of the value in ``file``."""
    variant: str | None = None
    """The sweep or override variant the problem belongs to, when the file expands to several."""

    def __str__(self) -> str:
        where = self.file or ""
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        head = " ".join(part for part in (where, self.path) if part)
        if self.variant:
            head = f"{head} (variant {self.variant!r})" if head else f"(variant {self.variant!r})"
        return f"{head}: {self.message}" if head else self.message


class ConfigError(SrtctlError):
    """A job or cluster config is invalid; ``issues`` lists every problem found, each with its place."""

    def __init__(self, issues: Iterable[ConfigIssue] | str) -> None:
        if isinstance(issues, str):
            issues = (ConfigIssue(message=issues),)
        self.issues: tuple[ConfigIssue, ...] = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


class TopologyError(ConfigError):
    """The requested workers do not fit the nodes and GPUs, or their parallelism, flags or ports clash."""


class AllocationError(TopologyError):
    """``allocate_endpoints`` ran out of nodes before every worker had its GPUs."""


class CommandError(SrtctlError):
    """An external command failed; the error keeps its argv, exit status and output as evidence."""

    def __init__(self, argv: Sequence[str], returncode: int, stdout: str = "", stderr: str = "") -> None:
        self.argv = tuple(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        detail = (stderr or stdout).strip()
        message = f"{self.argv[0] if self.argv else '<empty>'!r} exited with status {returncode}"
        super().__init__(f"{message}: {detail}" if detail else message)


class SubmitError(SrtctlError):
    """A job could not be submitted to SLURM."""


class HealthCheckTimeout(SrtctlError):
    """A deployment did not report every expected worker as ready before its deadline."""
