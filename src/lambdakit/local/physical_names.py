"""The names, ARNs and URLs the local cloud gives the app's emulated resources, deterministically.

Stages, all pure: each emulated resource of the model → its physical name (the template's own
when it is a literal string, else ``<stack>-<LogicalId>-<12 hex>`` cut to the service's limits,
lowercased for buckets, ``.fifo`` kept for FIFO queues and topics) → its ARN, its queue URL
on the local endpoint, and what ``Ref`` and each ``Fn::GetAtt`` attribute resolve to, as
CloudFormation documents them per resource type.

Two things differ from AWS on purpose: a secret's ARN is the partial ARN (no random 6-character
suffix), which Secrets Manager and moto both accept as a ``SecretId``; a table's ``StreamArn``
carries a fixed stream label, and moto finds the stream by the table name in it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from lambdakit.model import (
    App,
    Bucket,
    EventBus,
    Queue,
    Resource,
    ResourceKind,
    Secret,
    SsmParameter,
    Stream,
    Table,
    Topic,
)

STREAM_LABEL = "1970-01-01T00:00:00.000"
"""The stream label of every local table stream (AWS uses the stream's creation time)."""

_MAX_LENGTH: Mapping[ResourceKind, int] = {
    ResourceKind.BUCKET: 63,
    ResourceKind.TABLE: 255,
    ResourceKind.TOPIC: 256,
    ResourceKind.QUEUE: 80,
    ResourceKind.STREAM: 128,
    ResourceKind.EVENT_BUS: 256,
    ResourceKind.SSM_PARAMETER: 2048,
    ResourceKind.SECRET: 512,
}
_HASH_LENGTH = 12


@dataclass(frozen=True, kw_only=True)
class PhysicalResource:
    """One emulated resource as it exists in the local cloud."""

    logical_id: str
    kind: ResourceKind
    name: str
    arn: str
    ref: str
    """What ``Ref`` returns for this resource type (a name, a URL or an ARN)."""
    attributes: Mapping[str, str] = field(default_factory=dict)
    """What each ``Fn::GetAtt`` attribute returns, by attribute name."""
    url: str | None = None
    """The queue URL on the local endpoint (queues only)."""


def physical_resources(app: App, endpoint_url: str) -> dict[str, PhysicalResource]:
    """Every emulated resource of `app`, by logical id, with queue URLs on `endpoint_url`."""
    stacks = {stack.name: stack for stack in app.stacks}
    found: dict[str, PhysicalResource] = {}
    for resource in app.resources:
        if not resource.emulated:
            continue
        stack = stacks.get(resource.stack)
        region = stack.region if stack else "us-east-1"
        account = stack.account if stack else "123456789012"
        found[resource.logical_id] = physical_resource(
            resource, region=region, account=account, endpoint_url=endpoint_url
        )
    return found


def generated_name(
    stack: str, logical_id: str, *, max_length: int, suffix: str = "", lowercase: bool = False
) -> str:
    """``<stack>-<LogicalId>-<12 hex>`` + `suffix`, within `max_length` (as CloudFormation does)."""
    digest = hashlib.sha256(f"{stack}/{logical_id}".encode()).hexdigest()[:_HASH_LENGTH].upper()
    budget = max_length - len(suffix) - _HASH_LENGTH - 2
    stack_part, id_part = stack, logical_id
    if len(stack_part) + len(id_part) > budget:  # each part gets half, or what the other leaves
        half = budget // 2
        if len(stack_part) <= half:
            id_part = id_part[: budget - len(stack_part)]
        elif len(id_part) <= half:
            stack_part = stack_part[: budget - len(id_part)]
        else:
            stack_part, id_part = stack_part[:half], id_part[: budget - half]
    name = f"{stack_part}-{id_part}-{digest}{suffix}"
    return name.lower() if lowercase else name


def physical_name(resource: Resource) -> str:
    """The template's own name when it is a literal string, else a generated one."""
    if isinstance(resource.name, str) and resource.name:
        return resource.name
    fifo = isinstance(resource, Queue | Topic) and resource.fifo
    return generated_name(
        resource.stack,
        resource.logical_id,
        max_length=_MAX_LENGTH.get(resource.kind, 255),
        suffix=".fifo" if fifo else "",
        lowercase=resource.kind is ResourceKind.BUCKET,
    )


def partition(region: str) -> str:
    """The ARN partition of `region`."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def physical_resource(  # noqa: PLR0911 - one return per resource type
    resource: Resource, *, region: str, account: str, endpoint_url: str
) -> PhysicalResource:
    """`resource`'s name, ARN, ``Ref`` and ``GetAtt`` values in `region` and `account`."""
    name = physical_name(resource)
    arn_prefix = f"arn:{partition(region)}"
    regional = f"{arn_prefix}:{{service}}:{region}:{account}"

    def record(arn: str, ref: str, url: str | None = None, **attributes: str) -> PhysicalResource:
        return PhysicalResource(
            logical_id=resource.logical_id,
            kind=resource.kind,
            name=name,
            arn=arn,
            ref=ref,
            attributes=attributes,
            url=url,
        )

    if isinstance(resource, Bucket):
        return record(
            f"{arn_prefix}:s3:::{name}",
            name,
            Arn=f"{arn_prefix}:s3:::{name}",
            DomainName=f"{name}.s3.amazonaws.com",
            DualStackDomainName=f"{name}.s3.dualstack.{region}.amazonaws.com",
            RegionalDomainName=f"{name}.s3.{region}.amazonaws.com",
            WebsiteURL=f"http://{name}.s3-website-{region}.amazonaws.com",
        )
    if isinstance(resource, Table):
        arn = f"{regional.format(service='dynamodb')}:table/{name}"
        streams = {"StreamArn": f"{arn}/stream/{STREAM_LABEL}"} if resource.stream_view_type else {}
        return record(arn, name, Arn=arn, **streams)
    if isinstance(resource, Topic):
        arn = f"{regional.format(service='sns')}:{name}"
        return record(arn, arn, TopicArn=arn, TopicName=name)
    if isinstance(resource, Queue):
        arn = f"{regional.format(service='sqs')}:{name}"
        url = f"{endpoint_url.rstrip('/')}/{account}/{name}"
        return record(arn, url, url, Arn=arn, QueueName=name, QueueUrl=url)
    if isinstance(resource, Stream):
        arn = f"{regional.format(service='kinesis')}:stream/{name}"
        return record(arn, name, Arn=arn)
    if isinstance(resource, EventBus):
        arn = f"{regional.format(service='events')}:event-bus/{name}"
        return record(arn, name, Arn=arn, Name=name)
    if isinstance(resource, SsmParameter):
        arn = f"{regional.format(service='ssm')}:parameter/{name.lstrip('/')}"
        value = {"Value": resource.value} if isinstance(resource.value, str) else {}
        return record(arn, name, Type=resource.parameter_type, **value)
    if isinstance(resource, Secret):
        arn = f"{regional.format(service='secretsmanager')}:secret:{name}"
        return record(arn, arn, Id=arn)
    raise ValueError(f"{resource.logical_id} ({resource.type}) is not emulated locally")
