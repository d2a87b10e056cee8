import json

import pytest

from runpod_worker import ProtocolError
from runpod_worker import _protocol as p

TAKE = "https://api.runpod.ai/v2/ep/job-take/worker-1?gpu=test"


# -- URLs ---------------------------------------------------------------------------------------------------------


def test_one_free_slot_takes_a_single_job() -> None:
    assert p.job_take_url(TAKE, 1, jobs_in_progress=False) == f"{TAKE}&job_in_progress=0"


def test_several_free_slots_take_a_batch_of_that_size() -> None:
    url = p.job_take_url(TAKE, 3, jobs_in_progress=True)
    assert url == "https://api.runpod.ai/v2/ep/job-take-batch/worker-1?gpu=test&batch_size=3&job_in_progress=1"


def test_stop_url_replaces_job_take_and_keeps_the_query() -> None:
    assert p.job_stop_url(TAKE) == "https://api.runpod.ai/v2/ep/job-stop/worker-1?gpu=test"


def test_stop_url_cannot_be_derived_without_job_take() -> None:
    assert p.job_stop_url("https://example.com/jobs?x=1") is None


def test_job_url_fills_the_job_id_and_the_stream_flag() -> None:
    template = "https://api.runpod.ai/v2/ep/job-done/worker-1/$ID?gpu=test"
    assert (
        p.job_url(template, "j-1", is_stream=True)
        == "https://api.runpod.ai/v2/ep/job-done/worker-1/j-1?gpu=test&isStream=true"
    )
    assert p.job_url(template, "j-1", is_stream=False).endswith("/j-1?gpu=test&isStream=false")


def test_job_ids_are_escaped_in_the_path() -> None:
    assert p.job_url("http://h/done/$ID", "a/b c", is_stream=False) == "http://h/done/a%2Fb%20c?isStream=false"


def test_template_without_query_gets_one() -> None:
    assert p.with_query("http://h/job-take/w", [("job_in_progress", "0")]) == "http://h/job-take/w?job_in_progress=0"
    assert p.with_query("http://h/x", []) == "http://h/x"


# -- job-done bodies (the table of worker-protocol.md section 1.6) ------------------------------------------------


@pytest.mark.parametrize(
    ("returned", "body"),
    [
        ({"a": 1}, {"output": {"a": 1}}),
        ({"output": 5}, {"output": {"output": 5}}),
        ("text", {"output": "text"}),
        ([1, 2], {"output": [1, 2]}),
        (3.5, {"output": 3.5}),
        (True, {"output": True}),
        (None, {"output": None}),
        ({}, {}),
        ({"error": "bad input", "detail": 1}, {"output": {"detail": 1}, "error": "bad input"}),
        ({"error": "bad input"}, {"error": "bad input"}),
        ({"error": None, "a": 1}, {"output": {"a": 1}}),
        ({"error": ""}, {}),
        ({"refresh_worker": True, "a": 1}, {"output": {"a": 1}, "stopPod": True}),
    ],
)
def test_result_body_for_each_handler_outcome(returned: object, body: dict[str, object]) -> None:
    assert p.result_body(returned) == body


def test_result_body_leaves_the_handlers_dict_untouched() -> None:
    returned = {"error": "x", "refresh_worker": True, "a": 1}
    p.result_body(returned)
    assert returned == {"error": "x", "refresh_worker": True, "a": 1}


def test_configured_refresh_worker_marks_every_result() -> None:
    assert p.result_body(7, refresh_worker=True) == {"output": 7, "stopPod": True}
    assert p.error_body("boom", refresh_worker=True) == {"error": "boom", "stopPod": True}
    assert p.stream_end_body(None, refresh_worker=True) == {"output": [], "stopPod": True}


def test_a_non_string_error_is_sent_as_a_string_so_the_job_fails() -> None:
    # A dict error makes the platform report COMPLETED; as a string it reports FAILED.
    assert p.result_body({"error": {"code": 3}}) == {"error": '{"code": 3}'}
    assert p.result_body({"error": {1, 2}})["error"] == "{1, 2}"


def test_stream_end_body_is_empty_or_the_aggregate() -> None:
    assert p.stream_end_body(None) == {"output": []}
    assert p.stream_end_body([1, "two"]) == {"output": [1, "two"]}


def test_progress_body_shape() -> None:
    assert p.progress_body({"pct": 50}) == {"status": "IN_PROGRESS", "output": {"pct": 50}}


def test_exception_error_is_json_with_the_platform_sdk_fields() -> None:
    try:
        raise ValueError("no such model")
    except ValueError as exc:
        info = json.loads(p.exception_error(exc, hostname="h", worker_id="w", version="1.0"))
    assert info["error_type"] == "<class 'ValueError'>"
    assert info["error_message"] == "no such model"
    assert "raise ValueError" in info["error_traceback"]
    assert (info["hostname"], info["worker_id"], info["runpod_version"]) == ("h", "w", "1.0")


# -- strict JSON ----------------------------------------------------------------------------------------------------


def test_encode_body_is_compact_utf8_json() -> None:
    assert p.encode_body({"output": "héllo"}) == '{"output":"héllo"}'.encode()


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (float("nan"), "output is nan, which JSON cannot hold"),
        ({"x": [1, float("inf")]}, "output['x'][1] is inf, which JSON cannot hold"),
        ({"image": b"\x89PNG"}, "output['image'] is of type bytes, which is not JSON-serialisable"),
        ({"when": object()}, "output['when'] is of type object"),
        ({(1, 2): "v"}, "output has a key of type tuple"),
    ],
)
def test_encode_body_names_what_is_not_json(output: object, message: str) -> None:
    with pytest.raises(ProtocolError, match=message.replace("[", r"\[").replace("(", r"\(")):
        p.encode_body({"output": output})


def test_encode_body_reports_a_circular_reference() -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(ProtocolError, match="contains itself"):
        p.encode_body({"output": loop})


def test_encode_body_uses_the_given_name() -> None:
    with pytest.raises(ProtocolError, match=r"^the stream chunk\[0\] is nan"):
        p.encode_body({"output": [float("nan")]}, what="the stream chunk")


# -- job-take replies (worker-protocol.md section 1.4) --------------------------------------------------------------


def test_take_reply_with_one_job() -> None:
    reply = p.parse_take_reply(200, b'{"id": "j1", "input": {"a": 1}, "webhook": "http://x"}')
    assert reply.jobs == ({"id": "j1", "input": {"a": 1}, "webhook": "http://x"},)
    assert reply.problem is None


def test_take_reply_with_a_list_of_jobs() -> None:
    reply = p.parse_take_reply(200, b'[{"id": "j1", "input": 1}, {"id": "j2", "input": null}]')
    assert [job["id"] for job in reply.jobs] == ["j1", "j2"]


def test_take_reply_without_input_is_reported_for_its_job_id() -> None:
    reply = p.parse_take_reply(200, b'[{"id": "j1"}, {"id": "j2", "input": 2}]')
    assert [job["id"] for job in reply.jobs] == ["j2"]
    assert reply.invalid == (("j1", "the job-take reply for this job had no 'input' field, so it could not run"),)


def test_take_reply_items_without_an_id_are_dropped_with_a_description() -> None:
    reply = p.parse_take_reply(200, b'[{"input": 1}, 7]')
    assert reply.jobs == ()
    assert reply.dropped[0].startswith("a job without a string 'id'")
    assert reply.dropped[1].startswith("an item that is not a JSON object")


@pytest.mark.parametrize(("status", "body"), [(204, b""), (200, b""), (200, b"  "), (400, b"no jobs")])
def test_take_reply_with_no_job_is_not_an_error(status: int, body: bytes) -> None:
    assert p.parse_take_reply(status, body) == p.TakeReply()


def test_take_reply_error_status_is_a_problem_with_the_server_message() -> None:
    reply = p.parse_take_reply(503, b"upstream unavailable")
    assert reply.problem == "job-take answered HTTP 503: upstream unavailable"


def test_take_reply_429_carries_retry_after() -> None:
    reply = p.parse_take_reply(429, b"", {"retry-after": "3"})
    assert reply.retry_after == 3.0
    assert reply.problem == "job-take answered HTTP 429: (empty body)"


def test_take_reply_that_is_not_json_is_a_problem() -> None:
    assert "not JSON" in (p.parse_take_reply(200, b"<html>").problem or "")


def test_long_bodies_are_cut_in_messages() -> None:
    reply = p.parse_take_reply(500, b"x" * 1000)
    assert reply.problem is not None and reply.problem.endswith("... (1000 characters)")


@pytest.mark.parametrize(("value", "seconds"), [("2", 2.0), ("0.5", 0.5), ("600", 60.0), ("soon", None), ("-1", None)])
def test_retry_after_is_read_in_seconds_and_capped(value: str, seconds: float | None) -> None:
    assert p.parse_retry_after(value) == seconds


# -- job-stop replies (section 1.5) ---------------------------------------------------------------------------------


def test_stop_reply_lists_jobs() -> None:
    assert p.parse_stop_reply(200, b'{"jobsToStop": ["a", "b"]}').job_ids == ("a", "b")


@pytest.mark.parametrize(("status", "body"), [(204, b""), (200, b"[]"), (200, b"")])
def test_stop_reply_with_nothing_to_stop(status: int, body: bytes) -> None:
    assert p.parse_stop_reply(status, body) == p.StopReply()


def test_stop_reply_ignores_ids_that_are_not_strings() -> None:
    reply = p.parse_stop_reply(200, b'{"jobsToStop": ["a", 3, null]}')
    assert reply.job_ids == ("a",)
    assert reply.problem == "job-stop listed ids that are not strings, ignored: [3, None]"
    assert not reply.is_error


@pytest.mark.parametrize("body", [b"nope", b'{"other": 1}', b'{"jobsToStop": "a"}'])
def test_stop_reply_of_the_wrong_shape_is_treated_as_empty(body: bytes) -> None:
    reply = p.parse_stop_reply(200, body)
    assert reply.job_ids == () and reply.problem and not reply.is_error


def test_stop_reply_error_status_backs_off() -> None:
    reply = p.parse_stop_reply(500, b"oops", {"retry-after": "1"})
    assert reply.is_error and reply.retry_after == 1.0
