"""Bucket notifications end to end: boto3 → the services endpoint → moto, then async invokes.

A real moto server stands behind the endpoint; the notified function appends each event it gets
to a file, which the tests read once the service has drained.
"""

from __future__ import annotations

import json

import boto3
import pytest

from lambdakit.local.events.s3_notifications import Notification
from lambdakit.local.s3_observer import S3Notifier

from .recorder_cloud import recording

pytest.importorskip("moto.server")

BUCKET = "photos"
TABLE = {
    BUCKET: [
        Notification(
            function="Recorder",
            events=("s3:ObjectCreated:*", "s3:ObjectRemoved:*"),
            prefix=None,
            suffix=None,
            configuration_id="everything",
            region="eu-west-1",
        ),
        Notification(
            function="Recorder",
            events=("s3:ObjectCreated:Put",),
            prefix="in/",
            suffix=".jpg",
            configuration_id="jpegs-in",
            region="eu-west-1",
        ),
    ]
}


@pytest.fixture(scope="module")
def setup(tmp_path_factory, moto):
    notifiers = []

    def observers(service, reports):
        notifiers.append(S3Notifier(service, TABLE, report=reports.append))
        return notifiers

    with recording(tmp_path_factory.mktemp("s3"), moto.url, observers) as cloud:
        client = boto3.client(
            "s3",
            endpoint_url=cloud.endpoint,
            region_name="eu-west-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
        )
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        yield cloud.local, notifiers[0], client, cloud.events, cloud.reports


def records_after(setup, action) -> list[dict]:
    """The records delivered because of `action(client)`, in delivery order."""
    local, notifier, client, events, reports = setup
    events.write_text("")
    action(client)
    local.call(notifier.flush(), timeout=30)
    local.drain(timeout=30)
    assert not reports
    lines = events.read_text().splitlines()
    found = [json.loads(line) for line in lines]
    for event in found:
        assert len(event["Records"]) == 1  # one record per object (FIDELITY 4.3)
    return [event["Records"][0] for event in found]


def test_put_object_notifies_with_the_s3_record_shape(setup) -> None:
    [record] = records_after(
        setup, lambda s3: s3.put_object(Bucket=BUCKET, Key="docs/red flower.txt", Body=b"hello")
    )
    assert record["eventVersion"] == "2.1"
    assert record["eventSource"] == "aws:s3"
    assert record["awsRegion"] == "eu-west-1"
    assert record["eventName"] == "ObjectCreated:Put"
    s3 = record["s3"]
    assert s3["configurationId"] == "everything"
    assert s3["bucket"]["name"] == BUCKET
    assert s3["bucket"]["arn"] == f"arn:aws:s3:::{BUCKET}"
    assert s3["object"]["key"] == "docs/red+flower.txt"
    assert s3["object"]["size"] == 5
    assert s3["object"]["eTag"] == "5d41402abc4b2a76b9719d911017c592"  # md5 of "hello"
    assert len(s3["object"]["sequencer"]) == 18


def test_prefix_and_suffix_filters_add_their_configuration(setup) -> None:
    def put_two(s3) -> None:
        s3.put_object(Bucket=BUCKET, Key="in/cat.jpg", Body=b"meow")
        s3.put_object(Bucket=BUCKET, Key="in/cat.png", Body=b"meow")

    records = records_after(setup, put_two)
    by_configuration = sorted(
        (r["s3"]["configurationId"], r["s3"]["object"]["key"]) for r in records
    )
    assert by_configuration == [
        ("everything", "in/cat.jpg"),
        ("everything", "in/cat.png"),
        ("jpegs-in", "in/cat.jpg"),
    ]


def test_copy_and_delete_notify_with_their_event_names(setup) -> None:
    def copy_then_delete(s3) -> None:
        s3.put_object(Bucket=BUCKET, Key="a b.txt", Body=b"0123456789")
        s3.copy_object(
            Bucket=BUCKET, Key="copy of a.txt", CopySource={"Bucket": BUCKET, "Key": "a b.txt"}
        )
        s3.delete_object(Bucket=BUCKET, Key="a b.txt")
        s3.delete_objects(
            Bucket=BUCKET, Delete={"Objects": [{"Key": "copy of a.txt"}, {"Key": "in/cat.png"}]}
        )

    records = records_after(setup, copy_then_delete)
    seen = sorted(
        (r["s3"]["object"]["sequencer"], r["eventName"], r["s3"]["object"]["key"]) for r in records
    )
    assert [(name, key) for _, name, key in seen] == [
        ("ObjectCreated:Put", "a+b.txt"),
        ("ObjectCreated:Copy", "copy+of+a.txt"),
        ("ObjectRemoved:Delete", "a+b.txt"),
        ("ObjectRemoved:Delete", "copy+of+a.txt"),
        ("ObjectRemoved:Delete", "in/cat.png"),
    ]
    copy = next(r for r in records if r["eventName"] == "ObjectCreated:Copy")
    assert copy["s3"]["object"]["size"] == 10
    assert copy["s3"]["object"]["eTag"] == "781e5e245d69b566979b86e28d23f2c7"  # md5 "0123456789"
    removed = next(r for r in records if r["eventName"] == "ObjectRemoved:Delete")
    assert "size" not in removed["s3"]["object"]


def test_multipart_upload_notifies_once_with_the_whole_size(setup) -> None:
    part = b"x" * (5 * 1024 * 1024)

    def upload(s3) -> None:
        started = s3.create_multipart_upload(Bucket=BUCKET, Key="big.bin")
        upload_id = started["UploadId"]
        parts = []
        for number, body in ((1, part), (2, b"tail")):
            answer = s3.upload_part(
                Bucket=BUCKET, Key="big.bin", UploadId=upload_id, PartNumber=number, Body=body
            )
            parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        s3.complete_multipart_upload(
            Bucket=BUCKET, Key="big.bin", UploadId=upload_id, MultipartUpload={"Parts": parts}
        )

    [record] = records_after(setup, upload)
    assert record["eventName"] == "ObjectCreated:CompleteMultipartUpload"
    assert record["s3"]["object"]["size"] == len(part) + 4
    assert record["s3"]["object"]["eTag"].endswith("-2")


def test_nothing_is_sent_for_reads(setup) -> None:
    def read(s3) -> None:
        s3.put_object(Bucket=BUCKET, Key="read-me", Body=b"r")
        s3.get_object(Bucket=BUCKET, Key="read-me")["Body"].read()
        s3.list_objects_v2(Bucket=BUCKET)
        s3.put_object_tagging(
            Bucket=BUCKET, Key="read-me", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]}
        )

    records = records_after(setup, read)
    assert [r["eventName"] for r in records] == ["ObjectCreated:Put"]
