"""Event rules end to end: boto3 ``put_events`` → the services endpoint → moto, then invokes.

A real moto server stands behind the endpoint; the target function appends each event it gets
to a file, which the tests read once the service has drained.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest

from lambdakit.local.eventbridge_observer import EventBridgeNotifier
from lambdakit.local.events.eventbridge_rules import Rule

from .recorder_cloud import recording

pytest.importorskip("moto.server")

REGION = "eu-west-1"
ORDERS = {"source": ["shop.orders"]}
TABLE = {
    "default": [
        Rule("Recorder", "AllOrders", "default", ORDERS, region=REGION),
        Rule(
            "Recorder",
            "BigOrders",
            "default",
            {**ORDERS, "detail": {"total": [{"numeric": [">", 100]}]}},
            region=REGION,
            input_path="$.detail",
        ),
    ],
    "shop": [
        Rule(
            "Recorder",
            "Shipped",
            "shop",
            {"detail-type": [{"prefix": "Order Sh"}]},
            region=REGION,
            input_paths={"id": "$.detail.id", "where": "$.detail.address.city"},
            input_template=(
                '{"order": <id>, "text": "to <where>", "rule": "<aws.events.rule-name>"}'
            ),
        ),
        Rule("Recorder", "Constant", "shop", {"source": ["shop.admin"]}, input={"fixed": 1}),
    ],
}


@pytest.fixture(scope="module")
def setup(tmp_path_factory, moto):
    notifiers = []

    def observers(service, reports):
        notifiers.append(EventBridgeNotifier(service, TABLE, report=reports.append))
        return notifiers

    with recording(tmp_path_factory.mktemp("events"), moto.url, observers) as cloud:
        client = boto3.client(
            "events",
            endpoint_url=cloud.endpoint,
            region_name=REGION,
            aws_access_key_id="x",
            aws_secret_access_key="x",
        )
        client.create_event_bus(Name="shop")
        yield cloud.local, notifiers[0], client, cloud.events, cloud.reports


def events_after(setup, action) -> list[dict]:
    """The events delivered because of `action(client)`, in file order."""
    local, notifier, client, events, reports = setup
    events.write_text("")
    action(client)
    local.call(notifier.flush(), timeout=30)
    local.drain(timeout=30)
    assert not reports
    return [json.loads(line) for line in events.read_text().splitlines()]


def test_matching_event_arrives_in_the_eventbridge_envelope(setup) -> None:
    answers: list[dict] = []
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    def put(client) -> None:
        entry = {
            "Source": "shop.orders",
            "DetailType": "Order Placed",
            "Detail": json.dumps({"total": 5}),
            "Resources": ["arn:aws:s3:::x"],
            "Time": when,
        }
        answers.append(client.put_events(Entries=[entry]))

    [event] = events_after(setup, put)
    assert event == {
        "version": "0",
        "id": answers[0]["Entries"][0]["EventId"],
        "detail-type": "Order Placed",
        "source": "shop.orders",
        "account": "123456789012",
        "time": "2026-01-02T03:04:05Z",
        "region": REGION,
        "resources": ["arn:aws:s3:::x"],
        "detail": {"total": 5},
    }


def test_numeric_pattern_and_input_path(setup) -> None:
    def put(client) -> None:
        client.put_events(
            Entries=[
                {"Source": "shop.orders", "DetailType": "Order Placed", "Detail": '{"total": 250}'},
                {"Source": "shop.other", "DetailType": "Order Placed", "Detail": '{"total": 999}'},
            ]
        )

    delivered = events_after(setup, put)
    envelopes = [e for e in delivered if "version" in e]
    assert [e["detail"] for e in envelopes] == [{"total": 250}]
    assert {"total": 250} in delivered  # BigOrders' InputPath: the detail alone
    assert len(delivered) == 2


def test_custom_bus_by_arn_with_input_transformer_and_constant_input(setup) -> None:
    bus_arn = f"arn:aws:events:{REGION}:123456789012:event-bus/shop"

    def put(client) -> None:
        client.put_events(
            Entries=[
                {
                    "Source": "shop.orders",
                    "DetailType": "Order Shipped",
                    "Detail": json.dumps({"id": 7, "address": {"city": "Cork"}}),
                    "EventBusName": bus_arn,
                },
                {"Source": "shop.admin", "DetailType": "Audit", "Detail": "{}"},  # default bus
                {
                    "Source": "shop.admin",
                    "DetailType": "Audit",
                    "Detail": "{}",
                    "EventBusName": "shop",
                },
            ]
        )

    delivered = events_after(setup, put)
    assert sorted(delivered, key=json.dumps) == sorted(
        [{"order": 7, "text": "to Cork", "rule": "Shipped"}, {"fixed": 1}], key=json.dumps
    )
