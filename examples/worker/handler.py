"""An example Runpod serverless worker: one handler with a typed input and five paths.

Run one job locally (reads test_input.json beside this file, or pass the job yourself):

    python handler.py
    python handler.py --test_input '{"input": {"mode": "stream", "text": "one two three"}}'

Serve it the way the platform would, then call it like an endpoint:

    python handler.py --rp_serve_api --rp_api_port 8000
    curl -s -X POST localhost:8000/runsync -H 'Content-Type: application/json' -d '{"input": {"text": "hi"}}'

The modes: ``echo`` (a plain function, run in a worker thread), ``async`` (a coroutine on the event loop),
``stream`` (a generator: each word is streamed as it is produced), ``slow`` (an async generator that says it
started, then sleeps ``seconds``: for trying cancel and concurrency), and ``fail`` (raises).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

import anyio
import anyio.lowlevel
from pydantic import BaseModel, Field

import runpod_worker


class Request(BaseModel):
    """The job input this worker accepts; anything else fails the job with every field error listed."""

    mode: Literal["echo", "async", "stream", "slow", "fail"] = "echo"
    text: str = Field("hello", max_length=10_000)
    seconds: float = Field(1.0, ge=0, le=3600, description="How long the slow mode sleeps.")


def handler(request: Request) -> Any:
    """Answer one job. The worker follows what comes back: a value, a coroutine, or a generator."""
    if request.mode == "echo":
        return {"text": request.text.upper()}
    if request.mode == "async":
        return reverse(request.text)
    if request.mode == "stream":
        return words(request.text)
    if request.mode == "slow":
        return slow(request.seconds)
    raise ValueError(f"failing on purpose: {request.text}")


async def reverse(text: str) -> dict[str, str]:
    await anyio.lowlevel.checkpoint()
    return {"text": text[::-1]}


def words(text: str) -> Iterator[dict[str, Any]]:
    for index, word in enumerate(text.split()):
        yield {"index": index, "word": word}


async def slow(seconds: float) -> AsyncIterator[dict[str, Any]]:
    yield {"started": True}
    await anyio.sleep(seconds)
    yield {"slept": seconds}


if __name__ == "__main__":
    runpod_worker.start({"handler": handler, "return_aggregate_stream": True})
