"""``python -m runpod_worker.devserver``: the platform alone, for workers started separately.

Prints the ``RUNPOD_*`` variables that point a worker at it, then serves until Ctrl-C. Several worker
processes (this package's, or runpod-python's) can share it, as they would share an endpoint's queue.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys

import anyio

from ._app import create_app
from ._serve import bind, connect_url, serve, worker_environment


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, print the worker environment and serve."""
    parser = argparse.ArgumentParser(prog="python -m runpod_worker.devserver", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on; 0 picks a free one")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)-7s| %(message)s")
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(exc.strerror or exc, file=sys.stderr)  # noqa: T201 - a command-line entry point talks to its user
        return 1
    env = worker_environment(connect_url(sock))
    print("Point a worker at this server with:", flush=True)  # noqa: T201
    for name, value in env.items():
        print(f"  export {name}={shlex.quote(value)}", flush=True)  # noqa: T201
    anyio.run(lambda: serve(create_app(), sock))
    return 0


if __name__ == "__main__":
    sys.exit(main())
