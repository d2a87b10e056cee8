"""Frontends in front of the workers, behind one protocol (:class:`Frontend`), and their health parsers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Frontend as Frontend
from .base import HealthReport as HealthReport
from .dynamo import DynamoFrontend as DynamoFrontend
from .dynamo import check_dynamo_health as check_dynamo_health
from .sglang_router import SGLangRouterFrontend as SGLangRouterFrontend
from .sglang_router import check_sglang_router_health as check_sglang_router_health

if TYPE_CHECKING:
    from ..config.schema import FrontendType

__all__ = (
    "FRONTENDS",
    "DynamoFrontend",
    "Frontend",
    "HealthReport",
    "SGLangRouterFrontend",
    "check_dynamo_health",
    "check_sglang_router_health",
    "get_frontend",
)

FRONTENDS: dict[str, type[Frontend]] = {cls.type: cls for cls in (SGLangRouterFrontend, DynamoFrontend)}
"""Every frontend, by its ``frontend.type``."""


def get_frontend(frontend_type: FrontendType) -> type[Frontend]:
    """The frontend class for ``frontend.type`` (build it with the job's config to get commands)."""
    return FRONTENDS[frontend_type]
