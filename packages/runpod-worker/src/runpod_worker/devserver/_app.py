"""The dev server's HTTP face: the platform's client routes, the worker protocol routes, and the docs."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from ._docs import render_docs
from ._openapi import openapi_document
from ._platform import BadRequestError, ConflictError, Platform, UnknownJobError

__all__ = ("DEFAULT_ENDPOINT_ID", "Timings", "create_app")

logger = logging.getLogger(__name__)

DEFAULT_ENDPOINT_ID = "local"

Endpoint = Callable[[Request], Awaitable[Response]]


class Timings:
    """How long the server holds long-polls open, in seconds (a query parameter can shorten some)."""

    def __init__(self, *, take: float = 20.0, stop: float = 20.0, stream: float = 5.0, runsync: float = 90.0) -> None:
        """Set the hold times.

        Args:
            take: job-take and job-take-batch, when no job is queued (then 204).
            stop: job-stop, when no stop is pending (then 204).
            stream: ``/stream/{id}``, when no new chunk has arrived (``?wait=ms`` overrides).
            runsync: ``/runsync`` before answering with the job still running (``?wait=ms`` overrides).
        """
        self.take, self.stop, self.stream, self.runsync = take, stop, stream, runsync


def create_app(
    platform: Platform | None = None,
    *,
    input_schema: dict[str, Any] | None = None,
    title: str = "runpod-worker dev server",
    timings: Timings | None = None,
) -> Starlette:
    """Build the dev server's ASGI app around a :class:`Platform`.

    The client routes are served both at the root (``/run``) and under ``/v2/{endpoint_id}/`` (what the
    platform's URLs and endpoint clients use); the worker protocol routes live under ``/v2/{endpoint_id}/``.
    Any endpoint id is accepted, and all share one queue. Authorization headers are accepted and ignored.

    Args:
        platform: the job bookkeeping; a new one by default (``app.state.platform`` holds it).
        input_schema: the handler's input JSON Schema, shown in ``/openapi.json`` and ``/docs``.
        title: the API title in the docs.
        timings: long-poll hold times.
    """
    platform = platform or Platform()
    timings = timings or Timings()
    document = openapi_document(title=title, input_schema=input_schema)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncGenerator[None]:
        async with platform.running():
            yield

    client = _client_routes(platform, timings)
    app = Starlette(
        routes=[
            *client,
            Mount("/v2/{endpoint_id}", routes=[*client, *_worker_routes(platform, timings)]),
            Route("/openapi.json", _constant(lambda: JSONResponse(document))),
            Route("/docs", _constant(lambda: HTMLResponse(render_docs(document)))),
            Route("/", _constant(lambda: RedirectResponse("/docs"))),
        ],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.platform = platform
    return app


def _client_routes(platform: Platform, timings: Timings) -> list[BaseRoute]:
    async def run(request: Request) -> Response:
        job = platform.submit(await _json(request))
        return JSONResponse({"id": job.id, "status": job.status})

    async def runsync(request: Request) -> Response:
        job = platform.submit(await _json(request))
        await platform.wait_finished(job, _wait(request, timings.runsync))
        return JSONResponse(job.status_body())

    async def status(request: Request) -> Response:
        return JSONResponse(_job(platform, request).status_body())

    async def stream(request: Request) -> Response:
        job = _job(platform, request)
        chunks = await platform.next_chunks(job, _wait(request, timings.stream))
        body: dict[str, Any] = {"id": job.id, "status": job.status, "stream": [{"output": c} for c in chunks]}
        if job.error is not None:
            body["error"] = job.error
        return JSONResponse(body)

    async def cancel(request: Request) -> Response:
        job = platform.cancel(_job(platform, request))
        return JSONResponse({"id": job.id, "status": job.status})

    async def retry(request: Request) -> Response:
        job = platform.retry(_job(platform, request))
        return JSONResponse({"id": job.id, "status": job.status})

    async def health(request: Request) -> Response:
        return JSONResponse(platform.health())

    async def purge(request: Request) -> Response:
        return JSONResponse({"removed": platform.purge(), "status": "completed"})

    return [
        Route("/run", _guard(run), methods=["POST"]),
        Route("/runsync", _guard(runsync), methods=["POST"]),
        Route("/status/{job_id}", _guard(status), methods=["GET", "POST"]),
        Route("/stream/{job_id}", _guard(stream), methods=["GET", "POST"]),
        Route("/cancel/{job_id}", _guard(cancel), methods=["POST"]),
        Route("/retry/{job_id}", _guard(retry), methods=["POST"]),
        Route("/health", _guard(health), methods=["GET"]),
        Route("/purge-queue", _guard(purge), methods=["POST"]),
    ]


def _worker_routes(platform: Platform, timings: Timings) -> list[BaseRoute]:
    async def take(request: Request) -> Response:
        jobs = await platform.take(request.path_params["worker_id"], 1, timings.take)
        return JSONResponse(jobs[0].work_item()) if jobs else Response(status_code=204)

    async def take_batch(request: Request) -> Response:
        raw = request.query_params.get("batch_size", "1")
        if not raw.isdigit() or int(raw) < 1:
            raise BadRequestError(f"batch_size must be a positive integer, got {raw!r}")
        jobs = await platform.take(request.path_params["worker_id"], int(raw), timings.take)
        return JSONResponse([job.work_item() for job in jobs]) if jobs else Response(status_code=204)

    async def done(request: Request) -> Response:
        accepted = platform.post_result(request.path_params["job_id"], await _json(request))
        return JSONResponse({"accepted": accepted})

    async def stream(request: Request) -> Response:
        accepted = platform.post_chunks(request.path_params["job_id"], await _json(request))
        return JSONResponse({"accepted": accepted})

    async def stop(request: Request) -> Response:
        ids = await platform.stop_requests(request.path_params["worker_id"], timings.stop)
        return JSONResponse({"jobsToStop": ids}) if ids else Response(status_code=204)

    async def ping(request: Request) -> Response:
        platform.ping(request.path_params["worker_id"])
        return JSONResponse({})

    return [
        Route("/job-take/{worker_id}", _guard(take), methods=["GET"]),
        Route("/job-take-batch/{worker_id}", _guard(take_batch), methods=["GET"]),
        Route("/job-done/{worker_id}/{job_id}", _guard(done), methods=["POST"]),
        Route("/job-stream/{worker_id}/{job_id}", _guard(stream), methods=["POST"]),
        Route("/job-stop/{worker_id}", _guard(stop), methods=["GET"]),
        Route("/ping/{worker_id}", _guard(ping), methods=["GET"]),
    ]


def _guard(endpoint: Endpoint) -> Endpoint:
    """Turn the platform's errors into JSON answers with the right status."""

    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except BadRequestError as exc:
            return _error(400, str(exc))
        except UnknownJobError as exc:
            return _error(404, str(exc))
        except ConflictError as exc:
            return _error(409, str(exc))

    return guarded


def _constant(make: Callable[[], Response]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return make()

    return endpoint


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _error(exc.status_code, f"{exc.detail}: {request.method} {request.url.path}", headers=exc.headers)


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def _json(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise BadRequestError(f"the request body is not valid JSON: {exc}") from None


def _job(platform: Platform, request: Request) -> Any:
    return platform.get(request.path_params["job_id"])


def _wait(request: Request, default: float) -> float:
    raw = request.query_params.get("wait")
    if raw is None:
        return default
    if not raw.isdigit():
        raise BadRequestError(f"wait must be a number of milliseconds, got {raw!r}")
    return int(raw) / 1000
