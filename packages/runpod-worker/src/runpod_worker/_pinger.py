"""The heartbeat process: pings the platform on a fixed cadence, whatever the worker process is doing.

A handler can hold the GIL for seconds inside one C call (a regular expression, a tokenizer); a thread in the
worker process would then miss its beats and the platform would take a busy worker for a dead one. So the
heartbeat is this small program in its own process. It uses only the standard library and is started as a
script (`python -I _pinger.py`), so it imports nothing else and stays small.

The parent writes one JSON line of settings to its stdin, then a line with the comma-separated ids of the
jobs in progress whenever they change. The first ping goes out at once and the program then prints `ready`.
It ignores SIGINT and SIGTERM (the worker's graceful shutdown must keep beating) and exits when its stdin
closes, which is also what happens when the parent dies.

Each ping is one small GET on a fresh connection, written with the socket module: http.client would pull in the
email package, and `ssl` is loaded only for an https URL.
"""

from __future__ import annotations

import json
import signal
import socket
import sys
import threading
import time
from typing import IO, Any
from urllib.parse import quote, urlsplit

__all__ = ("PingError", "beat", "http_get_status", "main", "ping_url")

_LEVELS = {10: "DEBUG", 20: "INFO", 30: "WARN", 40: "ERROR"}


def ping_url(url: str, job_ids: list[str], version: str) -> str:
    """The heartbeat URL: the template plus `job_id` (comma-separated, left out when empty) and `runpod_version`."""
    params = []
    if job_ids:
        params.append("job_id=" + ",".join(quote(job_id, safe="") for job_id in job_ids))
    params.append("runpod_version=" + quote(version, safe=""))
    return f"{url}{'&' if '?' in url else '?'}{'&'.join(params)}"


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
        self.job_ids: list[str] = []
        self.closed = threading.Event()
        self._failing = False

    def log(self, level: int, message: str) -> None:
        if level < self.log_level:
            return
        name = _LEVELS.get(level, "INFO")
        if self.log_json:
            line = json.dumps({"requestId": None, "message": message, "level": name})
        else:
            line = f"{name:<7}| {message}"
        print(line, file=self.err, flush=True)

    def read_updates(self, stdin: IO[str]) -> None:
        for line in stdin:
            self.job_ids = [job_id for job_id in line.strip().split(",") if job_id]
        self.closed.set()

    def ping(self) -> None:
        try:
            status = http_get_status(ping_url(self.url, self.job_ids, self.version), self.headers, self.timeout)
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
        self.log(10, f"Heartbeat sent, HTTP {status}, jobs in progress: {len(self.job_ids)}")

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
    """Read the settings line from `stdin`, then ping until `stdin` ends, taking job-id lines as they come."""
    first = stdin.readline()
    if not first.strip():
        return
    pinger = _Pinger(json.loads(first), stderr)
    threading.Thread(target=pinger.read_updates, args=(stdin,), daemon=True).start()
    pinger.run(stdout)


if __name__ == "__main__":
    sys.exit(main())
