"""Create the app's emulated resources in a local endpoint (moto) through boto3, idempotently.

Stages: order the emulated resources (buckets, tables, dead-letter queues before the queues
that redrive to them, topics after queues so their subscriptions find them, then streams,
event buses, parameters and secrets) → one boto3 call per resource with fake credentials in
its stack's region → "already exists" is success, so provisioning the same server twice (a kept
``--state-dir``) changes nothing but settings that can change (queue attributes, parameter
values). Names and ARNs come from `PhysicalResource` records; anything else botocore reports
becomes a `LocalCloudError` naming the resource.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from lambdakit.errors import LocalCloudError
from lambdakit.local.physical_names import PhysicalResource
from lambdakit.local.references import resolve
from lambdakit.model import (
    App,
    Bucket,
    EventBus,
    Queue,
    Resource,
    Secret,
    SsmParameter,
    Stream,
    Table,
    Topic,
)

FAKE_CREDENTIALS: Mapping[str, str] = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
}
_PROVISIONED_CAPACITY = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}


@dataclass
class _Clients:
    """boto3 clients bound to the endpoint, one per service and region, from one session.

    One session shares its loaded service models between clients (a session per client
    reloads them: tenths of a second each); sessions are not thread-safe, hence the lock.
    """

    endpoint_url: str
    _session: Any = None
    _cache: dict[tuple[str, str], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, service: str, region: str) -> Any:
        with self._lock:
            if self._session is None:
                self._session = boto3.session.Session(**FAKE_CREDENTIALS)
            key = (service, region)
            if key not in self._cache:
                self._cache[key] = self._session.client(
                    service,
                    region_name=region,
                    endpoint_url=self.endpoint_url,
                    config=Config(retries={"max_attempts": 2, "mode": "standard"}),
                )
            return self._cache[key]


@dataclass(frozen=True)
class _Context:
    """What each creator needs: clients, the records, and the ids not emulated."""

    clients: _Clients
    physical: Mapping[str, PhysicalResource]
    not_emulated: frozenset[str]

    def resolve(self, value: Any) -> str:
        return resolve(value, self.physical, not_emulated=self.not_emulated)


def provision(app: App, endpoint_url: str, physical: Mapping[str, PhysicalResource]) -> None:
    """Create every emulated resource of `app` in the endpoint, with the names in `physical`.

    Services are independent, so each group runs in its own thread (moto loads a service's
    backend on its first call: SSM alone takes most of a second); within a group, in order.
    """
    context = _Context(
        clients=_Clients(endpoint_url),
        physical=physical,
        not_emulated=frozenset(r.logical_id for r in app.not_emulated),
    )
    regions = {stack.name: stack.region for stack in app.stacks}

    def create_all(group: list[Resource]) -> None:
        for resource in group:
            create = _CREATORS[type(resource)]
            record = physical.get(resource.logical_id)
            if record is not None:
                with _translated(resource):
                    create(context, resource, record, regions.get(resource.stack, "us-east-1"))

    groups = [group for group in _creation_groups(app) if group]
    with ThreadPoolExecutor(max_workers=max(1, len(groups))) as pool:
        for done in [pool.submit(create_all, group) for group in groups]:
            done.result()


def _creation_groups(app: App) -> list[list[Resource]]:
    """Resources in groups that can be created side by side, each group in creation order.

    Queues come before the topics that subscribe them, dead-letter queues before the queues
    that redrive to them.
    """

    def of(kind: type[Resource]) -> list[Resource]:
        return [r for r in app.resources if type(r) is kind and r.emulated]

    return [
        of(Bucket),
        of(Table),
        _queues_first_dlqs(of(Queue)) + of(Topic),
        of(Stream),
        of(EventBus),
        of(SsmParameter),
        of(Secret),
    ]


def _queues_first_dlqs(queues: list[Resource]) -> list[Resource]:
    """`queues` with each dead-letter queue before the queues that redrive to it."""
    ordered: list[Resource] = []
    waiting = list(queues)
    while waiting:
        waiting_ids = {q.logical_id for q in waiting}
        ready = [q for q in waiting if _dead_letter_queue(q) not in waiting_ids]
        ready = ready or waiting  # a redrive cycle: CloudFormation rejects it; create them anyway
        ordered.extend(ready)
        waiting = [q for q in waiting if q not in ready]
    return ordered


def _dead_letter_queue(queue: Resource) -> str | None:
    if isinstance(queue, Queue) and queue.redrive is not None:
        return queue.redrive.dead_letter_queue
    return None


@contextmanager
def _translated(resource: Resource) -> Iterator[None]:
    """botocore errors → `LocalCloudError` naming the resource."""
    try:
        yield
    except ClientError as error:
        info = error.response.get("Error", {})
        raise LocalCloudError(
            f"{resource.origin}: cannot create {resource.type} locally:"
            f" {info.get('Code', 'error')}: {info.get('Message', error)}"
        ) from error
    except BotoCoreError as error:
        raise LocalCloudError(
            f"{resource.origin}: cannot create {resource.type} locally: {error}",
            hint="is the local AWS endpoint running?",
        ) from error


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


# --------------------------------------------------------------------------- creators


def _bucket(context: _Context, bucket: Bucket, record: PhysicalResource, region: str) -> None:
    s3 = context.clients("s3", region)
    options: dict[str, Any] = {"Bucket": record.name}
    if region != "us-east-1":
        options["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        s3.create_bucket(**options)
    except ClientError as error:
        if _code(error) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
            raise
    if bucket.versioned:
        s3.put_bucket_versioning(Bucket=record.name, VersioningConfiguration={"Status": "Enabled"})


def _table(context: _Context, table: Table, record: PhysicalResource, region: str) -> None:
    dynamodb = context.clients("dynamodb", region)
    provisioned = table.billing_mode == "PROVISIONED"
    attributes = {key.name: key.type for key in table.keys}
    for index in table.indexes:
        attributes.update({key.name: key.type for key in index.keys})
    options: dict[str, Any] = {
        "TableName": record.name,
        "KeySchema": [{"AttributeName": k.name, "KeyType": k.key_type} for k in table.keys],
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind} for name, kind in attributes.items()
        ],
        "BillingMode": "PROVISIONED" if provisioned else "PAY_PER_REQUEST",
    }
    if provisioned:
        options["ProvisionedThroughput"] = _PROVISIONED_CAPACITY
    for local, option in ((False, "GlobalSecondaryIndexes"), (True, "LocalSecondaryIndexes")):
        indexes = [
            {
                "IndexName": index.name,
                "KeySchema": [{"AttributeName": k.name, "KeyType": k.key_type} for k in index.keys],
                "Projection": {"ProjectionType": index.projection},
                **(
                    {"ProvisionedThroughput": _PROVISIONED_CAPACITY}
                    if provisioned and not local
                    else {}
                ),
            }
            for index in table.indexes
            if index.local is local
        ]
        if indexes:
            options[option] = indexes
    if table.stream_view_type:
        options["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": table.stream_view_type,
        }
    try:
        dynamodb.create_table(**options)
    except ClientError as error:
        if _code(error) != "ResourceInUseException":
            raise
        return
    if table.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=record.name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
        )


def _queue(context: _Context, queue: Queue, record: PhysicalResource, region: str) -> None:
    sqs = context.clients("sqs", region)
    attributes = {
        "VisibilityTimeout": str(queue.visibility_timeout_seconds),
        "MessageRetentionPeriod": str(queue.message_retention_seconds),
        "DelaySeconds": str(queue.delay_seconds),
    }
    if queue.fifo:
        attributes["FifoQueue"] = "true"
        attributes["ContentBasedDeduplication"] = str(queue.content_based_deduplication).lower()
    dlq = context.physical.get(queue.redrive.dead_letter_queue or "") if queue.redrive else None
    if queue.redrive and dlq:
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": dlq.arn, "maxReceiveCount": queue.redrive.max_receive_count}
        )
    try:
        sqs.create_queue(QueueName=record.name, Attributes=attributes)
    except ClientError as error:
        if _code(error) not in {"QueueAlreadyExists", "QueueNameExists"}:
            raise
        attributes.pop("FifoQueue", None)  # cannot change; the name says it anyway
        url = sqs.get_queue_url(QueueName=record.name)["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)


def _topic(context: _Context, topic: Topic, record: PhysicalResource, region: str) -> None:
    sns = context.clients("sns", region)
    attributes = {"FifoTopic": "true"} if topic.fifo else {}
    arn = sns.create_topic(Name=record.name, Attributes=attributes)["TopicArn"]
    existing = {
        (s["Protocol"], s["Endpoint"])
        for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arn)
        for s in page["Subscriptions"]
    }
    for subscription in topic.subscriptions:
        endpoint = context.resolve(subscription.endpoint)
        if (subscription.protocol, endpoint) in existing:
            continue
        options: dict[str, str] = {}
        if subscription.raw_message_delivery:
            options["RawMessageDelivery"] = "true"
        if subscription.filter_policy is not None:
            options["FilterPolicy"] = json.dumps(subscription.filter_policy)
            options["FilterPolicyScope"] = subscription.filter_policy_scope
        sns.subscribe(
            TopicArn=arn,
            Protocol=subscription.protocol,
            Endpoint=endpoint,
            Attributes=options,
            ReturnSubscriptionArn=True,
        )


def _stream(context: _Context, stream: Stream, record: PhysicalResource, region: str) -> None:
    try:
        context.clients("kinesis", region).create_stream(
            StreamName=record.name, ShardCount=stream.shard_count
        )
    except ClientError as error:
        if _code(error) != "ResourceInUseException":
            raise


def _event_bus(context: _Context, _bus: EventBus, record: PhysicalResource, region: str) -> None:
    if record.name == "default":
        return  # every account has it
    try:
        context.clients("events", region).create_event_bus(Name=record.name)
    except ClientError as error:
        if _code(error) != "ResourceAlreadyExistsException":
            raise


def _ssm_parameter(
    context: _Context, parameter: SsmParameter, record: PhysicalResource, region: str
) -> None:
    context.clients("ssm", region).put_parameter(
        Name=record.name,
        Value=context.resolve(parameter.value),
        Type=parameter.parameter_type,
        Overwrite=True,
    )


def _secret(context: _Context, secret: Secret, record: PhysicalResource, region: str) -> None:
    value = (
        secrets.token_urlsafe(24)
        if secret.generated or secret.secret_string is None
        else context.resolve(secret.secret_string)
    )
    try:
        context.clients("secretsmanager", region).create_secret(
            Name=record.name, SecretString=value
        )
    except ClientError as error:
        if _code(error) != "ResourceExistsException":
            raise  # an existing secret keeps its value, as a kept state dir should


_Creator = Callable[[_Context, Any, PhysicalResource, str], None]
_CREATORS: Mapping[type[Resource], _Creator] = {
    Bucket: _bucket,
    Table: _table,
    Queue: _queue,
    Topic: _topic,
    Stream: _stream,
    EventBus: _event_bus,
    SsmParameter: _ssm_parameter,
    Secret: _secret,
}
