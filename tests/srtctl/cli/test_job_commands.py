"""The job commands' answers to bad input, before any SLURM command runs."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from srtctl.cli import app

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "srtctl" / "local" / "mock-agg.yaml"


@pytest.fixture(autouse=True)
def own_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SRTCTL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    monkeypatch.delenv("SLURM_JOBID", raising=False)


@pytest.mark.parametrize("command", ["status", "logs", "wait", "cancel"])
def test_a_job_argument_that_is_not_a_job_id_is_a_usage_error(command: str) -> None:
    result = CliRunner().invoke(app, [command, "12a"])
    assert result.exit_code == 2
    assert "'12a' is not a SLURM job id" in result.output


def test_status_with_no_jobs_submitted_says_how_to_submit_one() -> None:
    result = CliRunner().invoke(app, ["status"])
    assert (result.exit_code, result.output) == (0, "no jobs submitted from here yet (srtctl apply -f job.yaml)\n")


def test_in_allocation_cannot_go_through_a_login_node() -> None:
    result = CliRunner().invoke(app, ["apply", "-f", str(EXAMPLE), "--in-allocation", "--host", "login1"])
    assert result.exit_code == 2
    assert "cannot be combined with --host" in result.output


def test_in_allocation_outside_an_allocation_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["apply", "-f", str(EXAMPLE), "--in-allocation", "--output-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "error: --in-allocation needs a SLURM allocation, and SLURM_JOB_ID is not set" in result.stderr


def test_apply_of_an_invalid_job_submits_nothing_and_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "job.yaml"
    bad.write_text(EXAMPLE.read_text().replace("agg_workers: 2", "agg_workers: 0"))
    result = CliRunner().invoke(app, ["apply", "-f", str(bad), "--cluster", str(EXAMPLE.parent / "srtslurm.yaml")])
    assert result.exit_code == 1
    assert "resources.agg_workers" in result.stderr
    assert not (tmp_path / "state").exists()
