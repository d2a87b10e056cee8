"""`python -m srtctl.mock_engine` as a real process: flags, logs, exit codes and signals."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from srtctl.mock_engine import EngineConfig, EngineProcess, Role, engine_command
from srtctl.mock_engine._cli import build_parser, config_from_args

MODULE = [sys.executable, "-m", "srtctl.mock_engine"]


def parse(*argv: str) -> EngineConfig:
    args, _ = build_parser().parse_known_args(list(argv))
    return config_from_args(args)


def test_contract_flags_map_onto_the_config() -> None:
    config = parse(
        "--host", "0.0.0.0", "--port", "8001", "--role", "prefill", "--served-model-name", "llama",
        "--disaggregation-bootstrap-port", "8998", "--prefill-ms-per-token", "0.5", "--decode-ms-per-token", "12",
        "--startup-delay", "2", "--exit-after", "30",
    )  # fmt: skip
    assert config == EngineConfig(
        host="0.0.0.0",
        port=8001,
        role=Role.PREFILL,
        served_model_name="llama",
        bootstrap_port=8998,
        prefill_ms_per_token=0.5,
        decode_ms_per_token=12.0,
        startup_delay=2.0,
        exit_after=30.0,
    )


def test_sglang_disaggregation_mode_spelling_sets_the_role() -> None:
    assert parse("--disaggregation-mode", "decode").role is Role.DECODE
    assert parse("--disaggregation-mode", "null").role is Role.AGGREGATED


def test_role_and_disaggregation_mode_must_agree() -> None:
    args, _ = build_parser().parse_known_args(["--role", "prefill", "--disaggregation-mode", "decode"])
    with pytest.raises(ValueError, match="--role prefill contradicts --disaggregation-mode decode"):
        config_from_args(args)


def test_served_model_name_defaults_to_the_model_path() -> None:
    assert parse("--model-path", "/models/llama").served_model_name == "/models/llama"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("port", 70000, "port must be between 0 and 65535"),
        ("decode_ms_per_token", -1.0, "decode_ms_per_token must be a finite number >= 0"),
        ("exit_after", float("nan"), "exit_after must be a finite number >= 0"),
        ("error_rate", 1.5, "error_rate must be between 0 and 1"),
        ("tp_size", 0, "tp_size must be at least 1"),
        ("served_model_name", "", "served_model_name must not be empty"),
    ],
)
def test_out_of_range_setting_is_refused_naming_the_field(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EngineConfig(**{field: value})  # type: ignore[arg-type]


def test_engine_command_round_trips_through_the_parser(tmp_path: Path) -> None:
    config = EngineConfig(
        port=0,
        role=Role.DECODE,
        model_path="/m",
        served_model_name="m",
        decode_ms_per_token=3.5,
        empty_completions=True,
        error_rate=0.1,
        api_key="k",
        port_file=tmp_path / "p.json",
    )
    argv = engine_command(config, python="python3")
    assert argv[:3] == ["python3", "-m", "srtctl.mock_engine"]
    assert parse(*argv[3:]) == config


def test_bad_flag_value_exits_2_with_a_usage_message() -> None:
    result = subprocess.run([*MODULE, "--error-rate", "2"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "error_rate must be between 0 and 1" in result.stderr


def test_exit_at_startup_logs_a_few_lines_then_exits_with_that_code() -> None:
    result = subprocess.run([*MODULE, "--exit-at-startup", "7"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 7
    lines = result.stderr.splitlines()
    assert len(lines) >= 3
    assert "mock engine starting: role=aggregated" in lines[0]
    assert "simulated crash during startup: exiting with code 7" in lines[-1]


def test_exit_after_stops_serving_and_exits_with_the_exit_code(tmp_path: Path) -> None:
    log = tmp_path / "engine.log"
    engine = EngineProcess.start(EngineConfig(port=0, exit_after=0.5, exit_code=3), log_path=log)
    assert engine.process.wait(timeout=10) == 3
    assert "simulated crash after 0.5s: exiting with code 3" in log.read_text()
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(engine.url + "/health")


def test_sigterm_stops_the_engine_cleanly_with_exit_0(tmp_path: Path) -> None:
    log = tmp_path / "engine.log"
    with EngineProcess.start(EngineConfig(port=0), log_path=log) as engine:
        assert httpx2.get(engine.url + "/health").status_code == 200
        engine.process.send_signal(signal.SIGTERM)
        assert engine.process.wait(timeout=10) == 0
    assert "received SIGTERM: shutting down" in log.read_text()


def test_unknown_engine_flags_are_ignored_with_a_warning(tmp_path: Path) -> None:
    log = tmp_path / "engine.log"
    port_file = tmp_path / "ports.json"
    argv = [
        *MODULE,
        "--port",
        "0",
        "--port-file",
        str(port_file),
        "--mem-fraction-static",
        "0.8",
        "--trust-remote-code",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stderr=out)
    try:
        deadline = time.monotonic() + 20
        while not port_file.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        ports = json.loads(port_file.read_text())
        assert ports["pid"] == process.pid
        assert httpx2.get(f"http://127.0.0.1:{ports['port']}/health").status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "ignoring engine flags the mock does not model: --mem-fraction-static 0.8 --trust-remote-code" in (
        log.read_text()
    )


def test_prefill_process_reports_its_bootstrap_port() -> None:
    with EngineProcess.start(EngineConfig(port=0, role=Role.PREFILL, bootstrap_port=0)) as engine:
        info = httpx2.get(engine.url + "/server_info").json()
        assert engine.bootstrap_port is not None
        assert info["disaggregation_bootstrap_port"] == engine.bootstrap_port
        assert httpx2.get(f"http://127.0.0.1:{engine.bootstrap_port}/health").status_code == 200


def test_engine_process_waits_out_the_startup_delay() -> None:
    start = time.monotonic()
    with EngineProcess.start(EngineConfig(port=0, startup_delay=0.5)) as engine:
        assert time.monotonic() - start >= 0.5
        assert engine.is_healthy()


def test_engine_process_start_reports_a_crash_with_the_log_tail(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"did not start listening \(exit code 4\)[\s\S]*exiting with code 4"):
        EngineProcess.start(EngineConfig(port=0, exit_at_startup=4), log_path=tmp_path / "engine.log")


def test_engine_on_a_taken_port_exits_1_naming_the_address(tmp_path: Path) -> None:
    with EngineProcess.start(EngineConfig(port=0)) as engine:
        result = subprocess.run([*MODULE, "--port", str(engine.port)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{engine.port}" in result.stderr
