import pytest

from runpod_worker import ConfigError
from runpod_worker._args import WorkerArgs, parse_args


def test_no_flags() -> None:
    assert parse_args([]) == WorkerArgs()


def test_worker_flags_are_read_and_the_rest_left_alone() -> None:
    args = parse_args(["--rp_log_level", "WARN", "--my-flag", "x", "--rp_api_port", "9000", "--test_input", "{}"])
    assert (args.log_level, args.api_port, args.test_input) == ("WARN", 9000, "{}")
    assert args.rest == ("--my-flag", "x")


def test_boolean_flags() -> None:
    args = parse_args(["--rp_serve_api", "--rp_debugger"])
    assert args.serve_api and args.debugger


@pytest.mark.parametrize("argv", [["--rp_api_port", "many"], ["--rp_log_level"]])
def test_malformed_flag_is_a_config_error(argv: list[str]) -> None:
    with pytest.raises(ConfigError, match="bad command-line flag"):
        parse_args(argv)
