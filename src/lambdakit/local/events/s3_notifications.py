"""Which S3 calls change which objects, and which functions each change notifies (FIDELITY 4.3).

Stages, all pure: the app model + physical names → the notification table (bucket name → its
`Notification`s) → one forwarded S3 call (`AwsCall`) → the `ObjectChange`s it made (PutObject,
CopyObject, a form POST, CompleteMultipartUpload, DeleteObject, DeleteObjects) → the
notifications whose event pattern and key filters match each change. `SizeBook` remembers part
and object sizes, for the calls that do not carry the object's size (copies, multipart uploads).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from email.message import Message
from email.parser import BytesParser
from urllib.parse import parse_qsl, unquote
from xml.etree import ElementTree

from lambdakit.local.edge_calls import AwsCall
from lambdakit.local.physical_names import PhysicalResource
from lambdakit.model import App, S3Event

_PRESIGN_PARAMETERS = frozenset(
    {"x-id", "awsaccesskeyid", "signature", "expires"}
)  # and every ``X-Amz-*`` parameter: they sign a URL, they name no sub-resource
_DELETE_PARAMETERS = frozenset({"versionid"})


@dataclass(frozen=True)
class Notification:
    """One bucket notification configuration targeting a function."""

    function: str
    """`Function.id` of the target."""
    events: tuple[str, ...]
    """Configuration patterns: ``s3:ObjectCreated:*``, ``s3:ObjectRemoved:Delete``..."""
    prefix: str | None
    suffix: str | None
    configuration_id: str
    region: str = "us-east-1"

    def wants(self, change: ObjectChange) -> bool:
        """Whether `change` matches one of the event patterns and both key filters."""
        return (
            any(matches(pattern, change.event_name) for pattern in self.events)
            and change.key.startswith(self.prefix or "")
            and change.key.endswith(self.suffix or "")
        )


@dataclass(frozen=True)
class ObjectChange:
    """One object created or removed by a call."""

    bucket: str
    key: str
    """The decoded key (``red flower.jpg``)."""
    event_name: str
    """Without the ``s3:`` prefix: ``ObjectCreated:Put``, ``ObjectRemoved:Delete``..."""
    size: int | None = None
    """None when the call does not tell (copies, completed multipart uploads, removals)."""
    etag: str | None = None
    version_id: str | None = None
    copy_source: tuple[str, str] | None = None
    """(bucket, key) a copy was made from."""
    upload_id: str | None = None
    """The multipart upload a ``CompleteMultipartUpload`` completed."""


def matches(pattern: str, event_name: str) -> bool:
    """Whether configuration `pattern` (``s3:ObjectCreated:*``) covers `event_name`."""
    wanted = pattern.removeprefix("s3:")
    name = event_name.removeprefix("s3:")
    if wanted.endswith(":*"):
        return name.startswith(wanted[:-1])
    return name == wanted


def notification_table(
    app: App, physical: Mapping[str, PhysicalResource]
) -> dict[str, list[Notification]]:
    """Bucket name → the notifications configured on it, in the app's order."""
    regions = {stack.name: stack.region for stack in app.stacks}
    stack_of = {resource.logical_id: resource.stack for resource in app.resources}
    default_region = app.stacks[0].region if app.stacks else "us-east-1"
    table: dict[str, list[Notification]] = {}
    for number, source in enumerate(app.event_sources):
        if not isinstance(source, S3Event) or not source.enabled:
            continue
        bucket = _bucket_name(source, physical)
        if bucket is None:
            continue
        region = regions.get(stack_of.get(source.source or "", ""), default_region)
        table.setdefault(bucket, []).append(
            Notification(
                function=source.function,
                events=source.events,
                prefix=source.prefix,
                suffix=source.suffix,
                configuration_id=configuration_id(source, number),
                region=region,
            )
        )
    return table


def configuration_id(source: S3Event, number: int) -> str:
    """A stable id for a configuration the template does not name (AWS generates one)."""
    text = f"{source.source}|{source.function}|{source.events}|{source.prefix}|{source.suffix}"
    digest = hashlib.sha256(f"{text}|{number}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16]))


def _bucket_name(source: S3Event, physical: Mapping[str, PhysicalResource]) -> str | None:
    if source.source is not None:
        found = physical.get(source.source)
        return found.name if found is not None else None
    arn = source.source_arn
    if isinstance(arn, str) and ":s3:::" in arn:
        return arn.split(":s3:::", 1)[1] or None
    return None


# --- calls → object changes -------------------------------------------------------------------


def s3_call_events(call: AwsCall, bucket_names: Collection[str]) -> list[ObjectChange]:
    """The object changes forwarded S3 `call` made (none for reads and other sub-resources).

    `bucket_names` tells virtual-host requests (``bucket.host``) from path-style ones.
    """
    if call.service not in ("s3", None) or not 200 <= call.status < 300:
        return []
    bucket, key = bucket_and_key(call, bucket_names)
    if not bucket:
        return []
    query = _query(call.query)
    if key:
        return _object_call(call, bucket, key, query)
    if call.method == "POST" and "delete" in query:
        return _deleted_objects(call, bucket)
    if call.method == "POST" and not query:
        return _form_upload(call, bucket)
    return []


def bucket_and_key(call: AwsCall, bucket_names: Collection[str]) -> tuple[str, str]:
    """(bucket, decoded key) of `call`, virtual-host style when the host starts with a bucket."""
    host = call.host.rsplit(":", 1)[0] if not call.host.endswith("]") else call.host
    path = call.path.lstrip("/")
    for name in bucket_names:
        if host.startswith(name + "."):
            return name, unquote(path)
    bucket, _, key = path.partition("/")
    return unquote(bucket), unquote(key)


def uploaded_part(call: AwsCall) -> tuple[str, int, int] | None:
    """(upload id, part number, size) of an ``UploadPart`` call, else None."""
    query = _query(call.query)
    if call.method != "PUT" or "uploadid" not in query or "partnumber" not in query:
        return None
    if "x-amz-copy-source" in _lower(call.headers):
        return None  # UploadPartCopy: the size is the copied range's, not told here
    size = request_size(call)
    if size is None or not query["partnumber"].isdigit():
        return None
    return query["uploadid"], int(query["partnumber"]), size


def request_size(call: AwsCall) -> int | None:
    """The object bytes a request carried: the decoded length of aws-chunked bodies."""
    headers = _lower(call.headers)
    for name in ("x-amz-decoded-content-length", "content-length"):
        value = headers.get(name, "")
        if value.isdigit():
            return int(value)
    return len(call.body) if call.body is not None else None


def _object_call(
    call: AwsCall, bucket: str, key: str, query: Mapping[str, str]
) -> list[ObjectChange]:
    headers = _lower(call.headers)
    answer = _lower(call.response_headers)
    version = answer.get("x-amz-version-id")
    if call.method == "PUT" and not query:
        source = headers.get("x-amz-copy-source")
        if source is not None:
            return [
                ObjectChange(
                    bucket,
                    key,
                    "ObjectCreated:Copy",
                    etag=_copy_etag(call) or _etag(answer.get("etag")),
                    version_id=version,
                    copy_source=_copy_source(source),
                )
            ]
        return [
            ObjectChange(
                bucket,
                key,
                "ObjectCreated:Put",
                size=request_size(call),
                etag=_etag(answer.get("etag")),
                version_id=version,
            )
        ]
    if call.method == "POST" and set(query) == {"uploadid"}:
        etag = _xml_text(call.response_body, "ETag")
        return [
            ObjectChange(
                bucket,
                key,
                "ObjectCreated:CompleteMultipartUpload",
                etag=_etag(etag or answer.get("etag")),
                version_id=version,
                upload_id=query["uploadid"],
            )
        ]
    if call.method == "DELETE" and set(query) <= _DELETE_PARAMETERS:
        marker = answer.get("x-amz-delete-marker", "").lower() == "true"
        name = "ObjectRemoved:DeleteMarkerCreated" if marker else "ObjectRemoved:Delete"
        return [ObjectChange(bucket, key, name, version_id=version)]
    return []


def _deleted_objects(call: AwsCall, bucket: str) -> list[ObjectChange]:
    """DeleteObjects: the answer's ``Deleted`` entries (quiet: the request's, less errors)."""
    request = _xml(call.body)
    response = _xml(call.response_body)
    if request is None or response is None:
        return []
    entries: list[tuple[str, str | None, bool]]
    if (_child_text(request, "Quiet") or "").lower() == "true":
        failed = {_child_text(error, "Key") for error in _children(response, "Error")}
        entries = [
            (key, None, False)
            for item in _children(request, "Object")
            if (key := _child_text(item, "Key")) is not None and key not in failed
        ]
    else:
        entries = [
            (key, _child_text(item, "DeleteMarkerVersionId"), _is_marker(item))
            for item in _children(response, "Deleted")
            if (key := _child_text(item, "Key")) is not None
        ]
    return [
        ObjectChange(
            bucket,
            key,
            "ObjectRemoved:DeleteMarkerCreated" if marker else "ObjectRemoved:Delete",
            version_id=version,
        )
        for key, version, marker in entries
    ]


def _is_marker(item: ElementTree.Element) -> bool:
    return (_child_text(item, "DeleteMarker") or "").lower() == "true"


def _form_upload(call: AwsCall, bucket: str) -> list[ObjectChange]:
    """A browser-form POST: the ``key`` field (``${filename}`` filled in) and the file's size."""
    content_type = _lower(call.headers).get("content-type", "")
    if call.body is None or not content_type.startswith("multipart/form-data"):
        return []
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    form: Message = BytesParser().parsebytes(head + call.body)
    key: str | None = None
    size: int | None = None
    filename = ""
    for part in form.walk():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        if name.lower() == "key":
            key = payload.decode()
        elif name.lower() == "file":
            size = len(payload)
            filename = part.get_filename() or ""
    if key is None:
        return []
    etag = _etag(_lower(call.response_headers).get("etag")) or _etag(
        _xml_text(call.response_body, "ETag")
    )
    key = key.replace("${filename}", filename)
    version = _lower(call.response_headers).get("x-amz-version-id")
    return [ObjectChange(bucket, key, "ObjectCreated:Post", size, etag, version)]


def _copy_etag(call: AwsCall) -> str | None:
    return _etag(_xml_text(call.response_body, "ETag"))


def _copy_source(header: str) -> tuple[str, str] | None:
    source = unquote(header.split("?versionId=", 1)[0]).lstrip("/")
    bucket, _, key = source.partition("/")
    return (bucket, key) if bucket and key else None


def _query(query: str) -> dict[str, str]:
    """The sub-resource parameters of `query`, lowercased; URL-signing parameters left out."""
    return {
        name.lower(): value
        for name, value in parse_qsl(query, keep_blank_values=True)
        if name.lower() not in _PRESIGN_PARAMETERS and not name.lower().startswith("x-amz-")
    }


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _etag(value: str | None) -> str | None:
    return value.strip().strip('"') if value else None


def _xml(body: bytes | None) -> ElementTree.Element | None:
    if not body:
        return None
    try:
        return ElementTree.fromstring(body)  # the app's own calls and moto's answers
    except ElementTree.ParseError:
        return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [child for child in element if _local(child.tag) == name]


def _child_text(element: ElementTree.Element, name: str) -> str | None:
    for child in _children(element, name):
        return child.text or ""
    return None


def _xml_text(body: bytes | None, name: str) -> str | None:
    root = _xml(body)
    return _child_text(root, name) if root is not None else None


# --- state the calls do not carry -------------------------------------------------------------


class SizeBook:
    """Sizes of uploaded parts and of objects seen created, for copies and multipart uploads."""

    def __init__(self) -> None:
        self._parts: dict[str, dict[int, int]] = {}
        self._objects: dict[tuple[str, str], int] = {}

    def observe_part(self, call: AwsCall) -> None:
        """Remember an ``UploadPart``'s size."""
        part = uploaded_part(call)
        if part is not None:
            upload_id, number, size = part
            self._parts.setdefault(upload_id, {})[number] = size

    def sized(self, change: ObjectChange) -> ObjectChange:
        """`change` with the size it did not carry, when known; remembers created objects."""
        size = change.size
        if change.upload_id is not None:
            parts = self._parts.pop(change.upload_id, None)
            size = sum(parts.values()) if parts is not None else None
        elif change.copy_source is not None:
            size = self._objects.get(change.copy_source)
        where = (change.bucket, change.key)
        if change.event_name.startswith("ObjectRemoved:"):
            self._objects.pop(where, None)
        elif size is not None:
            self._objects[where] = size
        return replace(change, size=size)


class Sequencer:
    """Increasing hex strings: later changes sort after earlier ones (``s3.object.sequencer``)."""

    def __init__(self, start: int | None = None) -> None:
        self._last = time.time_ns() if start is None else start
        """Starts at the clock, so a restarted local cloud still sorts after its earlier self."""

    def next(self) -> str:
        self._last += 1
        return f"{self._last:018X}"
