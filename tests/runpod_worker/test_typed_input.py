"""Typed handler inputs: the declared type is found, input is validated, and every field error is reported."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from typing import Any

import anyio
import pytest
from pydantic import BaseModel, Field

from runpod_worker._typed_input import InputValidationError, input_spec, with_typed_input


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


# -- with_typed_input: the wrapper the runtime calls with the job dict ----------------------------------------


def run(wrapper, job: dict) -> object:
    result = wrapper(job)
    if inspect.iscoroutine(result):
        return anyio.run(lambda: result)
    if inspect.isasyncgen(result):

        async def drain() -> list:
            return [chunk async for chunk in result]

        return anyio.run(drain)
    if inspect.isgenerator(result):
        return list(result)
    return result


def sync_handler(prompt: Prompt) -> dict:
    return {"text": prompt.text, "steps": prompt.steps}


async def async_handler(prompt: Prompt) -> dict:
    return {"text": prompt.text.upper()}


def generator_handler(prompt: Prompt):
    yield from prompt.text.split()


async def async_generator_handler(prompt: Prompt):
    for word in prompt.text.split():
        yield word


NOT_A_PROMPT = "Input should be a valid dictionary or instance of Prompt (got None)"


def job_handler(prompt: Prompt, job: dict) -> dict:
    return {"id": job["id"], "text": prompt.text}


@pytest.mark.parametrize(
    ("handler", "check", "expected"),
    [
        (sync_handler, inspect.isfunction, {"text": "a b", "steps": 20}),
        (async_handler, inspect.iscoroutinefunction, {"text": "A B"}),
        (generator_handler, inspect.isgeneratorfunction, ["a", "b"]),
        (async_generator_handler, inspect.isasyncgenfunction, ["a", "b"]),
    ],
)
def test_wrapper_keeps_the_handlers_kind_and_passes_the_validated_input(handler, check, expected) -> None:
    wrapper = with_typed_input(handler)
    assert check(wrapper)
    assert wrapper.__name__ == handler.__name__
    assert run(wrapper, {"id": "j", "input": {"text": "a b"}}) == expected


@pytest.mark.parametrize("handler", [sync_handler, async_handler])
def test_bad_input_becomes_an_error_result_without_calling_the_handler(handler) -> None:
    result = run(with_typed_input(handler), {"id": "j", "input": {"steps": -1}})
    assert result == {
        "error": "input is invalid (2 errors): text: Field required; steps: Input should be greater than 0 (got -1)"
    }


@pytest.mark.parametrize("handler", [generator_handler, async_generator_handler])
def test_bad_input_to_a_generator_is_one_error_chunk(handler) -> None:
    [chunk] = run(with_typed_input(handler), {"id": "j", "input": None})
    assert chunk == {"error": "input is invalid (1 error): input: " + NOT_A_PROMPT}


def test_second_parameter_receives_the_job() -> None:
    assert run(with_typed_input(job_handler), {"id": "j1", "input": {"text": "t"}}) == {"id": "j1", "text": "t"}


def test_untyped_handler_is_returned_unchanged() -> None:
    def raw(job):  # type: ignore[no-untyped-def]
        return job

    assert with_typed_input(raw) is raw


def test_wrapper_carries_the_spec_for_the_docs() -> None:
    assert with_typed_input(sync_handler).input_spec.annotation is Prompt  # type: ignore[attr-defined]


def test_callable_object_is_wrapped_by_its_call_kind() -> None:
    class Streamer:
        async def __call__(self, prompt: Prompt):
            yield prompt.text

    wrapper = with_typed_input(Streamer())
    assert inspect.isasyncgenfunction(wrapper)
    assert run(wrapper, {"id": "j", "input": {"text": "x"}}) == ["x"]
