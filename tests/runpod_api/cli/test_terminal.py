"""`runpod` on a real terminal (a pseudo-terminal): keys typed without echo, questions asked and answered."""

from __future__ import annotations

import os
import tomllib

import pytest

from runpod_api.testing import FakeRunpod

from ..serverless.fake_serverless import FakeServerless, Script
from .conftest import GPU, Runpod, SshAddressState
from .terminal import Terminal

pytestmark = pytest.mark.skipif(not hasattr(os, "forkpty"), reason="needs a POSIX pseudo-terminal")


def test_config_set_reads_the_key_without_echo(runpod: Runpod) -> None:
    key = "rpa_TYPEDKEY0123456789abcdefghij"
    terminal = Terminal(runpod, "config", "set")
    terminal.expect("API key for profile 'default':")
    terminal.expect_hidden_input()
    terminal.type(key)
    assert terminal.wait() == 0
    assert key not in terminal.shown
    assert "rpa_…ghij" in terminal.shown
    config = tomllib.loads((runpod.home / ".runpod" / "config.toml").read_text())
    assert config == {"default": {"api_key": key}}


def test_registry_password_is_asked_without_echo(runpod: Runpod, fake: FakeRunpod) -> None:
    password = "typed-password-0123"
    terminal = Terminal(runpod, "registry", "create", "hub", "--username", "me")
    terminal.expect("Registry password or token:")
    terminal.expect_hidden_input()
    terminal.type(password)
    assert terminal.wait() == 0
    assert password not in terminal.shown
    assert [a["password"] for a in fake.state.registry_auths.values()] == [password]


def test_terminate_asks_first_and_does_nothing_on_no(runpod: Runpod, fake: FakeRunpod, pod_id: str) -> None:
    terminal = Terminal(runpod, "pod", "terminate", pod_id)
    terminal.expect(f"Terminate pod {pod_id} and delete its volume? [y/N]")
    terminal.type("n")
    assert terminal.wait() == 1
    assert "did not terminate pod" in terminal.shown
    assert pod_id in fake.state.pods


def test_terminate_goes_on_when_the_person_agrees(runpod: Runpod, fake: FakeRunpod, pod_id: str) -> None:
    terminal = Terminal(runpod, "pod", "terminate", pod_id)
    terminal.expect("[y/N]")
    terminal.type("y")
    assert terminal.wait() == 0
    assert pod_id not in fake.state.pods


def test_stream_lines_and_the_spinner_share_the_terminal(runpod: Runpod, serverless: FakeServerless) -> None:
    job = serverless.add_job(
        Script(statuses=["IN_PROGRESS", "IN_PROGRESS", "COMPLETED"], chunks=[["first"], ["second"]])
    )
    terminal = Terminal(runpod, "endpoint", "stream", "ep1", job.id)
    assert terminal.wait() == 0
    assert "Streaming job" in terminal.shown
    assert terminal.shown.index("first") < terminal.shown.index("second")


def test_ctrl_c_while_waiting_for_a_job_leaves_it_running(runpod: Runpod, serverless: FakeServerless) -> None:
    serverless.script = Script(statuses=["IN_PROGRESS"])
    terminal = Terminal(runpod, "endpoint", "run", "ep1")
    terminal.expect("waiting for its output")
    terminal.interrupt()
    assert terminal.wait() == 130
    (job_id,) = serverless.jobs
    assert f"stopped waiting; job {job_id} goes on: `runpod endpoint status ep1 {job_id}`" in terminal.shown
    assert "Traceback" not in terminal.shown
    assert "cancel" not in serverless.routes()


def test_ctrl_c_while_waiting_for_a_pod_leaves_it_starting(runpod: Runpod, state: SshAddressState) -> None:
    state.boot_polls = 100_000
    terminal = Terminal(
        runpod, "pod", "create", "w", "--image", "a", "--gpu-type", GPU, "--wait", "--poll-interval", "0.05"
    )
    terminal.expect("Waiting for pod")
    terminal.interrupt()
    assert terminal.wait() == 130
    (pod_id,) = state.pods
    assert f"stopped waiting; pod {pod_id} goes on starting" in terminal.shown
