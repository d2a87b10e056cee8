"""The heartbeat process: pings the platform on a fixed cadence, whatever the worker process is doing.

A handler can hold the GIL for seconds inside one C call (a regular expression, a tokenizer); a thread in the
worker process would then miss its beats and the platform would take a busy worker for a dead one. So the
heartbeat is this small program in its own process. It uses only the standard library and is started as a
script (`python -I _pinger.py`), so it imports nothing else and stays small.

The parent writes one JSON line of settings to its stdin. The ids of the jobs in progress reach it through a
`JobMirror`, a small shared memory file the parent writes whenever they change and this process reads before each
ping: an update costs the worker a few memory stores, never a system call or a wake-up of this process, and is
in place before a job's handler starts. The first ping goes out at once and the program then prints `ready`.
It ignores SIGINT and SIGTERM (the worker's graceful shutdown must keep beating) and exits when its stdin
closes, which is also what happens when the parent dies.

Each ping is one small GET on a fresh connection, written with the socket module: http.client would pull in the
email package, and `ssl` is loaded only for an https URL.
"""

from __future__ import annotations

import json
import mmap
import os
import signal
import socket
import struct
import sys
import threading
import time
import zlib
from collections.abc import Iterable
from typing import IO, Any
from urllib.parse import quote, urlsplit

__all__ = ("JobMirror", "PingError", "beat", "http_get_status", "main", "ping_url")

_LEVELS = {10: "DEBUG", 20: "INFO", 30: "WARN", 40: "ERROR"}


def ping_url(url: str, job_ids: list[str], version: str) -> str:
    """The heartbeat URL: the template plus `job_id` (comma-separated, left out when empty) and `runpod_version`."""
    params = []
    if job_ids:
        params.append("job_id=" + ",".join(quote(job_id, safe="") for job_id in job_ids))
    params.append("runpod_version=" + quote(version, safe=""))
    return f"{url}{'&' if '?' in url else '?'}{'&'.join(params)}"


def _encode_ids(ids: list[str]) -> bytes:
    return _JSON.encode(ids).encode()


_JSON = json.JSONEncoder(separators=(",", ":"))


class JobMirror:
    """The ids of the jobs in progress, in shared memory: the worker writes them, the ping process reads them.

    Layout: a header (a sequence number, the data's length and its CRC-32) and the ids as a JSON list. The single
    writer makes the sequence number odd, writes, then makes it even again; a reader that sees an odd or changed
    number, or data that does not match its checksum, caught a write half-way and keeps the last list it read.

    Args:
        fd: a file descriptor of the shared file (`create` makes one; the ping process gets it inherited).
        size: the file's size in bytes.
        writable: map it for writing (the worker) or only for reading (the ping process).
    """

    _HEADER = struct.Struct("<QII")
    SIZE = 1 << 20
    """Bytes of shared memory (pages that are never written take no memory): some 25,000 job ids."""

    def __init__(self, fd: int, size: int = SIZE, *, writable: bool = False) -> None:
        self.fd = fd
        self.size = size
        self._map = mmap.mmap(fd, size, access=mmap.ACCESS_WRITE if writable else mmap.ACCESS_READ)
        self._sequence = 0
        self._last: list[str] = []

    @classmethod
    def create(cls, size: int = SIZE) -> JobMirror:
        """A new, empty mirror in a memory file (or an unlinked temporary file where there is no memfd)."""
        if hasattr(os, "memfd_create"):
            fd = os.memfd_create("runpod-worker-jobs")
        else:  # pragma: no cover - macOS and other systems without memfd
            import tempfile

            fd, path = tempfile.mkstemp(prefix="runpod-worker-jobs-")
            os.unlink(path)
        os.ftruncate(fd, size)
        return cls(fd, size, writable=True)

    def write(self, job_ids: Iterable[str]) -> bool:
        """Publish the ids of the jobs in progress; False if they did not all fit (the first ones that fit are kept)."""
        ids = list(job_ids)
        data = _encode_ids(ids)
        room = self.size - self._HEADER.size
        complete = len(data) <= room
        while len(data) > room:
            ids = ids[: len(ids) // 2]
            data = _encode_ids(ids)
        self._HEADER.pack_into(self._map, 0, self._sequence + 1, 0, 0)
        self._map[self._HEADER.size : self._HEADER.size + len(data)] = data
        self._sequence += 2
        self._HEADER.pack_into(self._map, 0, self._sequence, len(data), zlib.crc32(data))
        return complete

    def read(self) -> list[str]:
        """The ids last published; the previous list if a write is under way."""
        for _ in range(3):
            sequence, length, crc = self._HEADER.unpack_from(self._map, 0)
            if sequence % 2 or length > self.size - self._HEADER.size:
                continue
            data = self._map[self._HEADER.size : self._HEADER.size + length]
            if self._HEADER.unpack_from(self._map, 0)[0] != sequence or zlib.crc32(data) != crc:
                continue
            if sequence:
                ids = json.loads(data)
                self._last = [item for item in ids if isinstance(item, str)] if isinstance(ids, list) else []
            break
        return self._last

    def close(self) -> None:
        """Unmap the memory and close the file descriptor."""
        self._map.close()
        os.close(self.fd)


class PingError(Exception):
    """A ping got no HTTP status line back."""


def http_get_status(url: str, headers: dict[str, str], timeout: float) -> int:
    """Send one GET on a fresh connection and return the reply's status code."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if secure else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close", "Accept: */*"]
    # Never let a value break the request (a newline in a key would start a new header).
    lines += [f"{name}: {' '.join(value.split())}" for name, value in headers.items() if value]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")
    with socket.create_connection((host, port), timeout=timeout) as raw:
        conn = raw
        if secure:
            import ssl

            conn = ssl.create_default_context().wrap_socket(raw, server_hostname=host)
        with conn:
            conn.sendall(request)
            reply = b""
            while b"\r\n" not in reply and len(reply) < 65536:
                data = conn.recv(4096)
                if not data:
                    break
                reply += data
            # Read the rest so the server can close cleanly; the body is not needed.
            while len(reply) < 1 << 20 and (data := conn.recv(65536)):
                reply += data
    status_line = reply.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[1].isdigit():
        raise PingError(f"no HTTP status line in the reply: {reply[:80]!r}")
    return int(status_line[1])


class _Pinger:
    def __init__(self, settings: dict[str, Any], err: IO[str]) -> None:
        self.url: str = settings["url"]
        self.interval: float = float(settings["interval"])
        self.timeout: float = float(settings.get("timeout") or max(1.0, min(self.interval, 10.0)))
        self.version: str = settings.get("version", "")
        self.headers = {"Authorization": settings.get("api_key") or "", "User-Agent": settings.get("user_agent", "")}
        self.log_json = bool(settings.get("log_json"))
        self.log_level = int(settings.get("log_level", 20))
        self.err = err
        fd = settings.get("jobs_fd")
        self.mirror = JobMirror(int(fd), int(settings.get("jobs_size") or JobMirror.SIZE)) if fd is not None else None
        self.closed = threading.Event()
        self._failing = False

    @property
    def job_ids(self) -> list[str]:
        return self.mirror.read() if self.mirror is not None else []

    def log(self, level: int, message: str) -> None:
        if level < self.log_level:
            return
        name = _LEVELS.get(level, "INFO")
        if self.log_json:
            line = json.dumps({"requestId": None, "message": message, "level": name})
        else:
            line = f"{name:<7}| {message}"
        print(line, file=self.err, flush=True)

    def wait_for_end(self, stdin: IO[str]) -> None:
        for _ in stdin:
            pass
        self.closed.set()

    def ping(self) -> None:
        job_ids = self.job_ids
        try:
            status = http_get_status(ping_url(self.url, job_ids, self.version), self.headers, self.timeout)
        except (OSError, PingError) as exc:
            if not self._failing:
                self.log(30, f"Heartbeat failed, will keep trying: {type(exc).__name__}: {exc}")
            self._failing = True
            return
        if status >= 400:
            if not self._failing:
                self.log(30, f"Heartbeat answered HTTP {status}, will keep trying")
            self._failing = True
            return
        if self._failing:
            self.log(20, "Heartbeat recovered")
        self._failing = False
        self.log(10, f"Heartbeat sent, HTTP {status}, jobs in progress: {len(job_ids)}")

    def run(self, out: IO[str]) -> None:
        next_beat = time.monotonic()
        self.ping()
        print("ready", file=out, flush=True)
        while True:
            next_beat += self.interval
            now = time.monotonic()
            # After a slow ping, beat again at once rather than trying to catch up on the missed ones.
            next_beat = max(next_beat, now)
            if self.closed.wait(next_beat - now):
                return
            self.ping()


def main(stdin: IO[str] = sys.stdin, stdout: IO[str] = sys.stdout, stderr: IO[str] = sys.stderr) -> int:
    """Run the heartbeat process: ignore SIGINT and SIGTERM, then beat until stdin closes."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    beat(stdin, stdout, stderr)
    return 0


def beat(stdin: IO[str], stdout: IO[str], stderr: IO[str]) -> None:
    """Read the settings line from `stdin`, then ping until `stdin` ends, with the job ids its mirror holds."""
    first = stdin.readline()
    if not first.strip():
        return
    pinger = _Pinger(json.loads(first), stderr)
    threading.Thread(target=pinger.wait_for_end, args=(stdin,), daemon=True).start()
    pinger.run(stdout)


if __name__ == "__main__":
    sys.exit(main())
