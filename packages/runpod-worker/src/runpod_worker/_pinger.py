"""The heartbeat process: pings the platform on a fixed cadence, whatever the worker process is doing.

A handler can hold the GIL for seconds inside one C call (a regular expression, a tokenizer); a thread in the
worker process would then miss its beats and the platform would take a busy worker for a dead one. So the
heartbeat is this small program in its own process. It uses only the standard library and is started as a
script (`python -I _pinger.py`), so it imports nothing else and stays small.

The parent writes one JSON line of settings to its stdin, then a line with the comma-separated ids of the
jobs in progress whenever they change. The first ping goes out at once and the program then prints `ready`.
It ignores SIGINT and SIGTERM (the worker's graceful shutdown must keep beating) and exits when its stdin
closes, which is also what happens when the parent dies.
"""

from __future__ import annotations

import http.client
import json
import signal
import sys
import threading
import time
from typing import IO, Any
from urllib.parse import quote, urlsplit

_LEVELS = {10: "DEBUG", 20: "INFO", 30: "WARN", 40: "ERROR"}


def ping_url(url: str, job_ids: list[str], version: str) -> str:
    """The heartbeat URL: the template plus `job_id` (comma-separated, left out when empty) and `runpod_version`."""
    params = []
    if job_ids:
        params.append("job_id=" + ",".join(quote(job_id, safe="") for job_id in job_ids))
    params.append("runpod_version=" + quote(version, safe=""))
    return f"{url}{'&' if '?' in url else '?'}{'&'.join(params)}"


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
        self._conn: http.client.HTTPConnection | None = None
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

    def _connection(self) -> tuple[http.client.HTTPConnection, str]:
        parts = urlsplit(ping_url(self.url, self.job_ids, self.version))
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if self._conn is None:
            if parts.scheme == "https":
                self._conn = http.client.HTTPSConnection(parts.netloc, timeout=self.timeout)
            else:
                self._conn = http.client.HTTPConnection(parts.netloc, timeout=self.timeout)
        return self._conn, target

    def ping(self) -> None:
        conn, target = self._connection()
        try:
            conn.request("GET", target, headers=self.headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            self._conn = None
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
    """Run the heartbeat until stdin closes."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    first = stdin.readline()
    if not first.strip():
        return 0
    pinger = _Pinger(json.loads(first), stderr)
    threading.Thread(target=pinger.read_updates, args=(stdin,), daemon=True).start()
    pinger.run(stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
