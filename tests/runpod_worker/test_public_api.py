"""The public surface is exactly what we mean to promise."""

import importlib

import pytest

import runpod_worker

from .conftest import python_prints

PUBLIC = {
    "runpod_worker": {
        "ConfigError",
        "FitnessCheckError",
        "ProtocolError",
        "RetryPolicy",
        "Worker",
        "WorkerConfig",
        "WorkerError",
        "__version__",
        "progress_update",
        "register_fitness_check",
        "serverless",
        "start",
    },
    "runpod_worker.serverless": {"progress_update", "register_fitness_check", "start"},
    "runpod_worker.testing": {"Fault", "JobQueueServer", "PostedResult", "RecordedRequest", "Route"},
    "runpod_worker.validation": {"SchemaError", "ValidationResult", "validate"},
    "runpod_worker.files": {
        "DEFAULT_EXPIRES_IN",
        "DEFAULT_MAX_BYTES",
        "DEFAULT_ROOT",
        "LEGACY_FOLDERS",
        "Bucket",
        "BucketConfig",
        "DownloadError",
        "DownloadPolicy",
        "DownloadRefusedError",
        "DownloadTooLargeError",
        "FileHelperError",
        "StorageConfigError",
        "UploadError",
        "clean",
        "download_file",
        "download_files",
        "download_files_sync",
        "job_dir",
        "upload_bytes",
        "upload_file",
    },
    "runpod_worker.devserver": {
        "DEFAULT_ENDPOINT_ID",
        "DEFAULT_WORKER_ID",
        "TERMINAL",
        "Job",
        "Platform",
        "Timings",
        "bind",
        "connect_url",
        "create_app",
        "serve",
        "worker_environment",
    },
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
    from runpod_worker.files import FileHelperError
    from runpod_worker.validation import SchemaError

    for error in (runpod_worker.ConfigError, runpod_worker.ProtocolError, FileHelperError, SchemaError):
        assert issubclass(error, runpod_worker.WorkerError)


def test_testing_helper_needs_only_the_standard_library() -> None:
    code = (
        "import sys, runpod_worker.testing; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'anyio', 'httpx2', 'httpcore2', 'pydantic'}))"
    )
    assert python_prints(code) == "[]"


def test_file_helpers_and_validation_import_neither_boto3_nor_the_server() -> None:
    code = (
        "import sys, runpod_worker.files, runpod_worker.validation; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore', 'starlette', 'uvicorn'}))"
    )
    assert python_prints(code) == "[]"
