"""Serve the dev server with uvicorn and run a worker beside it, pointed at it like the platform would."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
from collections.abc import Awaitable, Callable, Generator, Mapping

import anyio
import uvicorn
from starlette.applications import Starlette

from .._protocol import worker_environment as protocol_environment
from ._app import DEFAULT_ENDPOINT_ID

__all__ = ("DEFAULT_WORKER_ID", "bind", "connect_url", "serve", "worker_environment")

logger = logging.getLogger(__name__)

DEFAULT_WORKER_ID = "local-worker"

Worker = Callable[[Mapping[str, str]], Awaitable[None]]
"""Runs a worker against the given ``RUNPOD_*`` environment and returns when it has stopped."""


def worker_environment(
    base_url: str, *, endpoint_id: str = DEFAULT_ENDPOINT_ID, worker_id: str = DEFAULT_WORKER_ID
) -> dict[str, str]:
    """The ``RUNPOD_*`` variables that point a worker at the dev server at ``base_url``.

    These are the variables the platform sets in a real worker, in the platform's template form (``$ID``,
    ``$RUNPOD_POD_ID``), so any worker that speaks the protocol (this package's, or runpod-python's) can
    run against the dev server.
    """
    prefix = f"{base_url.rstrip('/')}/v2/{endpoint_id}"
    env = protocol_environment(prefix, pod_id=worker_id, api_key="local-dev-server", query="gpu=local")
    return env | {"RUNPOD_ENDPOINT_ID": endpoint_id}


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0 picks a free one).

    Raises:
        OSError: the address cannot be used; the message names it.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        # IPv4 first: "localhost" must stay reachable as 127.0.0.1 where it also resolves to ::1.
        family, kind, proto, _, address = min(infos, key=lambda info: info[0] != socket.AF_INET)
        # proto is IPPROTO_TCP here, which matters: asyncio sets TCP_NODELAY only on sockets that say so, and
        # without it every keep-alive response stalls about 40 ms (Nagle plus delayed ACK).
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise OSError(exc.errno, f"the dev server cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"the dev server cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def connect_url(sock: socket.socket) -> str:
    """The base URL a local client uses to reach a server listening on ``sock``."""
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _Server(uvicorn.Server):
    """uvicorn, minus its signal handling: the caller decides what SIGINT and SIGTERM mean."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None]:
        yield


async def serve(
    app: Starlette,
    sock: socket.socket,
    *,
    worker: Worker | None = None,
    log_level: str = "warning",
) -> None:
    """Serve ``app`` on ``sock`` until the worker stops or, without a worker, until SIGINT or SIGTERM.

    With a ``worker``, it is started with :func:`worker_environment` for this server and is expected to
    handle the signals itself (the production loop drains its jobs on SIGTERM); when it returns, waiting
    long-polls are released and the server shuts down. The socket is closed on return.

    Args:
        app: the app from :func:`create_app` (its ``state.platform`` is released at shutdown).
        sock: a listening socket, from :func:`bind`.
        worker: runs the job loop against the given environment.
        log_level: uvicorn's own log level.
    """
    server = _Server(uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="on"))
    base = connect_url(sock)
    logger.info("dev server listening on %s (API docs at %s/docs)", base, base)
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve, [sock])
            if worker is not None:
                await worker(worker_environment(base))
            else:
                await _wait_for_signal()
            app.state.platform.close()
            server.should_exit = True
    finally:
        sock.close()


async def _wait_for_signal() -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            logger.info("dev server stopping (%s)", signal.Signals(signum).name)
            return
