"""The serverless values: what `run` may carry is checked when built; answers are read strictly where it matters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from runpod_api import APIResponseValidationError
from runpod_api.serverless import JobPolicy, JobStatus, S3Config
from runpod_api.serverless._models import parse_health, parse_purge, parse_state


def test_policy_sends_durations_in_milliseconds() -> None:
    policy = JobPolicy(execution_timeout=timedelta(minutes=2), ttl=0.5)
    assert policy.to_wire() == {"executionTimeout": 120_000, "ttl": 500}


def test_policy_sends_only_what_was_set() -> None:
    assert JobPolicy(low_priority=False).to_wire() == {"lowPriority": False}
    assert JobPolicy().to_wire() == {}


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"execution_timeout": 0}, ValueError, "execution_timeout must be a positive duration, got 0"),
        ({"ttl": timedelta(seconds=-1)}, ValueError, "ttl must be a positive duration"),
        ({"ttl": "60"}, TypeError, "ttl must be seconds .* not str"),
        ({"execution_timeout": True}, TypeError, "not bool"),
        ({"low_priority": "yes"}, TypeError, "low_priority must be a bool, not str"),
    ],
)
def test_policy_rejects_bad_values_when_built(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        JobPolicy(**kwargs)


def test_s3_config_never_shows_its_secret() -> None:
    config = S3Config(access_id="AKIA1", access_secret="hush-hush-123", bucket_name="b", endpoint_url="https://s3.test")
    assert "hush-hush-123" not in repr(config)
    assert config.to_wire()["accessSecret"] == "hush-hush-123"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("bucket_name", "", "S3Config.bucket_name must be a non-empty string"),
        ("endpoint_url", "s3.test", "S3Config.endpoint_url must be an http"),
    ],
)
def test_s3_config_rejects_bad_fields(field: str, value: str, message: str) -> None:
    fields = {"access_id": "a", "access_secret": "b", "bucket_name": "c", "endpoint_url": "https://s3.test"}
    with pytest.raises(ValueError, match=message):
        S3Config(**{**fields, field: value})


def test_terminal_statuses_are_the_four_endings() -> None:
    assert {s for s in JobStatus if s.is_terminal} == {"COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"}


def test_state_keeps_fields_the_client_does_not_know() -> None:
    state = parse_state({"id": "j", "status": "in_queue", "retries": 2}, what="GET /status")
    assert state.status is JobStatus.IN_QUEUE
    assert state.raw["retries"] == 2
    assert not state.is_terminal


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([1, 2], "GET /status answered with something other than a JSON object"),
        ({"id": "j"}, "GET /status answered without a job status"),
        ({"status": "COMPLETED"}, "GET /status answered without a job id"),
    ],
)
def test_state_rejects_answers_it_cannot_read(body: Any, message: str) -> None:
    with pytest.raises(APIResponseValidationError, match=message):
        parse_state(body, what="GET /status")


def test_state_validation_error_hides_secrets_in_the_body() -> None:
    with pytest.raises(APIResponseValidationError) as caught:
        parse_state({"id": "j", "token": "Bearer rpa_ABCDEFGH12345678"}, what="GET /status")
    assert "rpa_ABCDEFGH12345678" not in str(caught.value)
    assert "rpa_ABCDEFGH12345678" not in str(caught.value.body)


def test_health_without_sections_counts_zero() -> None:
    health = parse_health({})
    assert health.jobs.in_queue == 0
    assert health.workers.running == 0


def test_health_rejects_a_section_that_is_not_an_object() -> None:
    with pytest.raises(APIResponseValidationError, match="malformed count section"):
        parse_health({"jobs": [1]})


def test_purge_needs_a_count() -> None:
    with pytest.raises(APIResponseValidationError, match="without a count of removed jobs"):
        parse_purge({"status": "completed"})
