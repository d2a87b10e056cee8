"""Small value types shared by every client: the "not given" sentinel and time limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, TypeAlias

__all__ = ("DEFAULT_TIMEOUT", "NOT_GIVEN", "NotGiven", "Timeout", "TimeoutTypes")


class NotGiven:
    """The type of `NOT_GIVEN`: "use the client's setting".

    `None` cannot play this part, because `timeout=None` already means "no time limit".
    """

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()
"""Marks a per-call option the caller left out, so the client's own setting applies."""


@dataclass(frozen=True, slots=True)
class Timeout:
    """Time limits for one HTTP request, in seconds; `None` means no limit for that phase.

    A plain number given where a timeout is expected sets every phase to it:
    `Runpod(timeout=20)` is `Timeout(connect=20, read=20, write=20, pool=20)`.

    Example:
        >>> Timeout(read=120)  # wait up to two minutes for an answer, keep the other defaults
        Timeout(connect=10.0, read=120, write=60.0, pool=10.0)
    """

    connect: float | None = 10.0
    """Establishing the TCP and TLS connection."""
    read: float | None = 60.0
    """Waiting for each chunk of the answer."""
    write: float | None = 60.0
    """Sending each chunk of the request."""
    pool: float | None = 10.0
    """Waiting for a free connection in the client's pool."""

    @classmethod
    def of(cls, value: TimeoutTypes) -> Timeout:
        """Turn what a caller passed (a number, `None` or a `Timeout`) into a `Timeout`."""
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls(connect=None, read=None, write=None, pool=None)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"timeout must be a number of seconds, None or a Timeout, not {type(value).__name__}")
        if value <= 0:
            raise ValueError(f"timeout must be positive, got {value!r}")
        return cls(connect=value, read=value, write=value, pool=value)


TimeoutTypes: TypeAlias = float | Timeout | None
"""What a `timeout=` argument accepts: seconds for every phase, a `Timeout`, or `None` for no limit."""

DEFAULT_TIMEOUT: Final = Timeout()
"""10 s to connect, 60 s to read or write, 10 s to wait for a pooled connection."""
