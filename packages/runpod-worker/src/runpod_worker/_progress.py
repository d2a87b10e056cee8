"""`progress_update()`: a handler reports how far its job has come, from any thread."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ("progress_update",)

logger = logging.getLogger(__name__)

# Running jobs by id, each with the function that queues its progress updates. The runtime fills this.
_sinks: dict[str, Callable[[object], None]] = {}


def progress_update(job: Mapping[str, Any] | str, progress: object) -> None:
    """Send a progress update for a running job: the platform shows it as the job's output while it runs.

    Updates of one job reach the platform in the order they were made, and always before the job's final
    result. The call does not wait for the update to be sent. It can be made from an async handler, from the
    thread a sync handler runs in, or from any other thread.

    Args:
        job: the job dict the handler received (or its id).
        progress: any JSON value, such as `{"percent": 40}` or `"loading model"`.

    Raises:
        ProtocolError: `progress` is not JSON (NaN and Infinity included); the message says which part.
    """
    job_id = job if isinstance(job, str) else str(job.get("id"))
    sink = _sinks.get(job_id)
    if sink is None:
        logger.warning("progress_update for job %r, which is not running in this worker: ignored", job_id)
        return
    sink(progress)


def register(job_id: str, sink: Callable[[object], None]) -> None:
    """Route progress updates of a running job to `sink`."""
    _sinks[job_id] = sink


def unregister(job_id: str) -> None:
    """Stop routing progress updates of a job that ended."""
    _sinks.pop(job_id, None)
