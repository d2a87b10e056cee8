"""A real SLURM cluster for the `slurm` tests, shared safely between test sessions.

The `slurm_cluster` session fixture makes sure a cluster answers before the first `slurm` test:

- A cluster that already answers and was not started by ``tools/slurm/up.sh`` (a developer's real
  cluster, reached through ``SLURM_CONF``) is used as it is, and never stopped.
- Otherwise, as root, ``tools/slurm/up.sh`` installs Debian's SLURM packages when they are missing and
  starts (or joins) the local cluster. Several sessions, from several worktrees, may use it at once:
  each holds a shared lock on ``$SRTCTL_SLURM_DIR/sessions.lock`` for its whole run. At the end, the
  session that can take that lock exclusively, and so knows it is the last user, stops the cluster with
  ``tools/slurm/down.sh``, but only when a test session started it; a cluster brought up by hand stays up.
- A machine that can do neither fails every `slurm` test with a message saying why. Developers who
  know they cannot run them opt out with ``SRTCTL_SKIP_SLURM_TESTS=1``; nothing is skipped silently.

Tests cancel only the jobs they submitted (`SlurmCluster.track`), never anyone else's.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import paramiko
import pytest

REPO = Path(__file__).resolve().parents[3]
TOOLS = REPO / "tools" / "slurm"
CLUSTER_FILE = REPO / "examples" / "srtctl" / "local" / "srtslurm.yaml"
STATE = Path(os.environ.get("SRTCTL_SLURM_DIR", "/var/spool/srtctl-slurm"))
OPT_OUT = "SRTCTL_SKIP_SLURM_TESTS"
STARTED_BY_TESTS = "tests"
LOCK_WAIT_S = 120.0


@dataclass
class SlurmCluster:
    """The cluster the `slurm` tests run on, and the jobs they submitted to it."""

    nodes: list[str]
    gpus_per_node: int
    managed: bool
    """True when the cluster is the local one of ``tools/slurm``; False for a cluster found running."""
    submitted: list[str] = field(default_factory=list)

    def track(self, job_id: str) -> str:
        """Remember a job this session submitted, so that it is cancelled if a test leaves it running."""
        self.submitted.append(job_id)
        return job_id

    def cancel_leftovers(self, wait: float = 20.0) -> None:
        """Cancel the tracked jobs that are still pending or running (and only those), and wait until they end.

        Waiting matters beyond tidiness: a job's processes write their coverage data as they exit, and data
        written after the test session has combined its own would be lost.
        """
        if not self.submitted:
            return
        live = _run(["squeue", "-h", "-o", "%i", "-j", ",".join(self.submitted)], check=False).stdout.split()
        if live:
            _run(["scancel", *live], check=False)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and not all(self.is_gone(job_id) for job_id in live):
                time.sleep(0.2)
        self.submitted.clear()

    def processes_of(self, job_id: str) -> list[str]:
        """Live processes of a job on this machine: its tasks (by SLURM_JOB_ID) and its slurmstepd's."""
        found = []
        marker = f"SLURM_JOB_ID={job_id}".encode()
        stepd = f"slurmstepd: [{job_id}.".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes()
                environ = (entry / "environ").read_bytes()
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z" and (marker in environ.split(b"\0") or cmdline.startswith(stepd)):
                command = cmdline.replace(b"\0", b" ").decode(errors="replace").strip()
                found.append(f"{entry.name}: {command}")
        return found

    def steps_of(self, job_id: str) -> list[str]:
        """The job's steps SLURM still lists (the batch step included)."""
        listed = _run(["squeue", "--steps", "--noheader", "-o", "%i %j", "-j", job_id], check=False)
        return listed.stdout.splitlines()

    def is_gone(self, job_id: str) -> bool:
        """No step of the job is listed and no process of it runs."""
        return not self.steps_of(job_id) and not self.processes_of(job_id)


def _run(argv: list[str], *, check: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=check, env=env, timeout=300)


def _answers() -> bool:
    if shutil.which("scontrol") is None:
        return False
    ping = _run(["scontrol", "ping"], check=False)
    return ping.returncode == 0 and "is UP" in ping.stdout


def _started_by_tooling() -> bool:
    conf = Path(os.environ.get("SLURM_CONF", "/etc/slurm/slurm.conf"))
    with contextlib.suppress(OSError):
        return "written by srtctl tools/slurm/up.sh" in conf.read_text()
    return False


def _can_install() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def _describe() -> SlurmCluster:
    sinfo = _run(["sinfo", "-h", "-N", "-o", "%N %G"]).stdout.split("\n")
    nodes: list[str] = []
    gpus = 0
    for line in filter(None, sinfo):
        name, gres = line.split(maxsplit=1)
        if name not in nodes:
            nodes.append(name)
        for item in gres.split(","):
            if item.startswith("gpu:"):
                gpus = int(item.rsplit(":", 1)[1].split("(")[0])
    return SlurmCluster(nodes=nodes, gpus_per_node=gpus, managed=False)


def _lock(path: Path, mode: int) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                pytest.fail(
                    f"another test session held {path} for {LOCK_WAIT_S:.0f} s (it may be stopping the cluster)"
                )
            time.sleep(0.2)


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[SlurmCluster]:
    """A SLURM cluster with at least two nodes, started by the test tooling when none answers."""
    if os.environ.get(OPT_OUT) == "1":
        pytest.skip(f"slurm tests switched off with {OPT_OUT}=1")
    if _answers() and not _started_by_tooling():
        cluster = _describe()
        yield cluster
        cluster.cancel_leftovers()
        return
    if not _can_install():
        why = "this process is not root" if os.geteuid() != 0 else "apt-get is not available"
        pytest.fail(
            "the `slurm` tests need a SLURM cluster: none answers `scontrol ping`, and tools/slurm/up.sh cannot "
            f"start one because {why}. Run the tests as root on Debian/Ubuntu, point SLURM_CONF at a cluster, "
            f"or set {OPT_OUT}=1 to leave these tests out on purpose."
        )
    STATE.mkdir(parents=True, exist_ok=True)
    sessions = _lock(STATE / "sessions.lock", fcntl.LOCK_SH)
    try:
        up = _run(
            ["bash", str(TOOLS / "up.sh")],
            check=False,
            env={**os.environ, "SRTCTL_SLURM_STARTED_BY": STARTED_BY_TESTS},
        )
        if up.returncode != 0:
            pytest.fail(f"tools/slurm/up.sh failed (exit {up.returncode}):\n{up.stderr}{up.stdout}")
        cluster = _describe()
        cluster.managed = True
        yield cluster
        cluster.cancel_leftovers()
    finally:
        _stop_if_last(sessions)


def _stop_if_last(sessions: int) -> None:
    try:
        # Upgrading is not atomic: if another session holds the lock too, our shared lock is simply gone,
        # which is what we want at the end anyway.
        fcntl.flock(sessions, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(sessions)
        return
    try:
        started_by = (STATE / "started-by").read_text().strip() if (STATE / "started-by").exists() else ""
        if started_by == STARTED_BY_TESTS:
            _run(["bash", str(TOOLS / "down.sh")], check=False)
    finally:
        os.close(sessions)


@dataclass
class Srtctl:
    """The srtctl command line, with its own job list and output directory, run as a user would run it."""

    cluster: SlurmCluster
    home: Path

    @property
    def output_dir(self) -> Path:
        return self.home / "outputs"

    @property
    def executable(self) -> str:
        return str(Path(sys.executable).parent / "srtctl")

    def run(
        self, *args: str, timeout: float = 180, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {**(os.environ if env is None else env), "SRTCTL_STATE_DIR": str(self.home / "state")}
        return subprocess.run(
            [self.executable, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            cwd=self.home,
        )

    def apply(self, job_file: Path | str, *args: str) -> list[str]:
        """Submit a job file; return the job ids (tracked for cleanup)."""
        done = self.run(
            "apply",
            "-f",
            str(job_file),
            "--cluster",
            str(CLUSTER_FILE),
            "--output-dir",
            str(self.output_dir),
            "--json",
            *args,
        )
        assert done.returncode == 0, done.stderr
        return [self.cluster.track(json.loads(line)["job_id"]) for line in done.stdout.splitlines()]

    def wait(self, job_id: str, timeout: float = 150) -> subprocess.CompletedProcess[str]:
        return self.run("wait", job_id, "--interval", "0.5", "--timeout", str(timeout), timeout=timeout + 30)


@pytest.fixture(scope="module")
def srtctl(slurm_cluster: SlurmCluster, tmp_path_factory: pytest.TempPathFactory) -> Srtctl:
    """srtctl with a job list and output directory of this test module's own."""
    return Srtctl(cluster=slurm_cluster, home=tmp_path_factory.mktemp("srtctl"))


@dataclass
class SshServer:
    """An SSH server on loopback that runs each command here with sh (paramiko's server side)."""

    port: int
    host_key: paramiko.PKey
    client_key: paramiko.PKey
    """The one public key it accepts (password "secret" works too)."""
    commands: list[str]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def known_hosts(self, path: Path) -> Path:
        """Write a known_hosts file that trusts this server."""
        known = paramiko.HostKeys()
        known.add(f"[127.0.0.1]:{self.port}", self.host_key.get_name(), self.host_key)
        known.save(str(path))
        return path


class _Accepting(paramiko.ServerInterface):
    def __init__(self, client_key: paramiko.PKey) -> None:
        self.client_key = client_key
        self.command: bytes | None = None
        self.exec_requested = threading.Event()

    def get_allowed_auths(self, username: str) -> str:
        return "publickey,password"

    def check_auth_password(self, username: str, password: str) -> int:
        return paramiko.AUTH_SUCCESSFUL if password == "secret" else paramiko.AUTH_FAILED

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        return paramiko.AUTH_SUCCESSFUL if key == self.client_key else paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        self.command = command
        self.exec_requested.set()
        return True


def _serve(connection: socket.socket, server: SshServer) -> None:
    """Answer one SSH connection: run each exec request with sh, relaying stdin, output and exit status."""
    transport = paramiko.Transport(connection)
    transport.add_server_key(server.host_key)
    accepting = _Accepting(server.client_key)
    try:
        transport.start_server(server=accepting)
    except (paramiko.SSHException, EOFError):
        return
    while transport.is_active():
        channel = transport.accept(timeout=1)
        if channel is None:
            continue
        accepting.exec_requested.wait(5)
        assert accepting.command is not None
        command = accepting.command.decode()
        server.commands.append(command)
        stdin = b""
        while chunk := channel.recv(65536):
            stdin += chunk
        done = subprocess.run(command, shell=True, input=stdin, capture_output=True)
        channel.sendall(done.stdout)
        channel.sendall_stderr(done.stderr)
        channel.send_exit_status(done.returncode)
        channel.close()
        accepting.exec_requested.clear()


@pytest.fixture
def ssh_server() -> Iterator[SshServer]:
    """A fresh SSH server with its own host key, on a free port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    server = SshServer(
        port=listener.getsockname()[1],
        host_key=paramiko.ECDSAKey.generate(),
        client_key=paramiko.ECDSAKey.generate(),
        commands=[],
    )

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_serve, args=(connection, server), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield server
    listener.close()
