"""Queue and topic targets from a SAM template to the local rule table (FIDELITY 4.6).

The template goes through the real loader (SAM translation included); the table's targets carry
the local queue's/topic's ARN, the FIFO group, and the target's input settings.
"""

from __future__ import annotations

from pathlib import Path

from lambdakit import load_app
from lambdakit.local.events.eventbridge_rules import rule_table
from lambdakit.local.physical_names import physical_resources

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Events:
        Orders:
          Type: EventBridgeRule
          Properties:
            Pattern: {source: [shop.orders]}
  Jobs:
    Type: AWS::SQS::Queue
  Ordered:
    Type: AWS::SQS::Queue
    Properties: {FifoQueue: true}
  Alerts:
    Type: AWS::SNS::Topic
  Fanout:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: {source: [shop.orders]}
      Targets:
        - {Id: jobs, Arn: !GetAtt Jobs.Arn, InputPath: $.detail}
        - {Id: ordered, Arn: !GetAtt Ordered.Arn, SqsParameters: {MessageGroupId: g1}}
        - {Id: alerts, Arn: !Ref Alerts}
        - {Id: fn, Arn: !GetAtt Handler.Arn}
"""


def test_sam_template_rule_targets_reach_the_rule_table(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    app = load_app(tmp_path / "template.yaml")
    assert [t.rule for t in app.rule_targets] == ["Fanout"] * 3

    physical = physical_resources(app, "http://127.0.0.1:4566")
    rules = rule_table(app, physical)["default"]
    functions = [(r.name, r.function) for r in rules if r.function is not None]
    assert sorted(functions) == [("Fanout", "Handler"), ("HandlerOrders", "Handler")]
    targets = {r.target: r for r in rules if r.destination is not None}
    assert set(targets) == {
        physical["Jobs"].arn,
        physical["Ordered"].arn,
        physical["Alerts"].arn,
    }
    assert targets[physical["Jobs"].arn].input_path == "$.detail"
    assert targets[physical["Ordered"].arn].message_group_id == "g1"
    assert targets[physical["Alerts"].arn].destination.kind == "sns"  # type: ignore[union-attr]
