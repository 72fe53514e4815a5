"""Which S3 calls change which objects, and which bucket notifications each change matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdakit.local.edge_calls import AwsCall
from lambdakit.local.events.s3_notifications import (
    Notification,
    ObjectChange,
    Sequencer,
    SizeBook,
    bucket_and_key,
    matches,
    notification_table,
    s3_call_events,
)
from lambdakit.local.physical_names import physical_resources
from lambdakit.model import App, Bucket, Origin, S3Event, SourceKind, Stack

ORIGIN = Origin(file=Path("template.yaml"), name="X")
BUCKETS = ("photos", "my.dotted.bucket")
NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def call(
    method: str,
    path: str,
    *,
    query: str = "",
    host: str = "127.0.0.1:4566",
    headers: dict[str, str] | None = None,
    body: bytes | None = b"",
    status: int = 200,
    response_headers: dict[str, str] | None = None,
    response_body: bytes | None = b"",
    service: str | None = "s3",
) -> AwsCall:
    return AwsCall(
        service=service,
        method=method,
        host=host,
        path=path,
        query=query,
        headers=headers or {},
        body=body,
        status=status,
        response_headers=response_headers or {},
        response_body=response_body,
    )


# --- patterns and filters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "event_name", "expected"),
    [
        ("s3:ObjectCreated:*", "ObjectCreated:Put", True),
        ("s3:ObjectCreated:*", "ObjectCreated:Copy", True),
        ("s3:ObjectCreated:*", "ObjectCreated:CompleteMultipartUpload", True),
        ("s3:ObjectCreated:*", "ObjectRemoved:Delete", False),
        ("s3:ObjectCreated:Put", "ObjectCreated:Put", True),
        ("s3:ObjectCreated:Put", "ObjectCreated:Post", False),
        ("s3:ObjectRemoved:*", "ObjectRemoved:Delete", True),
        ("s3:ObjectRemoved:*", "ObjectRemoved:DeleteMarkerCreated", True),
        ("s3:ObjectRemoved:Delete", "ObjectRemoved:Delete", True),
        ("s3:ObjectRemoved:Delete", "ObjectRemoved:DeleteMarkerCreated", False),
        ("s3:ObjectRemoved:DeleteMarkerCreated", "ObjectRemoved:DeleteMarkerCreated", True),
        ("s3:ObjectCreated:Put", "s3:ObjectCreated:Put", True),
    ],
)
def test_event_patterns_match_names_without_the_s3_prefix(
    pattern: str, event_name: str, expected: bool
) -> None:
    assert matches(pattern, event_name) is expected


def test_prefix_and_suffix_filters_apply_to_the_decoded_key() -> None:
    notification = Notification(
        function="Thumbs",
        events=("s3:ObjectCreated:*",),
        prefix="uploads/",
        suffix=".jpg",
        configuration_id="c",
    )
    created = ObjectChange("photos", "uploads/red flower.jpg", "ObjectCreated:Put")
    assert notification.wants(created)
    assert not notification.wants(ObjectChange("photos", "other/a.jpg", "ObjectCreated:Put"))
    assert not notification.wants(ObjectChange("photos", "uploads/a.png", "ObjectCreated:Put"))
    removed = ObjectChange("photos", "uploads/a.jpg", "ObjectRemoved:Delete")
    assert not notification.wants(removed)


# --- the notification table -------------------------------------------------------------------


def app_with_events(*events: S3Event) -> App:
    stack = Stack(
        name="shop",
        template_file=Path("template.yaml"),
        source=SourceKind.SAM,
        template={},
        region="eu-west-1",
    )
    bucket = Bucket(logical_id="Photos", stack="shop", type="AWS::S3::Bucket", origin=ORIGIN)
    named = Bucket(
        logical_id="Named", stack="shop", type="AWS::S3::Bucket", origin=ORIGIN, name="named"
    )
    return App(
        name="shop",
        root=Path(),
        source=SourceKind.SAM,
        stacks=(stack,),
        resources=(bucket, named),
        event_sources=events,
    )


def s3(source: str | None, **settings: object) -> S3Event:
    values: dict[str, object] = {
        "function": "Thumbs",
        "source": source,
        "origin": ORIGIN,
        "events": ("s3:ObjectCreated:*",),
    }
    return S3Event(**(values | settings))  # type: ignore[arg-type]


def test_the_table_maps_physical_bucket_names_to_their_notifications() -> None:
    app = app_with_events(
        s3("Photos", prefix="in/", suffix=".jpg"),
        s3("Photos", function="Cleaner", events=("s3:ObjectRemoved:*",)),
        s3("Named"),
        s3("Named", enabled=False),
        s3(None, source_arn="arn:aws:s3:::external-bucket"),
    )
    physical = physical_resources(app, "http://127.0.0.1:4566")
    table = notification_table(app, physical)
    photos = physical["Photos"].name
    assert set(table) == {photos, "named", "external-bucket"}
    first, second = table[photos]
    assert (first.function, first.prefix, first.suffix) == ("Thumbs", "in/", ".jpg")
    assert first.events == ("s3:ObjectCreated:*",)
    assert first.region == "eu-west-1"
    assert second.function == "Cleaner"
    assert first.configuration_id != second.configuration_id
    assert len(table["named"]) == 1
    assert notification_table(app, physical) == table  # configuration ids are stable


# --- calls → object changes -------------------------------------------------------------------


def test_put_object_path_style_is_created_put_with_size_etag_and_version() -> None:
    put = call(
        "PUT",
        "/photos/uploads/red%20flower.jpg",
        query="x-id=PutObject",
        headers={"Content-Length": "11"},
        response_headers={"ETag": '"abc123"', "x-amz-version-id": "v1"},
    )
    assert s3_call_events(put, BUCKETS) == [
        ObjectChange(
            "photos",
            "uploads/red flower.jpg",
            "ObjectCreated:Put",
            size=11,
            etag="abc123",
            version_id="v1",
        )
    ]


def test_aws_chunked_uploads_report_the_decoded_length() -> None:
    put = call(
        "PUT",
        "/photos/a.txt",
        headers={"Content-Length": "200", "x-amz-decoded-content-length": "5"},
    )
    assert s3_call_events(put, BUCKETS)[0].size == 5


def test_virtual_host_style_takes_the_bucket_from_the_host() -> None:
    put = call("PUT", "/key%2Bplus%20space", host="my.dotted.bucket.localhost:4566")
    assert bucket_and_key(put, BUCKETS) == ("my.dotted.bucket", "key+plus space")
    assert s3_call_events(put, BUCKETS)[0].bucket == "my.dotted.bucket"


def test_copy_object_is_created_copy_with_the_etag_of_the_result() -> None:
    copy = call(
        "PUT",
        "/photos/copy.jpg",
        headers={"x-amz-copy-source": "photos/red%20flower.jpg"},
        response_body=f'<CopyObjectResult {NS}><ETag>"feed"</ETag></CopyObjectResult>'.encode(),
    )
    [change] = s3_call_events(copy, BUCKETS)
    assert change.event_name == "ObjectCreated:Copy"
    assert change.etag == "feed"
    assert change.copy_source == ("photos", "red flower.jpg")


@pytest.mark.parametrize(
    ("method", "query"),
    [
        ("PUT", "tagging"),
        ("PUT", "acl"),
        ("PUT", "uploadId=u1&partNumber=1"),
        ("POST", "uploads"),
        ("DELETE", "uploadId=u1"),
        ("DELETE", "tagging"),
        ("GET", ""),
        ("HEAD", ""),
    ],
)
def test_sub_resources_and_reads_change_no_object(method: str, query: str) -> None:
    assert s3_call_events(call(method, "/photos/a.jpg", query=query), BUCKETS) == []


def test_bucket_calls_and_other_services_change_no_object() -> None:
    assert s3_call_events(call("PUT", "/photos"), BUCKETS) == []
    assert s3_call_events(call("PUT", "/photos/a", service="dynamodb"), BUCKETS) == []
    assert s3_call_events(call("PUT", "/photos/a", status=304), BUCKETS) == []


def test_presigned_urls_are_objects_calls_not_sub_resources() -> None:
    query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x&X-Amz-Signature=s"
    [change] = s3_call_events(call("PUT", "/photos/a", query=query), BUCKETS)
    assert change.event_name == "ObjectCreated:Put"


def test_complete_multipart_upload_sums_the_sizes_of_its_parts() -> None:
    sizes = SizeBook()
    for number, length in ((1, 5 * 1024 * 1024), (2, 7)):
        part = call(
            "PUT",
            "/photos/big.bin",
            query=f"uploadId=u1&partNumber={number}&x-id=UploadPart",
            headers={"Content-Length": str(length)},
            body=None,
        )
        assert s3_call_events(part, BUCKETS) == []
        sizes.observe_part(part)
    complete = call(
        "POST",
        "/photos/big.bin",
        query="uploadId=u1",
        response_body=(
            f"<CompleteMultipartUploadResult {NS}><Key>big.bin</Key>"
            "<ETag>&quot;abc-2&quot;</ETag></CompleteMultipartUploadResult>"
        ).encode(),
    )
    [change] = s3_call_events(complete, BUCKETS)
    assert (change.event_name, change.etag, change.upload_id) == (
        "ObjectCreated:CompleteMultipartUpload",
        "abc-2",
        "u1",
    )
    assert sizes.sized(change).size == 5 * 1024 * 1024 + 7


def test_a_copy_has_the_size_of_its_source_when_it_was_seen() -> None:
    sizes = SizeBook()
    sizes.sized(ObjectChange("photos", "a", "ObjectCreated:Put", size=42))
    copy = ObjectChange("photos", "b", "ObjectCreated:Copy", copy_source=("photos", "a"))
    assert sizes.sized(copy).size == 42
    sizes.sized(ObjectChange("photos", "a", "ObjectRemoved:Delete"))
    assert sizes.sized(copy).size is None


def test_form_post_is_created_post_with_the_key_field_and_the_file_size() -> None:
    boundary = "XyZ"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="key"\r\n\r\n'
        "uploads/${filename}\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="red flower.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
        "0123456789\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    post = call(
        "POST",
        "/photos",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        body=body,
        status=204,
        response_headers={"ETag": '"e1"'},
        service=None,
    )
    assert s3_call_events(post, BUCKETS) == [
        ObjectChange("photos", "uploads/red flower.jpg", "ObjectCreated:Post", 10, "e1")
    ]


def test_delete_object_is_removed_delete_or_delete_marker_created() -> None:
    plain = call("DELETE", "/photos/a%20b.jpg", query="x-id=DeleteObject", status=204)
    assert s3_call_events(plain, BUCKETS) == [
        ObjectChange("photos", "a b.jpg", "ObjectRemoved:Delete")
    ]
    marker = call(
        "DELETE",
        "/photos/a.jpg",
        status=204,
        response_headers={"x-amz-delete-marker": "true", "x-amz-version-id": "m1"},
    )
    assert s3_call_events(marker, BUCKETS) == [
        ObjectChange("photos", "a.jpg", "ObjectRemoved:DeleteMarkerCreated", version_id="m1")
    ]
    version = call("DELETE", "/photos/a.jpg", query="versionId=v1", status=204)
    assert s3_call_events(version, BUCKETS)[0].event_name == "ObjectRemoved:Delete"


def delete_request(*keys: str, quiet: bool = False) -> bytes:
    objects = "".join(f"<Object><Key>{key}</Key></Object>" for key in keys)
    return f"<Delete {NS}>{objects}<Quiet>{str(quiet).lower()}</Quiet></Delete>".encode()


def test_delete_objects_reports_what_the_answer_says_was_deleted() -> None:
    answer = (
        f"<DeleteResult {NS}>"
        "<Deleted><Key>a.jpg</Key></Deleted>"
        "<Deleted><Key>b c.jpg</Key><DeleteMarker>true</DeleteMarker>"
        "<DeleteMarkerVersionId>m2</DeleteMarkerVersionId></Deleted>"
        "<Error><Key>d.jpg</Key><Code>AccessDenied</Code></Error>"
        "</DeleteResult>"
    ).encode()
    bulk = call(
        "POST",
        "/photos",
        query="delete",
        body=delete_request("a.jpg", "b c.jpg", "d.jpg"),
        response_body=answer,
    )
    assert s3_call_events(bulk, BUCKETS) == [
        ObjectChange("photos", "a.jpg", "ObjectRemoved:Delete"),
        ObjectChange("photos", "b c.jpg", "ObjectRemoved:DeleteMarkerCreated", version_id="m2"),
    ]


def test_quiet_delete_objects_reports_the_requested_keys_less_the_errors() -> None:
    answer = f"<DeleteResult {NS}><Error><Key>d.jpg</Key></Error></DeleteResult>".encode()
    bulk = call(
        "POST",
        "/photos",
        query="delete=",
        body=delete_request("a.jpg", "d.jpg", quiet=True),
        response_body=answer,
    )
    assert [c.key for c in s3_call_events(bulk, BUCKETS)] == ["a.jpg"]


def test_sequencers_increase_as_hex_strings_of_one_length() -> None:
    sequencer = Sequencer(start=0xFF)
    first, second = sequencer.next(), sequencer.next()
    assert len(first) == len(second) == 18
    assert first < second
    assert int(second, 16) == 0x101
