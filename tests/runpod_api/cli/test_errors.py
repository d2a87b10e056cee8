"""Every expected error becomes one line and an exit code a script can act on."""

from __future__ import annotations

import pytest

from runpod_api import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AuthenticationError,
    ConfigError,
    GraphQLError,
    InternalServerError,
    JobCancelledError,
    JobFailedError,
    JobTimeoutError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResourceStateError,
    RunpodError,
    WaitTimeoutError,
)
from runpod_api.cli._errors import CliError, describe, one_line
from runpod_api.types import PodCreateParams

CASES = [
    (ConfigError("no key"), 3, "no key"),
    (AuthenticationError("401 Unauthorized", status_code=401), 3, "Runpod refused the API key (401 Unauthorized)"),
    (PermissionDeniedError("403 Forbidden", status_code=403), 1, "the API key is not allowed to do this"),
    (NotFoundError("pod 'x' not found", status_code=404), 4, "pod 'x' not found"),
    (RateLimitError("429", status_code=429, retry_after=7), 1, "try again in 7s"),
    (RateLimitError("429", status_code=429), 1, "try again later"),
    (InternalServerError("502 Bad Gateway", status_code=502), 1, "Runpod failed, even after retries"),
    (APITimeoutError("timed out"), 1, "Runpod did not answer in time (timed out)"),
    (APIConnectionError("refused"), 1, "cannot reach Runpod (refused)"),
    (GraphQLError("op failed: no", errors=[{"message": "no"}]), 1, "Runpod refused: op failed: no"),
    (APIResponseValidationError("not JSON"), 1, "Runpod's answer was not understood: not JSON"),
    (JobFailedError("job 'j' failed: oom", job_id="j", status="FAILED"), 1, "job 'j' failed: oom"),
    (JobCancelledError("job 'j' was cancelled", job_id="j", status="CANCELLED"), 1, "job 'j' was cancelled"),
    (JobTimeoutError("job 'j' timed out on the platform", job_id="j", status="TIMED_OUT"), 124, "timed out"),
    (ResourceStateError("pod 'p' is EXITED", resource="pod", resource_id="p", state="EXITED"), 1, "is EXITED"),
    (WaitTimeoutError("pod 'p' was not running", resource="pod", resource_id="p", state=None), 124, "not running"),
    (RunpodError("something else"), 1, "something else"),
    (CliError("bad file", 2), 2, "bad file"),
    (ValueError("give name or size"), 2, "invalid arguments: give name or size"),
]


@pytest.mark.parametrize(("error", "code", "text"), CASES, ids=[type(c[0]).__name__ for c in CASES])
def test_expected_errors_map_to_a_line_and_a_code(error: Exception, code: int, text: str) -> None:
    message, exit_code = describe(error)
    assert exit_code == code
    assert text in message
    assert "\n" not in message


def test_a_wait_that_ran_out_says_how_to_go_on() -> None:
    error = JobTimeoutError("...", job_id="j1", status="IN_PROGRESS", endpoint_id="ep")
    message, code = describe(error)
    assert code == 124
    assert message == (
        "job 'j1' did not finish in time (last status IN_PROGRESS); it goes on: "
        "`runpod endpoint status ep j1 --wait`, or `runpod endpoint cancel ep j1`"
    )


def test_validation_errors_name_the_field() -> None:
    with pytest.raises(ValueError) as caught:
        PodCreateParams.model_validate({"name": "x", "image_name": "a", "gpu_type_id": "g", "gpu_count": 0})
    message, code = describe(caught.value)
    assert code == 2
    assert message == "invalid arguments: gpu_count: Input should be greater than or equal to 1"


def test_bugs_are_not_dressed_up_as_expected_errors() -> None:
    with pytest.raises(TypeError):
        describe(KeyError("x"))


def test_one_line_folds_and_cuts() -> None:
    assert one_line("a\n  b\n\nc") == "a | b | c"
    assert one_line("x" * 20, limit=10) == "x" * 9 + "…"
