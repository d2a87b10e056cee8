"""Over SSH: SshRunner against a real SSH server on loopback, and `srtctl apply --host` through it."""

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from srtctl._exceptions import CommandError
from srtctl.slurm import SshRunner

SshServer = Any
_LOGIN = {"password": "secret", "look_for_keys": False, "allow_agent": False}


def test_ssh_runner_runs_the_command_remotely_with_stdin(ssh_server: SshServer, tmp_path: Path) -> None:
    known = ssh_server.known_hosts(tmp_path / "known_hosts")
    runner = SshRunner(ssh_server.address, known_hosts=str(known), connect_kwargs=_LOGIN)
    try:
        result = runner.run(["sh", "-c", "wc -l; echo oops >&2; exit 4"], input="line 1\nline 2\n")
    finally:
        runner.close()
    assert (result.returncode, result.stdout.strip(), result.stderr.strip()) == (4, "2", "oops")
    assert ssh_server.commands == ["sh -c 'wc -l; echo oops >&2; exit 4'"]


def test_ssh_runner_reuses_one_connection_for_several_commands(ssh_server: SshServer, tmp_path: Path) -> None:
    known = ssh_server.known_hosts(tmp_path / "known_hosts")
    runner = SshRunner(ssh_server.address, known_hosts=str(known), connect_kwargs=_LOGIN)
    try:
        outputs = [runner.run(["echo", str(i)]).stdout for i in range(2)]
    finally:
        runner.close()
    assert outputs == ["0\n", "1\n"]


def test_ssh_runner_refuses_a_host_whose_key_is_not_known(ssh_server: SshServer, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    runner = SshRunner(ssh_server.address, known_hosts=str(empty), connect_kwargs=_LOGIN)
    with pytest.raises(CommandError, match="not found in known_hosts") as caught:
        runner.run(["echo", "hi"])
    assert caught.value.returncode == 255
    assert "secret" not in str(caught.value)
    assert ssh_server.commands == []


@pytest.fixture
def ssh_home(ssh_server: SshServer, tmp_path: Path) -> dict[str, str]:
    """A HOME whose ~/.ssh trusts the server and holds the key it accepts, as a user would set it up."""
    home = tmp_path / "home"
    ssh = home / ".ssh"
    ssh.mkdir(parents=True, mode=0o700)
    ssh_server.known_hosts(ssh / "known_hosts")
    ssh_server.client_key.write_private_key_file(str(ssh / "id_ecdsa"))
    return {**os.environ, "HOME": str(home), "SSH_AUTH_SOCK": ""}


@pytest.mark.slurm
def test_apply_over_ssh_submits_through_the_login_node_and_the_job_completes(
    srtctl: Any, ssh_server: SshServer, ssh_home: dict[str, str], tmp_path: Path
) -> None:
    cluster = tmp_path / "srtslurm.yaml"
    cluster.write_text(
        f"node_addresses: {{'*': 127.0.0.1}}\ngpus_per_node: 8\ngpu_type: fake\npython: {sys.executable}\n"
    )
    job = tmp_path / "job.yaml"
    job.write_text(
        "name: over-ssh\nmodel: {path: hf:mock/tiny-model}\nresources: {agg_nodes: 1, agg_workers: 1}\n"
        "backend: {type: mock}\nhealth_check: {timeout_seconds: 60, interval_seconds: 0.5}\n"
    )
    host = ssh_server.address
    base = str(srtctl.output_dir / "ssh")
    applied = srtctl.run("apply", "-f", str(job), "--cluster", str(cluster), "--output-dir", base, "--host", host,
                         "--json", env=ssh_home)  # fmt: skip
    assert applied.returncode == 0, applied.stderr
    submitted = json.loads(applied.stdout)
    job_id = srtctl.cluster.track(submitted["job_id"])
    assert submitted["host"] == host
    assert any(command.startswith("sbatch --parsable") for command in ssh_server.commands)
    waited = srtctl.run("wait", job_id, "--host", host, "--interval", "0.5", env=ssh_home)
    assert waited.returncode == 0, waited.stdout + waited.stderr
    status = srtctl.run("status", job_id, "--host", host, env=ssh_home)
    assert "stage:   completed" in status.stdout
