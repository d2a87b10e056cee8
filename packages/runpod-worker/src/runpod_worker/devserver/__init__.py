"""A local stand-in for a Runpod serverless endpoint (``pip install 'runpod-worker[server]'``).

It plays the platform on both sides: the job routes a client calls (``/run``, ``/runsync``, ``/status``,
``/stream``, ``/cancel``, ``/retry``, ``/health``, ``/purge-queue``, webhooks) and the worker protocol routes
(job-take, job-take-batch, job-done, job-stream, job-stop, ping), so the worker's production job loop runs
against it unchanged. ``python handler.py --rp_serve_api`` starts both; ``python -m runpod_worker.devserver``
serves the platform alone for workers started separately; :func:`create_app` gives the ASGI app, for tests
or another server.
"""

try:
    import starlette as _starlette  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in an environment without the extra
    raise ImportError("the dev server needs starlette and uvicorn: pip install 'runpod-worker[server]'") from exc

from ._app import DEFAULT_ENDPOINT_ID as DEFAULT_ENDPOINT_ID
from ._app import Timings as Timings
from ._app import create_app as create_app
from ._platform import TERMINAL as TERMINAL
from ._platform import Job as Job
from ._platform import Platform as Platform
from ._serve import DEFAULT_WORKER_ID as DEFAULT_WORKER_ID
from ._serve import bind as bind
from ._serve import connect_url as connect_url
from ._serve import serve as serve
from ._serve import worker_environment as worker_environment

__all__ = (
    "DEFAULT_ENDPOINT_ID",
    "DEFAULT_WORKER_ID",
    "TERMINAL",
    "Job",
    "Platform",
    "Timings",
    "bind",
    "connect_url",
    "create_app",
    "serve",
    "worker_environment",
)
