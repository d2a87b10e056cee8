"""Every `runpod` command run as a real process, as a user runs it: JSON parsed, exit codes checked.

The other test modules check the details in-process (same app, same fake servers over HTTP); this one
proves the installed console script does the same end to end. SSH, exec and sync run as processes in
test_pod_ssh.py, against a real sshd.
"""

from __future__ import annotations

import json
import tomllib

import pytest

import runpod_api
from runpod_api.testing import FakeRunpod, Fault

from ..serverless.fake_serverless import FakeServerless, Script
from .conftest import GPU, Client, Runpod, SshAddressState

TTY = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1"}  # rich draws its spinner as on a terminal


@pytest.fixture
def runpod(runpod_process: Runpod) -> Runpod:
    return runpod_process


def test_version_help_and_completion(runpod: Runpod) -> None:
    assert runpod.ok("--version").stdout == f"runpod-api {runpod_api.__version__}\n"
    assert "Commands:" in runpod.ok("--help").stdout
    assert "_runpod_completion" in runpod.ok("--show-completion", "bash").stdout
    completion = {"_RUNPOD_COMPLETE": "complete_bash", "COMP_WORDS": "runpod endpoint pu", "COMP_CWORD": "2"}
    assert runpod.ok(env=completion).stdout.split() == ["purge-queue"]
    assert runpod("launch").code == 2


def test_config_commands(runpod: Runpod, fake: FakeRunpod) -> None:
    runpod.ok("config", "set", "--profile", "main", input=fake.api_key + "\n")
    path = runpod.home / ".runpod" / "config.toml"
    assert tomllib.loads(path.read_text()) == {"main": {"api_key": fake.api_key}}
    assert path.stat().st_mode & 0o777 == 0o600
    without_env = {"RUNPOD_API_KEY": None}
    shown = runpod.ok("-p", "main", "config", "show", "--json", env=without_env).json()
    assert shown["profiles"] == [{"name": "main", "api_key": "rpa_…0000", "active": True}]
    assert runpod.ok("-p", "main", "config", "check", "--json", env=without_env).json()["ok"] is True
    refused = runpod("config", "check", env={"RUNPOD_API_KEY": "rpa_REFUSED0123456789abcdef"})
    assert refused.code == 3
    assert fake.api_key not in refused.stdout + refused.stderr


def test_pod_commands(runpod: Runpod) -> None:
    pod = runpod.ok("pod", "create", "dev", "--image", "alpine:3", "--gpu-type", GPU, "--json").json()
    assert [p["id"] for p in runpod.ok("pod", "list", "--json").json()] == [pod["id"]]
    assert runpod.ok("pod", "get", pod["id"], "--json").json()["name"] == "dev"
    assert runpod.ok("pod", "stop", pod["id"], "--json").json()["desired_status"] == "EXITED"
    assert runpod.ok("pod", "resume", pod["id"], "--json").json()["desired_status"] == "RUNNING"
    assert runpod.ok("pod", "terminate", pod["id"], "--yes", "--json").json() == {"id": pod["id"], "terminated": True}
    assert runpod("pod", "get", pod["id"]).code == 4
    assert runpod("pod", "create", "x", "--image", "a").code == 2


def test_pod_wait_shows_a_spinner_until_the_pod_runs(runpod: Runpod, state: SshAddressState) -> None:
    state.boot_polls = 2
    args = ("pod", "create", "w", "--image", "a", "--gpu-type", GPU, "--wait", "--poll-interval", "0.05", "--json")
    result = runpod.ok(*args, env=TTY)
    assert result.json()["runtime"] is not None
    assert "Waiting for pod" in result.stderr


def test_pod_wait_that_runs_out_exits_124(runpod: Runpod, state: SshAddressState) -> None:
    state.boot_polls = 1000
    args = ("pod", "create", "w", "--image", "a", "--gpu-type", GPU, "--wait", "--timeout", "0.2")
    result = runpod(*args, "--poll-interval", "0.05")
    assert result.code == 124
    assert "was not running after 0.2s" in result.error


def test_gpu_commands(runpod: Runpod) -> None:
    assert GPU in [g["id"] for g in runpod.ok("gpu", "list", "--json").json()]
    assert runpod.ok("gpu", "get", GPU, "--count", "2", "--json").json()["lowest_price"]["stock_status"] == "High"
    assert runpod("gpu", "get", "NVIDIA Nothing").code == 4


def test_endpoint_settings_commands(runpod: Runpod, api: Client) -> None:
    template = api.templates.create(name="w", image_name="me/worker:1", is_serverless=True)
    created = runpod.ok("endpoint", "create", "ep", "-t", template.id, "--gpu", "AMPERE_16", "--json").json()
    assert [e["id"] for e in runpod.ok("endpoint", "list", "--json").json()] == [created["id"]]
    assert runpod.ok("endpoint", "get", created["id"], "--json").json()["gpu_ids"] == "AMPERE_16"
    updated = runpod.ok("endpoint", "update", created["id"], "--workers-max", "9", "--json").json()
    assert updated["workers_max"] == 9
    assert runpod.ok("endpoint", "delete", created["id"], "--yes", "--json").json()["deleted"] is True
    assert runpod("endpoint", "get", created["id"]).code == 4


def test_endpoint_run_status_and_cancel(runpod: Runpod, serverless: FakeServerless) -> None:
    serverless.script = Script(statuses=["IN_QUEUE", "IN_PROGRESS", "COMPLETED"], output={"text": "HI"})
    done = runpod.ok("endpoint", "run", "ep1", "--input", '{"text": "hi"}', "--json").json()
    assert (done["status"], done["output"]) == ("COMPLETED", {"text": "HI"})
    serverless.script = Script(statuses=["IN_QUEUE"])
    queued = runpod.ok("endpoint", "run", "ep1", "--no-wait", "--json").json()
    assert runpod.ok("endpoint", "status", "ep1", queued["id"], "--json").json()["status"] == "IN_QUEUE"
    assert runpod.ok("endpoint", "cancel", "ep1", queued["id"], "--json").json()["status"] == "CANCELLED"
    assert runpod("endpoint", "status", "ep1", queued["id"], "--wait").code == 1


def test_endpoint_job_failures_exit_non_zero(runpod: Runpod, serverless: FakeServerless) -> None:
    serverless.script = Script(statuses=["FAILED"], error="boom")
    failed = runpod("endpoint", "run", "ep1", "--json")
    assert (failed.code, failed.json()["error"]) == (1, "boom")
    serverless.script = Script(statuses=["IN_PROGRESS"])
    assert runpod("endpoint", "run", "ep1", "--timeout", "0.3").code == 124
    assert runpod("endpoint", "status", "ep1", "job-nope").code == 4


def test_endpoint_run_shows_a_spinner_while_it_waits(runpod: Runpod, serverless: FakeServerless) -> None:
    serverless.script = Script(statuses=["IN_QUEUE", "IN_PROGRESS", "COMPLETED"], output=1)
    result = runpod.ok("endpoint", "run", "ep1", env=TTY)
    assert "waiting for its output" in result.stderr
    assert result.stdout == "1\n"


def test_endpoint_stream_health_and_purge(runpod: Runpod, serverless: FakeServerless) -> None:
    job = serverless.add_job(Script(statuses=["IN_PROGRESS", "COMPLETED"], chunks=[["a"], [{"b": 1}]]))
    lines = runpod.ok("endpoint", "stream", "ep1", job.id, "--json").stdout.splitlines()
    assert [json.loads(line) for line in lines] == ["a", {"b": 1}]
    serverless.add_job(Script(statuses=["IN_QUEUE"])).read()
    assert runpod.ok("endpoint", "health", "ep1", "--json").json()["jobs"]["in_queue"] == 1
    assert runpod.ok("endpoint", "purge-queue", "ep1", "--yes", "--json").json()["removed"] == 1


def test_template_commands(runpod: Runpod) -> None:
    created = runpod.ok("template", "create", "t", "--image", "a:1", "--env", "K=secret-v", "--json").json()
    assert created["env"] == {"K": "***"}
    assert [t["id"] for t in runpod.ok("template", "list", "--json").json()] == [created["id"]]
    assert runpod.ok("template", "get", created["id"], "--json").json()["image_name"] == "a:1"
    assert runpod.ok("template", "update", created["id"], "-i", "a:2", "--json").json()["image_name"] == "a:2"
    assert runpod.ok("template", "delete", created["id"], "--yes", "--json").json()["deleted"] is True
    assert runpod("template", "delete", created["id"]).code == 2  # no --yes off a terminal


def test_volume_commands(runpod: Runpod) -> None:
    volume = runpod.ok("volume", "create", "v", "--size", "10", "-d", "EU-RO-1", "--json").json()
    assert runpod.ok("volume", "list", "--json").json() == [volume]
    assert runpod.ok("volume", "get", volume["id"], "--json").json() == volume
    assert runpod.ok("volume", "update", volume["id"], "--size", "20", "--json").json()["size"] == 20
    assert runpod("volume", "update", volume["id"], "--size", "5").code == 1
    assert runpod.ok("volume", "delete", volume["id"], "--yes", "--json").json()["deleted"] is True


def test_registry_commands(runpod: Runpod, fake: FakeRunpod) -> None:
    password = "registry-token-0123456789"
    created = runpod.ok("registry", "create", "hub", "-u", "me", "--password-stdin", "--json", input=password)
    auth = created.json()
    assert password not in created.stdout + created.stderr
    assert runpod.ok("registry", "list", "--json").json() == [auth]
    runpod.ok("registry", "update", auth["id"], "-u", "you", "--password-stdin", "--json", input="new-token-0")
    assert fake.state.registry_auths[auth["id"]]["password"] == "new-token-0"
    assert runpod.ok("registry", "delete", auth["id"], "--yes", "--json").json()["deleted"] is True


def test_ssh_key_commands(runpod: Runpod, fake: FakeRunpod) -> None:
    added = runpod.ok("ssh", "add-key", "--json").json()
    assert added["added"] is True
    assert fake.state.user["pubKey"].startswith("ssh-ed25519 ")
    (listed,) = runpod.ok("ssh", "list-keys", "--json").json()
    assert (listed["fingerprint"], listed["local_private_key"]) == (added["fingerprint"], added["private_key"])


def test_project_new(runpod: Runpod) -> None:
    made = runpod.ok("project", "new", "hello", "--json").json()
    assert sorted(made["files"]) == made["files"]
    assert (runpod.cwd / "hello" / "handler.py").exists()
    assert runpod("project", "new", "hello").code == 2


def test_failures_are_one_line_without_a_traceback(runpod: Runpod, fake: FakeRunpod) -> None:
    fake.add_fault(Fault(status=500, times=10))
    result = runpod("pod", "list")
    assert result.code == 1
    assert result.stderr.startswith("error: Runpod failed, even after retries (500 Internal Server Error")
    assert result.stderr.count("\n") == 1
