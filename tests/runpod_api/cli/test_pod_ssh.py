"""`runpod pod ssh|exec|sync` against a real sshd on 127.0.0.1 that the fake pod reports as its SSH endpoint."""

from __future__ import annotations

import getpass
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import GPU, Client, Runpod, SshAddressState
from .sshd import Sshd, keygen, start_sshd
from .terminal import Terminal

USER = getpass.getuser()  # root in CI; sshd lets only the user it runs as log in otherwise


@pytest.fixture
def runpod(runpod_process: Runpod) -> Runpod:
    """SSH runs in a subprocess here: fabric forwards the real stdin, as it does for a user."""
    return runpod_process


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client_key(sshd: Sshd, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A key pair the sshd accepts (as `runpod ssh add-key` would make it in ~/.runpod/ssh)."""
    key = tmp_path_factory.mktemp("client") / "runpod"
    sshd.authorize(keygen(key))
    return key


@pytest.fixture
def ssh_pod(runpod: Runpod, api: Client, state: SshAddressState, sshd: Sshd, client_key: Path) -> str:
    """A running pod whose SSH endpoint is the test sshd; the account holds a key this machine has."""
    state.ssh_address = (sshd.host, sshd.port)
    keys = runpod.home / ".runpod" / "ssh"
    keys.mkdir(parents=True)
    for path in (client_key, client_key.with_name("runpod.pub")):
        shutil.copy(path, keys / path.name)
    api.user.add_ssh_key(client_key.with_name("runpod.pub").read_text())
    return api.pods.create(name="dev", image_name="alpine:3", gpu_type_id=GPU, ports="22/tcp").id


def known_hosts(runpod: Runpod) -> Path:
    return runpod.home / ".runpod" / "known_hosts"


def exec_(runpod: Runpod, pod_id: str, *command: str, options: tuple[str, ...] = ()) -> tuple[int, str, str]:
    result = runpod("pod", "exec", "--user", USER, "--accept-new-host-key", *options, pod_id, "--", *command)
    return result.code, result.stdout, result.stderr


# -- host keys ---------------------------------------------------------------------------------------------------


def test_unknown_host_key_is_refused_without_accepting_it(runpod: Runpod, ssh_pod: str, sshd: Sshd) -> None:
    result = runpod("pod", "exec", "--user", USER, ssh_pod, "--", "true")
    assert result.code == 1
    fingerprint = runpod_fingerprint(sshd)
    assert result.error.startswith(f"error: refusing to connect to pod {ssh_pod} at 127.0.0.1:{sshd.port}: its host")
    assert fingerprint in result.error
    assert "--accept-new-host-key" in result.error
    assert not known_hosts(runpod).exists()


def runpod_fingerprint(sshd: Sshd) -> str:
    from runpod_api.cli._sshkeys import PublicKey

    key = PublicKey.parse(sshd.host_public_key)
    assert key is not None
    return key.fingerprint


def test_accepted_host_key_is_kept_and_trusted_next_time(runpod: Runpod, ssh_pod: str, sshd: Sshd) -> None:
    runpod.ok("pod", "exec", "--user", USER, "--accept-new-host-key", ssh_pod, "--", "true")
    line = known_hosts(runpod).read_text()
    assert line.startswith(f"[127.0.0.1]:{sshd.port} ssh-ed25519 ")
    assert sshd.host_public_key.split()[1] in line
    assert known_hosts(runpod).stat().st_mode & 0o777 == 0o600
    assert runpod.ok("pod", "exec", "--user", USER, ssh_pod, "--", "echo", "again").stdout == "again\n"


def test_changed_host_key_is_refused_even_with_accept_new(
    runpod: Runpod, ssh_pod: str, sshd: Sshd, tmp_path: Path
) -> None:
    other = keygen(tmp_path / "impostor", "other").split()
    known_hosts(runpod).write_text(f"[127.0.0.1]:{sshd.port} {other[0]} {other[1]}\n")
    result = runpod("pod", "exec", "--user", USER, "--accept-new-host-key", ssh_pod, "--", "true")
    assert result.code == 1
    assert "its host key CHANGED" in result.error
    assert f"ssh-keygen -R '[127.0.0.1]:{sshd.port}'" in result.error


def test_unknown_host_key_is_asked_about_on_a_terminal(runpod: Runpod, ssh_pod: str, sshd: Sshd) -> None:
    terminal = Terminal(runpod, "pod", "exec", "--user", USER, ssh_pod, "--", "echo", "trusted")
    terminal.expect("Trust it and connect? [y/N]")
    assert runpod_fingerprint(sshd) in terminal.shown
    terminal.type("y")
    assert terminal.wait() == 0
    assert "trusted" in terminal.shown
    assert sshd.host_public_key.split()[1] in known_hosts(runpod).read_text()


# -- keys and addresses ----------------------------------------------------------------------------------------


def test_account_without_ssh_key_is_told_how_to_add_one(runpod: Runpod, pod_id: str) -> None:
    result = runpod("pod", "exec", pod_id, "--", "true")
    assert result.code == 1
    assert result.error.startswith("error: your Runpod account has no SSH public key")
    assert "`runpod ssh add-key`" in result.error


def test_no_local_key_of_the_account_is_explained(runpod: Runpod, api: Client, pod_id: str, tmp_path: Path) -> None:
    api.user.add_ssh_key(keygen(tmp_path / "elsewhere"))
    result = runpod("pod", "exec", pod_id, "--", "true")
    assert result.code == 1
    assert "none of the private keys on this machine" in result.error
    assert "--identity" in result.error


def test_explicit_identity_is_used(
    runpod: Runpod, api: Client, state: SshAddressState, sshd: Sshd, tmp_path: Path
) -> None:
    state.ssh_address = (sshd.host, sshd.port)
    sshd.authorize(keygen(tmp_path / "mine"))
    pod = api.pods.create(name="p", image_name="a", gpu_type_id=GPU, ports="22/tcp").id
    code, out, _ = exec_(runpod, pod, "echo", "with identity", options=("--identity", str(tmp_path / "mine")))
    assert (code, out) == (0, "with identity\n")


def test_pod_without_public_ssh_port_is_explained(runpod: Runpod, api: Client, ssh_pod: str) -> None:
    pod = api.pods.create(name="web", image_name="a", gpu_type_id=GPU, ports="8888/http")
    result = runpod("pod", "exec", pod.id, "--", "true")
    assert result.code == 1
    assert "has no public SSH port" in result.error
    assert "--ports 22/tcp" in result.error


def test_stopped_pod_is_not_reachable(runpod: Runpod, api: Client, ssh_pod: str) -> None:
    api.pods.stop(ssh_pod)
    result = runpod("pod", "exec", ssh_pod, "--", "true")
    assert result.code == 1
    assert result.error == f"error: pod {ssh_pod} is EXITED: start it first with `runpod pod resume {ssh_pod}`"


# -- exec and ssh --------------------------------------------------------------------------------------------------


def test_ssh_on_a_terminal_is_interactive(runpod: Runpod, ssh_pod: str) -> None:
    terminal = Terminal(runpod, "pod", "ssh", "--user", USER, "--accept-new-host-key", ssh_pod)
    terminal.expect("# ", "$ ")  # the shell's prompt
    terminal.type("echo on-the-pod-$((6*7)); exit 5")
    assert terminal.wait() == 5
    assert "on-the-pod-42" in terminal.shown


def test_exec_passes_output_and_exit_status_through(runpod: Runpod, ssh_pod: str) -> None:
    code, out, err = exec_(runpod, ssh_pod, "sh", "-c", "echo out; echo err >&2; exit 7")
    assert (code, out, err) == (7, "out\n", "err\n")


def test_exec_quotes_every_word(runpod: Runpod, ssh_pod: str) -> None:
    words = ["a b", "it's", "$HOME", "; rm -rf /", "*"]
    code, out, _ = exec_(runpod, ssh_pod, "printf", "%s\\n", *words)
    assert code == 0
    assert out.splitlines() == words


def test_exec_runs_in_a_quoted_working_directory(runpod: Runpod, ssh_pod: str, tmp_path: Path) -> None:
    odd = tmp_path / "dir with 'quotes' and $vars"
    odd.mkdir()
    code, out, _ = exec_(runpod, ssh_pod, "pwd", options=("--cwd", str(odd)))
    assert (code, out) == (0, f"{odd}\n")


def test_exec_takes_options_of_the_command_without_a_double_dash(runpod: Runpod, ssh_pod: str) -> None:
    result = runpod("pod", "exec", "--user", USER, "--accept-new-host-key", ssh_pod, "ls", "-d", "--", "/")
    assert (result.code, result.stdout) == (0, "/\n")


def test_exec_forwards_stdin(runpod: Runpod, ssh_pod: str) -> None:
    result = runpod("pod", "exec", "--user", USER, "--accept-new-host-key", ssh_pod, "--", "wc", "-l", input="a\nb\n")
    assert (result.code, result.stdout.strip()) == (0, "2")


def test_exec_without_a_command_is_a_usage_error(runpod: Runpod, ssh_pod: str) -> None:
    result = runpod("pod", "exec", ssh_pod, "--")
    assert result.code == 2
    assert "give the command to run" in result.error


def test_ssh_runs_a_login_shell(runpod: Runpod, ssh_pod: str) -> None:
    result = runpod(
        "pod", "ssh", "--user", USER, "--accept-new-host-key", ssh_pod, input="echo shell-$((40+2))\nexit 3\n"
    )
    assert result.code == 3
    assert "shell-42" in result.stdout


# -- sync ------------------------------------------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "src dir"
    (root / "sub").mkdir(parents=True)
    (root / "it's a file.txt").write_text("quoted")
    (root / "sub" / "data.bin").write_bytes(b"\x00\x01" * 100)
    (root / "cache.pyc").write_text("junk")
    return root


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def sync(runpod: Runpod, *args: str) -> dict[str, int]:
    return runpod.ok("pod", "sync", "--user", USER, "--accept-new-host-key", *args, "--json").json()


def test_sync_uploads_a_directory_leaving_out_excluded_names(
    runpod: Runpod, ssh_pod: str, tree: Path, tmp_path: Path
) -> None:
    remote = tmp_path / "on the pod; $(oops)"
    summary = sync(runpod, str(tree), f"{ssh_pod}:{remote}", "--exclude", "*.pyc")
    assert files(remote) == {k: v for k, v in files(tree).items() if not k.endswith(".pyc")}
    assert summary == {"files": 2, "bytes": 206}


def test_sync_downloads_a_directory(runpod: Runpod, ssh_pod: str, tree: Path, tmp_path: Path) -> None:
    local = tmp_path / "back here"
    summary = sync(runpod, f"{ssh_pod}:{tree}", str(local))
    assert files(local) == files(tree)
    assert summary["files"] == 3


def test_sync_downloads_one_file_to_the_path_given(runpod: Runpod, ssh_pod: str, tree: Path, tmp_path: Path) -> None:
    sync(runpod, f"{ssh_pod}:{tree}/it's a file.txt", str(tmp_path / "copy.txt"))
    assert (tmp_path / "copy.txt").read_text() == "quoted"


def test_sync_uploads_one_file_to_the_path_given(runpod: Runpod, ssh_pod: str, tree: Path, tmp_path: Path) -> None:
    sync(runpod, str(tree / "it's a file.txt"), f"{ssh_pod}:{tmp_path}/new dir/renamed.txt")
    assert (tmp_path / "new dir" / "renamed.txt").read_text() == "quoted"


def test_sync_copies_between_two_pods(runpod: Runpod, api: Client, ssh_pod: str, tree: Path, tmp_path: Path) -> None:
    other = api.pods.create(name="other", image_name="a", gpu_type_id=GPU, ports="22/tcp").id
    sync(runpod, f"{ssh_pod}:{tree}", f"{other}:{tmp_path}/pod two")
    assert files(tmp_path / "pod two") == files(tree)


def test_sync_of_a_missing_remote_path_is_a_usage_error(runpod: Runpod, ssh_pod: str, tmp_path: Path) -> None:
    result = runpod("pod", "sync", "--user", USER, "--accept-new-host-key", f"{ssh_pod}:/no/such", str(tmp_path))
    assert result.code == 2
    assert result.error == f"error: no such file or directory on pod {ssh_pod}: /no/such"


def test_sync_needs_a_pod_on_one_side(runpod: Runpod, tmp_path: Path) -> None:
    result = runpod("pod", "sync", str(tmp_path), str(tmp_path / "x"))
    assert result.code == 2
    assert result.error == "error: one side must be on a pod: POD_ID:PATH"
