"""The error hierarchy: its drawing, the status mapping, and errors that survive pickling."""

from __future__ import annotations

import pickle
import re

import pytest

import runpod_api
from runpod_api import _exceptions
from runpod_api._exceptions import (
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GraphQLError,
    InternalServerError,
    JobFailedError,
    JobTimeoutError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RunpodError,
    make_status_error,
)


def _drawn_tree() -> dict[str, str]:
    """Map each class drawn in the module docstring to the class drawn as its parent."""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in (_exceptions.__doc__ or "").splitlines():
        match = re.match(r"^(\s*)(?:[│ ]*[├└]── )?([A-Z][A-Za-z]+)\s", line)
        if not match or not hasattr(_exceptions, match.group(2)):
            continue
        depth = len(line) - len(line.lstrip(" │├└─"))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parents[match.group(2)] = stack[-1][1]
        stack.append((depth, match.group(2)))
    return parents


def test_docstring_draws_every_error_under_its_real_parent() -> None:
    drawn = _drawn_tree()
    classes = {
        name: obj
        for name, obj in vars(_exceptions).items()
        if isinstance(obj, type) and issubclass(obj, RunpodError) and obj is not RunpodError
    }
    assert set(drawn) == set(classes)
    for name, parent in drawn.items():
        assert classes[name].__mro__[1].__name__ == parent, name


def test_every_error_is_exported_from_the_package() -> None:
    for name in _exceptions.__all__:
        if name.endswith("Error"):
            assert getattr(runpod_api, name) is getattr(_exceptions, name)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (599, InternalServerError),
        (418, APIStatusError),
        (422, APIStatusError),
    ],
)
def test_status_picks_its_error_class(status: int, cls: type[APIStatusError]) -> None:
    error = make_status_error("boom", status_code=status, body={"x": 1}, request_id="req-1", retry_after=2.0)
    assert type(error) is cls
    assert (error.status_code, error.body, error.request_id, error.retry_after) == (status, {"x": 1}, "req-1", 2.0)


def test_timeouts_are_also_builtin_timeout_errors() -> None:
    assert isinstance(APITimeoutError("slow"), TimeoutError)
    assert isinstance(JobTimeoutError("slow", job_id="j"), TimeoutError)


@pytest.mark.parametrize(
    "error",
    [
        make_status_error("limited", status_code=429, headers={"retry-after": "3"}, retry_after=3.0),
        GraphQLError("bad", errors=[{"message": "bad", "path": ["pod"]}], data={"pod": None}),
        JobFailedError("failed", job_id="j1", endpoint_id="e1", status="FAILED", error="oom"),
        APITimeoutError("slow", may_have_reached_server=False, method="POST", url="https://x/graphql"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_survive_pickling_with_their_attributes(error: RunpodError) -> None:
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is type(error)
    assert str(clone) == str(error)
    assert vars(clone) == vars(error)


def test_graphql_error_keeps_every_entry_and_partial_data() -> None:
    error = GraphQLError("a; b", errors=[{"message": "a"}, {"message": "b", "path": ["x"]}], data={"x": None})
    assert error.messages == ["a", "b"]
    assert error.errors[1]["path"] == ["x"]
    assert error.data == {"x": None}
