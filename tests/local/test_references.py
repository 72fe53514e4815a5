"""Resolving Ref, GetAtt and Join against the local cloud's physical records."""

from __future__ import annotations

import pytest

from lambdakit.errors import UnresolvedReferenceError
from lambdakit.local.physical_names import PhysicalResource
from lambdakit.local.references import resolve
from lambdakit.model import GetAtt, Join, Ref, ResourceKind, Unresolved

QUEUE = PhysicalResource(
    logical_id="Work",
    kind=ResourceKind.QUEUE,
    name="work",
    arn="arn:aws:sqs:us-east-1:123456789012:work",
    ref="http://127.0.0.1:4566/123456789012/work",
    attributes={"Arn": "arn:aws:sqs:us-east-1:123456789012:work", "QueueName": "work"},
    url="http://127.0.0.1:4566/123456789012/work",
)
PHYSICAL = {"Work": QUEUE}


def test_plain_values_become_their_text() -> None:
    assert resolve("x", PHYSICAL) == "x"
    assert resolve(3, PHYSICAL) == "3"
    assert resolve(True, PHYSICAL) == "true"
    assert resolve(None, PHYSICAL) == ""


def test_ref_and_getatt_use_the_records() -> None:
    assert resolve(Ref("Work"), PHYSICAL) == QUEUE.url
    assert resolve(GetAtt("Work", "Arn"), PHYSICAL) == QUEUE.arn


def test_join_resolves_each_part() -> None:
    value = Join(("name=", GetAtt("Work", "QueueName"), ";n=", 2))
    assert resolve(value, PHYSICAL) == "name=work;n=2"


def test_lists_and_objects_become_json() -> None:
    assert resolve([Ref("Work"), {"a": GetAtt("Work", "Arn")}], PHYSICAL) == (
        f'["{QUEUE.url}", {{"a": "{QUEUE.arn}"}}]'
    )


def test_an_unknown_resource_is_an_error_naming_the_reference() -> None:
    with pytest.raises(UnresolvedReferenceError, match="!Ref Missing") as caught:
        resolve(Ref("Missing"), PHYSICAL)
    assert caught.value.hint == "resources emulated locally: Work"


def test_an_unknown_attribute_is_an_error_naming_it() -> None:
    with pytest.raises(UnresolvedReferenceError, match=r"!GetAtt Work\.Nope"):
        resolve(GetAtt("Work", "Nope"), PHYSICAL)


def test_references_to_resources_not_emulated_stay_rendered() -> None:
    value = Join(("sm=", Ref("Workflow")))
    assert resolve(value, PHYSICAL, not_emulated={"Workflow"}) == "sm=!Ref Workflow"


def test_unresolved_expressions_stay_rendered() -> None:
    value = Unresolved({"Fn::ImportValue": "x"}, "Fn::ImportValue from another stack")
    assert resolve(value, PHYSICAL) == "<Fn::ImportValue from another stack>"
