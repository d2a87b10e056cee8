"""The public surface is exactly what we mean to promise."""

import importlib

import pytest

import runpod_worker

from .conftest import python_prints

PUBLIC = {
    "runpod_worker": {
        "ConfigError",
        "ProtocolError",
        "RetryPolicy",
        "Worker",
        "WorkerConfig",
        "WorkerError",
        "__version__",
        "progress_update",
        "serverless",
        "start",
    },
    "runpod_worker.serverless": {"progress_update", "start"},
    "runpod_worker.testing": {"Fault", "JobQueueServer", "PostedResult", "RecordedRequest", "Route"},
}


@pytest.mark.parametrize("module", PUBLIC)
def test_all_lists_exactly_the_public_names(module: str) -> None:
    mod = importlib.import_module(module)
    assert isinstance(mod.__all__, tuple)
    assert set(mod.__all__) == PUBLIC[module]


@pytest.mark.parametrize("module", PUBLIC)
def test_every_exported_name_exists(module: str) -> None:
    mod = importlib.import_module(module)
    for name in mod.__all__:
        assert hasattr(mod, name), name


def test_errors_share_one_root() -> None:
    assert issubclass(runpod_worker.ConfigError, runpod_worker.WorkerError)
    assert issubclass(runpod_worker.ProtocolError, runpod_worker.WorkerError)


def test_testing_helper_needs_only_the_standard_library() -> None:
    code = (
        "import sys, runpod_worker.testing; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'anyio', 'httpx2', 'httpcore2', 'pydantic'}))"
    )
    assert python_prints(code) == "[]"
