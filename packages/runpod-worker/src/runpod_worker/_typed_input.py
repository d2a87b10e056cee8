"""Typed handler inputs: derive a validator from the handler's type hint and turn bad input into an error result.

A handler declares its input by annotating its first parameter with a pydantic model or a dataclass::

    class Prompt(BaseModel):
        text: str
        steps: int = Field(20, gt=0)

    def handler(prompt: Prompt) -> dict: ...

The runtime then validates the job's ``input`` before the call and passes the validated object; input that does
not fit becomes a failed job whose error lists every field problem. An unannotated handler, or one annotated
with ``dict``, ``Mapping`` or ``Any``, keeps receiving the whole job dict.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

__all__ = ("InputSpec", "InputValidationError", "input_spec")

_MAX_SHOWN = 80  # a bad value is echoed in the error, cut short so a huge input cannot flood it
_UNTYPED = (inspect.Parameter.empty, Any, object, dict, Mapping, MutableMapping)


class InputValidationError(ValueError):
    """A job's ``input`` does not fit the handler's declared input type.

    Attributes:
        errors: one ``(location, message)`` pair per field problem, in pydantic's order.
    """

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        count = f"{len(errors)} error" + ("" if len(errors) == 1 else "s")
        details = "; ".join(f"{loc}: {msg}" for loc, msg in errors)
        super().__init__(f"input is invalid ({count}): {details}")

    def to_result(self) -> dict[str, str]:
        """The job result to report: a plain-string ``error`` (the platform fails the job on it)."""
        return {"error": str(self)}


@dataclasses.dataclass(frozen=True, slots=True)
class InputSpec:
    """The input type a handler declared, with its validator."""

    annotation: Any
    """The declared type, as written in the handler's signature."""
    adapter: TypeAdapter[Any]
    """Validates a raw ``input`` into ``annotation``."""

    def parse(self, raw_input: object) -> Any:
        """Validate ``raw_input`` (a job's ``input``) into the declared type.

        Raises:
            InputValidationError: listing every field that does not fit.
        """
        try:
            return self.adapter.validate_python(raw_input)
        except ValidationError as exc:
            raise InputValidationError([(_location(e["loc"]), _message(e)) for e in exc.errors()]) from None

    def json_schema(self, ref_template: str = "#/$defs/{model}") -> dict[str, Any]:
        """The JSON Schema of the declared input (what the dev server's docs show).

        Args:
            ref_template: where references to nested models point (pydantic's ``ref_template``).
        """
        return self.adapter.json_schema(ref_template=ref_template)


def input_spec(handler: Callable[..., object], declared: object = None) -> InputSpec | None:
    """Find the input type a handler declares, if any.

    Args:
        handler: the handler function (or any callable).
        declared: an explicit input type that takes precedence over the handler's annotation.

    Returns:
        The spec, or ``None`` when the handler takes the raw job dict.

    Raises:
        TypeError: the annotation cannot be resolved (a forward reference to an unknown name).
    """
    annotation = declared if declared is not None else _first_parameter_annotation(handler)
    if annotation is None or not _is_typed(annotation):
        return None
    return InputSpec(annotation=annotation, adapter=TypeAdapter(annotation))


def _first_parameter_annotation(handler: Callable[..., object]) -> object:
    try:
        signature = inspect.signature(handler, eval_str=True)
    except NameError as exc:
        raise TypeError(f"cannot resolve the type hints of handler {_name(handler)}: {exc}") from exc
    except ValueError:  # builtins without a signature take the raw job
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    for parameter in signature.parameters.values():
        if parameter.kind in positional:
            return parameter.annotation
    return None


def _is_typed(annotation: object) -> bool:
    if annotation in _UNTYPED or get_origin(annotation) in (dict, Mapping, MutableMapping):
        return False
    return (isinstance(annotation, type) and issubclass(annotation, BaseModel)) or dataclasses.is_dataclass(annotation)


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "input"


def _message(error: Mapping[str, Any]) -> str:
    if error["type"] in ("missing", "extra_forbidden"):
        return error["msg"]
    shown = repr(error["input"])
    if len(shown) > _MAX_SHOWN:
        shown = shown[: _MAX_SHOWN - 3] + "..."
    return f"{error['msg']} (got {shown})"


def _name(handler: Callable[..., object]) -> str:
    return getattr(handler, "__qualname__", repr(handler))
