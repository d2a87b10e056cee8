"""The serverless endpoint client against runpod-python 1.12.0's, in the same run, on the same local server.

Two figures, each a ratio of runpod-python's time to ours:

- import: `from runpod_api import Endpoint` against `from runpod import Endpoint`, in fresh interpreters
  after a warm-up run (medians, less the bare interpreter start). Bar: ours at least 5 times faster.
  Also shown, without a bar: import and create a client (ours builds its HTTP client then; theirs later).
- run_sync: the time per `run_sync` call on a job that the server finishes at once, so the figure is the
  client's own overhead plus one local round trip. Both clients drive the same fake serverless API (the
  one the tests use) from their own process, in alternating rounds; the best round of each counts.
  Bar: ours no slower.

runpod-python lives in its own venv under `.bench/` (bench/_envs.py), made with uv on first use. Exits non-zero
when a bar is missed.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.runpod_api.serverless.fake_serverless import API_KEY, FakeServerless  # noqa: E402

from _envs import runpod_python  # noqa: E402 - beside this file

IMPORT_RUNS = 7
ROUNDS, CALLS, WARMUP = 7, 200, 20
MIN_IMPORT_SPEEDUP = 5.0
MIN_CALL_SPEEDUP = 1.0

OURS_IMPORT = "from runpod_api import Endpoint"
THEIRS_IMPORT = "from runpod import Endpoint"
OURS_CLIENT = f"Endpoint('bench', api_key={API_KEY!r}, base_url=URL)"
THEIRS_CLIENT = f"Endpoint('bench', api_key={API_KEY!r})"  # base URL from RUNPOD_ENDPOINT_BASE_URL

CALL_LOOP = """
import os, sys, time
URL = os.environ["RUNPOD_ENDPOINT_BASE_URL"]
{imports}
endpoint = {client}
for _ in range({warmup}):
    assert endpoint.run_sync({{"n": 1}}, timeout=60) == {{"ok": True}}
start = time.perf_counter()
for _ in range({calls}):
    endpoint.run_sync({{"n": 1}}, timeout=60)
print((time.perf_counter() - start) / {calls})
"""


def median_wall(python: Path | str, code: str, env: dict[str, str]) -> float:
    subprocess.run([str(python), "-c", code], env=env, check=True)  # warm: bytecode written, files cached
    samples = []
    for _ in range(IMPORT_RUNS):
        start = time.perf_counter()
        subprocess.run([str(python), "-c", code], env=env, check=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def verdict(speedup: float, bar: float) -> str:
    return "ok" if speedup >= bar else "MISSED"


def main() -> int:
    theirs_python = runpod_python()
    ours_python = sys.executable
    home = tempfile.mkdtemp(prefix="bench-endpoint-")  # no ~/.runpod/config.toml for either side
    server = FakeServerless().start()
    server.script.output = {"ok": True}
    env = {**os.environ, "HOME": home, "RUNPOD_ENDPOINT_BASE_URL": server.url, "RUNPOD_API_KEY": API_KEY}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure imports as users meet them: from cached bytecode
    ok = True
    try:
        bare_ours, bare_theirs = median_wall(ours_python, "pass", env), median_wall(theirs_python, "pass", env)
        for label, ours_code, theirs_code, bar in (
            ("import", OURS_IMPORT, THEIRS_IMPORT, MIN_IMPORT_SPEEDUP),
            (
                "import + client",
                f"URL = {server.url!r}; {OURS_IMPORT}; {OURS_CLIENT}",
                f"{THEIRS_IMPORT}; {THEIRS_CLIENT}",
                None,
            ),
        ):
            ours = median_wall(ours_python, ours_code, env) - bare_ours
            theirs = median_wall(theirs_python, theirs_code, env) - bare_theirs
            speedup = theirs / ours
            note = f"(bar {bar:g}x) {verdict(speedup, bar)}" if bar else "(no bar)"
            figures = f"ours {ours * 1e3:8.1f} ms  runpod-python {theirs * 1e3:8.1f} ms  {speedup:5.1f}x"
            print(f"{label:<16} {figures} {note}")
            if bar:
                ok &= speedup >= bar

        loops = {
            "ours": (ours_python, OURS_IMPORT, OURS_CLIENT),
            "theirs": (theirs_python, THEIRS_IMPORT, THEIRS_CLIENT),
        }
        per_call: dict[str, list[float]] = {"ours": [], "theirs": []}
        for _ in range(ROUNDS):
            for side, (python, imports, client) in loops.items():
                code = CALL_LOOP.format(imports=imports, client=client, warmup=WARMUP, calls=CALLS)
                out = subprocess.run([str(python), "-c", code], env=env, check=True, capture_output=True, text=True)
                per_call[side].append(float(out.stdout))
        # The best round of each: the machine is shared, and interference only ever adds time.
        ours, theirs = min(per_call["ours"]), min(per_call["theirs"])
        speedup = theirs / ours
        print(
            f"{'run_sync':<16} ours {ours * 1e6:8.0f} us  runpod-python {theirs * 1e6:8.0f} us  {speedup:5.2f}x "
            f"(bar {MIN_CALL_SPEEDUP:g}x) {verdict(speedup, MIN_CALL_SPEEDUP)}"
        )
        ok &= speedup >= MIN_CALL_SPEEDUP
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
