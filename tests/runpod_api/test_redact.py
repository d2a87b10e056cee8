"""Secrets stay out of text: known values and secret-looking tokens."""

from __future__ import annotations

import logging

import pytest

from runpod_api._redact import get_logger, redact, redact_json


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def-123", "Authorization: Bearer ***"),
        ("GET /graphql?api_key=XYZ123&x=1", "GET /graphql?api_key=***&x=1"),
        ('{"apiKey": "XYZ123"}', '{"apiKey": "***"}'),
        ("key rpa_ABCDEFGH12345678 leaked", "key *** leaked"),
        ("nothing to hide", "nothing to hide"),
    ],
)
def test_secret_looking_tokens_are_hidden(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_known_secrets_are_hidden_longest_first() -> None:
    assert redact("pw=hunter2-long and hunter2", ["hunter2", "hunter2-long"]) == "pw=*** and ***"


def test_very_short_secrets_are_left_alone() -> None:
    assert redact("value 1 of 10", ["1"]) == "value 1 of 10"


def test_json_values_and_keys_are_redacted_recursively() -> None:
    body = {"errors": [{"message": "bad password hunter22", "hunter22": 1}], "n": 3}
    assert redact_json(body, ["hunter22"]) == {"errors": [{"message": "bad password ***", "***": 1}], "n": 3}


def test_package_loggers_redact_arguments(caplog: pytest.LogCaptureFixture) -> None:
    logger = get_logger("runpod_api.test_redact")
    get_logger("runpod_api.test_redact")  # attaching twice keeps one filter
    assert len(logger.filters) == 1
    with caplog.at_level(logging.DEBUG, logger="runpod_api.test_redact"):
        logger.debug("sending %s", "Authorization: Bearer rpa_TOPSECRET000")
        logger.debug("plain %s", "text")
    assert [r.getMessage() for r in caplog.records] == ["sending Authorization: Bearer ***", "plain text"]
