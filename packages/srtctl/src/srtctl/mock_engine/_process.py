"""Start a mock engine as a child process and know when it serves: for tests, demos and local runs."""

from __future__ import annotations

import contextlib
import http.client
import json
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from types import TracebackType

from ._config import EngineConfig

__all__ = ("EngineProcess", "engine_command")


def engine_command(config: EngineConfig, *, python: str | None = None) -> list[str]:
    """The argv that runs `config` as `python -m srtctl.mock_engine ...` (only non-default flags are spelled)."""
    default = EngineConfig()
    argv = [python or sys.executable, "-m", "srtctl.mock_engine"]
    argv += ["--host", config.host, "--port", str(config.port), "--role", config.role.value]
    argv += ["--served-model-name", config.served_model_name]
    flags: list[tuple[str, object, object]] = [
        ("--model-path", config.model_path, None),
        ("--disaggregation-bootstrap-port", config.bootstrap_port, None),
        ("--prefill-ms-per-token", config.prefill_ms_per_token, default.prefill_ms_per_token),
        ("--decode-ms-per-token", config.decode_ms_per_token, default.decode_ms_per_token),
        ("--startup-delay", config.startup_delay, default.startup_delay),
        ("--exit-at-startup", config.exit_at_startup, None),
        ("--exit-after", config.exit_after, None),
        ("--exit-code", config.exit_code, default.exit_code),
        ("--error-rate", config.error_rate, default.error_rate),
        ("--api-key", config.api_key, None),
        ("--tp-size", config.tp_size, default.tp_size),
        ("--dp-size", config.dp_size, default.dp_size),
        ("--context-length", config.context_length, default.context_length),
        ("--port-file", config.port_file, None),
    ]
    for flag, value, unset in flags:
        if value != unset:
            argv += [flag, str(value)]
    if config.empty_completions:
        argv.append("--empty-completions")
    return argv


class EngineProcess:
    """A mock engine in a child process, started by `EngineProcess.start` and stopped with SIGTERM.

    Example: `with EngineProcess.start(EngineConfig(port=0)) as engine: httpx2.get(engine.url + "/health")`.
    """

    def __init__(self, process: subprocess.Popen[bytes], *, port: int, bootstrap_port: int | None, host: str) -> None:
        self.process = process
        self.port = port
        self.bootstrap_port = bootstrap_port
        self.host = host

    @property
    def url(self) -> str:
        """Base URL of the engine's API."""
        return f"http://{self.host}:{self.port}"

    @classmethod
    def start(
        cls,
        config: EngineConfig,
        *,
        log_path: Path | None = None,
        wait_ready: bool = True,
        timeout: float = 30.0,
    ) -> EngineProcess:
        """Start the engine, wait until it listens (and, with `wait_ready`, answers `/health` with 200).

        Args:
            config: the engine's settings; `port=0` picks a free port, which is then read back.
            log_path: where its stderr goes (appended); discarded when None.
            wait_ready: also wait out the startup delay.
            timeout: seconds to wait before giving up.

        Raises:
            RuntimeError: the process exited or did not listen in time; the message holds its log tail.
        """
        with tempfile.TemporaryDirectory(prefix="srtctl-mock-") as workdir:
            port_file = config.port_file or Path(workdir) / "ports.json"
            argv = engine_command(replace(config, port_file=port_file))
            with contextlib.ExitStack() as stack:
                log = stack.enter_context(open(log_path, "ab")) if log_path is not None else subprocess.DEVNULL
                process = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + timeout
            while not port_file.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    cls._give_up(process, log_path, "did not start listening")
                time.sleep(0.01)
            ports = json.loads(port_file.read_text())
        engine = cls(process, port=ports["port"], bootstrap_port=ports["bootstrap_port"], host=config.host)
        while wait_ready and not engine.is_healthy():
            if process.poll() is not None or time.monotonic() > deadline:
                cls._give_up(process, log_path, "did not become ready")
            time.sleep(0.02)
        return engine

    @staticmethod
    def _give_up(process: subprocess.Popen[bytes], log_path: Path | None, what: str) -> None:
        if process.poll() is None:
            process.kill()
        code = process.wait()
        tail = log_path.read_text(errors="replace")[-2000:] if log_path is not None else "(no log kept)"
        raise RuntimeError(f"mock engine {what} (exit code {code}); log tail:\n{tail}")

    def is_healthy(self) -> bool:
        """Whether `GET /health` answers 200 right now."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=5)
        try:
            conn.request("GET", "/health")
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def stop(self, timeout: float = 10.0) -> int:
        """Send SIGTERM, wait (SIGKILL after `timeout`), and return the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()

    def __enter__(self) -> EngineProcess:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
