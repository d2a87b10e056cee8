"""`srtctl apply` end to end on the real local cluster: mock engines behind the real SGLang router.

Each job runs once per module (a fixture) and several tests read what it left: the exit status `srtctl
wait` gave, `srtctl status` and `srtctl logs` output, the status file, the plan, and the processes and
steps still on the machine.
"""

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slurm

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "srtctl" / "local"
CLUSTER = EXAMPLES / "srtslurm.yaml"
Srtctl = Any


@dataclass
class Finished:
    job_id: str
    exit_code: int
    wait_output: str

    def job_dir(self, srtctl: Srtctl) -> Path:
        return srtctl.output_dir / self.job_id

    def status(self, srtctl: Srtctl) -> dict[str, Any]:
        return json.loads((self.job_dir(srtctl) / "status.json").read_text())

    def plan(self, srtctl: Srtctl) -> dict[str, Any]:
        return json.loads((self.job_dir(srtctl) / "plan.json").read_text())

    def process(self, srtctl: Srtctl, name: str) -> dict[str, Any]:
        return next(p for p in self.plan(srtctl)["processes"] if p["name"] == name)


def _finish(srtctl: Srtctl, job_id: str) -> Finished:
    done = srtctl.wait(job_id)
    return Finished(job_id=job_id, exit_code=done.returncode, wait_output=done.stdout + done.stderr)


def _eventually(condition: Callable[[], object], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"still not true after {seconds} s"
        time.sleep(0.2)


def _job_file(tmp: Path, name: str, text: str) -> Path:
    path = tmp / f"{name}.yaml"
    path.write_text(text)
    return path


def _one_worker(tmp: Path, name: str, *, startup_delay: int, health_timeout: int) -> Path:
    """A job of one aggregated mock worker that takes ``startup_delay`` seconds to become healthy."""
    return _job_file(
        tmp,
        name,
        f"name: {name}\nmodel: {{path: hf:mock/tiny-model}}\nresources: {{agg_nodes: 1, agg_workers: 1}}\n"
        f"backend: {{type: mock, aggregated: {{args: {{startup-delay: '{startup_delay}'}}}}}}\n"
        f"health_check: {{timeout_seconds: {health_timeout}, interval_seconds: 0.5}}\n",
    )


@pytest.fixture(scope="module")
def disagg(srtctl: Srtctl) -> Finished:
    (job_id,) = srtctl.apply(EXAMPLES / "mock-disagg.yaml")
    return _finish(srtctl, job_id)


@dataclass
class Followed(Finished):
    followed: str


@pytest.fixture(scope="module")
def agg(srtctl: Srtctl) -> Followed:
    (job_id,) = srtctl.apply(EXAMPLES / "mock-agg.yaml")
    followed = srtctl.run("logs", job_id, "--follow", "--interval", "0.2").stdout
    finished = _finish(srtctl, job_id)
    return Followed(job_id=job_id, exit_code=finished.exit_code, wait_output=finished.wait_output, followed=followed)


CRASHING = """\
name: crash-at-start
model: {path: hf:mock/tiny-model}
resources: {prefill_nodes: 1, prefill_workers: 1, decode_nodes: 1, decode_workers: 1}
backend:
  type: mock
  decode:
    args: {exit-at-startup: "3"}
benchmark: {type: serving, isl: 16, osl: 4, concurrencies: [1]}
"""


@pytest.fixture(scope="module")
def crashed(srtctl: Srtctl, tmp_path_factory: pytest.TempPathFactory) -> Finished:
    (job_id,) = srtctl.apply(_job_file(tmp_path_factory.mktemp("jobs"), "crash", CRASHING))
    return _finish(srtctl, job_id)


# Disaggregated: 1 prefill worker on one node, 1 decode worker on another, behind the router.


def test_disaggregated_job_completes(disagg: Finished) -> None:
    assert disagg.exit_code == 0, disagg.wait_output
    assert f"job {disagg.job_id} COMPLETED (exit status 0)" in disagg.wait_output


def test_disaggregated_job_writes_benchmark_results(disagg: Finished, srtctl: Srtctl) -> None:
    results = disagg.status(srtctl)["results"]
    assert results and Path(results).is_file()
    assert Path(results).is_relative_to(disagg.job_dir(srtctl))
    assert json.loads(Path(results).read_text())


def test_job_spec_and_plan_are_readable_by_the_owner_only(disagg: Finished, srtctl: Srtctl) -> None:
    # Both carry the config's environment, which may hold secrets.
    for name in ("job.json", "plan.json"):
        assert (disagg.job_dir(srtctl) / name).stat().st_mode & 0o777 == 0o600, name


def test_disaggregated_workers_run_on_two_nodes_behind_the_sglang_router(disagg: Finished, srtctl: Srtctl) -> None:
    prefill, decode = disagg.process(srtctl, "prefill_w0"), disagg.process(srtctl, "decode_w0")
    assert prefill["node"] != decode["node"]
    router = disagg.process(srtctl, "frontend_0")["argv"]
    assert "sglang_router.launch_router" in router and "--pd-disaggregation" in router


def test_status_of_a_completed_disaggregated_job_shows_stage_and_readiness(disagg: Finished, srtctl: Srtctl) -> None:
    shown = srtctl.run("status", disagg.job_id)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].startswith(f"job {disagg.job_id}  mock-disagg  COMPLETED on ")
    assert "  prefill: 1/1 ready, decode: 1/1 ready" in lines
    assert any(line.startswith("  stage:   completed - benchmark results in ") for line in lines)


def test_status_as_json_carries_slurm_state_and_the_status_file(disagg: Finished, srtctl: Srtctl) -> None:
    data = json.loads(srtctl.run("status", disagg.job_id, "--json").stdout)
    assert (data["state"], data["exit_code"], data["status"]["stage"]) == ("COMPLETED", 0, "completed")


def test_status_without_a_job_lists_the_jobs_submitted_here(disagg: Finished, srtctl: Srtctl) -> None:
    rows = srtctl.run("status").stdout.splitlines()
    assert rows[0].split() == ["JOB", "NAME", "STATE", "STAGE", "SUBMITTED"]
    assert any(row.split()[:4] == [disagg.job_id, "mock-disagg", "COMPLETED", "completed"] for row in rows)


def test_logs_show_the_orchestrator_stages(disagg: Finished, srtctl: Srtctl) -> None:
    shown = srtctl.run("logs", disagg.job_id)
    assert shown.returncode == 0, shown.stderr
    assert "healthy after" in shown.stdout
    assert "job completed (exit status 0)" in shown.stdout


def test_logs_of_one_process_print_that_process_log(disagg: Finished, srtctl: Srtctl) -> None:
    shown = srtctl.run("logs", disagg.job_id, "--process", "decode_w0")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == Path(disagg.process(srtctl, "decode_w0")["log_file"]).read_text()
    assert shown.stdout


def test_logs_of_an_unknown_process_name_the_known_ones(disagg: Finished, srtctl: Srtctl) -> None:
    shown = srtctl.run("logs", disagg.job_id, "--process", "nope")
    assert shown.returncode == 2
    assert "its processes: prefill_w0, decode_w0, frontend_0" in shown.stderr


def test_nothing_of_a_completed_job_keeps_running(disagg: Finished, srtctl: Srtctl) -> None:
    _eventually(lambda: srtctl.cluster.is_gone(disagg.job_id), seconds=10)


# Aggregated: two workers behind the router.


def test_aggregated_job_with_two_workers_completes_with_results(agg: Finished, srtctl: Srtctl) -> None:
    assert agg.exit_code == 0, agg.wait_output
    status = agg.status(srtctl)
    assert (status["decode"], status["prefill"]) == ({"ready": 2, "expected": 2}, {"ready": 0, "expected": 0})
    assert Path(status["results"]).is_file()


def test_status_of_an_aggregated_job_counts_its_workers(agg: Finished, srtctl: Srtctl) -> None:
    assert "  workers: 2/2 ready" in srtctl.run("status", agg.job_id).stdout.splitlines()


def test_following_the_log_prints_it_all_and_returns_when_the_job_ends(agg: Followed, srtctl: Srtctl) -> None:
    assert agg.followed.rstrip().endswith("job completed (exit status 0)")
    assert agg.followed == (srtctl.output_dir / f"slurm-{agg.job_id}.out").read_text()


def test_cancelling_a_job_that_already_ended_says_so(agg: Followed, srtctl: Srtctl) -> None:
    shown = srtctl.run("cancel", agg.job_id)
    assert (shown.returncode, shown.stdout) == (0, f"job {agg.job_id} already ended: COMPLETED\n")


# An engine that crashes while starting.


def test_crash_at_start_fails_the_job_with_exit_status_1(crashed: Finished) -> None:
    assert crashed.exit_code == 1
    assert f"job {crashed.job_id} FAILED (exit status 1)" in crashed.wait_output


def test_crash_at_start_names_the_process_and_keeps_its_log_tail(crashed: Finished, srtctl: Srtctl) -> None:
    status = crashed.status(srtctl)
    assert status["stage"] == "failed"
    assert status["failed_process"] == "decode_w0"
    assert "decode_w0 (worker on node" in status["message"] and "exited with status 3" in status["message"]
    log = Path(crashed.process(srtctl, "decode_w0")["log_file"]).read_text().splitlines()
    assert status["log_tail"] == log[-30:]
    assert status["log_tail"]


def test_crash_at_start_log_shows_the_process_and_its_tail(crashed: Finished, srtctl: Srtctl) -> None:
    log = srtctl.run("logs", crashed.job_id).stdout
    assert "error: decode_w0 (worker on node" in log
    assert "--- last " in log and "of decode_w0's log" in log


def test_crash_at_start_leaves_no_step_and_no_process(crashed: Finished, srtctl: Srtctl) -> None:
    _eventually(lambda: srtctl.cluster.is_gone(crashed.job_id), seconds=10)


# Cancelling a running job.


@pytest.fixture
def waiting_for_health(srtctl: Srtctl, tmp_path: Path) -> Iterator[str]:
    """A job whose worker takes ten minutes to start: it sits in the health stage until cancelled."""
    (job_id,) = srtctl.apply(_one_worker(tmp_path, "cancel-me", startup_delay=600, health_timeout=900))
    status = srtctl.output_dir / job_id / "status.json"
    _eventually(lambda: status.exists() and json.loads(status.read_text())["stage"] == "health", seconds=60)
    yield job_id
    srtctl.cluster.cancel_leftovers()


def test_status_of_a_job_waiting_for_health_shows_the_stage_and_no_ready_worker(
    waiting_for_health: str, srtctl: Srtctl
) -> None:
    lines = srtctl.run("status", waiting_for_health).stdout.splitlines()
    assert lines[0].startswith(f"job {waiting_for_health}  cancel-me  RUNNING on node")
    assert any(line.startswith("  stage:   health - waiting for ") for line in lines)
    assert "  workers: 0/1 ready" in lines


def test_wait_gives_up_after_its_timeout_with_status_124(waiting_for_health: str, srtctl: Srtctl) -> None:
    waited = srtctl.run("wait", waiting_for_health, "--timeout", "1", "--interval", "0.2")
    assert waited.returncode == 124
    assert f"job {waiting_for_health}: still RUNNING after 1 s" in waited.stderr


def test_cancel_leaves_no_step_and_no_process_within_10_s(waiting_for_health: str, srtctl: Srtctl) -> None:
    job_id = waiting_for_health
    assert srtctl.cluster.processes_of(job_id)
    started = time.monotonic()
    cancelled = srtctl.run("cancel", job_id)
    assert cancelled.returncode == 0, cancelled.stderr
    _eventually(lambda: srtctl.cluster.is_gone(job_id), seconds=10 - (time.monotonic() - started))
    waited = srtctl.wait(job_id)
    assert (waited.returncode, f"job {job_id} CANCELLED" in waited.stdout) == (143, True)


# A deployment that never becomes healthy.


def test_a_deployment_not_healthy_by_the_deadline_fails_with_progress_and_tails(srtctl: Srtctl, tmp_path: Path) -> None:
    (job_id,) = srtctl.apply(_one_worker(tmp_path, "never-healthy", startup_delay=600, health_timeout=3))
    finished = _finish(srtctl, job_id)
    assert finished.exit_code == 1
    status = finished.status(srtctl)
    assert status["stage"] == "failed"
    # What the last poll saw depends on how fast the router starts: not answering yet, or no worker ready.
    assert status["message"].startswith("not healthy after 3 s: ")
    assert status["message"].endswith(f"(polled {status['frontend_urls'][0]}/workers)")
    log = srtctl.run("logs", job_id).stdout
    assert "waiting for workers: " in log and "of agg_w0's log" in log
    _eventually(lambda: srtctl.cluster.is_gone(job_id), seconds=10)


# Inside an allocation the user already holds.


def test_apply_in_allocation_runs_the_job_in_the_current_allocation(srtctl: Srtctl, tmp_path: Path) -> None:
    from srtctl.slurm import Slurm

    job = _one_worker(tmp_path, "inside", startup_delay=0, health_timeout=60)
    out = srtctl.output_dir / "alloc"
    script = (
        f"#!/bin/bash\n#SBATCH --nodes=1 --gpus-per-node=8 --output={tmp_path}/alloc.out\n"
        f"export SRTCTL_STATE_DIR={srtctl.home}/state\n"
        f"{srtctl.executable} apply --in-allocation -f {job} --cluster {CLUSTER} --output-dir {out}\n"
    )
    slurm = Slurm()
    job_id = srtctl.cluster.track(slurm.submit(script))
    _eventually(lambda: not (slurm.job(job_id) or _missing()).is_active, seconds=120)
    info = slurm.job(job_id)
    assert info is not None and info.state == "COMPLETED", (tmp_path / "alloc.out").read_text()
    status = json.loads((out / job_id / "status.json").read_text())
    assert (status["job_id"], status["stage"], status["decode"]["ready"]) == (job_id, "completed", 1)


def _missing() -> Any:
    raise AssertionError("SLURM forgot the job")


# A sweep.


def test_a_sweep_of_two_variants_submits_two_jobs_that_both_complete(srtctl: Srtctl) -> None:
    job_ids = srtctl.apply(EXAMPLES / "mock-sweep.yaml")
    assert len(set(job_ids)) == 2
    outcomes = [srtctl.wait(job_id) for job_id in job_ids]
    assert [o.returncode for o in outcomes] == [0, 0], [o.stdout + o.stderr for o in outcomes]
    names = {json.loads((srtctl.output_dir / j / "status.json").read_text())["name"] for j in job_ids}
    assert names == {"mock-sweep_ms1", "mock-sweep_ms4"}
