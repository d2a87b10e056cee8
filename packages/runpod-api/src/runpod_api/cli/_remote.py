"""SSH to a pod through fabric: find its address, pick the key, check its host key, run and copy.

Imported only by `runpod pod ssh|exec|sync`, so fabric and paramiko never load for other commands.

- The address is the pod's public mapping of port 22, as Runpod reports it (`Pod.public_address(22)`).
- The key: `--identity` if given; otherwise the local private keys (`~/.runpod/ssh`, `~/.ssh/id_*`) whose
  public half is one of the account's keys, and ssh-agent when it runs. An account without any key is
  told so before anything is tried.
- Host keys are checked against `~/.ssh/known_hosts` and `~/.runpod/known_hosts`. An unknown key is
  refused unless `--accept-new-host-key` is given or the person at the terminal accepts its fingerprint;
  it is then added to `~/.runpod/known_hosts`. A key that differs from the one known is always refused.
- Every path put into a remote shell command is quoted (`shlex.quote`).
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import secrets
import shlex
import sys
import tarfile
import tempfile
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import paramiko
import typer
from fabric import Config, Connection
from invoke.exceptions import UnexpectedExit

from ..types.pods import TERMINAL_STATUSES
from . import _render
from ._config_file import make_private_dir
from ._errors import EXIT_USAGE, CliError
from ._sshkeys import PublicKey, local_keys

if TYPE_CHECKING:
    from .._client import Runpod

__all__ = ("Location", "Session", "SyncSummary", "known_hosts_path", "open_session", "quote_path", "sync")

DEFAULT_REMOTE_DIR = "/workspace"
_WAIT_FOR_POD = 600.0
_POLL_POD = 5.0


def known_hosts_path(home: Path | None = None) -> Path:
    """Where host keys accepted by `runpod` are kept: `~/.runpod/known_hosts` (OpenSSH's format)."""
    return (home or Path.home()) / ".runpod" / "known_hosts"


def quote_path(path: str) -> str:
    """Quote a remote path for a POSIX shell; a leading `~/` still means the home directory."""
    if path == "~":
        return '"$HOME"'
    if path.startswith("~/"):
        return '"$HOME"/' + shlex.quote(path[2:])
    return shlex.quote(path)


class _UnknownHostKeyError(Exception):
    def __init__(self, hostname: str, key: paramiko.PKey) -> None:
        super().__init__(hostname)
        self.hostname = hostname
        self.key = key


def _fingerprint(key: paramiko.PKey) -> str:
    return f"{key.get_name()} {key.fingerprint}"


class _HostKeyPolicy(paramiko.MissingHostKeyPolicy):
    """Decide about a host key nobody has seen: refuse it, or keep it when the user said to trust it."""

    def __init__(self, known_hosts: Path, *, accept_new: bool, pod_id: str) -> None:
        self.known_hosts = known_hosts
        self.accept_new = accept_new
        self.pod_id = pod_id

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        if not (self.accept_new or self._ask(hostname, key)):
            raise _UnknownHostKeyError(hostname, key)
        make_private_dir(self.known_hosts.parent)
        line = paramiko.hostkeys.HostKeyEntry([hostname], key).to_line()
        fd = os.open(self.known_hosts, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(line)
        client.get_host_keys().add(hostname, key.get_name(), key)

    def _ask(self, hostname: str, key: paramiko.PKey) -> bool:
        if not sys.stdin.isatty():
            return False
        question = (
            f"The host key of pod {self.pod_id} ({hostname}) is not known yet: {_fingerprint(key)}. "
            "Trust it and connect?"
        )
        return typer.confirm(question, default=False, err=True)


@dataclass(frozen=True, slots=True)
class _Target:
    pod_id: str
    host: str
    port: int


def _resolve(client: Runpod, pod_id: str) -> _Target:
    pod = client.pods.get(pod_id)
    if pod.desired_status in TERMINAL_STATUSES:
        raise CliError(f"pod {pod_id} is {pod.desired_status}: start it first with `runpod pod resume {pod_id}`")
    if not pod.is_running:
        interrupted = f"stopped waiting for pod {pod_id} to run"
        with _render.progress(f"Waiting for pod {pod_id} to run", on_interrupt=interrupted):
            pod = client.pods.wait_until_running(pod_id, max_wait=_WAIT_FOR_POD, poll_interval=_POLL_POD)
    address = pod.public_address(22)
    if address is None:
        raise CliError(
            f"pod {pod_id} has no public SSH port: it needs port 22/tcp exposed with a public IP "
            "(create it with `--ports 22/tcp`)"
        )
    return _Target(pod_id, address[0], address[1])


def _key_files(client: Runpod, identities: Sequence[str]) -> tuple[list[str], bool]:
    """The private key files to offer, and whether to ask ssh-agent too."""
    if identities:
        paths = [Path(i).expanduser() for i in identities]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CliError(f"no such private key file: {', '.join(missing)}", EXIT_USAGE)
        return [str(p) for p in paths], False
    account = [k for k in (PublicKey.parse(line) for line in client.user.get().ssh_keys) if k is not None]
    if not account:
        raise CliError(
            "your Runpod account has no SSH public key, so no pod accepts an SSH login: add one with "
            "`runpod ssh add-key`, then restart the pod (it gets the account's keys when it starts)"
        )
    matches = [str(k.path) for k in local_keys() if any(k.public.same_key(a) for a in account)]
    agent = bool(os.environ.get("SSH_AUTH_SOCK"))
    if not matches and not agent:
        raise CliError(
            f"none of the private keys on this machine (~/.runpod/ssh, ~/.ssh/id_*) is one of the {len(account)} "
            "SSH keys of your Runpod account: pass --identity PATH, or add a key with `runpod ssh add-key`"
        )
    return matches, agent


def _connect_error(target: _Target, exc: BaseException) -> CliError:
    where = f"pod {target.pod_id} at {target.host}:{target.port}"
    known = known_hosts_path()
    if isinstance(exc, _UnknownHostKeyError):
        return CliError(
            f"refusing to connect to {where}: its host key is not known ({_fingerprint(exc.key)}); if you trust "
            f"it, run again with --accept-new-host-key (it is then kept in {known})"
        )
    if isinstance(exc, paramiko.BadHostKeyException):
        name = target.host if target.port == 22 else f"[{target.host}]:{target.port}"
        return CliError(
            f"refusing to connect to {where}: its host key CHANGED (now {_fingerprint(exc.key)}, known "
            f"{exc.expected_key.fingerprint}): someone may be intercepting the connection; if the pod was "
            f"recreated, remove the old key with: ssh-keygen -R '{name}' -f {known}"
        )
    if isinstance(exc, paramiko.AuthenticationException):
        return CliError(
            f"{where} refused the SSH keys offered ({exc}); a pod gets the account's keys when it starts, "
            "so restart it after adding a key"
        )
    if isinstance(exc, TimeoutError):
        return CliError(f"cannot connect to {where}: timed out")
    if isinstance(exc, paramiko.SSHException):
        return CliError(f"SSH to {where} failed: {exc}")
    return CliError(f"cannot connect to {where}: {getattr(exc, 'strerror', None) or exc}")


class Session:
    """An open SSH connection to one pod."""

    def __init__(self, connection: Connection, target: _Target) -> None:
        self._connection = connection
        self.target = target

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._connection.close()

    @contextlib.contextmanager
    def _translated(self) -> Generator[None]:
        try:
            yield
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise CliError(f"the SSH connection to pod {self.target.pod_id} failed: {exc}") from None

    def shell(self) -> int:
        """Run an interactive login shell; return its exit status."""
        with self._translated():
            try:
                result = self._connection.shell()
            except UnexpectedExit as exc:  # fabric's shell() raises on a non-zero status, whatever its docs say
                result = exc.result
        return _status(result.exited)

    def exec(self, argv: Sequence[str], *, cwd: str | None = None) -> int:
        """Run a command (each word quoted), with stdin, stdout and stderr passed through; return its status."""
        command = shlex.join(argv)
        if cwd:
            command = f"cd {quote_path(cwd)} && {command}"
        with self._translated():
            result = self._connection.run(command, warn=True, hide=False, pty=False)
        return _status(result.exited)

    def check(self, command: str) -> str:
        """Run a command quietly; return its stdout, or fail with its stderr.

        Raises:
            CliError: The command exited non-zero.
        """
        with self._translated():
            result = self._connection.run(command, warn=True, hide=True, pty=False, in_stream=False)
        if result.exited != 0:
            detail = (result.stderr or result.stdout).strip() or f"exit status {result.exited}"
            raise CliError(f"on pod {self.target.pod_id}: {detail}")
        return result.stdout

    def succeeds(self, command: str) -> bool:
        """Whether a quiet command exits 0."""
        with self._translated():
            return self._connection.run(command, warn=True, hide=True, pty=False, in_stream=False).exited == 0

    def put(self, local: Path, remote: str) -> None:
        """Copy a local file to the pod (SFTP)."""
        with self._translated():
            self._connection.put(str(local), remote=remote)

    def get(self, remote: str, local: Path) -> None:
        """Copy a file from the pod (SFTP)."""
        with self._translated():
            self._connection.get(remote, local=str(local))


def _status(exited: Any) -> int:
    return exited if isinstance(exited, int) and exited >= 0 else 255


def open_session(
    client: Runpod,
    pod_id: str,
    *,
    user: str,
    identities: Sequence[str],
    accept_new_host_key: bool,
    connect_timeout: float,
) -> Session:
    """Connect to a pod over SSH, its host key checked.

    Raises:
        CliError: The pod is stopped or has no public SSH port, no usable key was found, the host key is
            unknown (and not accepted) or changed, or the connection failed.
    """
    keys, agent = _key_files(client, identities)
    target = _resolve(client, pod_id)
    connection = Connection(
        target.host,
        user=user,
        port=target.port,
        connect_timeout=max(1, round(connect_timeout)),
        # An empty SSH config: the user's ~/.ssh/config must not change which host or key is used here.
        config=Config(ssh_config=paramiko.SSHConfig()),
        connect_kwargs={"key_filename": keys, "look_for_keys": False, "allow_agent": agent},
    )
    ssh = connection.client
    assert ssh is not None  # fabric makes it in the constructor
    ssh.load_system_host_keys()
    known = known_hosts_path()
    if known.is_file():
        ssh.load_host_keys(str(known))
    ssh.set_missing_host_key_policy(_HostKeyPolicy(known, accept_new=accept_new_host_key, pod_id=pod_id))
    try:
        connection.open()
    except (_UnknownHostKeyError, paramiko.SSHException, OSError) as exc:
        connection.close()
        raise _connect_error(target, exc) from None
    return Session(connection, target)


# -- sync ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Location:
    """One side of a copy: a local path, or a path on a pod (`POD_ID:PATH`)."""

    pod_id: str | None
    path: str

    @classmethod
    def parse(cls, text: str) -> Location:
        """Read `POD_ID:PATH` (a pod; `POD_ID:` alone is /workspace) or a local path (no colon before a slash)."""
        head, sep, tail = text.partition(":")
        if sep and head and "/" not in head:
            return cls(head, tail or DEFAULT_REMOTE_DIR)
        return cls(None, text)


@dataclass(frozen=True, slots=True)
class SyncSummary:
    """What a copy moved."""

    files: int
    bytes: int


def _excluded(relative: str, patterns: Sequence[str]) -> bool:
    parts = PurePosixPath(relative).parts
    return any(fnmatch.fnmatch(relative, p) or any(fnmatch.fnmatch(part, p) for part in parts) for p in patterns)


def _pack(source: Path, arcname: str, archive: Path, excludes: Sequence[str]) -> SyncSummary:
    files = size = 0

    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        nonlocal files, size
        relative = info.name.removeprefix("./")
        if relative not in (".", arcname) and _excluded(relative, excludes):
            return None
        if info.isfile():
            files, size = files + 1, size + info.size
        return info

    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source, arcname=arcname, filter=keep)
    return SyncSummary(files, size)


def _unpack(archive: Path, destination: Path) -> SyncSummary:
    destination.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
        if hasattr(tarfile, "data_filter"):
            # The "data" filter refuses absolute paths, `..`, links out of the tree and device files.
            tar.extractall(destination, filter="data")
        else:  # Python 3.11.0 to 3.11.3 have no extraction filters: check each member ourselves.
            tar.extractall(destination, members=checked_members(members, destination))
    regular = [m for m in members if m.isfile()]
    return SyncSummary(len(regular), sum(m.size for m in regular))


def checked_members(members: Sequence[tarfile.TarInfo], destination: Path) -> list[tarfile.TarInfo]:
    """Refuse what the "data" extraction filter refuses, for Pythons that lack it.

    Raises:
        CliError: a member is not a file, directory or link, or it (or a link's target) leaves `destination`.
    """
    root = destination.resolve()

    def inside(path: Path) -> bool:
        return path.resolve().is_relative_to(root)

    for member in members:
        name = PurePosixPath(member.name)
        if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
            raise CliError(f"the archive holds {member.name!r}, which is not a file, directory or link")
        if name.is_absolute() or not inside(root / name):
            raise CliError(f"the archive holds {member.name!r}, which would land outside {destination}")
        if member.issym():
            target = PurePosixPath(member.linkname)
            if target.is_absolute() or not inside(root / name.parent / target):
                raise CliError(f"the archive's link {member.name!r} points outside {destination}")
        elif member.islnk() and (PurePosixPath(member.linkname).is_absolute() or not inside(root / member.linkname)):
            raise CliError(f"the archive's link {member.name!r} points outside {destination}")
    return list(members)


def _remote_temp() -> str:
    return f"/tmp/runpod-sync-{secrets.token_hex(8)}.tar.gz"


def _upload(session: Session, source: Path, destination: str, excludes: Sequence[str], scratch: Path) -> SyncSummary:
    if not source.exists():
        raise CliError(f"no such file or directory: {source}", EXIT_USAGE)
    archive = scratch / "upload.tar.gz"
    remote_dir = destination if source.is_dir() else str(PurePosixPath(destination).parent)
    arcname = "." if source.is_dir() else PurePosixPath(destination).name
    summary = _pack(source, arcname, archive, excludes)
    temp = _remote_temp()
    session.put(archive, temp)
    session.check(
        f"mkdir -p {quote_path(remote_dir)} && tar -xzf {quote_path(temp)} --no-same-owner "
        f"-C {quote_path(remote_dir)}; status=$?; rm -f {quote_path(temp)}; exit $status"
    )
    return summary


def _download(session: Session, source: str, destination: Path, excludes: Sequence[str], scratch: Path) -> SyncSummary:
    quoted = quote_path(source)
    if session.succeeds(f"test -d {quoted}"):
        directory, members = quoted, "."
    elif session.succeeds(f"test -f {quoted}"):
        path = PurePosixPath(source)
        directory, members = quote_path(str(path.parent)), shlex.quote(path.name)
    else:
        raise CliError(f"no such file or directory on pod {session.target.pod_id}: {source}", EXIT_USAGE)
    temp = _remote_temp()
    options = " ".join(shlex.quote(f"--exclude={p}") for p in excludes)
    session.check(f"tar -czf {quote_path(temp)} {options} -C {directory} {members}")
    archive = scratch / "download.tar.gz"
    try:
        session.get(temp, archive)
    finally:
        session.check(f"rm -f {quote_path(temp)}")
    if members == ".":
        return _unpack(archive, destination)
    unpacked = scratch / "file"
    summary = _unpack(archive, unpacked)
    destination.parent.mkdir(parents=True, exist_ok=True)
    os.replace(unpacked / PurePosixPath(source).name, destination)
    return summary


def sync(
    client: Runpod,
    source: Location,
    destination: Location,
    *,
    excludes: Sequence[str],
    user: str,
    identities: Sequence[str],
    accept_new_host_key: bool,
    connect_timeout: float,
) -> SyncSummary:
    """Copy a file or directory between this machine and a pod, or between two pods (through here).

    Raises:
        CliError: Neither side is a pod, a path does not exist, or SSH failed.
    """
    if source.pod_id is None and destination.pod_id is None:
        raise CliError("one side must be on a pod: POD_ID:PATH", EXIT_USAGE)

    def connect(pod_id: str) -> Session:
        return open_session(
            client,
            pod_id,
            user=user,
            identities=identities,
            accept_new_host_key=accept_new_host_key,
            connect_timeout=connect_timeout,
        )

    summary = SyncSummary(0, 0)
    with tempfile.TemporaryDirectory(prefix="runpod-sync-") as scratch_dir:
        scratch = Path(scratch_dir)
        local_source = Path(source.path).expanduser()
        if source.pod_id is not None:
            local_source = scratch / "copy" if destination.pod_id is not None else Path(destination.path).expanduser()
            with connect(source.pod_id) as session, _render.progress(f"Copying from pod {source.pod_id}"):
                summary = _download(session, source.path, local_source, excludes, scratch)
        if destination.pod_id is not None:
            with connect(destination.pod_id) as session, _render.progress(f"Copying to pod {destination.pod_id}"):
                summary = _upload(session, local_source, destination.path, excludes, scratch)
    return summary
