"""Where a function's dependencies are declared: the precedence of `find_dependencies`."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdakit.errors import AppError
from lambdakit.model import Dependencies, DependencyKind
from lambdakit.sources.dependencies import (
    asset_source,
    dependency_groups,
    find_dependencies,
    service_name,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "deps"
MONOREPO = FIXTURES / "monorepo"


def find(code: str, function_id: str = "Fn", root: Path | None = MONOREPO, **kw):
    return find_dependencies(
        (root or MONOREPO) / code, function_id=function_id, project_root=root, **kw
    )


# --------------------------------------------------------------------------- the precedence


def test_configured_group_wins_over_requirements_in_the_code_folder():
    # GIVEN billing/ has a requirements.txt, and the central pyproject assigns the group "shared"
    deps = find("services/billing", function_id="ExplicitFunction")

    # THEN the explicit configuration wins
    assert deps == Dependencies(
        kind=DependencyKind.DEPENDENCY_GROUP, file=MONOREPO / "pyproject.toml", group="shared"
    )


def test_configured_group_is_found_by_another_name_of_the_function():
    # GIVEN a multi-stack id ("Api/ExplicitFunction") and the logical id as an alias
    deps = find(
        "services/billing", function_id="Api/ExplicitFunction", also_known_as=("ExplicitFunction",)
    )

    assert deps is not None and deps.group == "shared"


def test_requirements_txt_in_the_code_folder():
    deps = find("services/billing")

    assert deps == Dependencies(
        kind=DependencyKind.REQUIREMENTS, file=MONOREPO / "services/billing/requirements.txt"
    )


def test_a_project_pyproject_in_the_code_folder():
    deps = find("services/inventory")

    assert deps == Dependencies(
        kind=DependencyKind.PROJECT, file=MONOREPO / "services/inventory/pyproject.toml"
    )


def test_a_pyproject_without_a_project_table_is_not_a_project():
    # tooling/pyproject.toml only configures ruff; there is no "tooling" group either
    assert find("services/tooling") is None


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("services/orders/runtime", "orders"),  # services/<service>/runtime
        ("src/image-tools", "Image_Tools"),  # src/<service>, names compare as PEP 735 says
    ],
)
def test_group_named_after_the_service_folder(code, group):
    deps = find(code)

    assert deps == Dependencies(
        kind=DependencyKind.DEPENDENCY_GROUP, file=MONOREPO / "pyproject.toml", group=group
    )


EXPORTED = (
    "# generated from pyproject.toml [dependency-groups] orders by `lambdakit deps`; do not edit\n"
    "pydantic>=2\n"
)


def test_a_requirements_txt_exported_by_lambdakit_deps_does_not_hide_the_group(tmp_path):
    # GIVEN services/orders/runtime holds the copy `lambdakit deps` wrote from the group
    (tmp_path / "pyproject.toml").write_text('[dependency-groups]\norders = ["pydantic>=2.7"]\n')
    code = tmp_path / "services" / "orders" / "runtime"
    code.mkdir(parents=True)
    (code / "requirements.txt").write_text(EXPORTED)

    # THEN the group is still where the dependencies are declared
    assert find("services/orders/runtime", root=tmp_path) == Dependencies(
        kind=DependencyKind.DEPENDENCY_GROUP, file=tmp_path / "pyproject.toml", group="orders"
    )


def test_no_declared_dependencies():
    assert find("functions/misc") is None


def test_without_a_project_root_only_the_code_folder_counts():
    assert find("services/orders/runtime", root=None) is None
    assert find("services/billing", root=None) is not None


def test_poetry_group_named_after_the_service():
    root = FIXTURES / "poetry"

    deps = find("services/orders", root=root)

    assert deps == Dependencies(
        kind=DependencyKind.DEPENDENCY_GROUP, file=root / "pyproject.toml", group="orders"
    )


def test_lambdakit_toml_configures_the_group_and_wins_over_pyproject():
    root = FIXTURES / "config-file"

    deps = find("handlers/worker", function_id="Worker", root=root)

    assert deps == Dependencies(
        kind=DependencyKind.DEPENDENCY_GROUP, file=root / "pyproject.toml", group="worker"
    )


# --------------------------------------------------------------------------- errors


def test_a_configured_group_that_does_not_exist_lists_the_groups():
    with pytest.raises(AppError) as err:
        find("services/billing", function_id="MissingGroupFunction")

    message = f"{err.value} {err.value.hint}"
    assert "'payments'" in message
    assert str(MONOREPO / "pyproject.toml") in message
    assert "orders, billing, Image_Tools, shared" in message


def test_a_configured_group_without_a_central_pyproject(tmp_path):
    (tmp_path / "lambdakit.toml").write_text('[functions.Fn]\ndependency-group = "api"\n')
    (tmp_path / "fn").mkdir()

    with pytest.raises(AppError, match=r"no pyproject\.toml"):
        find("fn", root=tmp_path)


def test_a_dependency_group_setting_that_is_not_a_name(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.lambdakit.functions.Fn]\ndependency-group = 3\n"
    )
    (tmp_path / "fn").mkdir()

    with pytest.raises(AppError, match="must be a group name"):
        find("fn", root=tmp_path)


def test_invalid_toml_names_the_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project\n")
    (tmp_path / "fn").mkdir()

    with pytest.raises(AppError) as err:
        find("fn", root=tmp_path)

    assert str(tmp_path / "pyproject.toml") in str(err.value)
    assert "not valid TOML" in str(err.value)


# --------------------------------------------------------------------------- the parts


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/repo/services/orders/runtime", "orders"),
        ("/repo/services/orders", "orders"),
        ("/repo/src/orders", "orders"),
        ("/repo/backend/services/orders", "orders"),
        ("/repo/functions/orders", "orders"),
        ("/repo/services/orders/handlers", "handlers"),
    ],
)
def test_service_name(path, service):
    assert service_name(Path(path)) == service


def test_dependency_groups_lists_pep735_then_poetry_groups_with_dependencies():
    pyproject = {
        "dependency-groups": {"dev": ["pytest"], "api": ["httpx"]},
        "tool": {"poetry": {"group": {"worker": {"dependencies": {}}, "docs": {"optional": True}}}},
    }

    assert dependency_groups(pyproject) == ("dev", "api", "worker")


# --------------------------------------------------------------------------- CDK assets


def make_service(folder: Path, body: str = "def handler(e, c):\n    return 1\n") -> Path:
    (folder / "adapters").mkdir(parents=True)
    (folder / "handler.py").write_text(body)
    (folder / "adapters" / "store.py").write_text("TABLE = 'x'\n")
    return folder


def stage(source: Path, asset: Path) -> Path:
    """What `Code.from_asset(source, exclude=["__pycache__"])` leaves in cdk.out."""
    for file in source.rglob("*"):
        if file.is_file() and "__pycache__" not in file.parts:
            target = asset / file.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(file.read_bytes())
    return asset


def test_a_cdk_asset_maps_back_to_the_service_folder_it_was_copied_from(tmp_path):
    # GIVEN two services, and the counter's runtime staged as a CDK asset
    counter = make_service(tmp_path / "services" / "counter" / "runtime")
    make_service(tmp_path / "services" / "worker" / "runtime", body="def other(e, c): ...\n")
    (counter / "__pycache__").mkdir()
    (counter / "__pycache__" / "handler.cpython-312.pyc").write_bytes(b"\0")
    asset = stage(counter, tmp_path / "cdk.out" / "asset.abc")

    assert asset_source(asset, tmp_path) == counter
    assert service_name(counter) == "counter"


def test_a_cdk_asset_maps_back_whether_or_not_it_holds_the_exported_requirements(tmp_path):
    # GIVEN the asset was staged before `lambdakit deps` wrote into the service folder
    counter = make_service(tmp_path / "services" / "counter" / "runtime")
    before = stage(counter, tmp_path / "cdk.out" / "asset.abc")
    (counter / "requirements.txt").write_text(EXPORTED)
    # ... and another one after it, with an older export
    after = stage(counter, tmp_path / "cdk.out" / "asset.def")
    (after / "requirements.txt").write_text(EXPORTED.replace(">=2", ">=1"))

    assert asset_source(before, tmp_path) == counter
    assert asset_source(after, tmp_path) == counter


def test_a_cdk_asset_with_no_or_several_matching_folders_maps_to_nothing(tmp_path):
    one = make_service(tmp_path / "src" / "one")
    make_service(tmp_path / "src" / "two")  # the same files and bytes as one
    asset = stage(one, tmp_path / "cdk.out" / "asset.abc")
    bundled = stage(one, tmp_path / "cdk.out" / "asset.def")
    (bundled / "requests.py").write_text("# installed by bundling\n")

    assert asset_source(asset, tmp_path) is None
    assert asset_source(bundled, tmp_path) is None
    assert asset_source(tmp_path / "cdk.out" / "empty", tmp_path) is None
