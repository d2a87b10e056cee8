"""A free-form benchmark: any shell command, told where the deployment is through its environment."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from ._external import Command, ExternalRunner
from ._registry import register_runner
from ._results import AccuracyScore, ServingRun
from ._settings import CustomSettings
from ._spec import BenchmarkSpec

__all__ = ("CustomRunner",)


class CustomRunner(ExternalRunner):
    """Runs `bash -lc <command>` with SRT_BASE_URL, SRT_MODEL, SRT_GPUS and SRT_LOG_DIR set."""

    name = "custom"
    measures: ClassVar[bool] = False

    def commands(self, config: BenchmarkSpec, log_dir: Path) -> list[Command]:
        """The user's command, verbatim."""
        settings: CustomSettings = config.settings
        env = {
            **settings.environment,
            "SRT_BASE_URL": config.target.root,
            "SRT_MODEL": config.target.model,
            "SRT_GPUS": str(config.target.gpus),
            "SRT_LOG_DIR": str(log_dir),
        }
        return [Command(("bash", "-lc", settings.command), env, "custom")]

    def parse(self, config: BenchmarkSpec, log_dir: Path) -> tuple[list[ServingRun], list[AccuracyScore]]:
        """A custom command reports nothing srtctl can read."""
        return [], []


register_runner(CustomRunner())
