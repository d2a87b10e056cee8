"""validate(): runpod-python's dict-schema format, same results for valid input, without its quirks."""

from __future__ import annotations

import pytest

from runpod_worker.validation import SchemaError, validate

SCHEMA = {
    "prompt": {"type": str, "required": True},
    "steps": {"type": int, "required": False, "default": 20, "constraints": lambda n: 0 < n <= 150},
    "guidance": {"type": float, "required": False, "default": 7.5},
    "tags": {"type": list, "required": False, "default": None},
}


def test_valid_input_gets_defaults_filled_in() -> None:
    assert validate({"prompt": "a cat"}, SCHEMA) == {
        "validated_input": {"prompt": "a cat", "steps": 20, "guidance": 7.5, "tags": None}
    }


def test_int_is_widened_to_float_where_a_float_is_asked_for() -> None:
    result = validate({"prompt": "a", "guidance": 8}, SCHEMA)
    assert result["validated_input"]["guidance"] == 8.0
    assert isinstance(result["validated_input"]["guidance"], float)


def test_given_values_are_kept() -> None:
    result = validate({"prompt": "a", "steps": 30, "tags": ["x"]}, SCHEMA)
    assert result == {"validated_input": {"prompt": "a", "steps": 30, "guidance": 7.5, "tags": ["x"]}}


def test_constraint_is_checked_even_when_the_value_has_the_defaults_type() -> None:
    # runpod-python skips both the type check and the constraint when the value is an instance of the default's type.
    assert validate({"prompt": "a", "steps": -1}, SCHEMA) == {
        "errors": ["'steps' does not meet the constraints (got -1)."]
    }


def test_none_never_satisfies_a_required_key() -> None:
    assert validate({"prompt": None}, SCHEMA) == {"errors": ["'prompt' is a required input."]}


def test_none_for_an_optional_key_means_its_default() -> None:
    assert validate({"prompt": "a", "steps": None}, SCHEMA)["validated_input"]["steps"] == 20


def test_every_problem_is_reported_at_once() -> None:
    result = validate({"steps": "ten", "guidance": True, "seed": 1}, SCHEMA)
    assert result == {
        "errors": [
            "'seed' is not a valid input option.",
            "'prompt' is a required input.",
            "'steps' should be of type int, not str.",
            "'guidance' should be of type float, not bool.",
        ]
    }


def test_bool_is_not_an_int() -> None:
    assert "errors" in validate({"prompt": "a", "steps": True}, SCHEMA)


def test_bool_type_accepts_bools() -> None:
    assert validate({"flag": False}, {"flag": {"type": bool, "required": True}}) == {"validated_input": {"flag": False}}


def test_constraint_that_raises_becomes_an_error() -> None:
    schema = {"n": {"type": str, "required": True, "constraints": lambda s: int(s) > 0}}
    [error] = validate({"n": "abc"}, schema)["errors"]
    assert error.startswith("'n' does not meet the constraints: the check raised ValueError")


def test_optional_key_without_default_is_none() -> None:
    assert validate({}, {"seed": {"type": int}}) == {"validated_input": {"seed": None}}


def test_type_names_and_tuples_are_accepted() -> None:
    schema = {"a": {"type": "str", "required": True}, "b": {"type": (int, str), "required": True}}
    assert validate({"a": "x", "b": 3}, schema) == {"validated_input": {"a": "x", "b": 3}}
    assert validate({"a": "x", "b": 1.5}, schema) == {"errors": ["'b' should be of type int or str, not float."]}


def test_input_that_is_not_an_object_is_an_error() -> None:
    assert validate(["a"], SCHEMA) == {"errors": ["input must be a JSON object, not list."]}


def test_caller_schema_is_not_modified() -> None:
    schema = {"a": {"type": str, "required": False, "default": "x"}}
    before = repr(schema)
    validate({}, schema)
    assert repr(schema) == before


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"a": {"required": True}}, "schema entry 'a' is missing its 'type'"),
        ({"a": {"type": "string"}}, "schema entry 'a' has type 'string'"),
        ({"a": {"type": str, "requird": True}}, r"unknown rule keys \['requird'\]"),
        ({"a": {"type": str, "constraints": 3}}, "'constraints' that is not callable"),
        ({"a": "str"}, "must be a dict with a 'type', not str"),
    ],
)
def test_malformed_schema_raises_naming_the_key(schema: dict, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        validate({}, schema)
