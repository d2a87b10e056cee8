#!/usr/bin/env bash
# The main job, as far as the packages go today. Later work extends it: an example worker served locally,
# called through the runpod-api endpoint client, and `srtctl dry-run` of the example disaggregated job.
set -euo pipefail
echo "== the three packages"
python -c 'import runpod_api, runpod_worker, srtctl
for m in (runpod_api, runpod_worker, srtctl):
    print(f"  {m.__name__:<14} {m.__version__}")'
echo "== runpod --version"; runpod --version
echo "== srtctl --version"; srtctl --version
echo "== srtctl dry-run -f examples/srtctl/disagg.yaml"; srtctl dry-run -f examples/srtctl/disagg.yaml
echo "== examples/worker served locally (--rp_serve_api), called through runpod-api (examples/endpoint/client.py)"
if [[ -f examples/worker/handler.py ]]; then
    port=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    worker_log=$(mktemp)
    python examples/worker/handler.py --rp_serve_api --rp_api_port "$port" >"$worker_log" 2>&1 &
    worker=$!
    trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true; rm -f "$worker_log"' EXIT
    python examples/endpoint/client.py --base-url "http://127.0.0.1:$port/v2" || { cat "$worker_log"; exit 1; }
else
    echo "  (not yet: examples/worker/ comes with runpod-worker's local dev server, issue 4)"
fi
