"""The public surface of the local-development modules is exactly what they mean to export."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types
from pathlib import PurePath

import pytest

EXPECTED = {
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


def _public(module: types.ModuleType) -> set[str]:
    """Names a user would take for the module's own: its classes and functions, and its constants."""
    names = set()
    for name, value in vars(module).items():
        if name.startswith("_") or name in ("TYPE_CHECKING", "annotations"):
            continue
        if isinstance(value, type | types.FunctionType):
            if value.__module__.startswith("runpod_worker"):
                names.add(name)
        elif isinstance(value, int | float | str | tuple | frozenset | PurePath):
            names.add(name)
    return names


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_all_lists_exactly_the_public_names(name: str) -> None:
    module = importlib.import_module(name)
    assert set(module.__all__) == EXPECTED[name]
    assert _public(module) == EXPECTED[name]


def test_file_helpers_import_neither_boto3_nor_the_server() -> None:
    code = (
        "import sys, runpod_worker.files, runpod_worker.validation; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore', 'starlette', 'uvicorn'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
