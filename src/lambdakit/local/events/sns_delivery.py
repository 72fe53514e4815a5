"""Which SNS publishes reach which functions, and with what (FIDELITY 4.4).

Stages, all pure: the app model + physical names → the subscription table (topic ARN → its
Lambda `Subscription`s) → one forwarded SNS call (`AwsCall`: ``Publish`` or ``PublishBatch``,
query protocol as botocore sends it, or JSON protocol with ``X-Amz-Target: AmazonSNS.*``) →
the `Published` messages it carried, each with the ``MessageId`` moto answered → the
subscriptions whose filter policy (scope ``MessageAttributes`` or ``MessageBody``) matches.
SNS → SQS subscriptions are moto's own: it delivers to its queues itself.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl
from xml.etree import ElementTree

from lambdakit.local.edge_calls import AwsCall
from lambdakit.local.events.event_patterns import MISSING, matches
from lambdakit.local.physical_names import PhysicalResource
from lambdakit.model import App, SnsEvent

Scope = Literal["MessageAttributes", "MessageBody"]


@dataclass(frozen=True)
class Subscription:
    """One Lambda subscription of a topic."""

    function: str
    """`Function.id` of the subscriber."""
    topic_arn: str
    subscription_arn: str
    filter_policy: Mapping[str, Any] | None = None
    filter_policy_scope: Scope = "MessageAttributes"

    def wants(self, message: Published) -> bool:
        """Whether `message` passes this subscription's filter policy (always, without one)."""
        if self.filter_policy is None:
            return True
        return policy_matches(self.filter_policy, message, self.filter_policy_scope)


@dataclass(frozen=True)
class Published:
    """One message published to a topic."""

    topic_arn: str
    message: str
    """What Lambda subscribers get: with ``MessageStructure=json``, the ``lambda`` or
    ``default`` entry."""
    message_id: str
    subject: str | None = None
    attributes: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Name → (``DataType``, value); binary values stay base64, as Lambda receives them."""


def subscription_table(
    app: App, physical: Mapping[str, PhysicalResource]
) -> dict[str, list[Subscription]]:
    """Topic ARN → the Lambda subscriptions of that topic, in the app's order."""
    table: dict[str, list[Subscription]] = {}
    for number, source in enumerate(app.event_sources):
        if not isinstance(source, SnsEvent) or not source.enabled:
            continue
        topic = _topic_arn(source, physical)
        if topic is None:
            continue
        table.setdefault(topic, []).append(
            Subscription(
                function=source.function,
                topic_arn=topic,
                subscription_arn=subscription_arn(topic, source.function, number),
                filter_policy=source.filter_policy,
                filter_policy_scope=source.filter_policy_scope,
            )
        )
    return table


def subscription_arn(topic_arn: str, function: str, number: int) -> str:
    """A stable subscription ARN: the topic's, then a UUID (AWS generates one)."""
    digest = hashlib.sha256(f"{topic_arn}|{function}|{number}".encode()).digest()
    return f"{topic_arn}:{uuid.UUID(bytes=digest[:16])}"


def _topic_arn(source: SnsEvent, physical: Mapping[str, PhysicalResource]) -> str | None:
    if source.source is not None:
        found = physical.get(source.source)
        return found.arn if found is not None else None
    arn = source.source_arn
    if isinstance(arn, str) and arn.startswith("arn:") and ":sns:" in arn:
        return arn
    return None


# --- filter policies --------------------------------------------------------------------------


def policy_matches(policy: Mapping[str, Any], message: Published, scope: Scope) -> bool:
    """Whether `message` passes filter `policy` applied to its attributes or its JSON body."""
    if scope == "MessageBody":
        try:
            body = json.loads(message.message)
        except ValueError:
            return False
        return isinstance(body, dict) and matches(policy, body)
    values = {
        name: attribute_value(kind, value) for name, (kind, value) in message.attributes.items()
    }
    return matches(policy, values)


def attribute_value(kind: str, value: str) -> Any:
    """What a filter policy compares: numbers for ``Number``, lists for ``String.Array``."""
    if kind.startswith("Number"):
        try:
            return float(value)
        except ValueError:
            return MISSING
    if kind.startswith("String.Array"):
        try:
            items = json.loads(value)
        except ValueError:
            return MISSING
        return items if isinstance(items, list) else MISSING
    if kind.startswith("String"):
        return value
    return MISSING  # Binary attributes are not filtered on


# --- calls → published messages ---------------------------------------------------------------


def published_messages(call: AwsCall) -> list[Published]:
    """The messages an SNS ``Publish``/``PublishBatch`` call delivered (none for other calls)."""
    if call.service not in ("sns", None) or not 200 <= call.status < 300 or not call.body:
        return []
    target = _lower(call.headers).get("x-amz-target", "")
    if target.startswith("AmazonSNS."):
        return _json_call(target.removeprefix("AmazonSNS."), call)
    if call.method != "POST":
        return []
    form = dict(parse_qsl(call.body.decode("utf-8", "replace"), keep_blank_values=True))
    action = form.get("Action")
    if action == "Publish":
        return _form_publish(form, _xml_text(call.response_body, "MessageId"))
    if action == "PublishBatch":
        return _form_batch(form, call.response_body)
    return []


def _form_publish(form: Mapping[str, str], message_id: str | None) -> list[Published]:
    topic = form.get("TopicArn") or form.get("TargetArn")
    if not topic or message_id is None:
        return []
    return [_published(topic, message_id, _form_entry(form, ""))]


def _form_batch(form: Mapping[str, str], response: bytes | None) -> list[Published]:
    topic = form.get("TopicArn")
    ids = _batch_ids_xml(response)
    if not topic:
        return []
    found: list[Published] = []
    number = 1
    while (prefix := f"PublishBatchRequestEntries.member.{number}.") + "Id" in form:
        message_id = ids.get(form[prefix + "Id"])
        if message_id is not None:
            found.append(_published(topic, message_id, _form_entry(form, prefix)))
        number += 1
    return found


def _form_entry(form: Mapping[str, str], prefix: str) -> dict[str, Any]:
    """One entry of a form as the JSON protocol spells it."""
    attributes: dict[str, dict[str, str]] = {}
    number = 1
    while (head := f"{prefix}MessageAttributes.entry.{number}.") + "Name" in form:
        attributes[form[head + "Name"]] = {
            key: form[head + "Value." + key]
            for key in ("DataType", "StringValue", "BinaryValue")
            if head + "Value." + key in form
        }
        number += 1
    entry: dict[str, Any] = {
        key: form[prefix + key]
        for key in ("Message", "Subject", "MessageStructure")
        if prefix + key in form
    }
    entry["MessageAttributes"] = attributes
    return entry


def _json_call(action: str, call: AwsCall) -> list[Published]:
    request, response = _json(call.body), _json(call.response_body)
    if not isinstance(request, dict) or not isinstance(response, dict):
        return []
    topic = request.get("TopicArn") or request.get("TargetArn")
    if not isinstance(topic, str):
        return []
    if action == "Publish" and isinstance(response.get("MessageId"), str):
        return [_published(topic, response["MessageId"], request)]
    if action != "PublishBatch":
        return []
    ids: dict[str, str] = {
        str(item.get("Id")): str(item["MessageId"])
        for item in response.get("Successful") or []
        if isinstance(item, dict) and "MessageId" in item
    }
    return [
        _published(topic, ids[str(entry.get("Id"))], entry)
        for entry in request.get("PublishBatchRequestEntries") or []
        if isinstance(entry, dict) and str(entry.get("Id")) in ids
    ]


def _published(topic: str, message_id: str, entry: Mapping[str, Any]) -> Published:
    """A `Published` from one request entry in the JSON protocol's shape."""
    message = str(entry.get("Message", ""))
    if entry.get("MessageStructure") == "json":
        message = _lambda_message(message)
    subject = entry.get("Subject")
    attributes: dict[str, tuple[str, str]] = {}
    for name, spec in (entry.get("MessageAttributes") or {}).items():
        if isinstance(spec, Mapping):
            kind = str(spec.get("DataType", "String"))
            value = (
                spec.get("BinaryValue") if kind.startswith("Binary") else spec.get("StringValue")
            )
            attributes[str(name)] = (kind, str(value or ""))
    return Published(
        topic_arn=topic,
        message=message,
        message_id=message_id,
        subject=subject if isinstance(subject, str) else None,
        attributes=attributes,
    )


def _lambda_message(structure: str) -> str:
    """``MessageStructure=json``: the ``lambda`` entry, else the ``default`` one."""
    try:
        parsed = json.loads(structure)
    except ValueError:
        return structure
    if not isinstance(parsed, dict):
        return structure
    chosen = parsed.get("lambda", parsed.get("default", structure))
    return chosen if isinstance(chosen, str) else json.dumps(chosen)


def _batch_ids_xml(body: bytes | None) -> dict[str, str]:
    root = _xml(body)
    if root is None:
        return {}
    ids: dict[str, str] = {}
    for element in root.iter():
        if _local(element.tag) != "member":
            continue
        fields = {_local(child.tag): child.text or "" for child in element}
        if "Id" in fields and "MessageId" in fields:
            ids[fields["Id"]] = fields["MessageId"]
    return ids


def _json(body: bytes | None) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _xml(body: bytes | None) -> ElementTree.Element | None:
    if not body:
        return None
    try:
        return ElementTree.fromstring(body)  # moto's answers
    except ElementTree.ParseError:
        return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_text(body: bytes | None, name: str) -> str | None:
    root = _xml(body)
    if root is None:
        return None
    for element in root.iter():
        if _local(element.tag) == name:
            return element.text or ""
    return None
