"""Errors raised by the file helpers.

::

    WorkerError
    └── FileHelperError
    ├── StorageConfigError      no credentials, no bucket name, or boto3 not installed
    ├── UploadError             the object store refused or failed an upload
    └── DownloadError           a URL could not be downloaded (``failures`` lists each URL when several did)
        ├── DownloadRefusedError    the URL points at a private, loopback or otherwise non-public address
        └── DownloadTooLargeError   the body is larger than the size cap

URLs in messages are shown without their query string, so presigned signatures never leak into logs.
"""

from __future__ import annotations

from .._exceptions import WorkerError

__all__ = (
    "DownloadError",
    "DownloadRefusedError",
    "DownloadTooLargeError",
    "FileHelperError",
    "StorageConfigError",
    "UploadError",
)


class FileHelperError(WorkerError):
    """Base class of every error the file helpers raise."""


class StorageConfigError(FileHelperError):
    """The S3 helpers are not configured: credentials, bucket name or the ``[s3]`` extra are missing."""


class UploadError(FileHelperError):
    """An upload to the object store failed; the message names the bucket, the key and the store's answer."""


class DownloadError(FileHelperError):
    """A download failed.

    Attributes:
        url: the URL that failed, without its query string (``None`` for a summary of several failures).
        failures: for a summary raised by ``download_files``, each failed URL's own error, in input order.
    """

    def __init__(self, message: str, *, url: str | None = None, failures: list[DownloadError] | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.failures = failures or []


class DownloadRefusedError(DownloadError):
    """The URL resolves to an address downloads may not reach (private, loopback, link-local, metadata...)."""


class DownloadTooLargeError(DownloadError):
    """The response is larger than the download size cap."""
