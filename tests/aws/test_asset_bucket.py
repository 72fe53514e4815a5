"""The S3 assets bucket adapter against a real moto server, and the deploy session's errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from lambdakit.aws.asset_bucket import S3AssetStore
from lambdakit.aws.cloudformation_stacks import session
from lambdakit.aws.moto_server import MotoServer
from lambdakit.aws.provision import FAKE_CREDENTIALS
from lambdakit.errors import CredentialsError


def boto(region: str = "us-east-1") -> boto3.session.Session:
    return boto3.session.Session(region_name=region, **FAKE_CREDENTIALS)


@pytest.fixture
def store(moto: MotoServer) -> Iterator[S3AssetStore]:
    yield S3AssetStore(boto(), moto.url)


def test_bucket_is_created_once_versioned_encrypted_and_private(
    moto: MotoServer, store: S3AssetStore
) -> None:
    assert store.ensure_bucket("lambdakit-assets-123456789012-us-east-1") is True
    assert store.ensure_bucket("lambdakit-assets-123456789012-us-east-1") is False
    s3 = boto().client("s3", endpoint_url=moto.url)
    bucket = "lambdakit-assets-123456789012-us-east-1"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] is None


def test_other_regions_get_a_location_constraint(moto: MotoServer) -> None:
    store = S3AssetStore(boto("eu-west-1"), moto.url)
    assert store.ensure_bucket("lambdakit-assets-123456789012-eu-west-1")
    s3 = boto("eu-west-1").client("s3", endpoint_url=moto.url)
    location = s3.get_bucket_location(Bucket="lambdakit-assets-123456789012-eu-west-1")
    assert location["LocationConstraint"] == "eu-west-1"


def test_objects_are_looked_up_then_uploaded_with_progress(
    store: S3AssetStore, tmp_path: Path
) -> None:
    bucket = "assets-progress"
    store.ensure_bucket(bucket)
    path = tmp_path / "code.zip"
    path.write_bytes(b"z" * 300_000)
    assert not store.has(bucket, "lambdakit/abc.zip")
    sent: list[int] = []
    store.put(bucket, "lambdakit/abc.zip", path, sent.append)
    assert sum(sent) == 300_000
    assert store.has(bucket, "lambdakit/abc.zip")
    url = store.url(bucket, "lambdakit/abc.zip")
    assert url == f"https://{bucket}.s3.us-east-1.amazonaws.com/lambdakit/abc.zip"
    other = S3AssetStore(boto("eu-west-1")).url(bucket, "k")
    assert other == f"https://{bucket}.s3.eu-west-1.amazonaws.com/k"


def test_unknown_profile_and_missing_credentials_are_one_line_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for variable in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    with pytest.raises(CredentialsError, match="AWS profile 'nobody' is not configured"):
        session("nobody", "us-east-1")
    with pytest.raises(CredentialsError, match="no AWS credentials found") as raised:
        session(None, "us-east-1")
    assert "\n" not in str(raised.value)
    (tmp_path / "credentials").write_text(
        "[dev]\naws_access_key_id = a\naws_secret_access_key = b\n"
    )
    assert session("dev", "eu-west-1").region_name == "eu-west-1"
