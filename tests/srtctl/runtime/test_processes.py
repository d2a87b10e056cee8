"""Small helpers of the process group: log tails and exit descriptions."""

from pathlib import Path

from srtctl.runtime.processes import describe_exit, tail_lines


def test_tail_gives_the_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "w.out"
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    assert tail_lines(log, 3) == ["line 97", "line 98", "line 99"]


def test_tail_of_a_missing_log_is_empty(tmp_path: Path) -> None:
    assert tail_lines(tmp_path / "absent.out") == []


def test_tail_reads_only_the_end_of_a_large_log(tmp_path: Path) -> None:
    log = tmp_path / "big.out"
    log.write_bytes(b"x" * 1_000_000 + b"\nlast\n")
    assert tail_lines(log, 1) == ["last"]


def test_exit_descriptions_tell_statuses_from_signals() -> None:
    assert describe_exit(3) == "exited with status 3"
    assert describe_exit(-9) == "was killed by signal 9"


def test_secret_flag_values_are_hidden_in_logged_commands() -> None:
    from srtctl.runtime.processes import redact_argv

    argv = ["router", "--api-key", "sk-1", "--hf-token=hf_2", "--port", "8000", "--tokenizer-path", "/m"]
    assert redact_argv(argv) == [
        "router",
        "--api-key",
        "***",
        "--hf-token=***",
        "--port",
        "8000",
        "--tokenizer-path",
        "/m",
    ]
