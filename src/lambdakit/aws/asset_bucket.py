"""The `AssetStore` port over boto3's S3 client: the assets bucket of an account and region.

The bucket is created on first use with versioning, default encryption (SSE-S3, AES256) and
all public access blocked; ``us-east-1`` takes no LocationConstraint. Objects are looked up
with HeadObject and uploaded with `upload_file`, whose callback feeds the progress display.
Errors become `DeployError` with the service's message.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import boto3
import botocore.exceptions

from lambdakit.aws.cloudformation_stacks import service_message, translated
from lambdakit.errors import DeployError

_MISSING = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchBucket"})


class S3AssetStore:
    """`AssetStore` through boto3 (any endpoint: AWS, moto, ...)."""

    def __init__(
        self, boto_session: boto3.session.Session, endpoint_url: str | None = None
    ) -> None:
        self._client = boto_session.client("s3", endpoint_url=endpoint_url)
        self._region = boto_session.region_name or "us-east-1"

    def ensure_bucket(self, bucket: str) -> bool:
        try:
            self._client.head_bucket(Bucket=bucket)
            return False
        except botocore.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") not in _MISSING:
                raise DeployError(
                    f"checking assets bucket {bucket}: {service_message(error)}",
                    hint="the bucket may belong to another account; pass another --region "
                    "or check your credentials",
                ) from error
        with translated(f"creating assets bucket {bucket}"):
            arguments: dict[str, object] = {"Bucket": bucket}
            if self._region != "us-east-1":
                arguments["CreateBucketConfiguration"] = {"LocationConstraint": self._region}
            self._client.create_bucket(**arguments)
            self._client.put_bucket_versioning(
                Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
            )
            self._client.put_bucket_encryption(
                Bucket=bucket,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )
            self._client.put_public_access_block(
                Bucket=bucket,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True,
                },
            )
        return True

    def has(self, bucket: str, key: str) -> bool:
        try:
            self._client.head_object(Bucket=bucket, Key=key)
            return True
        except botocore.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise DeployError(
                f"looking up s3://{bucket}/{key}: {service_message(error)}"
            ) from error

    def put(self, bucket: str, key: str, path: Path, progress: Callable[[int], None]) -> None:
        with translated(f"uploading {path.name} to s3://{bucket}/{key}"):
            try:
                self._client.upload_file(str(path), bucket, key, Callback=progress)
            except boto3.exceptions.S3UploadFailedError as error:
                raise DeployError(
                    f"uploading {path.name} to s3://{bucket}/{key}: {error}"
                ) from error

    def url(self, bucket: str, key: str) -> str:
        """The virtual-hosted URL, also with another endpoint: CloudFormation emulators such
        as moto read ``https://<bucket>.s3.<region>.amazonaws.com/<key>`` from their own S3
        (moto cannot read a path-style ``http://127.0.0.1:PORT/bucket/key``)."""
        return f"https://{bucket}.s3.{self._region}.amazonaws.com/{key}"
