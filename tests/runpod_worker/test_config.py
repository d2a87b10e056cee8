import logging

import pytest

from runpod_worker import ConfigError, WorkerConfig

BASE = "http://127.0.0.1:9/v2/ep"
ENV = {
    "RUNPOD_WEBHOOK_GET_JOB": f"{BASE}/job-take/$ID?gpu=test",
    "RUNPOD_WEBHOOK_POST_OUTPUT": f"{BASE}/job-done/$RUNPOD_POD_ID/$ID?gpu=test",
    "RUNPOD_WEBHOOK_POST_STREAM": f"{BASE}/job-stream/$RUNPOD_POD_ID/$ID?gpu=test",
    "RUNPOD_WEBHOOK_PING": f"{BASE}/ping/$RUNPOD_POD_ID?gpu=test",
    "RUNPOD_POD_ID": "worker-1",
    "RUNPOD_AI_API_KEY": "secret-key",
}


def test_worker_id_is_substituted_as_the_platform_sdk_does() -> None:
    config = WorkerConfig.from_env(ENV)
    assert config.job_take_url == f"{BASE}/job-take/worker-1?gpu=test"
    # The job id placeholder stays for each post.
    assert config.job_done_url == f"{BASE}/job-done/worker-1/$ID?gpu=test"
    assert config.job_stream_url == f"{BASE}/job-stream/worker-1/$ID?gpu=test"
    assert config.ping_url == f"{BASE}/ping/worker-1?gpu=test"


def test_only_dollar_id_is_replaced_in_the_take_url() -> None:
    config = WorkerConfig.from_env({**ENV, "RUNPOD_WEBHOOK_GET_JOB": f"{BASE}/job-take/$RUNPOD_POD_ID?gpu=test"})
    assert config.job_take_url == f"{BASE}/job-take/$RUNPOD_POD_ID?gpu=test"


def test_missing_pod_id_gets_a_random_worker_id_and_no_heartbeat() -> None:
    env = {k: v for k, v in ENV.items() if k != "RUNPOD_POD_ID"}
    first, second = WorkerConfig.from_env(env), WorkerConfig.from_env(env)
    assert first.worker_id != second.worker_id
    assert first.job_take_url == f"{BASE}/job-take/{first.worker_id}?gpu=test"
    assert not first.heartbeat_enabled


def test_heartbeat_needs_ping_url_pod_id_and_key() -> None:
    assert WorkerConfig.from_env(ENV).heartbeat_enabled
    assert not WorkerConfig.from_env({**ENV, "RUNPOD_AI_API_KEY": ""}).heartbeat_enabled
    assert not WorkerConfig.from_env({k: v for k, v in ENV.items() if k != "RUNPOD_WEBHOOK_PING"}).heartbeat_enabled


def test_api_key_never_appears_in_the_repr() -> None:
    assert "secret-key" not in repr(WorkerConfig.from_env(ENV))


def test_empty_environment_means_no_job_queue() -> None:
    config = WorkerConfig.from_env({})
    assert config.job_take_url is None
    assert config.log_level == logging.INFO
    assert config.ping_interval == 10.0
    assert config.hostname == "unknown"


def test_take_url_without_done_url_is_rejected() -> None:
    env = {k: v for k, v in ENV.items() if k != "RUNPOD_WEBHOOK_POST_OUTPUT"}
    with pytest.raises(ConfigError, match="RUNPOD_WEBHOOK_POST_OUTPUT is not"):
        WorkerConfig.from_env(env)


def test_url_that_is_not_http_is_rejected_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match="RUNPOD_WEBHOOK_PING='ftp://x' is not an http"):
        WorkerConfig.from_env({**ENV, "RUNPOD_WEBHOOK_PING": "ftp://x"})


@pytest.mark.parametrize(
    ("value", "seconds"), [("1000", 1.0), ("250", 0.25), ("10000", 10.0), (" 500 ", 0.5), ("", 10.0)]
)
def test_ping_interval_is_read_in_milliseconds_even_below_one_second(value: str, seconds: float) -> None:
    assert WorkerConfig.from_env({"RUNPOD_PING_INTERVAL": value}).ping_interval == seconds


@pytest.mark.parametrize("value", ["fast", "1.5", "0", "-100"])
def test_bad_ping_interval_is_a_clear_error(value: str) -> None:
    with pytest.raises(ConfigError, match="RUNPOD_PING_INTERVAL"):
        WorkerConfig.from_env({"RUNPOD_PING_INTERVAL": value})


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("DEBUG", logging.DEBUG),
        ("INFO", logging.INFO),
        ("WARN", logging.WARNING),
        ("WARNING", logging.WARNING),
        ("ERROR", logging.ERROR),
        ("warn", logging.WARNING),
    ],
)
def test_log_level_accepts_the_five_names(value: str, level: int) -> None:
    assert WorkerConfig.from_env({"RUNPOD_LOG_LEVEL": value}).log_level == level


def test_log_level_falls_back_to_the_older_debug_level_variable() -> None:
    assert WorkerConfig.from_env({"RUNPOD_DEBUG_LEVEL": "ERROR"}).log_level == logging.ERROR


def test_bad_log_level_is_a_clear_error_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"RUNPOD_LOG_LEVEL='LOUD' is not a log level; use one of DEBUG, INFO"):
        WorkerConfig.from_env({"RUNPOD_LOG_LEVEL": "LOUD"})


def test_endpoint_id_and_hostname_are_read() -> None:
    config = WorkerConfig.from_env({"RUNPOD_ENDPOINT_ID": "ep-1", "RUNPOD_POD_HOSTNAME": "host-7"})
    assert (config.endpoint_id, config.hostname) == ("ep-1", "host-7")
