"""What a mock engine is told to be: its role, address, model name and injected behaviour."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

__all__ = ("EngineConfig", "Role")


class Role(StrEnum):
    """The part an engine plays in a deployment."""

    PREFILL = "prefill"
    """Computes the prompt, then hands over to a decode engine through its bootstrap port."""
    DECODE = "decode"
    """Waits for its prefill partner, then streams the generated tokens."""
    AGGREGATED = "aggregated"
    """Does both, like a regular (non-disaggregated) engine."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineConfig:
    """Settings of one mock engine; every field has a command-line flag of the same name."""

    host: str = "127.0.0.1"
    """Address to listen on."""
    port: int = 30000
    """Port of the OpenAI-compatible API; 0 picks a free one."""
    role: Role = Role.AGGREGATED
    """Prefill, decode or aggregated."""
    served_model_name: str = "mock-model"
    """Model id reported by `/v1/models`, `/server_info` and every response."""
    model_path: str | None = None
    """Reported as the model path; defaults to the served model name."""
    bootstrap_port: int | None = None
    """Prefill only: port of the KV-handover listener that decode engines wait on (0 picks a free one)."""
    prefill_ms_per_token: float = 0.0
    """Prefill time per prompt token: the time to first token is prompt tokens times this."""
    decode_ms_per_token: float = 0.0
    """Time between generated tokens."""
    startup_delay: float = 0.0
    """Seconds during which `/health` and inference answer 503, as while loading weights."""
    exit_at_startup: int | None = None
    """Log a few startup lines, then exit with this code without serving (a crash at startup)."""
    exit_after: float | None = None
    """Exit this many seconds after start, dropping open connections (a crash while serving)."""
    exit_code: int = 1
    """Exit code used by `exit_after`."""
    empty_completions: bool = False
    """Answer every completion with zero generated tokens."""
    error_rate: float = 0.0
    """Fraction of inference requests answered with HTTP 500 (spread evenly, not at random)."""
    api_key: str | None = field(default=None, repr=False)
    """When set, every route but `/health` requires `Authorization: Bearer <key>`."""
    tp_size: int = 1
    """Tensor-parallel size reported by `/server_info`."""
    dp_size: int = 1
    """Data-parallel size reported by `/server_info`."""
    context_length: int = 131072
    """Largest prompt plus output, in tokens; longer requests get HTTP 400."""
    port_file: Path | None = None
    """When set, the bound ports are written here as JSON once the engine listens."""

    def __post_init__(self) -> None:
        for name in ("port", "bootstrap_port"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 65535:
                raise ValueError(f"{name} must be between 0 and 65535, got {value}")
        for name in ("prefill_ms_per_token", "decode_ms_per_token", "startup_delay"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value}")
        if self.exit_after is not None and not (math.isfinite(self.exit_after) and self.exit_after >= 0):
            raise ValueError(f"exit_after must be a finite number >= 0, got {self.exit_after}")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError(f"error_rate must be between 0 and 1, got {self.error_rate}")
        for name in ("tp_size", "dp_size", "context_length"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not self.served_model_name:
            raise ValueError("served_model_name must not be empty")

    @property
    def model(self) -> str:
        """The model path reported to clients."""
        return self.model_path or self.served_model_name
