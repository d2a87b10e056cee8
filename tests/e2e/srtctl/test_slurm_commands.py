"""srtctl.slurm against the real local cluster: submit, inspect, list steps, signal and cancel."""

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from srtctl._exceptions import CommandError
from srtctl.slurm import JobInfo, Slurm

pytestmark = pytest.mark.slurm

TWO_STEPS = """#!/bin/bash
#SBATCH --nodes=2 --ntasks-per-node=1 --job-name=srtctl-test-steps
srun --overlap --nodes=1 --ntasks=1 --nodelist=node2 --job-name=worker sleep 60 &
srun --overlap --nodes=1 --ntasks=1 --job-name=other sleep 60 &
wait
"""


def _until(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


def _state(slurm: Slurm, job_id: str) -> JobInfo:
    job = slurm.job(job_id)
    assert job is not None
    return job


def test_a_submitted_job_runs_its_named_steps_on_its_nodes(slurm_cluster, tmp_path: Path) -> None:
    slurm = Slurm()
    job_id = slurm_cluster.track(slurm.submit(TWO_STEPS, args=[f"--output={tmp_path}/out"]))
    _until(lambda: len(slurm.steps(job_id)) == 3)
    steps = {step.name: step for step in slurm.steps(job_id)}
    assert steps["worker"].nodes == "node2"
    job = _state(slurm, job_id)
    assert (job.state, job.name, len(job.nodes) > 0) == ("RUNNING", "srtctl-test-steps", True)
    slurm.cancel(job_id)


def test_cancelling_one_step_ends_only_that_step(slurm_cluster, tmp_path: Path) -> None:
    slurm = Slurm()
    job_id = slurm_cluster.track(slurm.submit(TWO_STEPS, args=[f"--output={tmp_path}/out"]))
    _until(lambda: len(slurm.steps(job_id)) == 3)
    worker = next(step for step in slurm.steps(job_id) if step.name == "worker")
    slurm.cancel(worker.step_id)
    _until(lambda: "worker" not in {step.name for step in slurm.steps(job_id)})
    assert {step.name for step in slurm.steps(job_id)} == {"other", "batch"}
    slurm.cancel(job_id)


def test_a_cancelled_job_is_final_with_status_143_and_no_steps(slurm_cluster, tmp_path: Path) -> None:
    slurm = Slurm()
    job_id = slurm_cluster.track(slurm.submit(TWO_STEPS, args=[f"--output={tmp_path}/out"]))
    _until(lambda: _state(slurm, job_id).state == "RUNNING")
    slurm.cancel(job_id)
    _until(lambda: not _state(slurm, job_id).is_active)
    assert (_state(slurm, job_id).state, _state(slurm, job_id).returncode) == ("CANCELLED", 143)
    _until(lambda: slurm.steps(job_id) == [], seconds=10)


def test_a_failing_batch_script_reports_its_exit_status(slurm_cluster, tmp_path: Path) -> None:
    slurm = Slurm()
    job_id = slurm_cluster.track(slurm.submit("#!/bin/bash\nexit 7\n", args=[f"--output={tmp_path}/out"]))
    _until(lambda: not _state(slurm, job_id).is_active)
    assert (_state(slurm, job_id).state, _state(slurm, job_id).returncode) == ("FAILED", 7)


def test_sbatch_refusal_carries_slurm_message(slurm_cluster) -> None:
    with pytest.raises(CommandError, match="[Ii]nvalid partition"):
        Slurm().submit("#!/bin/bash\ntrue\n", args=["--partition=srtctl-no-such-partition"])


def test_a_job_slurm_never_had_is_none(slurm_cluster) -> None:
    assert Slurm().job("987654321") is None
