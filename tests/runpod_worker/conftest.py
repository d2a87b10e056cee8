"""Fixtures shared by the runpod_worker tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest


@pytest.fixture(scope="module")
def serve_asgi() -> Iterator[Callable[[object], str]]:
    """Serve ASGI apps with uvicorn in a thread on 127.0.0.1 and return each one's base URL (per test module).

    The socket is bound and listening before the URL is returned, so a test can connect at once: early
    connections wait in the backlog until uvicorn accepts them.
    """
    uvicorn = pytest.importorskip("uvicorn")
    running: list[tuple[object, threading.Thread, socket.socket]] = []

    def serve(app: object) -> str:
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and without it every
        # keep-alive response stalls ~40 ms (Nagle plus delayed ACK).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="auto"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        running.append((server, thread, sock))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    yield serve
    for server, _, _ in running:
        server.should_exit = True  # type: ignore[attr-defined]
    for _, thread, sock in running:
        thread.join(timeout=10)
        sock.close()
