"""Each intrinsic function and condition function: evaluated when knowable, symbolic otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lambdakit.errors import (
    CircularReferenceError,
    ParameterError,
    TemplateError,
    UndefinedReferenceError,
)
from lambdakit.model import GetAtt, Join, Ref, Unresolved
from lambdakit.sources.intrinsics import Pseudo, Resolver, read_parameters

F = Path("template.yaml")


def resolver(
    *,
    parameters: dict[str, Any] | None = None,
    overrides: dict[str, str] | None = None,
    conditions: dict[str, Any] | None = None,
    mappings: dict[str, Any] | None = None,
    region: str = "eu-west-1",
) -> Resolver:
    template = {
        "Parameters": parameters or {},
        "Conditions": conditions or {},
        "Mappings": mappings or {},
        "Resources": {"Table": {}, "Queue": {}, "Fn": {}},
    }
    params = read_parameters(template["Parameters"], overrides or {}, F)
    return Resolver(
        template,
        file=F,
        pseudo=Pseudo(region=region, account="111122223333", stack_name="shop"),
        parameters=params,
    )


def r(value: Any, **kwargs: Any) -> Any:
    return resolver(**kwargs).resolve(value, "Resources.Fn.Properties.X")


# ---------------------------------------------------------------- Ref and pseudo parameters


def test_ref_parameter_uses_override_then_default():
    params = {"Stage": {"Type": "String", "Default": "dev"}}
    assert r({"Ref": "Stage"}, parameters=params) == "dev"
    assert r({"Ref": "Stage"}, parameters=params, overrides={"Stage": "prod"}) == "prod"


def test_ref_parameter_without_value_stays_unresolved():
    value = r({"Ref": "Needed"}, parameters={"Needed": {"Type": "String"}})
    assert isinstance(value, Unresolved)
    assert "no default" in value.reason


def test_number_and_list_parameters():
    params = {
        "Mem": {"Type": "Number", "Default": 256},
        "Names": {"Type": "CommaDelimitedList", "Default": "a, b,c"},
        "Ids": {"Type": "List<AWS::EC2::Subnet::Id>", "Default": "s-1,s-2"},
    }
    assert r({"Ref": "Mem"}, parameters=params) == "256"
    assert r({"Ref": "Names"}, parameters=params) == ["a", "b", "c"]
    assert r({"Ref": "Ids"}, parameters=params) == ["s-1", "s-2"]


def test_ssm_parameter_types_are_known_only_in_aws_unless_overridden():
    params = {"Ami": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/app/ami"}}
    value = r({"Ref": "Ami"}, parameters=params)
    assert isinstance(value, Unresolved)
    assert "/app/ami" in value.reason
    assert r({"Ref": "Ami"}, parameters=params, overrides={"Ami": "ami-1"}) == "ami-1"


def test_allowed_values_and_pattern_are_checked():
    params = {
        "Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]},
        "Name": {"Type": "String", "Default": "ok", "AllowedPattern": "[a-z]+"},
    }
    with pytest.raises(ParameterError, match="not one of its AllowedValues"):
        resolver(parameters=params, overrides={"Stage": "qa"})
    with pytest.raises(ParameterError, match="AllowedPattern"):
        resolver(parameters=params, overrides={"Name": "Not-OK"})


def test_override_of_an_undeclared_parameter_is_refused():
    with pytest.raises(ParameterError, match="Stag") as err:
        resolver(parameters={"Stage": {"Type": "String"}}, overrides={"Stag": "x"})
    assert err.value.hint is not None
    assert "Stage" in err.value.hint


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("AWS::Region", "eu-west-1"),
        ("AWS::AccountId", "111122223333"),
        ("AWS::StackName", "shop"),
        ("AWS::Partition", "aws"),
        ("AWS::URLSuffix", "amazonaws.com"),
    ],
)
def test_pseudo_parameters(name, expected):
    assert r({"Ref": name}) == expected


def test_partition_and_url_suffix_follow_the_region():
    assert r({"Ref": "AWS::Partition"}, region="cn-north-1") == "aws-cn"
    assert r({"Ref": "AWS::URLSuffix"}, region="cn-north-1") == "amazonaws.com.cn"
    assert r({"Ref": "AWS::Partition"}, region="us-gov-west-1") == "aws-us-gov"


def test_stack_id_is_known_only_once_deployed():
    assert isinstance(r({"Ref": "AWS::StackId"}), Unresolved)


def test_no_value_removes_the_property_and_the_list_item():
    value = r(
        {"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Ref": "AWS::NoValue"}, 2], "C": "kept"},
    )
    assert value == {"B": [1, 2], "C": "kept"}


def test_ref_resource_stays_symbolic_and_unknown_names_are_errors():
    assert r({"Ref": "Table"}) == Ref("Table")
    with pytest.raises(UndefinedReferenceError, match="'Tabel'") as err:
        r({"Ref": "Tabel"})
    assert "Resources.Fn.Properties.X" in str(err.value)
    assert err.value.hint == "did you mean Table?"


# ---------------------------------------------------------------- GetAtt


def test_get_att_forms():
    assert r({"Fn::GetAtt": ["Queue", "Arn"]}) == GetAtt("Queue", "Arn")
    assert r({"Fn::GetAtt": "Queue.Arn"}) == GetAtt("Queue", "Arn")
    params = {"Attr": {"Type": "String", "Default": "StreamArn"}}
    assert r({"Fn::GetAtt": ["Table", {"Ref": "Attr"}]}, parameters=params) == GetAtt(
        "Table", "StreamArn"
    )
    with pytest.raises(UndefinedReferenceError, match="Missing"):
        r({"Fn::GetAtt": ["Missing", "Arn"]})
    with pytest.raises(TemplateError):
        r({"Fn::GetAtt": ["Queue"]})


# ---------------------------------------------------------------- Sub and Join


def test_sub_with_known_values_is_a_string():
    params = {"Stage": {"Type": "String", "Default": "dev"}}
    assert r({"Fn::Sub": "app-${Stage}-${AWS::Region}"}, parameters=params) == "app-dev-eu-west-1"


def test_sub_literal_escape_and_variables():
    assert r({"Fn::Sub": "${!Literal}-x"}) == "${Literal}-x"
    assert r({"Fn::Sub": ["${A}/${B}", {"A": "one", "B": {"Ref": "AWS::Region"}}]}) == (
        "one/eu-west-1"
    )


def test_sub_with_resources_is_a_join_of_symbols():
    value = r({"Fn::Sub": "arn:${AWS::Partition}:s3:::${Table}/${Queue.Arn}"})
    assert value == Join(("arn:aws:s3:::", Ref("Table"), "/", GetAtt("Queue", "Arn")))


def test_sub_unknown_name_is_an_error():
    with pytest.raises(UndefinedReferenceError, match="Nope"):
        r({"Fn::Sub": "${Nope}"})


def test_join_known_and_symbolic():
    assert r({"Fn::Join": ["-", ["a", "b", 3]]}) == "a-b-3"
    assert r({"Fn::Join": ["", ["https://", {"Ref": "Table"}, ".x"]]}) == Join(
        ("https://", Ref("Table"), ".x")
    )
    # a join of a list known only once deployed stays unresolved
    assert isinstance(r({"Fn::Join": [",", {"Fn::GetAtt": ["Queue", "Names"]}]}), Unresolved)


def test_nested_joins_flatten():
    value = r({"Fn::Join": ["", [{"Fn::Sub": "${Table}-"}, "x"]]})
    assert value == Join((Ref("Table"), "-x"))


# ---------------------------------------------------------------- Select, Split, FindInMap


def test_select_and_split():
    assert r({"Fn::Select": ["1", {"Fn::Split": [",", "a,b,c"]}]}) == "b"
    assert r({"Fn::Select": [0, ["x"]]}) == "x"
    with pytest.raises(TemplateError, match="outside"):
        r({"Fn::Select": [3, ["x"]]})
    assert isinstance(r({"Fn::Select": [0, {"Fn::GetAZs": ""}]}), Unresolved)
    assert isinstance(r({"Fn::Split": [",", {"Fn::GetAtt": ["Queue", "Arn"]}]}), Unresolved)


def test_find_in_map_and_its_default_value():
    mappings = {"Env": {"eu-west-1": {"Size": 256}}}
    assert r({"Fn::FindInMap": ["Env", {"Ref": "AWS::Region"}, "Size"]}, mappings=mappings) == 256
    assert (
        r({"Fn::FindInMap": ["Env", "us-east-1", "Size", {"DefaultValue": 128}]}, mappings=mappings)
        == 128
    )
    with pytest.raises(TemplateError, match=r"no entry us-east-1\.Size"):
        r({"Fn::FindInMap": ["Env", "us-east-1", "Size"]}, mappings=mappings)
    with pytest.raises(UndefinedReferenceError, match="no mapping 'Nope'"):
        r({"Fn::FindInMap": ["Nope", "a", "b"]}, mappings=mappings)


# ---------------------------------------------------------------- other functions


def test_import_value_and_get_azs_stay_unresolved_with_their_expression():
    value = r({"Fn::ImportValue": {"Fn::Sub": "${AWS::StackName}-VpcId"}})
    assert isinstance(value, Unresolved)
    assert value.expression == {"Fn::ImportValue": "shop-VpcId"}
    assert isinstance(r({"Fn::GetAZs": ""}), Unresolved)


def test_base64_cidr_length_to_json_string():
    assert r({"Fn::Base64": "hello"}) == "aGVsbG8="
    assert r({"Fn::Cidr": ["10.0.0.0/16", 3, 8]}) == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
    assert r({"Fn::Length": [1, 2, 3]}) == 3
    assert r({"Fn::ToJsonString": {"a": [1, "b"]}}) == '{"a":[1,"b"]}'
    assert isinstance(r({"Fn::ToJsonString": {"a": {"Ref": "Table"}}}), Unresolved)
    with pytest.raises(TemplateError):
        r({"Fn::Cidr": ["10.0.0.0/30", 9, 1]})


def test_a_mapping_with_an_intrinsic_key_and_others_is_plain_data():
    assert r({"Ref": "Table", "Other": 1}) == {"Ref": "Table", "Other": 1}


# ---------------------------------------------------------------- conditions


CONDITIONS = {
    "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
    "IsEu": {"Fn::Equals": ["eu-west-1", {"Ref": "AWS::Region"}]},
    "ProdInEu": {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "IsEu"}]},
    "ProdOrEu": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "IsEu"}]},
    "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
    "NumberEq": {"Fn::Equals": [{"Ref": "Count"}, 3]},
}
PARAMS = {
    "Stage": {"Type": "String", "Default": "dev"},
    "Count": {"Type": "Number", "Default": 3},
    "Open": {"Type": "String"},
}


@pytest.mark.parametrize(
    ("name", "stage", "expected"),
    [
        ("IsProd", "dev", False),
        ("IsProd", "prod", True),
        ("IsEu", "dev", True),
        ("ProdInEu", "prod", True),
        ("ProdInEu", "dev", False),
        ("ProdOrEu", "dev", True),
        ("NotProd", "dev", True),
        ("NumberEq", "dev", True),
    ],
)
def test_condition_functions(name, stage, expected):
    res = resolver(parameters=PARAMS, overrides={"Stage": stage}, conditions=CONDITIONS)
    assert res.condition(name, "here") is expected


def test_fn_if_picks_a_branch_and_no_value_drops_the_property():
    kwargs = {"parameters": PARAMS, "conditions": CONDITIONS}
    assert r({"Fn::If": ["IsProd", 1024, 128]}, **kwargs) == 128
    assert r({"A": {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]}}, **kwargs) == {}
    # the branch not taken is never evaluated: a bad reference there does no harm
    assert r({"Fn::If": ["NotProd", "ok", {"Ref": "Nowhere"}]}, **kwargs) == "ok"


def test_condition_on_a_value_without_default_asks_for_an_override():
    res = resolver(
        parameters=PARAMS, conditions={"Opened": {"Fn::Equals": [{"Ref": "Open"}, "yes"]}}
    )
    with pytest.raises(ParameterError, match="condition Opened cannot be evaluated") as err:
        res.condition("Opened", "resource Fn")
    assert err.value.hint is not None
    assert "--parameter-overrides" in err.value.hint


def test_unknown_and_circular_conditions():
    res = resolver(
        conditions={"A": {"Condition": "B"}, "B": {"Fn::Not": [{"Condition": "A"}]}},
    )
    with pytest.raises(CircularReferenceError, match="A -> B -> A"):
        res.condition("A", "here")
    with pytest.raises(UndefinedReferenceError, match="'C'"):
        res.condition("C", "here")
