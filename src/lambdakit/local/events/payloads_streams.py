"""Payload builders for the stream sources: Kinesis Data Streams and DynamoDB Streams.

Records are given as small dataclasses of plain Python values; the builders do the encoding
Lambda's poller does: base64 data for Kinesis (FIDELITY 4.7.1), typed attribute values and item
sizes for DynamoDB (4.7.2).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from lambdakit.local.events.payloads import SAMPLE_ACCOUNT, SAMPLE_REGION, SAMPLE_TIME

# --- Kinesis (FIDELITY 4.7.1) -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class KinesisRecord:
    """One record put on a stream: its bytes (text is UTF-8 encoded) and where it landed."""

    data: str | bytes
    partition_key: str = "1"
    sequence_number: str = "49590338271490256608559692538361571095921575989136588898"
    arrival: datetime = SAMPLE_TIME


def kinesis_event(
    records: Sequence[KinesisRecord],
    *,
    stream_arn: str,
    region: str = SAMPLE_REGION,
    shard_id: str = "shardId-000000000000",
    invoke_identity_arn: str = f"arn:aws:iam::{SAMPLE_ACCOUNT}:role/lambda-role",
) -> dict[str, Any]:
    """A batch of Kinesis records from one shard (4.7.1, 4.7.3)."""
    return {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": record.partition_key,
                    "sequenceNumber": record.sequence_number,
                    "data": base64.b64encode(
                        record.data.encode() if isinstance(record.data, str) else record.data
                    ).decode(),
                    "approximateArrivalTimestamp": round(record.arrival.timestamp(), 3),
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"{shard_id}:{record.sequence_number}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": invoke_identity_arn,
                "awsRegion": region,
                "eventSourceARN": stream_arn,
            }
            for record in records
        ]
    }


# --- DynamoDB Streams (FIDELITY 4.7.2) --------------------------------------------------------

StreamViewType = Literal["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]
DynamoEventName = Literal["INSERT", "MODIFY", "REMOVE"]


def to_dynamodb(value: Any) -> dict[str, Any]:
    """A Python value as a DynamoDB typed attribute value, e.g. `101` -> `{"N": "101"}`.

    str -> S, bool -> BOOL, int/float/Decimal -> N (as a string), None -> NULL, bytes -> B
    (base64, as stream JSON carries it), list/tuple -> L, mapping -> M, and non-empty sets of
    str/numbers/bytes -> SS/NS/BS.
    """
    typed: dict[str, Any]
    match value:
        case str():
            typed = {"S": value}
        case bool():
            typed = {"BOOL": value}
        case int() | float() | Decimal():
            typed = {"N": _number(value)}
        case None:
            typed = {"NULL": True}
        case bytes() | bytearray():
            typed = {"B": base64.b64encode(value).decode()}
        case Mapping():
            typed = {"M": {str(k): to_dynamodb(v) for k, v in value.items()}}
        case list() | tuple():
            typed = {"L": [to_dynamodb(v) for v in value]}
        case set() | frozenset():
            typed = _set(value)
        case _:
            msg = f"no DynamoDB type for {type(value).__name__}: {value!r}"
            raise TypeError(msg)
    return typed


def _number(value: float | Decimal) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        msg = f"DynamoDB numbers are finite, not {value!r}"
        raise ValueError(msg)
    return str(value) if isinstance(value, int | Decimal) else repr(value)


def _set(value: set[Any] | frozenset[Any]) -> dict[str, Any]:
    if not value:
        msg = "DynamoDB has no empty sets"
        raise ValueError(msg)
    items = sorted(value, key=repr)
    if all(isinstance(v, str) for v in items):
        return {"SS": sorted(items)}
    if all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in items):
        return {"NS": [_number(v) for v in sorted(items)]}
    if all(isinstance(v, bytes) for v in items):
        return {"BS": [base64.b64encode(v).decode() for v in sorted(items)]}
    msg = f"a DynamoDB set holds only strings, only numbers or only bytes: {value!r}"
    raise TypeError(msg)


def item_size(item: Mapping[str, Any]) -> int:
    """DynamoDB's item size of typed attributes: names plus values (the `SizeBytes` rule)."""
    return sum(len(name.encode()) + _value_size(v) for name, v in item.items())


def _value_size(typed: Mapping[str, Any]) -> int:  # noqa: PLR0911 - one case per type
    ((kind, value),) = typed.items()
    match kind:
        case "S":
            return len(value.encode())
        case "N":
            return _number_size(value)
        case "B":
            return len(base64.b64decode(value))
        case "SS" | "BS" | "NS":
            return sum(_value_size({kind[0]: v}) for v in value)
        case "L":
            return 3 + sum(1 + _value_size(v) for v in value)
        case "M":
            return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in value.items())
    return 1  # BOOL, NULL


def _number_size(text: str) -> int:
    digits = text.lstrip("-").split("e")[0].split("E")[0].replace(".", "").strip("0")
    return (max(len(digits), 1) + 1) // 2 + 1


@dataclass(frozen=True, kw_only=True)
class DynamoRecord:
    """One change to a table item, as plain Python values (typed by the builder)."""

    event_name: DynamoEventName
    keys: Mapping[str, Any]
    new_image: Mapping[str, Any] | None = None
    old_image: Mapping[str, Any] | None = None
    sequence_number: str = "111"
    event_id: str = "c4ca4238a0b923820dcc509a6f75849b"
    created: datetime = SAMPLE_TIME


def dynamodb_event(
    records: Sequence[DynamoRecord],
    *,
    stream_arn: str,
    region: str = SAMPLE_REGION,
    stream_view_type: StreamViewType = "NEW_AND_OLD_IMAGES",
) -> dict[str, Any]:
    """A batch of DynamoDB stream records (4.7.2).

    Images follow the view type: `NewImage` for NEW_IMAGE/NEW_AND_OLD_IMAGES (never on REMOVE),
    `OldImage` for OLD_IMAGE/NEW_AND_OLD_IMAGES (never on INSERT), neither for KEYS_ONLY.
    """
    return {
        "Records": [
            _dynamodb_record(r, stream_arn=stream_arn, region=region, view=stream_view_type)
            for r in records
        ]
    }


def _dynamodb_record(
    record: DynamoRecord, *, stream_arn: str, region: str, view: StreamViewType
) -> dict[str, Any]:
    keys = {name: to_dynamodb(v) for name, v in record.keys.items()}
    stream: dict[str, Any] = {
        "ApproximateCreationDateTime": int(record.created.timestamp()),
        "Keys": keys,
    }
    size = item_size(keys)
    new_wanted = view in {"NEW_IMAGE", "NEW_AND_OLD_IMAGES"} and record.event_name != "REMOVE"
    old_wanted = view in {"OLD_IMAGE", "NEW_AND_OLD_IMAGES"} and record.event_name != "INSERT"
    for key, image, wanted in (
        ("NewImage", record.new_image, new_wanted),
        ("OldImage", record.old_image, old_wanted),
    ):
        if wanted and image is not None:
            typed = {name: to_dynamodb(v) for name, v in image.items()}
            stream[key] = typed
            size += item_size(typed)
    stream |= {
        "SequenceNumber": record.sequence_number,
        "SizeBytes": size,
        "StreamViewType": view,
    }
    return {
        "eventID": record.event_id,
        "eventName": record.event_name,
        "eventVersion": "1.0",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": stream,
        "eventSourceARN": stream_arn,
    }
