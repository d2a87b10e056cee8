"""Typed handler inputs: the declared type is found, input is validated, and every field error is reported."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import BaseModel, Field

from runpod_worker._typed_input import InputValidationError, input_spec


class Prompt(BaseModel):
    text: str
    steps: int = Field(20, gt=0)
    sizes: list[int] = []


@dataclasses.dataclass
class Point:
    x: float
    y: float


def typed(prompt: Prompt) -> dict:
    return {}


def test_model_annotation_is_found_and_validates() -> None:
    spec = input_spec(typed)
    assert spec is not None
    assert spec.parse({"text": "hi", "steps": "5"}) == Prompt(text="hi", steps=5)


def test_dataclass_annotation_is_found() -> None:
    def handler(point: Point) -> None: ...

    spec = input_spec(handler)
    assert spec is not None and spec.parse({"x": 1, "y": 2}) == Point(1.0, 2.0)


@pytest.mark.parametrize("annotation", [dict, dict[str, Any], Mapping[str, Any], Any, object])
def test_job_dict_annotations_keep_the_raw_job(annotation: object) -> None:
    def handler(job):  # type: ignore[no-untyped-def]
        return job

    handler.__annotations__["job"] = annotation
    assert input_spec(handler) is None


def test_unannotated_handler_keeps_the_raw_job() -> None:
    assert input_spec(lambda job: job) is None


def test_builtin_without_a_signature_keeps_the_raw_job() -> None:
    assert input_spec(print) is None


def test_explicit_declaration_wins_over_the_annotation() -> None:
    spec = input_spec(lambda job: job, declared=Point)
    assert spec is not None and spec.annotation is Point


def test_callable_object_annotation_is_found() -> None:
    class Handler:
        def __call__(self, prompt: Prompt) -> dict:
            return {}

    spec = input_spec(Handler())
    assert spec is not None and spec.annotation is Prompt


def test_every_field_error_is_listed() -> None:
    spec = input_spec(typed)
    assert spec is not None
    with pytest.raises(InputValidationError) as caught:
        spec.parse({"steps": 0, "sizes": [1, "x"], "extra": 1})
    assert str(caught.value) == (
        "input is invalid (3 errors): text: Field required; "
        "steps: Input should be greater than 0 (got 0); "
        "sizes[1]: Input should be a valid integer, unable to parse string as an integer (got 'x')"
    )
    assert caught.value.to_result() == {"error": str(caught.value)}


def test_input_that_is_not_an_object_is_reported_at_the_root() -> None:
    spec = input_spec(typed)
    assert spec is not None
    with pytest.raises(InputValidationError, match=r"\(1 error\): input: Input should be a valid dictionary"):
        spec.parse("text")


def test_long_bad_values_are_shortened_in_the_message() -> None:
    spec = input_spec(typed)
    assert spec is not None
    with pytest.raises(InputValidationError) as caught:
        spec.parse({"text": "a", "steps": "n" * 500})
    assert len(str(caught.value)) < 250


def test_unresolvable_annotation_names_the_handler() -> None:
    def handler(prompt: Missing) -> None: ...  # type: ignore[unresolved-reference]  # noqa: F821

    with pytest.raises(TypeError, match="cannot resolve the type hints of handler .*handler.*Missing"):
        input_spec(handler)


def test_json_schema_describes_the_model() -> None:
    spec = input_spec(typed)
    assert spec is not None
    schema = spec.json_schema()
    assert schema["required"] == ["text"]
    assert schema["properties"]["steps"]["exclusiveMinimum"] == 0
