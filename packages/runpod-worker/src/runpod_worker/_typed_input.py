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
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, get_origin

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = ("InputSpec", "InputValidationError", "input_spec", "with_typed_input")

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
        from pydantic import ValidationError

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


def input_spec(handler: Callable[..., object]) -> InputSpec | None:
    """Find the input type a handler declares, if any.

    Args:
        handler: the handler function (or any callable).

    Returns:
        The spec, or ``None`` when the handler takes the raw job dict.

    Raises:
        TypeError: the annotation cannot be resolved (a forward reference to an unknown name).
    """
    parameters = _positional_parameters(handler)
    annotation = parameters[0].annotation if parameters else None
    if annotation is None or not _is_typed(annotation):
        return None
    from pydantic import TypeAdapter

    return InputSpec(annotation=annotation, adapter=TypeAdapter(annotation))


def with_typed_input(handler: Callable[..., Any]) -> Callable[[dict[str, Any]], Any]:
    """Wrap a handler that declares a typed input so that it can be called with the job dict.

    The wrapper validates the job's ``input`` and calls the handler with the validated object (and the job
    dict too, when the handler takes a second positional parameter). Input that does not fit becomes the
    result ``{"error": "input is invalid (N errors): ..."}`` without calling the handler. The wrapper is the
    same kind of callable as the handler (plain, ``async``, generator, async generator), so the runtime
    streams and awaits it as it would the handler. A handler without a typed input is returned unchanged.

    The spec is attached to the wrapper as ``input_spec``, for the dev server's docs.

    Raises:
        TypeError: the handler's annotations cannot be resolved.
    """
    spec = input_spec(handler)
    if spec is None:
        return handler
    passes_job = len(_positional_parameters(handler)) >= 2
    parse = spec.parse

    def call(value: Any, job: dict[str, Any]) -> Any:
        return handler(value, job) if passes_job else handler(value)

    target = handler if inspect.isfunction(handler) or inspect.ismethod(handler) else type(handler).__call__
    wrapper: Callable[[dict[str, Any]], Any]
    if inspect.isasyncgenfunction(target):

        async def wrapper(job: dict[str, Any]) -> AsyncIterator[Any]:
            try:
                value = parse(job.get("input"))
            except InputValidationError as exc:
                yield exc.to_result()
                return
            async for chunk in call(value, job):
                yield chunk

    elif inspect.iscoroutinefunction(target):

        async def wrapper(job: dict[str, Any]) -> Any:
            try:
                value = parse(job.get("input"))
            except InputValidationError as exc:
                return exc.to_result()
            return await call(value, job)

    elif inspect.isgeneratorfunction(target):

        def wrapper(job: dict[str, Any]) -> Iterator[Any]:
            try:
                value = parse(job.get("input"))
            except InputValidationError as exc:
                yield exc.to_result()
                return
            yield from call(value, job)

    else:

        def wrapper(job: dict[str, Any]) -> Any:
            try:
                value = parse(job.get("input"))
            except InputValidationError as exc:
                return exc.to_result()
            return call(value, job)

    wrapper.__name__ = getattr(handler, "__name__", type(handler).__name__)
    wrapper.__qualname__ = getattr(handler, "__qualname__", wrapper.__name__)
    wrapper.__doc__ = handler.__doc__
    wrapper.__dict__["input_spec"] = spec
    return wrapper


def _positional_parameters(handler: Callable[..., object]) -> list[inspect.Parameter]:
    try:
        signature = inspect.signature(handler, eval_str=True)
    except NameError as exc:
        raise TypeError(f"cannot resolve the type hints of handler {_name(handler)}: {exc}") from exc
    except ValueError:  # builtins without a signature take the raw job
        return []
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p for p in signature.parameters.values() if p.kind in positional]


def _is_typed(annotation: object) -> bool:
    if annotation in _UNTYPED or get_origin(annotation) in (dict, Mapping, MutableMapping):
        return False
    if dataclasses.is_dataclass(annotation):
        return True
    # A pydantic model annotation means pydantic is imported already; otherwise leave it unloaded, so that
    # handlers without a typed input never pay for it (importing runpod_worker stays cheap).
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel)


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
