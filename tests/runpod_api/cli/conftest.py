"""Fixtures of the CLI tests: the `runpod` console script run as a real process against real local servers.

- the fake Runpod control plane (`runpod_api.testing.FakeRunpod`, GraphQL on 127.0.0.1), whose pods report
  a test sshd as their public SSH address when one runs;
- the fake serverless API of the endpoint-client tests (`..serverless.fake_serverless`);
- a `runpod` fixture that runs the installed console script with a fresh HOME and the fakes' URLs and key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runpod_api import Runpod as Client
from runpod_api.testing import FakeRunpod, FakeState

from ..serverless.fake_serverless import FakeServerless

RUNPOD = Path(sys.executable).with_name("runpod")
GPU = "NVIDIA GeForce RTX 4090"


@dataclass
class SshAddressState(FakeState):
    """The fake platform, with pods whose public port 22 is where a test's sshd listens (when one does).

    Runpod reports a pod's SSH endpoint as the public ip and port mapped to its private port 22; here
    that mapping points at the local sshd, so the CLI resolves it exactly as it would on Runpod.
    """

    ssh_address: tuple[str, int] | None = None

    def _pod_view(self, pod: dict[str, Any]) -> dict[str, Any]:
        view = super()._pod_view(pod)
        runtime = view.get("runtime")
        if self.ssh_address is not None and runtime is not None:
            for port in runtime["ports"]:
                if port["privatePort"] == 22 and port["type"] == "tcp":
                    port["ip"], port["publicPort"] = self.ssh_address
        return view


@dataclass
class Result:
    """What one `runpod` run did."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def error(self) -> str:
        """The stderr lines that say `error: ...`."""
        return "\n".join(line for line in self.stderr.splitlines() if line.startswith("error: "))


class Runpod:
    """Runs `runpod` with a test's HOME, the fakes' URLs and key: `runpod("pod", "list", "--json")`."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        """The variables this test sets (HOME, RUNPOD_API_KEY...); other RUNPOD_* variables are removed."""
        self.cwd = cwd

    @property
    def home(self) -> Path:
        return Path(self.env["HOME"])

    def __call__(self, *args: str, input: str | None = None, env: Mapping[str, str | None] | None = None) -> Result:
        raise NotImplementedError

    def ok(self, *args: str, **kwargs: Any) -> Result:
        """Run and require exit status 0."""
        result = self(*args, **kwargs)
        assert result.code == 0, f"runpod {' '.join(args)} exited {result.code}: {result.stderr}"
        return result

    def _changes(self, env: Mapping[str, str | None] | None) -> dict[str, str | None]:
        changes: dict[str, str | None] = dict.fromkeys(k for k in os.environ if k.startswith(_CLEARED))
        changes.update(self.env)
        changes.update(env or {})
        return changes


_CLEARED = ("RUNPOD_", "SSH_", "TTY_", "FORCE_COLOR")


class RunpodProcess(Runpod):
    """Runs the installed `runpod` console script as a subprocess: the command exactly as a user runs it."""

    def __call__(self, *args: str, input: str | None = None, env: Mapping[str, str | None] | None = None) -> Result:
        merged = {k: v for k, v in {**os.environ, **self._changes(env)}.items() if v is not None}
        # Let the child cache bytecode: compiling every module of fabric, gql and typer anew costs each run seconds.
        merged.pop("PYTHONDONTWRITEBYTECODE", None)
        proc = subprocess.run(
            [str(RUNPOD), *args],
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=merged,
            cwd=self.cwd,
            timeout=90,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)


class RunpodInProcess(Runpod):
    """Runs the same Typer app in this process (typer's CliRunner): the quick way to test its many details.

    Requests still go over HTTP to the fake servers; stdin is not a terminal, as in a pipe.
    """

    def __call__(self, *args: str, input: str | None = None, env: Mapping[str, str | None] | None = None) -> Result:
        from typer.testing import CliRunner

        from runpod_api.cli import app

        previous = Path.cwd()
        os.chdir(self.cwd)
        try:
            result = CliRunner().invoke(app, list(args), input=input, env=self._changes(env))
        finally:
            os.chdir(previous)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception  # a bug: show its traceback, not an exit status
        return Result(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def fake() -> Iterator[FakeRunpod]:
    """A fake control plane of this test's own; pods run as soon as they are created.

    One per test, as in the other runpod-api tests: a request an earlier test abandoned cannot reach it.
    """
    server = FakeRunpod()
    server.state = SshAddressState(boot_polls=0)
    with server:
        yield server


@pytest.fixture
def state(fake: FakeRunpod) -> SshAddressState:
    assert isinstance(fake.state, SshAddressState)
    return fake.state


@pytest.fixture
def serverless(fake: FakeRunpod) -> Iterator[FakeServerless]:
    """A fake serverless API of this test's own, taking the same API key as the control plane."""
    server = FakeServerless(api_key=fake.api_key).start()
    yield server
    server.stop()


@pytest.fixture
def runpod_env(fake: FakeRunpod, serverless: FakeServerless, tmp_path: Path) -> dict[str, str]:
    """A fresh HOME, the fakes' URLs, and the fake's API key in RUNPOD_API_KEY."""
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "work").mkdir()
    return {
        "HOME": str(home),
        "RUNPOD_API_KEY": fake.api_key,
        "RUNPOD_API_BASE_URL": fake.url,
        "RUNPOD_ENDPOINT_BASE_URL": serverless.url,
        "COLUMNS": "200",
    }


@pytest.fixture
def runpod_process(runpod_env: dict[str, str], tmp_path: Path) -> Runpod:
    """The installed `runpod` console script, run as a subprocess."""
    assert RUNPOD.exists(), f"the runpod console script is not installed next to {sys.executable}"
    return RunpodProcess(runpod_env, tmp_path / "work")


@pytest.fixture
def runpod(runpod_env: dict[str, str], tmp_path: Path) -> Runpod:
    """The `runpod` app run in this process (see `runpod_process` for the real console script)."""
    return RunpodInProcess(runpod_env, tmp_path / "work")


@pytest.fixture
def api(fake: FakeRunpod) -> Iterator[Client]:
    """An in-process client of the fake, to set up what a test needs without running the CLI for it."""
    with Client(api_key=fake.api_key, base_url=fake.url) as client:
        yield client


@pytest.fixture
def pod_id(api: Client) -> str:
    """A running GPU pod with port 22 exposed."""
    return api.pods.create(name="dev", image_name="alpine:3", gpu_type_id=GPU, ports="22/tcp").id
