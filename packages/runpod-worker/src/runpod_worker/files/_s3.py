"""Upload job outputs to S3 or any S3-compatible store, and hand back URLs (needs ``runpod-worker[s3]``)."""

from __future__ import annotations

import dataclasses
import logging
import mimetypes
import os
import shutil
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ._errors import StorageConfigError, UploadError

if TYPE_CHECKING:
    from botocore.client import BaseClient

__all__ = ("DEFAULT_EXPIRES_IN", "Bucket", "BucketConfig", "upload_bytes", "upload_file")

logger = logging.getLogger(__name__)

DEFAULT_EXPIRES_IN = 7 * 24 * 3600
"""Presigned URLs last seven days, the longest S3 signature version 4 allows."""

_ENV = {
    "endpoint_url": "BUCKET_ENDPOINT_URL",
    "access_key_id": "BUCKET_ACCESS_KEY_ID",
    "secret_access_key": "BUCKET_SECRET_ACCESS_KEY",
    "bucket_name": "BUCKET_NAME",
    "region": "BUCKET_REGION",
}


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BucketConfig:
    """Where and as whom to upload. The secret never appears in the repr."""

    access_key_id: str
    """The access key id (``BUCKET_ACCESS_KEY_ID``)."""
    secret_access_key: str = dataclasses.field(repr=False)
    """The secret access key (``BUCKET_SECRET_ACCESS_KEY``)."""
    endpoint_url: str | None = None
    """The store's URL (``BUCKET_ENDPOINT_URL``); ``None`` means AWS S3."""
    bucket_name: str | None = None
    """The default bucket (``BUCKET_NAME``)."""
    region: str | None = None
    """The signing region (``BUCKET_REGION``); derived from ``endpoint_url`` when it names one."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BucketConfig:
        """Read the credentials and settings from ``BUCKET_*`` environment variables.

        ``BUCKET_ACCESS_KEY_ID`` and ``BUCKET_SECRET_ACCESS_KEY`` are required; ``BUCKET_ENDPOINT_URL``,
        ``BUCKET_NAME`` and ``BUCKET_REGION`` are optional.

        Args:
            environ: the environment to read (default ``os.environ``, read now).

        Raises:
            StorageConfigError: a credential is missing; the message names the variables to set.
        """
        env = os.environ if environ is None else environ
        values = {field: env.get(var, "").strip() or None for field, var in _ENV.items()}
        key_id, secret = values.pop("access_key_id"), values.pop("secret_access_key")
        if key_id is None or secret is None:
            missing = [
                var
                for var, value in (("BUCKET_ACCESS_KEY_ID", key_id), ("BUCKET_SECRET_ACCESS_KEY", secret))
                if not value
            ]
            raise StorageConfigError(
                f"S3 upload is not configured: set {' and '.join(missing)} (and BUCKET_ENDPOINT_URL for a store "
                "other than AWS), or pass a BucketConfig"
            )
        return cls(access_key_id=key_id, secret_access_key=secret, **values)

    def signing_region(self) -> str:
        """The region requests are signed for: explicit, else read from the endpoint's host, else us-east-1."""
        if self.region:
            return self.region
        host = urlsplit(self.endpoint_url or "").hostname or ""
        labels = host.split(".")
        if "s3" in labels[:-2]:
            candidate = labels[labels.index("s3") + 1]
            if candidate not in ("amazonaws", "backblazeb2"):
                return candidate
        if host.endswith(".digitaloceanspaces.com") and len(labels) == 3:
            return labels[0]
        return "us-east-1"


class Bucket:
    """One bucket of an S3-compatible store: upload files or bytes, get presigned or plain URLs.

    The boto3 client is created on first use and shared by every thread using this object. Example::

        bucket = Bucket.from_env()                    # BUCKET_* variables, bucket from BUCKET_NAME
        url = bucket.upload_file("out.png", prefix=job["id"])
    """

    def __init__(self, config: BucketConfig, *, name: str | None = None, expires_in: int = DEFAULT_EXPIRES_IN) -> None:
        """Create a handle on a bucket (no network traffic yet).

        Args:
            config: credentials and endpoint.
            name: the bucket; default ``config.bucket_name``.
            expires_in: lifetime of presigned URLs, in seconds.

        Raises:
            StorageConfigError: no bucket name was given either way.
        """
        bucket_name = name or config.bucket_name
        if not bucket_name:
            raise StorageConfigError("no bucket name: pass name=... or set BUCKET_NAME")
        self.name = bucket_name
        self.config = config
        self.expires_in = expires_in
        self._client: BaseClient | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, name: str | None = None, expires_in: int = DEFAULT_EXPIRES_IN
    ) -> Bucket:
        """A bucket configured from the ``BUCKET_*`` environment variables (see :meth:`BucketConfig.from_env`)."""
        return cls(BucketConfig.from_env(environ), name=name, expires_in=expires_in)

    def __repr__(self) -> str:
        return f"Bucket(name={self.name!r}, endpoint_url={self.config.endpoint_url!r})"

    def upload_file(
        self,
        path: str | Path,
        *,
        key: str | None = None,
        prefix: str | None = None,
        content_type: str | None = None,
        extra_args: Mapping[str, Any] | None = None,
    ) -> str:
        """Upload a local file (multipart for large files) and return a presigned GET URL.

        Args:
            path: the file to upload.
            key: the object key; default ``<prefix>/<file name>``.
            prefix: the key's folder when ``key`` is not given; default a fresh random id, so two jobs writing
                ``out.png`` never overwrite each other. Passing the job id is a good choice.
            content_type: default guessed from the file name.
            extra_args: further boto3 ``ExtraArgs`` (``CacheControl``, ``Metadata``...).

        Raises:
            UploadError: the file is missing or the store refused the upload.
        """
        source = Path(path)
        key = key or _default_key(source.name, prefix)
        args = {"ContentType": content_type or _guess_type(source.name), **(extra_args or {})}
        if not source.is_file():
            raise UploadError(f"cannot upload {str(source)!r}: no such file")
        self._call(key, "upload_file", str(source), self.name, key, ExtraArgs=args)
        return self.presigned_url(key)

    def upload_bytes(
        self,
        data: bytes,
        key: str,
        *,
        content_type: str | None = None,
        extra_args: Mapping[str, Any] | None = None,
    ) -> str:
        """Upload bytes held in memory under ``key`` and return a presigned GET URL.

        Raises:
            UploadError: the store refused the upload.
        """
        args = {"ContentType": content_type or _guess_type(key), **(extra_args or {})}
        self._call(key, "put_object", Bucket=self.name, Key=key, Body=data, **args)
        return self.presigned_url(key)

    def presigned_url(self, key: str, *, expires_in: int | None = None) -> str:
        """A URL that lets anyone holding it GET the object until it expires (no network traffic)."""
        params = {"Bucket": self.name, "Key": key}
        return self._call(
            key, "generate_presigned_url", "get_object", Params=params, ExpiresIn=expires_in or self.expires_in
        )

    def object_url(self, key: str) -> str:
        """The object's plain, unsigned URL (readable only if the bucket or object is public)."""
        base = (self.config.endpoint_url or f"https://s3.{self.config.signing_region()}.amazonaws.com").rstrip("/")
        return f"{base}/{self.name}/{key}"

    def client(self) -> BaseClient:
        """The boto3 S3 client (created once, on first use).

        Raises:
            StorageConfigError: boto3 is not installed.
        """
        with self._lock:
            if self._client is None:
                self._client = _make_client(self.config)
            return self._client

    def _call(self, key: str, method: str, *args: Any, **kwargs: Any) -> Any:
        client = self.client()
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(client, method)(*args, **kwargs)
        except (BotoCoreError, ClientError) as exc:
            where = f"s3://{self.name}/{key}" + (f" at {self.config.endpoint_url}" if self.config.endpoint_url else "")
            raise UploadError(f"upload to {where} failed: {exc}") from exc


def upload_file(
    path: str | Path,
    *,
    key: str | None = None,
    prefix: str | None = None,
    bucket_name: str | None = None,
    config: BucketConfig | None = None,
    content_type: str | None = None,
    local_fallback: str | Path | None = None,
) -> str:
    """Upload a file and return a presigned GET URL; see :meth:`Bucket.upload_file`.

    Args:
        path: the file to upload.
        key: the object key; default ``<prefix>/<file name>``.
        prefix: as for :meth:`Bucket.upload_file`.
        bucket_name: default ``config.bucket_name`` / ``BUCKET_NAME``.
        config: default :meth:`BucketConfig.from_env`.
        content_type: default guessed from the file name.
        local_fallback: a folder to copy the file into when no credentials are configured; a warning is
            logged and a ``file://`` URL returned. Without it, missing credentials raise.

    Raises:
        StorageConfigError: no credentials (and no ``local_fallback``), no bucket name, or no boto3.
        UploadError: the store refused the upload.
    """
    source = Path(path)
    bucket = _bucket_or_fallback(config, bucket_name, local_fallback)
    if isinstance(bucket, Path):
        target = bucket / (key or _default_key(source.name, prefix))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target.resolve().as_uri()
    return bucket.upload_file(source, key=key, prefix=prefix, content_type=content_type)


def upload_bytes(
    data: bytes,
    key: str,
    *,
    bucket_name: str | None = None,
    config: BucketConfig | None = None,
    content_type: str | None = None,
    local_fallback: str | Path | None = None,
) -> str:
    """Upload bytes under ``key`` and return a presigned GET URL; arguments as for :func:`upload_file`."""
    bucket = _bucket_or_fallback(config, bucket_name, local_fallback)
    if isinstance(bucket, Path):
        target = bucket / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target.resolve().as_uri()
    return bucket.upload_bytes(data, key, content_type=content_type)


def _bucket_or_fallback(
    config: BucketConfig | None, bucket_name: str | None, local_fallback: str | Path | None
) -> Bucket | Path:
    if config is None:
        try:
            config = BucketConfig.from_env()
        except StorageConfigError as exc:
            if local_fallback is None:
                raise
            logger.warning("%s; saving to %s instead (local_fallback)", exc, local_fallback)
            return Path(local_fallback)
    return Bucket(config, name=bucket_name)


def _make_client(config: BucketConfig) -> BaseClient:
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise StorageConfigError("S3 upload needs boto3: pip install 'runpod-worker[s3]'") from None
    return boto3.session.Session().client(
        "s3",
        endpoint_url=config.endpoint_url,
        aws_access_key_id=config.access_key_id,
        aws_secret_access_key=config.secret_access_key,
        region_name=config.signing_region(),
        config=Config(signature_version="s3v4", retries={"max_attempts": 3, "mode": "standard"}),
    )


def _default_key(file_name: str, prefix: str | None) -> str:
    return f"{(prefix or uuid.uuid4().hex).strip('/')}/{file_name}"


def _guess_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
