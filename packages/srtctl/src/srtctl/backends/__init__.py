"""Inference engines srtctl launches, behind one protocol: :class:`Backend`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Backend as Backend
from .base import render_flags as render_flags
from .dynamo import DynamoBackend as DynamoBackend
from .mock import MockBackend as MockBackend
from .sglang import SGLangBackend as SGLangBackend

if TYPE_CHECKING:
    from ..config.schema import BackendType

__all__ = ("BACKENDS", "Backend", "DynamoBackend", "MockBackend", "SGLangBackend", "get_backend", "render_flags")

BACKENDS: dict[str, type[Backend]] = {cls.type: cls for cls in (SGLangBackend, DynamoBackend, MockBackend)}
"""Every backend, by its ``backend.type``."""


def get_backend(backend_type: BackendType) -> type[Backend]:
    """The backend class for ``backend.type`` (build it with the job's config to get commands)."""
    return BACKENDS[backend_type]
