"""The protocol every frontend implements, and the health report its parser returns."""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..config.schema import ArgValue, FrontendType, JobConfig

if TYPE_CHECKING:
    from ..plan.model import Process
    from ..runtime.context import RuntimeContext

__all__ = ("Frontend", "HealthReport")


@dataclass(frozen=True, slots=True, kw_only=True)
class HealthReport:
    """What a frontend says about its workers, against what the job expects."""

    ready: bool
    """Whether at least the expected prefill and decode workers are up."""
    prefill: int
    decode: int
    """Ready decode workers; aggregated workers count here."""
    expected_prefill: int
    expected_decode: int
    detail: str
    """One line for progress output, e.g. ``prefill 1/2, decode 4/4``."""


def report(prefill: int, decode: int, expected_prefill: int, expected_decode: int, note: str = "") -> HealthReport:
    """A report from counts; ready when both counts reach what is expected."""
    detail = f"prefill {prefill}/{expected_prefill}, decode {decode}/{expected_decode}"
    return HealthReport(
        ready=prefill >= expected_prefill and decode >= expected_decode,
        prefill=prefill,
        decode=decode,
        expected_prefill=expected_prefill,
        expected_decode=expected_decode,
        detail=f"{detail} ({note})" if note else detail,
    )


def not_ready(expected_prefill: int, expected_decode: int, why: str) -> HealthReport:
    """A report for a response that says nothing usable."""
    return HealthReport(
        ready=False, prefill=0, decode=0, expected_prefill=expected_prefill, expected_decode=expected_decode, detail=why
    )


class Frontend(abc.ABC):
    """A router or frontend in front of the workers: checks its flags, builds its command, reads its health."""

    type: ClassVar[FrontendType]
    owned_flags: ClassVar[Mapping[str, str]]
    """Flags srtctl sets itself, with the reason."""
    health_path: ClassVar[str]
    """The path polled for readiness."""

    def __init__(self, config: JobConfig) -> None:
        self.config = config

    @classmethod
    def check_args(cls, args: Mapping[str, ArgValue]) -> list[tuple[tuple[str | int, ...], str]]:
        """Refuse flags srtctl sets itself (paths relative to ``frontend.args``)."""
        return [
            ((flag,), f"srtctl sets --{flag} itself ({reason}); remove it")
            for flag, reason in cls.owned_flags.items()
            if flag in args
        ]

    @abc.abstractmethod
    def build_command(self, process: Process, runtime: RuntimeContext, workers: Sequence[Process]) -> tuple[str, ...]:
        """The argv of frontend ``process``, routing to the leaders among ``workers``."""

    def environment(self, process: Process, runtime: RuntimeContext) -> dict[str, str]:
        """Variables this frontend needs besides the job's."""
        del process, runtime
        return {}

    @staticmethod
    @abc.abstractmethod
    def check_health(response_json: Any, expected_prefill: int, expected_decode: int) -> HealthReport:
        """Read the health response (parsed JSON) into a report."""
