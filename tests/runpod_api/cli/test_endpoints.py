"""`runpod endpoint ...`: settings against the fake control plane, jobs against the fake serverless API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runpod_api.testing import FakeRunpod

from ..serverless.fake_serverless import FakeServerless, Fault, Script
from .conftest import Client, Runpod


@pytest.fixture
def template_id(api: Client) -> str:
    return api.templates.create(name="worker", image_name="me/worker:1", is_serverless=True).id


@pytest.fixture
def endpoint_id(api: Client, template_id: str) -> str:
    return api.endpoints.create(name="ep", template_id=template_id, gpu_ids="AMPERE_16", workers_max=2).id


# -- settings ----------------------------------------------------------------------------------------------------


def test_list(runpod: Runpod, endpoint_id: str) -> None:
    assert [e["id"] for e in runpod.ok("endpoint", "list", "--json").json()] == [endpoint_id]
    assert endpoint_id in runpod.ok("endpoint", "list").stdout


def test_get(runpod: Runpod, endpoint_id: str, template_id: str) -> None:
    endpoint = runpod.ok("endpoint", "get", endpoint_id, "--json").json()
    assert (endpoint["template_id"], endpoint["gpu_ids"], endpoint["workers_max"]) == (template_id, "AMPERE_16", 2)
    assert "AMPERE_16" in runpod.ok("endpoint", "get", endpoint_id).stdout


def test_create_sends_the_settings_given(runpod: Runpod, fake: FakeRunpod, template_id: str) -> None:
    created = runpod.ok(
        "endpoint", "create", "llm", "--template", template_id,
        "--gpu", "ADA_24", "--gpu", "AMPERE_48", "--gpu-count", "2",
        "--workers-min", "1", "--workers-max", "4", "--idle-timeout", "30",
        "--scaler", "request-count", "--scaler-value", "3", "--flashboot",
        "--locations", "EU-RO-1", "--cuda", "12.4", "--min-cuda", "12.1",
        "--execution-timeout", "600", "--type", "qb", "--env", "HF_TOKEN=hf_secret",
        "--json",
    ).json()  # fmt: skip
    record = fake.state.endpoints[created["id"]]
    assert {k: record[k] for k in ("gpuIds", "gpuCount", "workersMin", "workersMax", "idleTimeout")} == {
        "gpuIds": "ADA_24,AMPERE_48",
        "gpuCount": 2,
        "workersMin": 1,
        "workersMax": 4,
        "idleTimeout": 30,
    }
    assert (record["scalerType"], record["scalerValue"], record["flashBootType"]) == ("REQUEST_COUNT", 3, "FLASHBOOT")
    assert (record["executionTimeoutMs"], record["type"], record["minCudaVersion"]) == (600_000, "QB", "12.1")
    assert record["env"] == [{"key": "HF_TOKEN", "value": "hf_secret"}]
    assert created["env"] == {"HF_TOKEN": "***"}


def test_create_needs_gpus_or_cpus(runpod: Runpod, template_id: str) -> None:
    result = runpod("endpoint", "create", "x", "--template", template_id)
    assert result.code == 2
    assert "give --gpu POOL" in result.error


def test_update_changes_only_what_is_given(runpod: Runpod, fake: FakeRunpod, endpoint_id: str) -> None:
    runpod.ok("endpoint", "update", endpoint_id, "--workers-max", "7", "--name", "renamed")
    record = fake.state.endpoints[endpoint_id]
    assert (record["name"], record["workersMax"], record["gpuIds"]) == ("renamed", 7, "AMPERE_16")


def test_update_with_nothing_to_change_is_a_usage_error(runpod: Runpod, endpoint_id: str) -> None:
    result = runpod("endpoint", "update", endpoint_id)
    assert result.code == 2
    assert "give at least one setting to change" in result.error


def test_update_of_workers_that_cross_is_refused_before_sending(runpod: Runpod, endpoint_id: str) -> None:
    result = runpod("endpoint", "update", endpoint_id, "--workers-min", "5")
    assert result.code == 2
    assert result.error == "error: invalid arguments: workers_min (5) is larger than workers_max (2)"


def test_delete(runpod: Runpod, fake: FakeRunpod, endpoint_id: str) -> None:
    assert runpod.ok("endpoint", "delete", endpoint_id, "--yes", "--json").json() == {
        "id": endpoint_id,
        "deleted": True,
    }
    assert endpoint_id not in fake.state.endpoints


def test_delete_of_an_unknown_endpoint_exits_4(runpod: Runpod) -> None:
    result = runpod("endpoint", "delete", "nope", "--yes")
    assert result.code == 4


# -- jobs --------------------------------------------------------------------------------------------------------


def test_run_waits_and_prints_the_output(runpod: Runpod, serverless: FakeServerless) -> None:
    serverless.script = Script(statuses=["IN_QUEUE", "IN_PROGRESS", "COMPLETED"], output={"text": "HELLO"})
    result = runpod.ok("endpoint", "run", "ep1", "--input", '{"text": "hello"}')
    assert json.loads(result.stdout) == {"text": "HELLO"}
    job = next(iter(serverless.jobs.values()))
    assert job.input == {"text": "hello"}


def test_run_json_gives_the_whole_job(runpod: Runpod, serverless: FakeServerless) -> None:
    serverless.script = Script(output="done")
    job = runpod.ok("endpoint", "run", "ep1", "--json").json()
    assert (job["status"], job["output"], job["execution_ms"]) == ("COMPLETED", "done", 34)
    assert job["id"] in serverless.jobs


def test_run_reads_input_from_a_file_and_sends_the_policy(
    runpod: Runpod, serverless: FakeServerless, tmp_path: Path
) -> None:
    (tmp_path / "in.json").write_text('{"prompt": "from a file"}')
    runpod.ok(
        "endpoint", "run", "ep1", "--input", f"@{tmp_path / 'in.json'}", "--webhook", "https://example.com/hook",
        "--execution-timeout", "60", "--ttl", "3600", "--low-priority", "--no-wait",
    )  # fmt: skip
    body = next(r.body for r in serverless.requests if r.route == "run")
    assert body == {
        "input": {"prompt": "from a file"},
        "webhook": "https://example.com/hook",
        "policy": {"executionTimeout": 60_000, "ttl": 3_600_000, "lowPriority": True},
    }


def test_run_reads_input_from_stdin(runpod: Runpod, serverless: FakeServerless) -> None:
    runpod.ok("endpoint", "run", "ep1", "--input", "-", "--no-wait", input="[1, 2, 3]")
    assert next(iter(serverless.jobs.values())).input == [1, 2, 3]


def test_run_with_bad_json_is_a_usage_error(runpod: Runpod, serverless: FakeServerless) -> None:
    result = runpod("endpoint", "run", "ep1", "--input", "{nope")
    assert result.code == 2
    assert "the input is not JSON: Expecting property name" in result.stderr
    assert serverless.requests == []


def test_run_no_wait_prints_the_job_id(runpod: Runpod, serverless: FakeServerless) -> None:
    job = runpod.ok("endpoint", "run", "ep1", "--no-wait", "--json").json()
    assert job["status"] == "IN_QUEUE"
    assert list(serverless.jobs) == [job["id"]]


def test_run_no_wait_says_how_to_follow_the_job(runpod: Runpod, serverless: FakeServerless) -> None:
    out = runpod.ok("endpoint", "run", "ep1", "--no-wait").stdout
    (job_id,) = serverless.jobs
    assert out == f"Submitted job {job_id}: follow it with `runpod endpoint status ep1 {job_id} --wait`.\n"


def test_run_of_a_failing_job_exits_1_with_the_worker_error(runpod: Runpod, serverless: FakeServerless) -> None:
    serverless.script = Script(statuses=["IN_PROGRESS", "FAILED"], error="ValueError: bad prompt\nTraceback...")
    result = runpod("endpoint", "run", "ep1", "--json")
    assert result.code == 1
    assert result.error.startswith("error: job 'job-")
    assert "failed: ValueError: bad prompt" in result.error
    assert result.json()["status"] == "FAILED"


def test_run_that_runs_out_of_time_exits_124(runpod: Runpod, serverless: FakeServerless) -> None:
    serverless.script = Script(statuses=["IN_PROGRESS"])
    result = runpod("endpoint", "run", "ep1", "--timeout", "0.3")
    assert result.code == 124
    assert "did not finish in time (last status IN_PROGRESS); it goes on: `runpod endpoint status ep1" in result.error


def test_refused_job_reports_the_status(runpod: Runpod, serverless: FakeServerless) -> None:
    serverless.fail("run", Fault(status=400, body={"error": "input too large"}))
    result = runpod("endpoint", "run", "ep1")
    assert result.code == 1
    assert "400 Bad Request" in result.error
    assert "input too large" in result.error


def test_status(runpod: Runpod, serverless: FakeServerless) -> None:
    job = serverless.add_job(Script(statuses=["IN_PROGRESS"]))
    state = runpod.ok("endpoint", "status", "ep1", job.id, "--json").json()
    assert (state["id"], state["status"]) == (job.id, "IN_PROGRESS")
    assert "IN_PROGRESS" in runpod.ok("endpoint", "status", "ep1", job.id).stdout


def test_status_wait_exits_by_how_the_job_ended(runpod: Runpod, serverless: FakeServerless) -> None:
    done = serverless.add_job(Script(statuses=["IN_PROGRESS", "COMPLETED"], output=[1]))
    failed = serverless.add_job(Script(statuses=["FAILED"], error="boom"))
    timed_out = serverless.add_job(Script(statuses=["TIMED_OUT"]))
    assert runpod("endpoint", "status", "ep1", done.id, "--wait").code == 0
    failed_run = runpod("endpoint", "status", "ep1", failed.id, "--wait", "--json")
    assert (failed_run.code, failed_run.json()["error"]) == (1, "boom")
    assert runpod("endpoint", "status", "ep1", timed_out.id, "--wait").code == 124


def test_status_of_an_unknown_job_exits_4(runpod: Runpod) -> None:
    result = runpod("endpoint", "status", "ep1", "job-nope")
    assert result.code == 4
    assert "no job 'job-nope'" in result.error


def test_stream_prints_each_chunk_as_it_comes(runpod: Runpod, serverless: FakeServerless) -> None:
    job = serverless.add_job(
        Script(statuses=["IN_PROGRESS", "IN_PROGRESS", "COMPLETED"], chunks=[["one"], [{"two": 2}], ["three"]])
    )
    assert runpod.ok("endpoint", "stream", "ep1", job.id).stdout.splitlines() == ["one", '{"two": 2}', "three"]


def test_stream_json_prints_json_lines(runpod: Runpod, serverless: FakeServerless) -> None:
    job = serverless.add_job(Script(statuses=["COMPLETED"], chunks=[["a", {"b": 1}]]))
    lines = runpod.ok("endpoint", "stream", "ep1", job.id, "--json").stdout.splitlines()
    assert [json.loads(line) for line in lines] == ["a", {"b": 1}]


def test_stream_of_a_failing_job_gives_its_chunks_then_fails(runpod: Runpod, serverless: FakeServerless) -> None:
    job = serverless.add_job(Script(statuses=["IN_PROGRESS", "FAILED"], chunks=[["partial"]], error="oom"))
    result = runpod("endpoint", "stream", "ep1", job.id)
    assert (result.code, result.stdout) == (1, "partial\n")
    assert result.error.endswith("failed: oom")


def test_cancel(runpod: Runpod, serverless: FakeServerless) -> None:
    job = serverless.add_job(Script(statuses=["IN_QUEUE"]))
    assert runpod.ok("endpoint", "cancel", "ep1", job.id, "--json").json()["status"] == "CANCELLED"
    assert serverless.jobs[job.id].status == "CANCELLED"
    assert runpod.ok("endpoint", "cancel", "ep1", job.id).stdout == f"Job {job.id} is CANCELLED.\n"


def test_health(runpod: Runpod, serverless: FakeServerless) -> None:
    serverless.health_body = {"jobs": {"inQueue": 4, "completed": 9}, "workers": {"running": 2, "idle": 1}}
    health = runpod.ok("endpoint", "health", "ep1", "--json").json()
    assert (health["jobs"]["in_queue"], health["jobs"]["completed"], health["workers"]["running"]) == (4, 9, 2)
    out = runpod.ok("endpoint", "health", "ep1").stdout
    assert "in queue 4" in out
    assert "running 2" in out


def test_purge_queue(runpod: Runpod, serverless: FakeServerless) -> None:
    serverless.add_job(Script(statuses=["IN_QUEUE"])).read()
    assert runpod.ok("endpoint", "purge-queue", "ep1", "--yes", "--json").json()["removed"] == 1


def test_purge_queue_needs_yes_off_a_terminal(runpod: Runpod, serverless: FakeServerless) -> None:
    result = runpod("endpoint", "purge-queue", "ep1")
    assert result.code == 2
    assert serverless.requests == []
