"""extract_rule_targets: queue and topic targets of EventBridge rules (FIDELITY 4.6).

The stacks are what the resolver makes of plain CloudFormation, SAM-translated and CDK rules:
a queue is ``!GetAtt Queue.Arn``, a topic ``!Ref Topic``, an external target a literal ARN.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambdakit.model import Destination, GetAtt, Ref, RuleTarget, SourceKind
from lambdakit.sources.cfn_rule_targets import extract_rule_targets
from lambdakit.sources.resolved import ResolvedResource, ResolvedStack, StackContext

LAMBDA = ("AWS::Lambda::Function", {"Runtime": "python3.12", "Handler": "app.handler"})


def build(resources: dict[str, tuple[str, dict[str, Any]]], **context: Any) -> ResolvedStack:
    context.setdefault("source", SourceKind.CLOUDFORMATION)
    ctx = StackContext(stack="app", file=Path("template.yaml"), base_dir=Path(), **context)
    return ResolvedStack(
        ctx, {lid: ResolvedResource(lid, kind, props) for lid, (kind, props) in resources.items()}
    )


def test_queue_and_topic_targets_of_a_pattern_rule_are_read_function_targets_are_not() -> None:
    transformer = {"InputPathsMap": {"id": "$.detail.id"}, "InputTemplate": '{"id": <id>}'}
    stack = build(
        {
            "Fn": LAMBDA,
            "Jobs": ("AWS::SQS::Queue", {}),
            "Alerts": ("AWS::SNS::Topic", {}),
            "OnPut": (
                "AWS::Events::Rule",
                {
                    "EventBusName": "orders",
                    "EventPattern": {"source": ["my.app"]},
                    "Targets": [
                        {"Arn": GetAtt("Fn", "Arn"), "Id": "T0"},
                        {"Arn": GetAtt("Jobs", "Arn"), "Id": "T1", "InputPath": "$.detail"},
                        {"Arn": Ref("Alerts"), "Id": "T2", "InputTransformer": transformer},
                    ],
                },
            ),
        },
        source=SourceKind.CDK,
    )
    queue, topic = extract_rule_targets(stack)
    assert queue == RuleTarget(
        rule="OnPut",
        destination=Destination(arn=GetAtt("Jobs", "Arn"), kind="sqs", resource="Jobs"),
        origin=stack.context.origin("OnPut"),
        pattern={"source": ["my.app"]},
        bus="orders",
        input_path="$.detail",
    )
    assert topic.destination == Destination(arn=Ref("Alerts"), kind="sns", resource="Alerts")
    assert topic.input_transformer == transformer


def test_schedule_targets_fifo_group_constant_input_and_state() -> None:
    stack = build(
        {
            "Jobs": ("AWS::SQS::Queue", {"FifoQueue": True}),
            "Nightly": (
                "AWS::Events::Rule",
                {
                    "ScheduleExpression": "rate(1 day)",
                    "State": "DISABLED",
                    "Targets": [
                        {
                            "Arn": GetAtt("Jobs", "Arn"),
                            "Id": "T",
                            "Input": '{"job": "report"}',
                            "SqsParameters": {"MessageGroupId": "reports"},
                        }
                    ],
                },
            ),
        }
    )
    [target] = extract_rule_targets(stack)
    assert (target.expression, target.pattern, target.enabled) == ("rate(1 day)", None, False)
    assert target.input == {"job": "report"}
    assert target.message_group_id == "reports"


def test_external_queue_arn_is_a_target_other_services_are_not() -> None:
    stack = build(
        {
            "Rule": (
                "AWS::Events::Rule",
                {
                    "EventPattern": {"source": ["x"]},
                    "Targets": [
                        {"Arn": "arn:aws:sqs:us-east-1:123456789012:elsewhere", "Id": "A"},
                        {"Arn": "arn:aws:states:us-east-1:123456789012:stateMachine:m", "Id": "B"},
                    ],
                },
            )
        }
    )
    [target] = extract_rule_targets(stack)
    assert target.destination == Destination(
        arn="arn:aws:sqs:us-east-1:123456789012:elsewhere", kind="sqs"
    )
