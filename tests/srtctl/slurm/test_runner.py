"""The local runner (SshRunner is tested against a real SSH server in tests/e2e/srtctl/test_ssh.py)."""

from pathlib import Path

import pytest

from srtctl._exceptions import CommandError
from srtctl.slurm import CommandResult, LocalRunner


def test_local_runner_returns_status_and_both_streams() -> None:
    result = LocalRunner().run(["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert result == CommandResult(("sh", "-c", "echo out; echo err >&2; exit 3"), 3, "out\n", "err\n")


def test_local_runner_feeds_input_to_stdin() -> None:
    assert LocalRunner().run(["cat"], input="#!/bin/bash\n").stdout == "#!/bin/bash\n"


def test_local_runner_uses_the_given_environment_and_directory(tmp_path: Path) -> None:
    result = LocalRunner(env={"GREETING": "hi", "PATH": "/usr/bin:/bin"}, cwd=str(tmp_path)).run(
        ["sh", "-c", 'echo "$GREETING $(pwd)"']
    )
    assert result.stdout == f"hi {tmp_path}\n"


def test_local_runner_reports_a_missing_program_as_status_127() -> None:
    with pytest.raises(CommandError, match="command not found") as caught:
        LocalRunner().run(["srtctl-no-such-program"])
    assert caught.value.returncode == 127


def test_local_runner_reports_a_timeout() -> None:
    with pytest.raises(CommandError, match="timed out after 0.2 s"):
        LocalRunner().run(["sleep", "5"], timeout=0.2)


def test_check_raises_command_error_with_argv_status_and_stderr() -> None:
    result = CommandResult(("sbatch", "--parsable"), 1, "", "sbatch: error: Invalid partition name specified\n")
    with pytest.raises(CommandError, match="Invalid partition name") as caught:
        result.check()
    assert (caught.value.argv, caught.value.returncode) == (("sbatch", "--parsable"), 1)


def test_check_passes_a_successful_result_through() -> None:
    result = CommandResult(("true",), 0, "", "")
    assert result.check() is result
