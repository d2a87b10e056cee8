"""S3 uploads against moto's S3 server on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from runpod_worker.files import (
    Bucket,
    BucketConfig,
    StorageConfigError,
    UploadError,
    upload_bytes,
    upload_file,
)

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.moto_server.threaded_moto_server")

SECRET = "moto-secret-key"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def config(endpoint: str) -> BucketConfig:
    return BucketConfig(
        endpoint_url=endpoint, access_key_id="moto-key", secret_access_key=SECRET, bucket_name="outputs"
    )


@pytest.fixture
def env(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUCKET_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("BUCKET_ACCESS_KEY_ID", "moto-key")
    monkeypatch.setenv("BUCKET_SECRET_ACCESS_KEY", SECRET)


@pytest.fixture(autouse=True)
def buckets(endpoint: str) -> Iterator[object]:
    s3 = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="a", aws_secret_access_key="b", region_name="us-east-1"
    )
    for name in ("outputs", "custom-bucket"):
        s3.create_bucket(Bucket=name)
    yield s3
    for name in ("outputs", "custom-bucket"):
        for item in s3.list_objects_v2(Bucket=name).get("Contents", []):
            s3.delete_object(Bucket=name, Key=item["Key"])
        s3.delete_bucket(Bucket=name)


def test_uploaded_file_is_readable_through_its_presigned_url(config: BucketConfig, tmp_path: Path) -> None:
    source = tmp_path / "result.png"
    source.write_bytes(b"\x89PNG result")
    url = Bucket(config).upload_file(source, prefix="job-1")
    assert "/outputs/job-1/result.png?" in url
    response = httpx2.get(url)
    assert response.status_code == 200
    assert response.content == b"\x89PNG result"
    assert response.headers["content-type"] == "image/png"


def test_uploaded_bytes_are_readable_through_their_presigned_url(config: BucketConfig) -> None:
    url = Bucket(config).upload_bytes(b'{"a": 1}', "job-2/out.json")
    response = httpx2.get(url)
    assert response.content == b'{"a": 1}'
    assert response.headers["content-type"] == "application/json"


def test_bucket_name_argument_is_honoured(config: BucketConfig, buckets, tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text("hello")
    upload_file(source, key="k/a.txt", bucket_name="custom-bucket", config=config)
    assert [o["Key"] for o in buckets.list_objects_v2(Bucket="custom-bucket")["Contents"]] == ["k/a.txt"]
    assert "Contents" not in buckets.list_objects_v2(Bucket="outputs")


def test_bucket_name_comes_from_the_environment(env, buckets, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUCKET_NAME", "custom-bucket")
    upload_bytes(b"x", "from-env.bin")
    assert [o["Key"] for o in buckets.list_objects_v2(Bucket="custom-bucket")["Contents"]] == ["from-env.bin"]


def test_default_keys_never_collide_between_two_uploads(config: BucketConfig, buckets, tmp_path: Path) -> None:
    source = tmp_path / "out.png"
    source.write_bytes(b"1")
    first, second = Bucket(config).upload_file(source), Bucket(config).upload_file(source)
    assert first.split("?")[0] != second.split("?")[0]
    assert len(buckets.list_objects_v2(Bucket="outputs")["Contents"]) == 2


def test_presigned_url_lifetime_is_settable(config: BucketConfig) -> None:
    bucket = Bucket(config, expires_in=60)
    assert "X-Amz-Expires=60" in bucket.presigned_url("k")
    assert "X-Amz-Expires=5" in bucket.presigned_url("k", expires_in=5)


def test_missing_bucket_is_an_upload_error_naming_it(config: BucketConfig) -> None:
    with pytest.raises(UploadError, match=r"s3://nope/k at http://127\.0\.0\.1:\d+ failed: .*NoSuchBucket"):
        Bucket(config, name="nope").upload_bytes(b"x", "k")


def test_missing_local_file_is_an_upload_error(config: BucketConfig, tmp_path: Path) -> None:
    with pytest.raises(UploadError, match="no such file"):
        Bucket(config).upload_file(tmp_path / "absent.png")


def test_missing_credentials_name_the_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BUCKET_ACCESS_KEY_ID", raising=False)
    monkeypatch.setenv("BUCKET_SECRET_ACCESS_KEY", SECRET)
    source = tmp_path / "a.txt"
    source.write_text("a")
    with pytest.raises(StorageConfigError, match="set BUCKET_ACCESS_KEY_ID") as caught:
        upload_file(source, bucket_name="outputs")
    assert SECRET not in str(caught.value)


def test_missing_bucket_name_is_an_error(endpoint: str) -> None:
    config = BucketConfig(endpoint_url=endpoint, access_key_id="k", secret_access_key=SECRET)
    with pytest.raises(StorageConfigError, match="no bucket name"):
        Bucket(config)


def test_local_fallback_is_used_only_when_asked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog) -> None:
    for var in ("BUCKET_ACCESS_KEY_ID", "BUCKET_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(var, raising=False)
    source = tmp_path / "a.txt"
    source.write_text("local")
    url = upload_file(source, key="job/a.txt", local_fallback=tmp_path / "uploads")
    assert url == (tmp_path / "uploads" / "job" / "a.txt").as_uri()
    assert (tmp_path / "uploads" / "job" / "a.txt").read_text() == "local"
    assert "saving to" in caplog.text
    assert upload_bytes(b"b", "b.bin", local_fallback=tmp_path / "uploads").endswith("/uploads/b.bin")


def test_secret_is_not_in_the_repr(config: BucketConfig) -> None:
    assert SECRET not in repr(config)
    assert SECRET not in repr(Bucket(config))


def test_object_url_is_the_plain_path_style_url(config: BucketConfig, endpoint: str) -> None:
    assert Bucket(config).object_url("a/b.png") == f"{endpoint}/outputs/a/b.png"


@pytest.mark.parametrize(
    ("endpoint_url", "region"),
    [
        ("https://bucket.s3.eu-west-2.amazonaws.com", "eu-west-2"),
        ("https://s3.us-west-004.backblazeb2.com", "us-west-004"),
        ("https://nyc3.digitaloceanspaces.com", "nyc3"),
        ("https://s3.amazonaws.com", "us-east-1"),
        ("https://example.r2.cloudflarestorage.com", "us-east-1"),
        (None, "us-east-1"),
    ],
)
def test_signing_region_is_read_from_the_endpoint(endpoint_url: str | None, region: str) -> None:
    config = BucketConfig(endpoint_url=endpoint_url, access_key_id="k", secret_access_key="s")
    assert config.signing_region() == region


def test_explicit_region_wins() -> None:
    config = BucketConfig(
        endpoint_url="https://nyc3.digitaloceanspaces.com", access_key_id="k", secret_access_key="s", region="x"
    )
    assert config.signing_region() == "x"


def test_without_boto3_the_error_says_which_extra_to_install() -> None:
    code = (
        "import sys; sys.modules['boto3'] = None\n"
        "from runpod_worker.files import Bucket, BucketConfig, StorageConfigError\n"
        "b = Bucket(BucketConfig(access_key_id='k', secret_access_key='s', bucket_name='b'))\n"
        "try:\n    b.presigned_url('k')\nexcept StorageConfigError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "S3 upload needs boto3: pip install 'runpod-worker[s3]'"
