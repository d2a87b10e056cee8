"""The serverless package's public surface is what we mean, and the twins agree on it."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import runpod_api
import runpod_api.serverless
from runpod_api.serverless import AsyncEndpoint, AsyncJob, Endpoint, Job


def test_serverless_exports() -> None:
    assert set(runpod_api.serverless.__all__) == {
        "DEFAULT_RUN_SYNC_TIMEOUT",
        "AsyncEndpoint",
        "AsyncJob",
        "Endpoint",
        "EndpointHealth",
        "Job",
        "JobCounts",
        "JobPolicy",
        "JobState",
        "JobStatus",
        "PollPolicy",
        "PurgeResult",
        "S3Config",
        "WorkerCounts",
    }
    for name in runpod_api.serverless.__all__:
        assert getattr(runpod_api.serverless, name) is not None


def test_the_endpoint_clients_are_at_the_top_of_the_package() -> None:
    assert {"Endpoint", "AsyncEndpoint"} <= set(runpod_api.__all__)
    assert runpod_api.Endpoint is Endpoint
    assert runpod_api.AsyncEndpoint is AsyncEndpoint


def _public(cls: type) -> dict[str, inspect.Signature | None]:
    return {
        name: (inspect.signature(member) if callable(member) else None)
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") or name in ("__init__",)
    }


@pytest.mark.parametrize(("sync", "async_"), [(Endpoint, AsyncEndpoint), (Job, AsyncJob)])
def test_the_twins_have_the_same_methods_and_parameters(sync: type, async_: type) -> None:
    ours, theirs = _public(sync), _public(async_)
    assert set(ours) - {"close", "__enter__", "__exit__"} == set(theirs) - {"aclose", "__aenter__", "__aexit__"}
    for name, signature in ours.items():
        if signature is not None and name in theirs and name != "__init__":
            assert list(signature.parameters) == list(theirs[name].parameters), name  # type: ignore[union-attr]


def test_importing_the_endpoint_client_loads_no_graphql_and_no_pydantic() -> None:
    code = (
        "import sys, runpod_api.serverless; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('gql', 'graphql', 'pydantic', 'anyio')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert loaded.strip() == "[]"
