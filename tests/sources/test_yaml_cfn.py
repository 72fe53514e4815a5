"""Template text -> dict: short tags, YAML 1.1 scalars kept as CloudFormation reads them, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdakit.errors import TemplateNotFoundError, TemplateSyntaxError
from lambdakit.sources.yaml_cfn import load_template, parse_template

F = Path("template.yaml")


def test_every_short_tag_becomes_its_long_form():
    text = """
A: !Ref Param
B: !GetAtt Queue.Arn
C: !GetAtt [Queue, Arn]
D: !Sub "${AWS::Region}-x"
E: !Join ["-", [a, b]]
F: !If [IsProd, 1, 2]
G: !Select [0, !GetAZs ""]
H: !Split [",", "a,b"]
I: !FindInMap [M, k, v]
J: !Equals [a, b]
K: !And [!Condition X, !Not [!Condition Y]]
L: !Or [!Condition X, !Condition Y]
M: !ImportValue Exported
N: !Base64 hi
O: !Cidr ["10.0.0.0/16", 2, 8]
P: !GetAtt Res.Outputs.Nested
"""
    doc = parse_template(text, F)
    assert doc["A"] == {"Ref": "Param"}
    assert doc["B"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert doc["C"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert doc["D"] == {"Fn::Sub": "${AWS::Region}-x"}
    assert doc["E"] == {"Fn::Join": ["-", ["a", "b"]]}
    assert doc["F"] == {"Fn::If": ["IsProd", 1, 2]}
    assert doc["G"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    assert doc["H"] == {"Fn::Split": [",", "a,b"]}
    assert doc["I"] == {"Fn::FindInMap": ["M", "k", "v"]}
    assert doc["J"] == {"Fn::Equals": ["a", "b"]}
    assert doc["K"] == {"Fn::And": [{"Condition": "X"}, {"Fn::Not": [{"Condition": "Y"}]}]}
    assert doc["L"] == {"Fn::Or": [{"Condition": "X"}, {"Condition": "Y"}]}
    assert doc["M"] == {"Fn::ImportValue": "Exported"}
    assert doc["N"] == {"Fn::Base64": "hi"}
    assert doc["O"] == {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}
    # GIVEN a dotted attribute WHEN split THEN only the first dot separates the logical id
    assert doc["P"] == {"Fn::GetAtt": ["Res", "Outputs.Nested"]}


def test_yaml_1_1_scalars_stay_strings_like_cloudformation_reads_them():
    doc = parse_template(
        "Version: 2010-09-09\nA: yes\nB: no\nC: on\nD: off\nE: 12:30\nF: 012345678901\n"
        "G: true\nH: False\nI: 42\nJ: 1.5\nK: ~\nL: 0x1F\nM: y\n",
        F,
    )
    assert doc["Version"] == "2010-09-09"
    assert (doc["A"], doc["B"], doc["C"], doc["D"], doc["M"]) == ("yes", "no", "on", "off", "y")
    assert doc["E"] == "12:30"
    assert doc["F"] == "012345678901"  # an account id keeps its leading zero
    assert (doc["G"], doc["H"]) == (True, False)
    assert (doc["I"], doc["J"], doc["K"], doc["L"]) == (42, 1.5, None, 31)


def test_json_templates_load_and_report_line_and_column():
    assert parse_template('{"Resources": {}}', Path("t.json")) == {"Resources": {}}
    with pytest.raises(TemplateSyntaxError) as err:
        parse_template('{\n  "Resources": {,}\n}', Path("t.json"))
    assert str(err.value).startswith("t.json:2:")


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        ("A: [1\n", "template.yaml:2:1", "expected ','"),
        ("A: 1\nA: 2\n", "template.yaml:2:1", "duplicate key 'A'"),
        ("A:\n  - b\n c: d\n", "template.yaml:3:2", ""),
        ("A: !Foo x\n", "template.yaml:1:4", "unknown tag !Foo"),
        ("A: !GetAtt NoDot\n", "template.yaml:1:4", "LogicalId.Attribute"),
        ("- a\n- b\n", "template.yaml:1:1", "mapping of sections"),
    ],
)
def test_syntax_errors_name_file_line_and_column(text, where, problem):
    with pytest.raises(TemplateSyntaxError) as err:
        parse_template(text, F)
    assert str(err.value).startswith(where)
    assert problem in str(err.value)


def test_unknown_tag_error_carries_a_hint():
    with pytest.raises(TemplateSyntaxError) as err:
        parse_template("A: !Reff x\n", F)
    assert err.value.hint is not None
    assert "!Ref" in err.value.hint


def test_python_object_tags_are_never_constructed():
    # GIVEN a template that tries to build a Python object WHEN loaded THEN it is refused
    with pytest.raises(TemplateSyntaxError):
        parse_template("A: !!python/object/apply:os.system ['echo hacked']\n", F)


def test_empty_template_and_missing_file(tmp_path):
    with pytest.raises(TemplateSyntaxError, match="empty"):
        parse_template("  \n", F)
    with pytest.raises(TemplateNotFoundError, match="no such template"):
        load_template(tmp_path / "missing.yaml")
    with pytest.raises(TemplateNotFoundError, match="is a folder"):
        load_template(tmp_path)


def test_load_template_reads_utf8_with_bom(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_bytes("\ufeffDescription: café\n".encode())
    assert load_template(path) == {"Description": "café"}
