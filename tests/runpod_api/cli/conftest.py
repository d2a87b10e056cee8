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
    """Runs the `runpod` console script in a subprocess."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd

    @property
    def home(self) -> Path:
        return Path(self.env["HOME"])

    def __call__(
        self, *args: str, input: str | None = None, env: Mapping[str, str | None] | None = None, timeout: float = 90
    ) -> Result:
        merged = dict(self.env)
        for key, value in (env or {}).items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        proc = subprocess.run(
            [str(RUNPOD), *args],
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=merged,
            cwd=self.cwd,
            timeout=timeout,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args: str, **kwargs: Any) -> Result:
        """Run and require exit status 0."""
        result = self(*args, **kwargs)
        assert result.code == 0, f"runpod {' '.join(args)} exited {result.code}: {result.stderr}"
        return result


@pytest.fixture(scope="session")
def control_plane() -> Iterator[FakeRunpod]:
    with FakeRunpod() as server:
        yield server


@pytest.fixture(scope="session")
def serverless_api(control_plane: FakeRunpod) -> Iterator[FakeServerless]:
    server = FakeServerless(api_key=control_plane.api_key).start()
    yield server
    server.stop()


@pytest.fixture
def fake(control_plane: FakeRunpod) -> FakeRunpod:
    """The fake control plane, emptied for this test; pods run as soon as they are created."""
    control_plane.reset()
    control_plane.state = SshAddressState(boot_polls=0)
    return control_plane


@pytest.fixture
def state(fake: FakeRunpod) -> SshAddressState:
    assert isinstance(fake.state, SshAddressState)
    return fake.state


@pytest.fixture
def serverless(serverless_api: FakeServerless) -> FakeServerless:
    serverless_api.reset()
    return serverless_api


@pytest.fixture
def runpod(fake: FakeRunpod, serverless: FakeServerless, tmp_path: Path) -> Runpod:
    """The `runpod` command, with a fresh HOME, the fakes' URLs, and the fake's API key in RUNPOD_API_KEY."""
    assert RUNPOD.exists(), f"the runpod console script is not installed next to {sys.executable}"
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNPOD_", "SSH_", "TTY_", "FORCE_COLOR"))}
    # Let the child cache bytecode: compiling every module of fabric, gql and typer anew costs each run seconds.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        HOME=str(home),
        RUNPOD_API_KEY=fake.api_key,
        RUNPOD_API_BASE_URL=fake.url,
        RUNPOD_ENDPOINT_BASE_URL=serverless.url,
        COLUMNS="200",
    )
    work = tmp_path / "work"
    work.mkdir()
    return Runpod(env, work)


@pytest.fixture
def api(fake: FakeRunpod) -> Iterator[Client]:
    """An in-process client of the fake, to set up what a test needs without running the CLI for it."""
    with Client(api_key=fake.api_key, base_url=fake.url) as client:
        yield client


@pytest.fixture
def pod_id(api: Client) -> str:
    """A running GPU pod with port 22 exposed."""
    return api.pods.create(name="dev", image_name="alpine:3", gpu_type_id=GPU, ports="22/tcp").id
