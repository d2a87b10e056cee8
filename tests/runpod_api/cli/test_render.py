"""What the commands print: JSON without secrets, tables that keep ids whole."""

from __future__ import annotations

from runpod_api.cli._render import cell, jsonable
from runpod_api.serverless import JobState, JobStatus
from runpod_api.types import Pod


def test_json_of_a_model_hides_environment_values() -> None:
    pod = Pod.model_validate({"id": "p", "env": [{"key": "TOKEN", "value": "secret"}]})
    assert jsonable(pod)["env"] == {"TOKEN": "***"}


def test_json_of_a_dataclass_leaves_out_the_raw_answer() -> None:
    state = JobState(id="j", status=JobStatus.COMPLETED, output={"a": 1}, raw={"id": "j", "extra": 1})
    assert jsonable(state) == {
        "id": "j",
        "status": "COMPLETED",
        "output": {"a": 1},
        "error": None,
        "delay_ms": None,
        "execution_ms": None,
        "worker_id": None,
    }


def test_json_of_lists_and_dicts_recurses() -> None:
    assert jsonable({"pods": [Pod(id="a")]})["pods"][0]["id"] == "a"


def test_cells() -> None:
    assert [cell(None), cell(True), cell(0.5), cell([1]), cell("x")] == ["", "yes", "0.5", "[1]", "x"]
