"""Plans: what a resource method does, as a generator of steps that both clients can run.

A plan yields steps and receives each step's answer: the `data` of a `GraphQLCall`, None after a
`Sleep`. An error a step raises is thrown into the plan, which may handle it or let it pass. The sync
client runs a plan with blocking I/O, the async client with awaits; the plan itself does no I/O.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias, TypeVar

__all__ = ("GraphQLCall", "Plan", "Sleep", "Step")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class GraphQLCall:
    """Run one operation from `_graphql/operations`; the plan receives the answer's `data`."""

    operation: str
    """The operation's name."""
    variables: Mapping[str, Any] = field(default_factory=dict, repr=False)
    """Its variables (never written into the query text)."""
    secrets: tuple[str, ...] = field(default=(), repr=False)
    """Values among the variables to keep out of error messages."""


@dataclass(frozen=True, slots=True)
class Sleep:
    """Pause between polls; the plan receives None."""

    seconds: float


Step: TypeAlias = GraphQLCall | Sleep
Plan: TypeAlias = Generator[Step, Any, T]
"""A generator that yields steps, receives each step's answer (or has its error thrown in), returns T."""
