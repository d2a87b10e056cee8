"""Parsers of SLURM's output, fed with what Slurm 22.05 printed on the local test cluster."""

import pytest

from srtctl._exceptions import SubmitError
from srtctl.slurm import (
    JobInfo,
    parse_sacct,
    parse_sbatch,
    parse_scontrol_fields,
    parse_scontrol_job,
    parse_squeue,
    parse_squeue_steps,
)

SCONTROL_RUNNING = (
    "JobId=8 JobName=t1 UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901752 Nice=0 Account=(null) "
    "QOS=(null) JobState=RUNNING Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 "
    "ExitCode=0:0 RunTime=00:00:02 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-11-22T11:31:37 "
    "StartTime=2026-11-22T11:31:37 EndTime=Unknown Partition=debug NodeList=node1 BatchHost=node1 NumNodes=1 "
    "TRES=cpu=1,mem=256M,node=1,billing=1 Command=(null) WorkDir=/work/my dir StdErr=/work/my dir/slurm-8.out "
    "StdIn=/dev/null StdOut=/work/my dir/slurm-8.out Power= \n"
)
SCONTROL_FAILED = (
    "JobId=9 JobName=mock-disagg JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=3:0 "
    "StartTime=2026-11-22T11:40:01 EndTime=2026-11-22T11:40:09 NodeList=node[1-2] StdOut=/o/slurm-9.out\n"
)
SACCT_COMPLETION = (
    "JobID|State|ExitCode|NodeList|Start|End|WorkDir|JobName\n"
    "5|COMPLETED|0:0|node1|2026-11-22T11:30:50|2026-11-22T11:30:54|/tmp|a|b\n"
    "6|CANCELLED by 0|0:0|node[1-2]|2026-11-22T11:30:50|2026-11-22T11:30:54|/tmp|wrap\n"
    "6.batch|CANCELLED|0:15|node1|2026-11-22T11:30:50|2026-11-22T11:30:54||batch\n"
    "7|FAILED|2:0|(null)|2026-11-22T11:30:54|2026-11-22T11:30:54|/tmp|wrap\n"
)


def test_sbatch_parsable_output_gives_the_job_id() -> None:
    assert parse_sbatch("8\n") == "8"


def test_sbatch_output_on_a_federation_drops_the_cluster_name() -> None:
    assert parse_sbatch("1234;west\n") == "1234"


def test_sbatch_output_without_a_job_id_is_a_submit_error_quoting_it() -> None:
    with pytest.raises(SubmitError, match="Submitted batch job 12"):
        parse_sbatch("Submitted batch job 12\n")


def test_squeue_lines_become_jobs_with_state_reason_and_nodes() -> None:
    jobs = parse_squeue("5|PENDING|Resources||my job|x\n6|RUNNING|None|node[1-2]|wrap\n")
    assert jobs == [
        JobInfo(job_id="5", name="my job|x", state="PENDING", reason="Resources", nodes=""),
        JobInfo(job_id="6", name="wrap", state="RUNNING", reason="", nodes="node[1-2]"),
    ]


def test_squeue_step_lines_keep_step_ids_and_names_with_spaces() -> None:
    steps = parse_squeue_steps("6.0|node2|stepA\n6.1|node1|step B\n6.batch|node1|batch\n")
    assert [(s.step_id, s.name, s.nodes) for s in steps] == [
        ("6.0", "stepA", "node2"),
        ("6.1", "step B", "node1"),
        ("6.batch", "batch", "node1"),
    ]


def test_scontrol_fields_keep_values_that_contain_spaces() -> None:
    fields = parse_scontrol_fields(SCONTROL_RUNNING)
    assert fields["WorkDir"] == "/work/my dir"
    assert fields["TRES"] == "cpu=1,mem=256M,node=1,billing=1"
    assert fields["Power"] == ""


def test_scontrol_running_job_has_no_end_time_and_no_reason() -> None:
    (job,) = parse_scontrol_job(SCONTROL_RUNNING)
    assert job.state == "RUNNING"
    assert job.is_active
    assert job.reason == ""
    assert job.end is None
    assert job.stdout == "/work/my dir/slurm-8.out"


def test_scontrol_failed_job_carries_its_exit_code_as_returncode() -> None:
    (job,) = parse_scontrol_job(SCONTROL_FAILED)
    assert (job.state, job.reason, job.exit_code, job.nodes) == ("FAILED", "NonZeroExitCode", 3, "node[1-2]")
    assert not job.is_active
    assert job.returncode == 3


def test_sacct_keeps_jobs_skips_steps_and_trims_cancelled_by() -> None:
    jobs = parse_sacct(SACCT_COMPLETION)
    assert [(j.job_id, j.state, j.name) for j in jobs] == [
        ("5", "COMPLETED", "a|b"),
        ("6", "CANCELLED", "wrap"),
        ("7", "FAILED", "wrap"),
    ]
    assert jobs[2].nodes == ""


def test_sacct_without_output_gives_no_jobs() -> None:
    assert parse_sacct("") == []


@pytest.mark.parametrize(
    ("state", "exit_code", "signal", "expected"),
    [
        ("COMPLETED", 0, 0, 0),
        ("FAILED", 3, 0, 3),
        ("FAILED", 0, 9, 137),
        ("CANCELLED", 0, 0, 143),
        ("TIMEOUT", 0, 0, 1),
    ],
)
def test_returncode_maps_final_states_to_one_exit_status(
    state: str, exit_code: int, signal: int, expected: int
) -> None:
    assert JobInfo(job_id="1", state=state, exit_code=exit_code, signal=signal).returncode == expected
