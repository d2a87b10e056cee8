"""Helpers for the files a handler reads and writes.

- :func:`download_files` fetches input URLs in parallel, refusing private and loopback addresses unless
  allowed, and stopping at a size cap (:class:`DownloadPolicy`).
- :class:`Bucket`, :func:`upload_file` and :func:`upload_bytes` upload outputs to S3 or any S3-compatible
  store and return presigned URLs (``pip install 'runpod-worker[s3]'``; boto3 is imported on first upload).
- :func:`job_dir` and :func:`clean` give each job a working folder and remove it afterwards.
"""

from ._cleanup import DEFAULT_ROOT as DEFAULT_ROOT
from ._cleanup import LEGACY_FOLDERS as LEGACY_FOLDERS
from ._cleanup import clean as clean
from ._cleanup import job_dir as job_dir
from ._download import download_file as download_file
from ._download import download_files as download_files
from ._download import download_files_sync as download_files_sync
from ._errors import DownloadError as DownloadError
from ._errors import DownloadRefusedError as DownloadRefusedError
from ._errors import DownloadTooLargeError as DownloadTooLargeError
from ._errors import FileHelperError as FileHelperError
from ._errors import StorageConfigError as StorageConfigError
from ._errors import UploadError as UploadError
from ._policy import DEFAULT_MAX_BYTES as DEFAULT_MAX_BYTES
from ._policy import DownloadPolicy as DownloadPolicy
from ._s3 import DEFAULT_EXPIRES_IN as DEFAULT_EXPIRES_IN
from ._s3 import Bucket as Bucket
from ._s3 import BucketConfig as BucketConfig
from ._s3 import upload_bytes as upload_bytes
from ._s3 import upload_file as upload_file

__all__ = (
    "DEFAULT_EXPIRES_IN",
    "DEFAULT_MAX_BYTES",
    "LEGACY_FOLDERS",
    "DEFAULT_ROOT",
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
)
