"""Where SLURM's commands run: this machine (`LocalRunner`) or a login node over SSH (`SshRunner`).

A runner takes an argv and returns a `CommandResult`; it never raises for a non-zero exit (call
`CommandResult.check` for that), only when the command could not be run at all. The SSH library, fabric,
is imported only when an `SshRunner` first connects.
"""

from __future__ import annotations

import io
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .._exceptions import CommandError

if TYPE_CHECKING:
    from fabric import Connection

__all__ = ("CommandResult", "LocalRunner", "Runner", "SshRunner")

_NOT_FOUND = 127
_TIMED_OUT = 124
_SSH_FAILED = 255


@dataclass(frozen=True, slots=True)
class CommandResult:
    """A finished command: what ran, its exit status and its output."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def check(self) -> CommandResult:
        """Return this result if the command succeeded.

        Raises:
            CommandError: it exited non-zero; the error carries argv, status and output.
        """
        if self.returncode != 0:
            raise CommandError(self.argv, self.returncode, self.stdout, self.stderr)
        return self


class Runner(Protocol):
    """Runs a command somewhere and returns its result."""

    def run(self, argv: Sequence[str], *, input: str | None = None, timeout: float | None = None) -> CommandResult:
        """Run ``argv`` with ``input`` on its stdin, waiting at most ``timeout`` seconds.

        Raises:
            CommandError: the command could not be started or did not finish in time.
        """
        ...


class LocalRunner:
    """Runs commands on this machine as subprocesses."""

    def __init__(self, *, env: Mapping[str, str] | None = None, cwd: str | None = None) -> None:
        """Create a runner.

        Args:
            env: the commands' whole environment (this process's when None).
            cwd: their working directory (this process's when None).
        """
        self.env = dict(env) if env is not None else None
        self.cwd = cwd

    def run(self, argv: Sequence[str], *, input: str | None = None, timeout: float | None = None) -> CommandResult:
        """Run ``argv`` here; see `Runner.run`."""
        argv = tuple(argv)
        try:
            done = subprocess.run(
                argv, input=input, capture_output=True, text=True, timeout=timeout, env=self.env, cwd=self.cwd
            )
        except FileNotFoundError:
            raise CommandError(argv, _NOT_FOUND, "", f"{argv[0]}: command not found on this machine") from None
        except subprocess.TimeoutExpired as exc:
            raise CommandError(argv, _TIMED_OUT, _text(exc.stdout), f"timed out after {timeout} s") from None
        return CommandResult(argv, done.returncode, done.stdout, done.stderr)

    def __repr__(self) -> str:
        return "LocalRunner()"


class SshRunner:
    """Runs commands on another machine (a cluster's login node) over SSH.

    The host's key must already be known: it is checked against ``known_hosts`` (``~/.ssh/known_hosts``
    and the system's list when None), and an unknown or changed key refuses the connection.
    """

    def __init__(
        self,
        host: str,
        *,
        known_hosts: str | None = None,
        connect_timeout: float = 15.0,
        connect_kwargs: Mapping[str, object] | None = None,
    ) -> None:
        """Create a runner; nothing connects until the first command.

        Args:
            host: ``[user@]host[:port]``, or an alias from ``~/.ssh/config``.
            known_hosts: a known_hosts file to trust instead of the user's and the system's.
            connect_timeout: seconds to wait for the connection.
            connect_kwargs: passed on to paramiko's ``SSHClient.connect`` (``key_filename``...).
        """
        self.host = host
        self.known_hosts = known_hosts
        self.connect_timeout = connect_timeout
        self.connect_kwargs = dict(connect_kwargs or {})
        self._connection: Connection | None = None

    def _connect(self) -> Connection:
        if self._connection is None:
            import paramiko
            from fabric import Connection

            connection = Connection(
                self.host, connect_timeout=int(self.connect_timeout), connect_kwargs=self.connect_kwargs
            )
            client = connection.client
            assert client is not None
            # fabric trusts unknown hosts by default; we do not.
            client.set_missing_host_key_policy(paramiko.RejectPolicy())
            if self.known_hosts is None:
                client.load_system_host_keys()
            else:
                client.load_host_keys(self.known_hosts)
            self._connection = connection
        return self._connection

    def run(self, argv: Sequence[str], *, input: str | None = None, timeout: float | None = None) -> CommandResult:
        """Run ``argv`` on the remote host through its login shell; see `Runner.run`."""
        argv = tuple(argv)
        import invoke
        import paramiko

        try:
            result = self._connect().run(
                shlex.join(argv),
                hide=True,
                warn=True,
                # Always a stream, so the remote command sees end-of-file on its stdin instead of waiting.
                in_stream=io.StringIO(input or ""),
                timeout=timeout,
            )
        except invoke.CommandTimedOut:
            raise CommandError(argv, _TIMED_OUT, "", f"timed out after {timeout} s on {self.host}") from None
        except (paramiko.SSHException, OSError) as exc:
            self.close()
            raise CommandError(argv, _SSH_FAILED, "", f"ssh to {self.host!r} failed: {exc}") from None
        return CommandResult(argv, result.exited, result.stdout, result.stderr)

    def close(self) -> None:
        """Close the SSH connection, if one is open."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __repr__(self) -> str:
        return f"SshRunner({self.host!r})"


def _text(value: str | bytes | None) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value or ""
