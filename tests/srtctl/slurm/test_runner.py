"""Runners: local subprocesses, and a real SSH server on loopback (paramiko's server side) for SshRunner."""

import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paramiko
import pytest

from srtctl._exceptions import CommandError
from srtctl.slurm import CommandResult, LocalRunner, SshRunner


def test_local_runner_returns_status_and_both_streams() -> None:
    result = LocalRunner().run(["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert result == CommandResult(("sh", "-c", "echo out; echo err >&2; exit 3"), 3, "out\n", "err\n")


def test_local_runner_feeds_input_to_stdin() -> None:
    assert LocalRunner().run(["cat"], input="#!/bin/bash\n").stdout == "#!/bin/bash\n"


def test_local_runner_uses_the_given_environment_and_directory(tmp_path: Path) -> None:
    result = LocalRunner(env={"GREETING": "hi", "PATH": "/usr/bin:/bin"}, cwd=str(tmp_path)).run(
        ["sh", "-c", 'echo "$GREETING $(pwd)"']
    )
    assert result.stdout == f"hi {tmp_path}\n"


def test_local_runner_reports_a_missing_program_as_status_127() -> None:
    with pytest.raises(CommandError, match="command not found") as caught:
        LocalRunner().run(["srtctl-no-such-program"])
    assert caught.value.returncode == 127


def test_local_runner_reports_a_timeout() -> None:
    with pytest.raises(CommandError, match="timed out after 0.2 s"):
        LocalRunner().run(["sleep", "5"], timeout=0.2)


def test_check_raises_command_error_with_argv_status_and_stderr() -> None:
    result = CommandResult(("sbatch", "--parsable"), 1, "", "sbatch: error: Invalid partition name specified\n")
    with pytest.raises(CommandError, match="Invalid partition name") as caught:
        result.check()
    assert (caught.value.argv, caught.value.returncode) == (("sbatch", "--parsable"), 1)


def test_check_passes_a_successful_result_through() -> None:
    result = CommandResult(("true",), 0, "", "")
    assert result.check() is result


@dataclass
class SshServer:
    port: int
    known_hosts: Path
    commands: list[str]


class _Accepting(paramiko.ServerInterface):
    def __init__(self) -> None:
        self.command: bytes | None = None
        self.exec_requested = threading.Event()

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_auth_password(self, username: str, password: str) -> int:
        return paramiko.AUTH_SUCCESSFUL if password == "secret" else paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        self.command = command
        self.exec_requested.set()
        return True


def _serve_one(connection: socket.socket, host_key: paramiko.PKey, commands: list[str]) -> None:
    """Answer one SSH connection: run each exec request with sh, relaying stdin, output and status."""
    transport = paramiko.Transport(connection)
    transport.add_server_key(host_key)
    server = _Accepting()
    try:
        transport.start_server(server=server)
    except (paramiko.SSHException, EOFError):
        return
    while transport.is_active():
        channel = transport.accept(timeout=1)
        if channel is None:
            continue
        server.exec_requested.wait(5)
        assert server.command is not None
        commands.append(server.command.decode())
        process = subprocess.Popen(
            server.command.decode(), shell=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        stdin = b""
        while chunk := channel.recv(65536):
            stdin += chunk
        out, err = process.communicate(stdin)
        channel.sendall(out)
        channel.sendall_stderr(err)
        channel.send_exit_status(process.returncode)
        channel.close()
        server.exec_requested.clear()


@pytest.fixture
def ssh_server(tmp_path: Path) -> Iterator[SshServer]:
    host_key = paramiko.ECDSAKey.generate()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    known = paramiko.HostKeys()
    known.add(f"[127.0.0.1]:{port}", host_key.get_name(), host_key)
    known_hosts = tmp_path / "known_hosts"
    known.save(str(known_hosts))
    commands: list[str] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=_serve_one, args=(connection, host_key, commands), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield SshServer(port=port, known_hosts=known_hosts, commands=commands)
    listener.close()


_LOGIN = {"password": "secret", "look_for_keys": False, "allow_agent": False}


def test_ssh_runner_runs_the_command_remotely_with_stdin(ssh_server: SshServer) -> None:
    runner = SshRunner(f"127.0.0.1:{ssh_server.port}", known_hosts=str(ssh_server.known_hosts), connect_kwargs=_LOGIN)
    try:
        result = runner.run(["sh", "-c", "wc -l; echo oops >&2; exit 4"], input="line 1\nline 2\n")
    finally:
        runner.close()
    assert (result.returncode, result.stdout.strip(), result.stderr.strip()) == (4, "2", "oops")
    assert ssh_server.commands == ["sh -c 'wc -l; echo oops >&2; exit 4'"]


def test_ssh_runner_reuses_one_connection_for_several_commands(ssh_server: SshServer) -> None:
    runner = SshRunner(f"127.0.0.1:{ssh_server.port}", known_hosts=str(ssh_server.known_hosts), connect_kwargs=_LOGIN)
    try:
        outputs = [runner.run(["echo", str(i)]).stdout for i in range(2)]
    finally:
        runner.close()
    assert outputs == ["0\n", "1\n"]


def test_ssh_runner_refuses_a_host_whose_key_is_not_known(ssh_server: SshServer, tmp_path: Path) -> None:
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    runner = SshRunner(f"127.0.0.1:{ssh_server.port}", known_hosts=str(empty), connect_kwargs=_LOGIN)
    with pytest.raises(CommandError, match="not found in known_hosts") as caught:
        runner.run(["echo", "hi"])
    assert caught.value.returncode == 255
    assert ssh_server.commands == []


def test_ssh_runner_error_does_not_leak_the_password(ssh_server: SshServer, tmp_path: Path) -> None:
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    runner = SshRunner(f"127.0.0.1:{ssh_server.port}", known_hosts=str(empty), connect_kwargs=_LOGIN)
    with pytest.raises(CommandError) as caught:
        runner.run(["echo", "hi"])
    assert "secret" not in str(caught.value)
    assert "secret" not in repr(runner)
