"""Local AWS::Include files, expanded the way CloudFormation expands them from S3."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from lambdakit.errors import TemplateError, TemplateSyntaxError
from lambdakit.sources.include import expand_includes
from lambdakit.sources.yaml_cfn import load_template

FIXTURE = Path(__file__).parent.parent / "fixtures" / "sam" / "include" / "template.yaml"


def include(location: str) -> dict[str, object]:
    return {"Name": "AWS::Include", "Parameters": {"Location": location}}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_fixture_expands_at_every_place_an_include_may_stand():
    # GIVEN includes at the top level, merged into Resources and Variables, and as a whole value
    # that itself includes a file relative to its own folder
    expanded = expand_includes(load_template(FIXTURE), file=FIXTURE)
    # THEN every include is replaced by its file's content
    assert expanded["Transform"] == ["AWS::Serverless-2016-10-31"]
    assert expanded["Outputs"] == {"QueueUrl": {"Value": {"Ref": "Queue"}}}
    assert set(expanded["Resources"]) == {"Queue", "Api", "Worker"}
    assert expanded["Resources"]["Queue"]["Properties"] == {"VisibilityTimeout": 60}
    body = expanded["Resources"]["Api"]["Properties"]["DefinitionBody"]
    assert body["info"] == {"title": "included", "version": "1.0"}
    assert set(body["paths"]) == {"/work"}
    variables = expanded["Resources"]["Worker"]["Properties"]["Environment"]["Variables"]
    assert variables == {"STAGE": "prod", "QUEUE_URL": {"Ref": "Queue"}, "LOG_LEVEL": "INFO"}
    assert "Fn::Transform" not in str(expanded)


def test_the_input_is_left_untouched():
    template = load_template(FIXTURE)
    before = copy.deepcopy(template)
    expand_includes(template, file=FIXTURE)
    assert template == before


def test_a_template_without_includes_comes_back_equal():
    template = {
        "Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
        "Transform": "AWS::Serverless-2016-10-31",
    }
    assert expand_includes(template, file=Path("template.yaml")) == template


def test_a_single_top_level_include_removes_the_transform_section(tmp_path):
    write(tmp_path, "conditions.yaml", "Conditions:\n  Always: !Equals [a, a]\n")
    template = {"Transform": include("conditions.yaml"), "Resources": {}}
    expanded = expand_includes(template, file=tmp_path / "template.yaml")
    assert expanded == {"Resources": {}, "Conditions": {"Always": {"Fn::Equals": ["a", "a"]}}}


def test_a_list_of_includes_merges_their_mappings_in_order(tmp_path):
    write(tmp_path, "a.yaml", "A: 1\n")
    write(tmp_path, "b.yaml", "B: 2\n")
    template = {"Mappings": {"Fn::Transform": [include("a.yaml"), include("b.yaml")]}}
    assert expand_includes(template, file=tmp_path / "t.yaml") == {"Mappings": {"A": 1, "B": 2}}


def test_an_include_inside_a_list_item(tmp_path):
    write(tmp_path, "statement.yaml", "Effect: Allow\nAction: s3:GetObject\nResource: '*'\n")
    template = {"Statement": [{"Fn::Transform": include("statement.yaml")}]}
    expanded = expand_includes(template, file=tmp_path / "t.yaml")
    assert expanded == {
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]
    }


def test_other_macros_are_left_for_cloudformation(tmp_path):
    template = {"Resources": {"Fn::Transform": {"Name": "MyMacro", "Parameters": {"X": 1}}}}
    assert expand_includes(template, file=tmp_path / "t.yaml") == template


def test_an_s3_location_cannot_be_read_locally(tmp_path):
    template = {"Resources": {"Fn::Transform": include("s3://bucket/snippet.yaml")}}
    with pytest.raises(TemplateError, match=r"s3://bucket/snippet\.yaml") as caught:
        expand_includes(template, file=tmp_path / "template.yaml")
    assert str(caught.value).startswith(str(tmp_path / "template.yaml"))
    assert caught.value.hint and "local" in caught.value.hint


def test_a_missing_file_names_the_template_and_the_location(tmp_path):
    file = tmp_path / "template.yaml"
    template = {"Resources": {"Fn::Transform": include("snippets/missing.yaml")}}
    with pytest.raises(TemplateError) as caught:
        expand_includes(template, file=file)
    message = str(caught.value)
    assert message.startswith(str(file))
    assert "snippets/missing.yaml" in message
    assert "Resources" in message


def test_a_location_is_required(tmp_path):
    template = {"Resources": {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {}}}}
    with pytest.raises(TemplateError, match=r"Parameters\.Location"):
        expand_includes(template, file=tmp_path / "template.yaml")


def test_a_key_defined_twice_is_an_error_not_a_guess(tmp_path):
    write(tmp_path, "queue.yaml", "Queue:\n  Type: AWS::SQS::Queue\n")
    template = {"Resources": {"Fn::Transform": include("queue.yaml"), "Queue": {"Type": "X"}}}
    with pytest.raises(TemplateError, match="both define Queue"):
        expand_includes(template, file=tmp_path / "template.yaml")


def test_files_that_include_each_other_are_an_error(tmp_path):
    write(
        tmp_path,
        "a.yaml",
        "A:\n  Fn::Transform: {Name: AWS::Include, Parameters: {Location: b.yaml}}\n",
    )
    write(
        tmp_path,
        "b.yaml",
        "B:\n  Fn::Transform: {Name: AWS::Include, Parameters: {Location: a.yaml}}\n",
    )
    template = {"Mappings": {"Fn::Transform": include("a.yaml")}}
    with pytest.raises(TemplateError, match="cycle"):
        expand_includes(template, file=tmp_path / "template.yaml")


def test_a_syntax_error_names_the_included_file(tmp_path):
    broken = write(tmp_path, "snippets/broken.yaml", "Queue:\n  Type: [unclosed\n")
    template = {"Resources": {"Fn::Transform": include("snippets/broken.yaml")}}
    with pytest.raises(TemplateSyntaxError) as caught:
        expand_includes(template, file=tmp_path / "template.yaml")
    assert caught.value.file == broken.resolve()
