"""Slurm's command choices, through a scripted runner: which commands run, in which order, with what."""

from collections.abc import Sequence

import pytest

from srtctl._exceptions import CommandError
from srtctl.slurm import CommandResult, Slurm


class ScriptedRunner:
    """Answers each command from a table keyed by its first words, and records every argv."""

    def __init__(self, answers: dict[tuple[str, ...], CommandResult]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, ...]] = []
        self.inputs: list[str | None] = []

    def run(self, argv: Sequence[str], *, input: str | None = None, timeout: float | None = None) -> CommandResult:
        argv = tuple(argv)
        self.calls.append(argv)
        self.inputs.append(input)
        for prefix, answer in self.answers.items():
            if argv[: len(prefix)] == prefix:
                return CommandResult(argv, answer.returncode, answer.stdout, answer.stderr)
        raise AssertionError(f"unexpected command {argv}")


def _ok(stdout: str) -> CommandResult:
    return CommandResult((), 0, stdout, "")


def _fail(stderr: str) -> CommandResult:
    return CommandResult((), 1, "", stderr)


def test_submit_sends_the_script_on_stdin_and_returns_the_job_id() -> None:
    runner = ScriptedRunner({("sbatch",): _ok("42\n")})
    assert Slurm(runner).submit("#!/bin/bash\ntrue\n", args=["--hold"]) == "42"
    assert runner.calls == [("sbatch", "--parsable", "--hold")]
    assert runner.inputs == ["#!/bin/bash\ntrue\n"]


def test_submit_refused_by_sbatch_raises_with_slurm_message() -> None:
    message = "sbatch: error: Batch job submission failed: Invalid partition name specified"
    runner = ScriptedRunner({("sbatch",): _fail(message)})
    with pytest.raises(CommandError, match="Invalid partition name"):
        Slurm(runner).submit("#!/bin/bash\n")


def test_job_forgotten_by_scontrol_comes_from_the_completion_log() -> None:
    runner = ScriptedRunner(
        {
            ("scontrol",): _fail("slurm_load_jobs error: Invalid job id specified"),
            ("sacct", "-X"): _fail("Slurm accounting storage is disabled"),
            ("sacct", "-c"): _ok(
                "JobID|State|ExitCode|NodeList|Start|End|WorkDir|JobName\n7|FAILED|3:0|node1|a|b|/w|x\n"
            ),
        }
    )
    job = Slurm(runner).job("7")
    assert job is not None
    assert (job.state, job.returncode) == ("FAILED", 3)
    assert [call[:2] for call in runner.calls] == [("scontrol", "show"), ("sacct", "-X"), ("sacct", "-c")]


def test_job_unknown_everywhere_is_none() -> None:
    runner = ScriptedRunner(
        {
            ("scontrol",): _fail("slurm_load_jobs error: Invalid job id specified"),
            ("sacct",): _ok("JobID|State|ExitCode|NodeList|Start|End|WorkDir|JobName\n"),
        }
    )
    assert Slurm(runner).job("404") is None


def test_steps_of_a_job_that_left_the_queue_are_none() -> None:
    runner = ScriptedRunner({("squeue",): _fail("slurm_load_jobs error: Invalid job id specified")})
    assert Slurm(runner).steps("9") == []


def test_cancel_with_a_signal_only_signals() -> None:
    runner = ScriptedRunner({("scancel",): _ok("")})
    Slurm(runner).cancel("9.0", "9.1", signal="TERM")
    assert runner.calls == [("scancel", "--signal=TERM", "9.0", "9.1")]


def test_cancel_of_nothing_runs_nothing() -> None:
    runner = ScriptedRunner({})
    Slurm(runner).cancel()
    assert runner.calls == []
