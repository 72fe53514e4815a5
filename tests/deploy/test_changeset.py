"""Change set summaries: grouping, replacement, "no changes", text and JSON renderings."""

from __future__ import annotations

import json

from lambdakit.deploy.changeset import is_no_changes, render_lines, summarize, to_json
from lambdakit.deploy.instructions import ChangeSet, ResourceChange

FUNCTION = "AWS::Lambda::Function"


def change_set(
    *changes: ResourceChange, status: str = "CREATE_COMPLETE", reason: str | None = None
) -> ChangeSet:
    return ChangeSet("cs-1", "shop", status, reason=reason, changes=changes)


def test_groups_added_modified_removed_with_replacement_and_properties() -> None:
    summary = summarize(
        change_set(
            ResourceChange("Remove", "OldQueue", "AWS::SQS::Queue"),
            ResourceChange("Modify", "Api", FUNCTION, "False", ("Properties",), ("Code",)),
            ResourceChange("Add", "Table", "AWS::DynamoDB::Table"),
            ResourceChange(
                "Modify", "Bucket", "AWS::S3::Bucket", "True", ("Properties",), ("BucketName",)
            ),
        )
    )
    assert [c.logical_id for c in summary.added] == ["Table"]
    assert [c.logical_id for c in summary.modified] == ["Api", "Bucket"]
    assert [c.logical_id for c in summary.removed] == ["OldQueue"]
    assert summary.resource_count == 4
    assert [c.logical_id for c in summary.replacements] == ["Bucket"]
    assert render_lines(summary) == [
        "Stack shop (update): 1 to add, 2 to modify, 1 to remove",
        "  + Table (AWS::DynamoDB::Table)",
        "  ~ Api (AWS::Lambda::Function): Code [updated in place]",
        "  ~ Bucket (AWS::S3::Bucket): BucketName [replaced]",
        "  - OldQueue (AWS::SQS::Queue)",
        "Note: replacement deletes and recreates Bucket (new physical ids).",
    ]


def test_conditional_replacement_is_worded_as_a_maybe() -> None:
    summary = summarize(
        change_set(
            ResourceChange("Modify", "Fn", FUNCTION, "Conditional", ("Properties",), ("Role",))
        )
    )
    assert render_lines(summary)[1] == "  ~ Fn (AWS::Lambda::Function): Role [may be replaced]"


def test_failed_change_set_with_cloudformations_no_changes_reasons_is_no_changes() -> None:
    for reason in (
        "The submitted information didn't contain changes. "
        "Submit different information to create a change set.",
        "No updates are to be performed.",
    ):
        failed = change_set(
            ResourceChange("Modify", "Stale", FUNCTION), status="FAILED", reason=reason
        )
        assert is_no_changes(failed)
        summary = summarize(failed)
        assert summary.no_changes and summary.resource_count == 0
        assert render_lines(summary) == ["Stack shop: no changes."]


def test_other_failures_and_complete_change_sets_without_resource_changes_are_changes() -> None:
    assert not is_no_changes(change_set(status="FAILED", reason="Template format error: bad"))
    # only Outputs changed: CloudFormation makes a change set with no resource changes
    assert not is_no_changes(change_set())


def test_json_form_round_trips_through_json() -> None:
    summary = summarize(
        change_set(ResourceChange("Modify", "Fn", FUNCTION, "False", ("Properties",), ("Code",)))
    )
    data = json.loads(json.dumps(to_json(summary)))
    assert data["no_changes"] is False
    assert data["modified"] == [
        {
            "action": "Modify",
            "logical_id": "Fn",
            "resource_type": FUNCTION,
            "replacement": "False",
            "scope": ["Properties"],
            "details": ["Code"],
        }
    ]
