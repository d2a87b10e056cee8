"""Run the fake Runpod control plane as a process: `python -m runpod_api.testing [--port N]`.

It prints one JSON line, `{"url": ..., "api_key": ...}`, once it is listening, then serves until it is
interrupted (SIGINT or SIGTERM).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType

from ._server import DEFAULT_API_KEY, FakeRunpod


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m runpod_api.testing", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the API key clients must send")
    parser.add_argument("--boot-polls", type=int, default=1, help="reads of a new pod that still show it starting")
    args = parser.parse_args(argv)
    server = FakeRunpod(host=args.host, port=args.port, api_key=args.api_key, boot_polls=args.boot_polls)

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever to return, so it must run outside the serving thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stdout.write(json.dumps({"url": server.url, "api_key": server.api_key}) + "\n")
    sys.stdout.flush()
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
