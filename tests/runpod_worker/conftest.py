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
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        running.append((server, thread, sock))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    yield serve
    for server, thread, sock in running:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)
        sock.close()
