"""Read a DynamoDB table (``AWS::DynamoDB::Table`` or ``GlobalTable``) into a `Table`.

Both types (and SAM's ``AWS::Serverless::SimpleTable``, which the transform turns into a
``Table``) declare keys the same way: ``KeySchema`` names attributes whose types
``AttributeDefinitions`` give. Indexes come from ``GlobalSecondaryIndexes`` and
``LocalSecondaryIndexes``; the stream from ``StreamSpecification.StreamViewType``; the TTL
attribute from an enabled ``TimeToLiveSpecification``. ``BillingMode`` defaults to
``PROVISIONED``, as in CloudFormation. A key CloudFormation would reject is a `TemplateError`.
"""

from __future__ import annotations

from typing import Any, Literal, cast

from lambdakit.errors import TemplateError
from lambdakit.model import KeyAttribute, SecondaryIndex, Table, Value
from lambdakit.sources.coerce import as_bool, as_str
from lambdakit.sources.resolved import ResolvedResource, ResolvedStack

_ATTRIBUTE_TYPES = ("S", "N", "B")
_KEY_TYPES = ("HASH", "RANGE")


def table(stack: ResolvedStack, res: ResolvedResource, common: dict[str, Any]) -> Table:
    """The `Table` for `res`; `common` holds the fields every resource has."""
    where = str(stack.context.origin(res.logical_id))
    types = _attribute_types(res.prop("AttributeDefinitions"), where)
    indexes = [
        _index(item, types, f"{where}: {prop}[{i}]", local=prop == "LocalSecondaryIndexes")
        for prop in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
        for i, item in enumerate(_list(res.prop(prop), f"{where}: {prop}"))
    ]
    ttl_enabled = as_bool(
        res.prop("TimeToLiveSpecification", "Enabled"), f"{where}: TimeToLiveSpecification"
    )
    ttl_attribute = as_str(
        res.prop("TimeToLiveSpecification", "AttributeName"), f"{where}: TimeToLiveSpecification"
    )
    return Table(
        **common,
        keys=_keys(res.prop("KeySchema"), types, f"{where}: KeySchema"),
        indexes=tuple(indexes),
        stream_view_type=as_str(
            res.prop("StreamSpecification", "StreamViewType"),
            f"{where}: StreamSpecification.StreamViewType",
        ),
        billing_mode=as_str(res.prop("BillingMode"), f"{where}: BillingMode") or "PROVISIONED",
        ttl_attribute=ttl_attribute if ttl_enabled else None,
    )


def _attribute_types(definitions: Value, where: str) -> dict[str, str]:
    types: dict[str, str] = {}
    for i, item in enumerate(_list(definitions, f"{where}: AttributeDefinitions")):
        place = f"{where}: AttributeDefinitions[{i}]"
        if not isinstance(item, dict):
            raise TemplateError(f"{place}: expected AttributeName and AttributeType")
        name = as_str(item.get("AttributeName"), f"{place}.AttributeName")
        kind = as_str(item.get("AttributeType"), f"{place}.AttributeType")
        if name is not None and kind is not None:
            types[name] = kind
    return types


def _keys(schema: Value, types: dict[str, str], where: str) -> tuple[KeyAttribute, ...]:
    items = _list(schema, where)
    if not items:
        raise TemplateError(
            f"{where}: a table needs a KeySchema with a HASH key",
            hint="add KeySchema: [{AttributeName: id, KeyType: HASH}] and define id in "
            "AttributeDefinitions",
        )
    keys: list[KeyAttribute] = []
    for i, item in enumerate(items):
        place = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise TemplateError(f"{place}: expected AttributeName and KeyType")
        name = as_str(item.get("AttributeName"), f"{place}.AttributeName")
        key_type = as_str(item.get("KeyType"), f"{place}.KeyType")
        if name is None or key_type not in _KEY_TYPES:
            raise TemplateError(
                f"{place}: needs an AttributeName and a KeyType of HASH or RANGE, got "
                f"{name!r} and {key_type!r}"
            )
        attribute_type = types.get(name)
        if attribute_type not in _ATTRIBUTE_TYPES:
            raise TemplateError(
                f"{place}: key attribute {name!r} needs an AttributeDefinitions entry with "
                f"AttributeType S, N or B (got {attribute_type!r})",
                hint=f"add {{AttributeName: {name}, AttributeType: S}} to AttributeDefinitions",
            )
        keys.append(
            KeyAttribute(
                name=name,
                type=cast(Literal["S", "N", "B"], attribute_type),
                key_type=cast(Literal["HASH", "RANGE"], key_type),
            )
        )
    return tuple(keys)


def _index(item: Value, types: dict[str, str], where: str, *, local: bool) -> SecondaryIndex:
    if not isinstance(item, dict):
        raise TemplateError(f"{where}: expected IndexName, KeySchema and Projection")
    name = as_str(item.get("IndexName"), f"{where}.IndexName")
    if name is None:
        raise TemplateError(f"{where}: an index needs an IndexName")
    projection = item.get("Projection")
    projection_type = (
        as_str(projection.get("ProjectionType"), f"{where}.Projection.ProjectionType")
        if isinstance(projection, dict)
        else None
    )
    return SecondaryIndex(
        name=name,
        keys=_keys(item.get("KeySchema"), types, f"{where}.KeySchema"),
        projection=projection_type or "ALL",
        local=local,
    )


def _list(value: Value, where: str) -> list[Value]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TemplateError(f"{where}: expected a list, got {type(value).__name__}")
    return value
