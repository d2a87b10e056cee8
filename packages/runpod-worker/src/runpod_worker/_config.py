"""What the platform tells a worker through its environment, read once when the worker starts."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from ._exceptions import ConfigError

__all__ = ("LOG_LEVELS", "WorkerConfig", "parse_log_level")

#: The values `RUNPOD_LOG_LEVEL` accepts (any case), and the stdlib level each one means.
LOG_LEVELS: Mapping[str, int] = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
}

_DEFAULT_PING_INTERVAL_MS = 10_000


def parse_log_level(value: str, *, source: str) -> int:
    """Turn a log level name into a stdlib level, or fail naming where the bad value came from.

    Args:
        value: the name, such as `"INFO"` or `"warn"`.
        source: where the value came from (an environment variable or a flag), for the error message.

    Raises:
        ConfigError: the name is not one of `LOG_LEVELS`.
    """
    level = LOG_LEVELS.get(value.strip().upper())
    if level is None:
        allowed = ", ".join(LOG_LEVELS)
        raise ConfigError(f"{source}={value!r} is not a log level; use one of {allowed}")
    return level


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerConfig:
    """The platform's settings for one worker process, as the `RUNPOD_*` environment variables give them.

    URL templates keep the placeholders the platform fills per request: `$ID` in `job_done_url` and
    `job_stream_url` is the job id. The worker id is already substituted everywhere else.
    """

    worker_id: str
    """`RUNPOD_POD_ID`, or a random id when unset (the heartbeat then stays off)."""
    job_take_url: str | None = None
    """`RUNPOD_WEBHOOK_GET_JOB` with `$ID` replaced by the worker id; None means no job queue (local modes)."""
    job_done_url: str | None = None
    """`RUNPOD_WEBHOOK_POST_OUTPUT` with `$RUNPOD_POD_ID` replaced; `$ID` stays for the job id."""
    job_stream_url: str | None = None
    """`RUNPOD_WEBHOOK_POST_STREAM` with `$RUNPOD_POD_ID` replaced; `$ID` stays for the job id."""
    ping_url: str | None = None
    """`RUNPOD_WEBHOOK_PING` with `$RUNPOD_POD_ID` replaced."""
    ping_interval: float = _DEFAULT_PING_INTERVAL_MS / 1000
    """Seconds between heartbeats (`RUNPOD_PING_INTERVAL` is in milliseconds)."""
    api_key: str | None = field(default=None, repr=False)
    """`RUNPOD_AI_API_KEY`, sent raw in the `Authorization` header. Never shown in reprs or logs."""
    hostname: str = "unknown"
    """`RUNPOD_POD_HOSTNAME`, reported in error results."""
    endpoint_id: str | None = None
    """`RUNPOD_ENDPOINT_ID`; when set the worker logs JSON lines."""
    log_level: int = logging.INFO
    """`RUNPOD_LOG_LEVEL` (or the older `RUNPOD_DEBUG_LEVEL`) as a stdlib level; INFO when unset."""
    has_pod_id: bool = False
    """Whether `RUNPOD_POD_ID` was set (the heartbeat needs it, as the platform's own SDK does)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> WorkerConfig:
        """Read the worker's settings from an environment mapping (pass `os.environ`, or a dict in tests).

        Raises:
            ConfigError: a variable is set to a value the worker cannot use; the message names it.
        """
        pod_id = environ.get("RUNPOD_POD_ID") or ""
        worker_id = pod_id or str(uuid.uuid4())

        def url(name: str, placeholder: str) -> str | None:
            value = environ.get(name, "").strip()
            if not value:
                return None
            if not value.startswith(("http://", "https://")):
                raise ConfigError(f"{name}={value!r} is not an http(s) URL")
            return value.replace(placeholder, worker_id)

        take = url("RUNPOD_WEBHOOK_GET_JOB", "$ID")
        done = url("RUNPOD_WEBHOOK_POST_OUTPUT", "$RUNPOD_POD_ID")
        if take is not None and done is None:
            raise ConfigError(
                "RUNPOD_WEBHOOK_GET_JOB is set but RUNPOD_WEBHOOK_POST_OUTPUT is not: the worker could take jobs "
                "but never post their results"
            )

        level_source = "RUNPOD_LOG_LEVEL" if environ.get("RUNPOD_LOG_LEVEL") else "RUNPOD_DEBUG_LEVEL"
        level_value = environ.get(level_source) or "INFO"

        return cls(
            worker_id=worker_id,
            has_pod_id=bool(pod_id),
            job_take_url=take,
            job_done_url=done,
            job_stream_url=url("RUNPOD_WEBHOOK_POST_STREAM", "$RUNPOD_POD_ID"),
            ping_url=url("RUNPOD_WEBHOOK_PING", "$RUNPOD_POD_ID"),
            ping_interval=_ping_interval(environ.get("RUNPOD_PING_INTERVAL")),
            api_key=environ.get("RUNPOD_AI_API_KEY") or None,
            hostname=environ.get("RUNPOD_POD_HOSTNAME") or "unknown",
            endpoint_id=environ.get("RUNPOD_ENDPOINT_ID") or None,
            log_level=parse_log_level(level_value, source=level_source),
        )

    @property
    def heartbeat_enabled(self) -> bool:
        """Whether this worker sends heartbeats: it needs the ping URL, the pod id and the API key."""
        return bool(self.ping_url and self.has_pod_id and self.api_key)


def _ping_interval(raw: str | None) -> float:
    if raw is None or not raw.strip():
        return _DEFAULT_PING_INTERVAL_MS / 1000
    try:
        millis = int(raw.strip())
    except ValueError:
        raise ConfigError(f"RUNPOD_PING_INTERVAL={raw!r} is not a whole number of milliseconds") from None
    if millis <= 0:
        raise ConfigError(f"RUNPOD_PING_INTERVAL={raw!r} must be a positive number of milliseconds")
    return millis / 1000
