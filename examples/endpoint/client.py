"""Call a serverless endpoint through runpod-api: a job run to its end, a stream, a cancel, the health.

It speaks to the example worker in examples/worker/ (the modes echo, async, stream, slow), wherever it
runs. Locally, serve the worker the way the platform would, then call it:

    python examples/worker/handler.py --rp_serve_api --rp_api_port 8000
    python examples/endpoint/client.py --base-url http://127.0.0.1:8000/v2

On Runpod, deploy the worker, then `python examples/endpoint/client.py --endpoint-id <id>` with
RUNPOD_API_KEY set.
"""

from __future__ import annotations

import argparse
import os

from runpod_api import Endpoint, JobCancelledError, RetryPolicy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="the serverless API (default: RUNPOD_ENDPOINT_BASE_URL, else Runpod's)")
    parser.add_argument("--endpoint-id", default="local", help="the endpoint (the local dev server takes any)")
    args = parser.parse_args()
    # The local dev server accepts any key; Runpod needs yours.
    api_key = os.environ.get("RUNPOD_API_KEY") or ("local" if args.base_url else None)

    # Reads are retried while the connection is refused, so this also waits for a worker that is starting.
    patient = RetryPolicy(max_retries=60, initial_delay=0.25, max_delay=1.0)
    with Endpoint(args.endpoint_id, api_key=api_key, base_url=args.base_url, retry_policy=patient) as endpoint:
        endpoint.health()
        print("run_sync:", endpoint.run_sync({"mode": "echo", "text": "hello"}, timeout=60))

        job = endpoint.run({"mode": "async", "text": "stressed"})
        print("run, then output:", job.output(timeout=60))

        job = endpoint.run({"mode": "stream", "text": "one two three"})
        print("stream:", [chunk["word"] for chunk in job.stream(timeout=60)])

        job = endpoint.run({"mode": "slow", "seconds": 60})
        print("slow job, first chunk:", next(iter(job.stream(timeout=60))))
        print("cancel:", job.cancel())
        try:
            job.output(timeout=10)
        except JobCancelledError as exc:
            print("output after cancel:", type(exc).__name__)

        health = endpoint.health()
        print(f"health: {health.jobs.completed} completed, {health.workers.idle + health.workers.running} worker(s)")


if __name__ == "__main__":
    main()
