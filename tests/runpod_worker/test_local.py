"""The local modes of start(): `--test_input` and `test_input.json` (every exit code, with the message that says
why), and how `--rp_serve_api` refuses to start. The dev server itself is driven in devserver/test_example_worker.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "worker" / "handler.py"

pytestmark = pytest.mark.e2e


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None, script: Path = EXAMPLE
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("RUNPOD_")} | (env or {})
    return subprocess.run(
        [sys.executable, str(script), *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=60
    )


def job(**payload: object) -> str:
    return json.dumps({"input": payload})


def test_success_prints_the_result_and_exits_0(tmp_path: Path) -> None:
    proc = run("--test_input", job(text="hi"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'Job result: {"output": {"text": "HI"}}' in proc.stdout
    assert proc.stdout.rstrip().endswith("Local testing complete, exiting.")


def test_generator_really_runs_and_prints_each_chunk(tmp_path: Path) -> None:
    proc = run("--test_input", job(mode="stream", text="one two"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'Chunk 1: {"index": 0, "word": "one"}' in proc.stdout
    assert 'Chunk 2: {"index": 1, "word": "two"}' in proc.stdout
    assert '"output": [{"index": 0, "word": "one"}, {"index": 1, "word": "two"}]' in proc.stdout


def test_async_generator_runs_too(tmp_path: Path) -> None:
    proc = run("--test_input", job(mode="slow", seconds=0), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'Chunk 2: {"slept": 0.0}' in proc.stdout


def test_test_input_json_in_the_working_directory_is_used(tmp_path: Path) -> None:
    (tmp_path / "test_input.json").write_text(job(text="from cwd"))
    proc = run(cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"from {tmp_path / 'test_input.json'}" in proc.stdout
    assert '"FROM CWD"' in proc.stdout


def test_test_input_json_beside_the_script_is_used(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = run(cwd=elsewhere)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '"HELLO FROM TEST_INPUT.JSON"' in proc.stdout


def test_missing_test_input_exits_1_saying_where_it_looked(tmp_path: Path) -> None:
    script = tmp_path / "handler.py"
    shutil.copy(EXAMPLE, script)
    proc = run(cwd=tmp_path, script=script)
    assert proc.returncode == 1
    assert (
        f"no test input: pass --test_input '{{\"input\": {{...}}}}' or put test_input.json in {tmp_path}" in proc.stderr
    )


def test_invalid_json_exits_1(tmp_path: Path) -> None:
    proc = run("--test_input", "{input: 1}", cwd=tmp_path)
    assert proc.returncode == 1
    assert "--test_input is not valid JSON: Expecting property name" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_input_exits_1(tmp_path: Path) -> None:
    (tmp_path / "test_input.json").write_text('{"inputs": {"text": "typo"}}')
    proc = run(cwd=tmp_path)
    assert proc.returncode == 1
    assert f'{tmp_path / "test_input.json"} has no "input"' in proc.stderr


def test_handler_exception_exits_1_with_the_exception(tmp_path: Path) -> None:
    proc = run("--test_input", job(mode="fail", text="oops"), cwd=tmp_path)
    assert proc.returncode == 1
    assert "Job local_test failed: the handler raised ValueError: failing on purpose: oops" in proc.stdout
    assert "Traceback" in proc.stdout


def test_error_result_exits_1_with_the_error(tmp_path: Path) -> None:
    proc = run("--test_input", job(mode="nope"), cwd=tmp_path)
    assert proc.returncode == 1
    assert "Job local_test failed with error: input is invalid (1 error): mode: Input should be" in proc.stdout


def test_log_level_flag_filters_lines(tmp_path: Path) -> None:
    proc = run("--test_input", job(text="quiet"), "--rp_log_level", "ERROR", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == ""


def test_log_level_from_the_environment_applies(tmp_path: Path) -> None:
    proc = run("--test_input", job(), cwd=tmp_path, env={"RUNPOD_LOG_LEVEL": "WARN"})
    assert proc.returncode == 0
    assert proc.stdout == ""


def test_bad_log_level_exits_1_naming_the_flag(tmp_path: Path) -> None:
    proc = run("--test_input", job(), "--rp_log_level", "LOUD", cwd=tmp_path)
    assert proc.returncode == 1
    assert "--rp_log_level='LOUD' is not a log level" in proc.stderr


def test_result_that_is_not_json_exits_1_naming_the_value(tmp_path: Path) -> None:
    script = tmp_path / "bytes_worker.py"
    script.write_text(
        "import runpod_worker\ndef handler(job):\n    yield b'raw'\nrunpod_worker.start({'handler': handler})\n"
    )
    proc = run("--test_input", job(), cwd=tmp_path, script=script)
    assert proc.returncode == 1
    assert "Chunk 1: b'raw'" in proc.stdout
    assert "Job local_test failed: its result cannot be sent: output[0] is of type bytes" in proc.stdout


def test_serve_api_on_a_port_in_use_exits_1_naming_it(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = run("--rp_serve_api", "--rp_api_host", "127.0.0.1", "--rp_api_port", str(port), cwd=tmp_path)
    assert proc.returncode == 1
    assert f"runpod-worker: the dev server cannot listen on 127.0.0.1:{port}" in proc.stderr


def test_serve_api_with_a_bad_log_level_exits_1(tmp_path: Path) -> None:
    proc = run("--rp_serve_api", "--rp_api_port", "0", "--rp_log_level", "LOUD", cwd=tmp_path)
    assert proc.returncode == 1
    assert "--rp_log_level='LOUD' is not a log level" in proc.stderr


def test_serve_api_without_the_server_extra_says_what_to_install(tmp_path: Path) -> None:
    script = tmp_path / "no_server.py"
    script.write_text(
        "import sys\n"
        "sys.modules['starlette'] = None  # as if runpod-worker[server] were not installed\n"
        "import runpod_worker\n"
        "runpod_worker.start({'handler': lambda job: job})\n"
    )
    proc = run("--rp_serve_api", cwd=tmp_path, script=script)
    assert proc.returncode == 1
    assert "runpod-worker: --rp_serve_api needs the dev server: pip install 'runpod-worker[server]'" in proc.stderr


def test_serve_api_exits_promptly_when_a_cancelled_sync_handler_still_runs(tmp_path: Path) -> None:
    script = tmp_path / "sleepy.py"
    script.write_text(
        "import time\n"
        "import runpod_worker\n"
        "def handler(job):\n"
        "    time.sleep(60)  # a sync handler: its thread cannot be interrupted\n"
        "runpod_worker.start({'handler': handler})\n"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("RUNPOD_")} | {"PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, str(script), "--rp_serve_api", "--rp_api_port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environ,
    )
    try:
        assert proc.stdout is not None
        base = ""
        for line in proc.stdout:
            if "dev server listening on" in line:
                base = line.split("listening on ")[1].split()[0]
                job_id = httpx2.post(f"{base}/run", json={"input": {}}).json()["id"]
            if "| Started." in line:
                break
        httpx2.post(f"{base}/cancel/{job_id}")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
        assert "still running; exiting without them" in proc.stdout.read()
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout:
            proc.stdout.close()
