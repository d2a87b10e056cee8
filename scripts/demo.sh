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
