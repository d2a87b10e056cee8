"""The worker's log lines: `LEVEL | job_id | message`, or JSON lines on the platform.

Modules log through `logging.getLogger(__name__)`. Only `start()` and `Worker.run()` install a handler, and
only on the package's own logger (`runpod_worker`), never the root logger. The job id comes from a context
variable that each job sets, so log lines from a handler's worker thread carry it too.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from contextvars import ContextVar
from typing import IO

__all__ = ("JSONFormatter", "PlainFormatter", "configure", "current_job")

PACKAGE_LOGGER = "runpod_worker"
_MAX_MESSAGE = 4096
_LEVEL_NAMES = {logging.WARNING: "WARN"}

#: The job the current task or thread works on, as `(job id, batch id or None)`.
current_job: ContextVar[tuple[str, str | None] | None] = ContextVar("runpod_worker_job", default=None)


def _message(record: logging.LogRecord, formatter: logging.Formatter) -> str:
    message = record.getMessage()
    job = current_job.get()
    if job is not None and job[1]:
        message = f"[batchId={job[1]}] {message}"
    if record.exc_info:
        message = f"{message}\n{formatter.formatException(record.exc_info)}"
    if len(message) > _MAX_MESSAGE:
        half = _MAX_MESSAGE // 2
        cut = len(message) - 2 * half
        message = f"{message[:half]}\n...TRUNCATED {cut} CHARACTERS...\n{message[-half:]}"
    return message


def _level(record: logging.LogRecord) -> str:
    return _LEVEL_NAMES.get(record.levelno, record.levelname)


class PlainFormatter(logging.Formatter):
    """`INFO   | job-1 | Finished.`: the level padded to seven characters, the job id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        """Format one record as a line."""
        job = current_job.get()
        prefix = f"{_level(record):<7}| "
        if job is not None:
            prefix += f"{job[0]} | "
        return prefix + _message(record, self)


class JSONFormatter(logging.Formatter):
    """`{"requestId": "job-1", "message": "Finished.", "level": "INFO"}`, the shape the platform's log view reads."""

    def format(self, record: logging.LogRecord) -> str:
        """Format one record as a JSON line."""
        job = current_job.get()
        entry = {"requestId": job[0] if job else None, "message": _message(record, self), "level": _level(record)}
        return json.dumps(entry, ensure_ascii=False)


def configure(level: int, *, json_lines: bool, stream: IO[str] | None = None) -> Callable[[], None]:
    """Send the package's log records to `stream` (stdout by default); returns a function that undoes it."""
    logger = logging.getLogger(PACKAGE_LOGGER)
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JSONFormatter() if json_lines else PlainFormatter())
    saved = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(level)
    # The worker owns its output format; records must not also reach handlers on the root logger.
    logger.propagate = False

    def restore() -> None:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]

    return restore
