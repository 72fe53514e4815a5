"""`lambdakit trigger RULE` fires a scheduled rule's queue and topic targets (FIDELITY 4.6.2).

`lambdakit local` runs as a user starts it (a subprocess on free ports); the trigger sends the
"Scheduled Event" (or the target's constant input) through its services endpoint, so the queue
holds it and the function subscribed to the topic receives it.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from lambdakit.cli.main import cli
from tests.cli.test_local import ready_line, start, stop
from tests.cli.test_local_cloud import client, eventually

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Alerts:
    Type: AWS::SNS::Topic
  Listener:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          OUT: {out}
      Events:
        Alert:
          Type: SNS
          Properties:
            Topic: !Ref Alerts
  ToJobs:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 day)
      Targets:
        - Id: jobs
          Arn: !GetAtt Jobs.Arn
          Input: '{{"job": "nightly"}}'
  ToAlerts:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: cron(0 3 * * ? *)
      Targets:
        - Id: alerts
          Arn: !Ref Alerts
"""
HANDLER = """\
import json, os

def handler(event, context):
    with open(os.environ["OUT"], "a") as out:
        out.write(json.dumps(event) + "\\n")
"""


def trigger(app: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["trigger", "-t", str(app / "template.yaml"), *args])
    return result.exit_code, result.output


def test_trigger_sends_to_the_rules_queue_and_topic(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(HANDLER)
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(out=out))
    process = start(tmp_path, "--json", "--port", "0", "--services-port", "0", "--no-reload")
    try:
        ready = ready_line(process)
        endpoint = ready["services"]
        jobs = trigger(tmp_path, "ToJobs", "--endpoint", endpoint, "--json")
        alerts = trigger(tmp_path, "ToAlerts", "--endpoint", endpoint)
        sqs = client("sqs", ready)
        url = ready["resources"]["Jobs"]["url"]
        messages = eventually(lambda: sqs.receive_message(QueueUrl=url).get("Messages"))
        lines = eventually(lambda: out.exists() and out.read_text().splitlines())
    finally:
        code, err = stop(process)
    assert code == 0, err
    assert jobs[0] == 0, jobs[1]
    assert json.loads(jobs[1]) == {
        "rule": "ToJobs",
        "targets": [{"destination": "Jobs", "kind": "sqs", "status": "sent"}],
    }
    assert alerts == (0, "ToAlerts -> Alerts: sent\n")
    assert [json.loads(m["Body"]) for m in messages] == [{"job": "nightly"}]
    [event] = [json.loads(line) for line in lines]
    scheduled = json.loads(event["Records"][0]["Sns"]["Message"])
    assert scheduled["detail-type"] == "Scheduled Event"
    assert (scheduled["source"], scheduled["detail"]) == ("aws.events", {})
    assert "-ToAlerts-" in scheduled["resources"][0]
