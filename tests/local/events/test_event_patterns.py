"""EventBridge pattern matching, and the rule table, entries and inputs of ``PutEvents``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambdakit.local.edge_calls import AwsCall
from lambdakit.local.events.event_patterns import matches
from lambdakit.local.events.eventbridge_rules import (
    Rule,
    fill_template,
    json_path,
    put_entries,
    rule_table,
)
from lambdakit.local.physical_names import physical_resources
from lambdakit.model import (
    App,
    EventBridgeEvent,
    EventBus,
    GetAtt,
    Origin,
    Ref,
    SourceKind,
    Stack,
)

EVENT = {
    "version": "0",
    "id": "1",
    "detail-type": "Order Placed",
    "source": "shop.orders",
    "account": "123456789012",
    "time": "2026-01-02T03:04:05Z",
    "region": "eu-west-1",
    "resources": ["arn:aws:s3:::a", "arn:aws:s3:::b"],
    "detail": {
        "total": 250,
        "state": "paid",
        "flag": True,
        "note": None,
        "tags": ["gift", "rush"],
        "address": {"city": "Cork", "ip": "10.0.0.7"},
        "items": [{"sku": "A1", "count": 2}, {"sku": "B2", "count": 1}],
    },
}


@pytest.mark.parametrize(
    "pattern",
    [
        {},
        {"source": ["shop.orders"]},
        {"source": ["other", "shop.orders"], "detail-type": ["Order Placed"]},
        {"detail": {"total": [250.0]}},
        {"detail": {"flag": [True]}},
        {"detail": {"note": [None]}},
        {"detail": {"state": [{"prefix": "pa"}]}},
        {"detail": {"state": [{"suffix": "id"}]}},
        {"detail": {"state": [{"equals-ignore-case": "PAID"}]}},
        {"detail": {"state": [{"prefix": {"equals-ignore-case": "PA"}}]}},
        {"detail": {"state": [{"wildcard": "p*d"}]}},
        {"detail": {"state": [{"anything-but": "new"}]}},
        {"detail": {"state": [{"anything-but": ["new", "void"]}]}},
        {"detail": {"state": [{"anything-but": {"prefix": "vo"}}]}},
        {"detail": {"total": [{"numeric": [">", 100, "<=", 250]}]}},
        {"detail": {"total": [{"numeric": ["=", 250]}]}},
        {"detail": {"missing": [{"exists": False}]}},
        {"detail": {"state": [{"exists": True}]}},
        {"detail": {"tags": ["rush"]}},
        {"resources": ["arn:aws:s3:::b"]},
        {"detail": {"address": {"city": ["Cork"]}}},
        {"detail": {"address": {"ip": [{"cidr": "10.0.0.0/24"}]}}},
        {"detail": {"items": {"sku": ["B2"]}}},
        {"$or": [{"source": ["nope"]}, {"detail": {"state": ["paid"]}}]},
    ],
)
def test_patterns_that_match(pattern: dict) -> None:
    assert matches(pattern, EVENT)


@pytest.mark.parametrize(
    "pattern",
    [
        {"source": ["shop"]},
        {"source": ["shop.orders"], "detail-type": ["Order Shipped"]},
        {"detail": {"total": ["250"]}},  # a string is not the number
        {"detail": {"flag": [1]}},  # nor is a number a boolean
        {"detail": {"note": [{"exists": False}]}},  # null is present
        {"detail": {"missing": [None]}},
        {"detail": {"missing": [{"anything-but": "x"}]}},  # absent fields match no value
        {"detail": {"state": [{"exists": False}]}},
        {"detail": {"address": [{"exists": True}]}},  # exists looks at leaves
        {"detail": {"state": [{"anything-but": ["paid"]}]}},
        {"detail": {"state": [{"anything-but": {"suffix": "id"}}]}},
        {"detail": {"state": [{"prefix": "PA"}]}},
        {"detail": {"total": [{"numeric": [">", 250]}]}},
        {"detail": {"state": [{"numeric": [">", 0]}]}},
        {"detail": {"address": {"ip": [{"cidr": "10.1.0.0/16"}]}}},
        {"detail": {"address": {"zip": ["X"]}}},
        {"detail": {"state": {"nested": ["paid"]}}},
        {"detail": {"state": [{"unknown-operator": 1}]}},
        {"$or": [{"source": ["nope"]}, {"detail-type": ["nope"]}]},
    ],
)
def test_patterns_that_do_not_match(pattern: dict) -> None:
    assert not matches(pattern, EVENT)


# --- input paths and templates ----------------------------------------------------------------


def test_json_path_takes_fields_and_indexes() -> None:
    assert json_path(EVENT, "$") == EVENT
    assert json_path(EVENT, "$.detail.address.city") == "Cork"
    assert json_path(EVENT, "$.detail.items[1].sku") == "B2"
    assert json_path(EVENT, "$.detail-type") == "Order Placed"
    assert json_path(EVENT, "$.detail.nothing.here") is None
    assert json_path(EVENT, "$.detail.items[5]") is None


def test_templates_quote_as_eventbridge_does() -> None:
    values = {"city": 'Co"rk', "total": 250, "items": [1, 2]}
    assert json.loads(
        fill_template('{"where": "in <city>", "city": <city>, "n": <total>, "i": <items>}', values)
    ) == {"where": 'in Co"rk', "city": 'Co"rk', "n": 250, "i": [1, 2]}
    assert fill_template("Order of <total> to <city> <unknown>", values) == (
        'Order of 250 to Co"rk <unknown>'
    )
    assert json.loads(fill_template('"<city> has <items>"', values)) == 'Co"rk has [1, 2]'


def test_rule_inputs() -> None:
    rule = Rule("Fn", "R", "default", {})
    assert json.loads(rule.target_input(EVENT)) == EVENT
    assert json.loads(Rule("Fn", "R", "default", {}, input={"a": 1}).target_input(EVENT)) == {
        "a": 1
    }
    assert json.loads(
        Rule("Fn", "R", "default", {}, input_path="$.detail.address").target_input(EVENT)
    ) == {"city": "Cork", "ip": "10.0.0.7"}
    transformer = Rule(
        "Fn",
        "R",
        "bus",
        {},
        region="eu-west-1",
        input_paths={"c": "$.detail.address.city"},
        input_template='{"c": <c>, "arn": "<aws.events.rule-arn>"}',
    )
    assert json.loads(transformer.target_input(EVENT)) == {
        "c": "Cork",
        "arn": "arn:aws:events:eu-west-1:123456789012:rule/bus/R",
    }


# --- PutEvents calls --------------------------------------------------------------------------


def put_call(entries: list[dict], answers: list[dict], target: str = "AWSEvents.PutEvents"):
    return AwsCall(
        service="events",
        method="POST",
        host="127.0.0.1:4566",
        path="/",
        query="",
        headers={"X-Amz-Target": target},
        body=json.dumps({"Entries": entries}).encode(),
        status=200,
        response_headers={},
        response_body=json.dumps({"FailedEntryCount": 0, "Entries": answers}).encode(),
    )


def test_put_entries_takes_ids_buses_and_times_and_skips_failures() -> None:
    entries = [
        {"Source": "a", "DetailType": "T", "Detail": '{"x": 1}', "Time": 1767323045},
        {"Source": "b", "DetailType": "T", "Detail": "{}"},
        {
            "Source": "c",
            "DetailType": "T",
            "Detail": "{}",
            "EventBusName": "arn:aws:events:eu-west-1:1:event-bus/shop",
            "Resources": ["r"],
        },
        {"Source": "d", "DetailType": "T", "Detail": "not json"},
    ]
    answers = [
        {"EventId": "e1"},
        {"ErrorCode": "InternalFailure", "ErrorMessage": "x"},
        {"EventId": "e3"},
        {"EventId": "e4"},
    ]
    first, third = put_entries(put_call(entries, answers))
    assert (first.event_id, first.source, first.bus, first.detail) == (
        "e1",
        "a",
        "default",
        {"x": 1},
    )
    assert first.time is not None and first.time.isoformat() == "2026-01-02T03:04:05+00:00"
    assert (third.event_id, third.bus, third.resources) == ("e3", "shop", ("r",))
    assert put_entries(put_call(entries, answers, target="AWSEvents.PutRule")) == []


# --- the rule table ---------------------------------------------------------------------------

ORIGIN = Origin(file=Path("template.yaml"), name="X")


def test_the_table_maps_bus_names_to_rules_with_physical_values() -> None:
    stack = Stack(
        name="shop",
        template_file=Path("template.yaml"),
        source=SourceKind.SAM,
        template={},
        region="eu-west-1",
        account="111122223333",
    )
    bus = EventBus(logical_id="Bus", stack="shop", type="AWS::Events::EventBus", origin=ORIGIN)
    common = {"function": "Fn", "source": "R", "origin": ORIGIN}
    app = App(
        name="shop",
        root=Path(),
        source=SourceKind.SAM,
        stacks=(stack,),
        resources=(bus,),
        event_sources=(
            EventBridgeEvent(rule="R", pattern={"source": ["a"]}, **common),
            EventBridgeEvent(
                rule="S",
                pattern={"detail": {"bus": [GetAtt("Bus", "Arn")]}},
                bus=Ref("Bus"),
                input_transformer={"InputPathsMap": {"s": "$.source"}, "InputTemplate": "<s>"},
                **common,
            ),
            EventBridgeEvent(rule="Off", pattern={}, enabled=False, **common),
        ),
    )
    physical = physical_resources(app, "http://127.0.0.1:4566")
    table = rule_table(app, physical)
    name = physical["Bus"].name
    assert set(table) == {"default", name}
    [default] = table["default"]
    assert (default.name, default.region, default.account) == ("R", "eu-west-1", "111122223333")
    [custom] = table[name]
    assert custom.pattern == {"detail": {"bus": [physical["Bus"].arn]}}
    assert (custom.input_paths, custom.input_template) == ({"s": "$.source"}, "<s>")
