"""A real OpenSSH server on 127.0.0.1 for the `runpod pod ssh|exec|sync` tests.

Debian's openssh-server is installed with apt-get when `sshd` is missing (CI starts from a clean machine
and runs as root). Each server gets a temporary host key, an authorized_keys file of the test's choosing
and a free port; it is stopped (and its port released) when the test is done.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = Path("/usr/sbin/sshd")
_APT_LOCK = Path("/tmp/runpod-api-tests-apt.lock")


def _apt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Wait for dpkg's lock rather than fail when something else is installing packages at the same time.
    command = ["apt-get", "-o", "DPkg::Lock::Timeout=600", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)


def ensure_openssh_server() -> Path:
    """Return the path of sshd, installing Debian's openssh-server first when it is missing.

    Raises:
        RuntimeError: It is missing and cannot be installed here (not root, or apt-get failed).
    """
    if SSHD.exists():
        return SSHD
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise RuntimeError(
            "these tests need sshd: run them as root on Debian (they install openssh-server themselves), "
            "or install it first: apt-get install openssh-server"
        )
    # Several test runs on one machine may get here at once: one installs, the others then find it.
    with _APT_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not SSHD.exists():
            installed = _apt("install", "-y", "--no-install-recommends", "openssh-server")
            if installed.returncode != 0:
                updated = _apt("update")
                if updated.returncode != 0:
                    raise RuntimeError(f"apt-get update failed: {updated.stderr[-2000:]}")
                installed = _apt("install", "-y", "--no-install-recommends", "openssh-server")
            if installed.returncode != 0:
                raise RuntimeError(f"apt-get install openssh-server failed: {installed.stderr[-2000:]}")
    return SSHD


def keygen(path: Path, comment: str = "test") -> str:
    """Make an ed25519 key pair at `path` (no passphrase); return the public key line."""
    ensure_openssh_server()  # brings ssh-keygen too (openssh-client) on a clean machine
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path.with_name(path.name + ".pub").read_text().strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Sshd:
    """A running sshd: where it listens, its host key, and who may log in."""

    host: str
    port: int
    host_key: Path
    authorized_keys: Path
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def host_public_key(self) -> str:
        """The server's host key line (`ssh-ed25519 AAAA...`)."""
        return self.host_key.with_name(self.host_key.name + ".pub").read_text().strip()

    def authorize(self, public_key_line: str) -> None:
        """Let a key log in."""
        with self.authorized_keys.open("a") as handle:
            handle.write(public_key_line.strip() + "\n")

    def stop(self) -> None:
        """Stop the server and wait for it to exit."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_sshd(workdir: Path, *, host_key: Path | None = None) -> Sshd:
    """Start sshd on a free port of 127.0.0.1 with its own host key (made here unless given).

    Raises:
        RuntimeError: sshd would not start (its log is in the message).
    """
    sshd = ensure_openssh_server()
    workdir.mkdir(parents=True, exist_ok=True)
    if host_key is None:
        host_key = workdir / "host_ed25519"
        keygen(host_key, "host")
    authorized = workdir / "authorized_keys"
    authorized.touch()
    log = workdir / "sshd.log"
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # Debian's privilege separation directory
    for _ in range(5):
        port = _free_port()
        config = workdir / "sshd_config"
        config.write_text(
            "\n".join(
                [
                    f"Port {port}",
                    "ListenAddress 127.0.0.1",
                    f"HostKey {host_key}",
                    f"AuthorizedKeysFile {authorized}",
                    f"PidFile {workdir / 'sshd.pid'}",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PermitRootLogin prohibit-password",
                    "UsePAM no",
                    "StrictModes no",
                    "Subsystem sftp internal-sftp",
                    "LogLevel VERBOSE",
                    "",
                ]
            )
        )
        process = subprocess.Popen([str(sshd), "-D", "-E", str(log), "-f", str(config)])
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and process.poll() is None and not _accepts(port):
            time.sleep(0.05)
        if process.poll() is None and _accepts(port):
            return Sshd("127.0.0.1", port, host_key, authorized, log, process)
        process.kill()
        process.wait(timeout=10)
    raise RuntimeError(f"sshd did not start: {log.read_text() if log.exists() else 'no log'}")
