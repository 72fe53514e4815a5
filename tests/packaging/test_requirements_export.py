"""`lambdakit deps` as data: which requirements.txt files a project's groups export, and their text.

No FIDELITY statement applies: this is a lambdakit project convention (issue 7, dependency
groups), not Lambda behaviour.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdakit.errors import AppError
from lambdakit.generated_requirements import is_generated
from lambdakit.model import Dependencies, DependencyKind, Function, LocalCode, Origin, Runtime
from lambdakit.packaging.requirements_export import (
    Export,
    ExportState,
    export_state,
    plan_exports,
    render_group,
    write_export,
)

PYPROJECT = """\
[project]
name = "shop"
version = "0.1.0"

[dependency-groups]
orders = ["pydantic>=2", "requests >= 2.31", "pydantic>=2"]
billing = ["stripe>=8", {include-group = "common"}]
common = ["aws-lambda-powertools>=3"]
empty = []

[tool.poetry.group.legacy.dependencies]
python = "^3.12"
httpx = "^0.27"

[[tool.poetry.source]]
name = "mirror"
url = "https://mirror.example/simple"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    for service in ("orders", "billing"):
        (tmp_path / "services" / service / "runtime").mkdir(parents=True)
    return tmp_path


def group(project: Path, name: str) -> Dependencies:
    return Dependencies(DependencyKind.DEPENDENCY_GROUP, project / "pyproject.toml", name)


def function(ident: str, code: Path, deps: Dependencies | None) -> Function:
    return Function(
        id=ident,
        logical_id=ident,
        stack="app",
        origin=Origin(file=Path("template.yaml"), name=ident),
        runtime=Runtime("python3.12"),
        handler="app.handler",
        code=LocalCode(code),
        dependencies=deps,
    )


def code_folder(fn: Function) -> Path | None:
    assert isinstance(fn.code, LocalCode)
    return fn.code.path


def test_group_text_is_a_header_then_the_lines_as_written(project):
    source, text = render_group(group(project, "orders"))

    assert source == "pyproject.toml [dependency-groups] orders"
    assert text.splitlines() == [
        "# generated from pyproject.toml [dependency-groups] orders by `lambdakit deps`; "
        "do not edit",
        "# edit the group there, then run `lambdakit deps` again",
        "pydantic>=2",  # in the order written, the duplicate dropped, spacing normalized
        "requests>=2.31",
    ]


def test_included_groups_are_expanded(project):
    _, text = render_group(group(project, "billing"))

    assert text.splitlines()[2:] == ["stripe>=8", "aws-lambda-powertools>=3"]


def test_poetry_group_gets_pep440_ranges_and_its_index(project):
    source, text = render_group(group(project, "legacy"))

    assert source == "pyproject.toml [tool.poetry.group.legacy]"
    assert text.splitlines()[2:] == [
        "--extra-index-url https://mirror.example/simple",
        "httpx<0.28,>=0.27",
    ]


def test_an_empty_group_is_the_header_alone(project):
    _, text = render_group(group(project, "empty"))

    assert len(text.splitlines()) == 2
    assert text.endswith("\n")


def test_the_exported_file_is_recognized_as_generated(project, tmp_path):
    _, text = render_group(group(project, "orders"))
    exported, handwritten = tmp_path / "a.txt", tmp_path / "b.txt"
    exported.write_text(text)
    handwritten.write_text("requests\n")

    assert is_generated(exported)
    assert not is_generated(handwritten)
    assert not is_generated(tmp_path / "missing.txt")


def test_one_file_per_code_folder_for_group_functions_only(project):
    orders = project / "services/orders/runtime"
    billing = project / "services/billing/runtime"
    (billing / "requirements.txt").write_text("stripe\n")
    functions = [
        function("Orders", orders, group(project, "orders")),
        function("OrdersWorker", orders, group(project, "Orders")),  # same group, PEP 735 names
        function(
            "Billing",
            billing,
            Dependencies(DependencyKind.REQUIREMENTS, billing / "requirements.txt"),
        ),
        function("NoDeps", project / "services", None),
    ]

    exports = plan_exports(functions, code_folder)

    assert [(e.path, e.functions) for e in exports] == [
        (orders.resolve() / "requirements.txt", ("Orders", "OrdersWorker"))
    ]


def test_functions_without_a_project_folder_are_skipped(project):
    fn = function("Orders", project / "services/orders/runtime", group(project, "orders"))

    assert plan_exports([fn], lambda _: None) == ()


def test_a_shared_folder_with_two_groups_is_an_error_naming_both(project):
    orders = project / "services/orders/runtime"
    functions = [
        function("Orders", orders, group(project, "orders")),
        function("Billing", orders, group(project, "billing")),
    ]

    with pytest.raises(AppError, match="Orders and Billing share the code folder"):
        plan_exports(functions, code_folder)


def test_a_handwritten_requirements_txt_is_never_overwritten(project):
    # an explicit [tool.lambdakit] group can point a folder that has its own file at a group
    orders = project / "services/orders/runtime"
    (orders / "requirements.txt").write_text("requests\n")

    with pytest.raises(AppError, match="was not written by `lambdakit deps`"):
        plan_exports([function("Orders", orders, group(project, "orders"))], code_folder)
    assert (orders / "requirements.txt").read_text() == "requests\n"


def test_state_missing_then_current_then_stale(tmp_path):
    export = Export(path=tmp_path / "requirements.txt", text="x\n", source="s", functions=("F",))

    assert export_state(export) is ExportState.MISSING
    write_export(export)
    assert export_state(export) is ExportState.CURRENT
    assert (tmp_path / "requirements.txt").read_text() == "x\n"
    assert [p.name for p in tmp_path.iterdir()] == ["requirements.txt"]  # no temporary left
    export.path.write_text("y\n")
    assert export_state(export) is ExportState.STALE
