"""Helpers for tests that run against either twin: iterate a sync or an async stream alike."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any


async def collect(chunks: Iterator[Any] | AsyncIterator[Any]) -> list[Any]:
    """Every item of a sync or an async iterator."""
    if isinstance(chunks, AsyncIterator):
        return [chunk async for chunk in chunks]
    return list(chunks)


async def next_item(chunks: Iterator[Any] | AsyncIterator[Any]) -> Any:
    """The next item of a sync or an async iterator."""
    if isinstance(chunks, AsyncIterator):
        return await anext(chunks)
    return next(chunks)
