"""How long to wait before trying again: exponential backoff with jitter, as pure arithmetic."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

__all__ = ("RetryPolicy",)


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Exponential backoff with jitter, and an optional time budget for one piece of work.

    The n-th wait (n counts from 1) is `initial_delay * multiplier ** (n - 1)`, capped at `max_delay`, then
    scaled by a random factor in `[1 - jitter, 1]` so that many workers do not retry in step.

    Example:
        `RetryPolicy(initial_delay=0.2, max_delay=5.0)` waits about 0.2, 0.4, 0.8, 1.6, 3.2, 5, 5... seconds.
    """

    initial_delay: float = 0.2
    """Seconds before the first retry."""
    max_delay: float = 5.0
    """The longest single wait, in seconds."""
    multiplier: float = 2.0
    """Growth of the wait from one attempt to the next."""
    jitter: float = 0.5
    """Fraction of each wait that is random (0 waits exactly, 1 waits anywhere from zero to the full wait)."""
    budget: float | None = None
    """Seconds after the first attempt beyond which no retry starts; None retries for ever (the job polls)."""

    def __post_init__(self) -> None:
        if self.initial_delay < 0 or self.max_delay < 0:
            raise ValueError(f"RetryPolicy delays must not be negative, got {self!r}")
        if self.multiplier < 1:
            raise ValueError(f"RetryPolicy.multiplier must be at least 1, got {self.multiplier!r}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"RetryPolicy.jitter must be between 0 and 1, got {self.jitter!r}")
        if self.budget is not None and self.budget < 0:
            raise ValueError(f"RetryPolicy.budget must not be negative, got {self.budget!r}")

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after `failures` consecutive failures (0 failures waits nothing)."""
        if failures <= 0:
            return 0.0
        # Cap the exponent so that a long outage cannot overflow a float.
        exponent = min(failures - 1, 64)
        base = min(self.max_delay, self.initial_delay * math.pow(self.multiplier, exponent))
        factor = 1.0 - self.jitter * (rng or random).random()
        return base * factor

    def allows_retry(self, elapsed: float, next_delay: float) -> bool:
        """Whether a retry that starts after `next_delay` more seconds still fits the budget."""
        return self.budget is None or elapsed + next_delay <= self.budget
