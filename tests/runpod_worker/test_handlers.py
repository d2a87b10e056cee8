import functools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from runpod_worker._handlers import handler_kind


def plain(job: dict[str, Any]) -> int:
    return 1


async def coroutine(job: dict[str, Any]) -> int:
    return 1


def generator(job: dict[str, Any]) -> Iterator[int]:
    yield 1


async def async_generator(job: dict[str, Any]) -> AsyncIterator[int]:
    yield 1


class Callable:
    def __call__(self, job: dict[str, Any]) -> int:
        return 1


class AsyncCallable:
    async def __call__(self, job: dict[str, Any]) -> int:
        return 1


class GeneratorCallable:
    def __call__(self, job: dict[str, Any]) -> Iterator[int]:
        yield 1


@pytest.mark.parametrize(
    ("handler", "kind"),
    [
        (plain, "sync"),
        (coroutine, "async"),
        (generator, "sync generator"),
        (async_generator, "async generator"),
        (functools.partial(coroutine), "async"),
        (Callable(), "sync"),
        (AsyncCallable(), "async"),
        (GeneratorCallable(), "sync generator"),
        (lambda job: generator(job), "sync"),
    ],
)
def test_handler_kind_reads_the_declaration(handler: Any, kind: str) -> None:
    assert handler_kind(handler) == kind
