"""The stack reader: template shape, resource conditions, DependsOn, cycles, outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lambdakit.errors import CircularReferenceError, TemplateError, UndefinedReferenceError
from lambdakit.model import GetAtt, Join, Ref, SourceKind
from lambdakit.sources.cloudformation import StackParts, read_stack
from lambdakit.sources.resolved import StackContext

F = Path("/project/template.yaml")


def read(template: dict[str, Any], **overrides: str) -> StackParts:
    context = StackContext(
        stack="shop", file=F, base_dir=F.parent, source=SourceKind.CLOUDFORMATION
    )
    return read_stack(template, context=context, parameter_overrides=overrides)


def queue(**props: Any) -> dict[str, Any]:
    return {"Type": "AWS::SQS::Queue", "Properties": props}


def test_a_template_without_resources_is_refused():
    with pytest.raises(TemplateError, match="has no Resources"):
        read({"Parameters": {}})
    with pytest.raises(TemplateError, match="resource Q has no Type"):
        read({"Resources": {"Q": {"Properties": {}}}})
    with pytest.raises(TemplateError, match="Properties must be a mapping"):
        read({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": [1]}}})


def test_resources_whose_condition_is_false_are_left_out():
    template = {
        "Parameters": {"Stage": {"Type": "String", "Default": "dev"}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
        "Resources": {"Always": queue(), "ProdOnly": {**queue(), "Condition": "IsProd"}},
    }
    assert [r.logical_id for r in read(template).resources] == ["Always"]
    prod = read(template, Stage="prod").resources
    assert [r.logical_id for r in prod] == ["Always", "ProdOnly"]
    assert prod[1].condition == "IsProd"


def test_depends_on_a_missing_resource_is_named():
    template = {"Resources": {"A": {**queue(), "DependsOn": ["B"]}}}
    with pytest.raises(UndefinedReferenceError, match="resource A: DependsOn names 'B'"):
        read(template)


def test_a_cycle_between_resources_is_named_in_order():
    template = {
        "Resources": {
            "A": queue(Tags=[{"Key": "k", "Value": {"Ref": "B"}}]),
            "B": queue(Tags=[{"Key": "k", "Value": {"Fn::Sub": "${C.Arn}"}}]),
            "C": {**queue(), "DependsOn": "A"},
        }
    }
    with pytest.raises(CircularReferenceError, match="A -> B -> C -> A"):
        read(template)


def test_outputs_resolve_and_follow_their_conditions():
    template = {
        "Conditions": {"Never": {"Fn::Equals": ["a", "b"]}},
        "Resources": {"Q": queue()},
        "Outputs": {
            "QueueUrl": {
                "Value": {"Ref": "Q"},
                "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-q"}},
            },
            "QueueArn": {"Value": {"Fn::Sub": "${Q.Arn}/x"}, "Description": "the arn"},
            "Hidden": {"Value": "x", "Condition": "Never"},
        },
    }
    outputs = {o.name: o for o in read(template).stack.outputs}
    assert set(outputs) == {"QueueUrl", "QueueArn"}
    assert outputs["QueueUrl"].value == Ref("Q")
    assert outputs["QueueUrl"].export_name == "shop-q"
    assert outputs["QueueArn"].value == Join((GetAtt("Q", "Arn"), "/x"))
    with pytest.raises(TemplateError, match="output Bad needs a Value"):
        read({"Resources": {"Q": queue()}, "Outputs": {"Bad": {}}})


def test_parameters_report_the_values_used():
    template = {
        "Parameters": {
            "Stage": {"Type": "String", "Default": "dev"},
            "Secret": {"Type": "String", "NoEcho": True},
        },
        "Resources": {"Q": queue()},
    }
    params = {p.name: p for p in read(template, Stage="prod").stack.parameters}
    assert params["Stage"].value == "prod"
    assert params["Stage"].default == "dev"
    assert params["Secret"].no_echo
