"""A function's dependency input in every format, normalized into one `RequirementsInput`."""

from __future__ import annotations

import textwrap

import pytest

from lambdakit.errors import BuildError
from lambdakit.model import Dependencies, DependencyKind
from lambdakit.packaging.requirements import RequirementsInput, requirements_for


def write(path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def from_requirements(path) -> RequirementsInput | None:
    return requirements_for(Dependencies(kind=DependencyKind.REQUIREMENTS, file=path))


def from_group(path, group: str) -> RequirementsInput | None:
    return requirements_for(
        Dependencies(kind=DependencyKind.DEPENDENCY_GROUP, file=path, group=group)
    )


def from_project(path) -> RequirementsInput | None:
    return requirements_for(Dependencies(kind=DependencyKind.PROJECT, file=path))


def test_no_dependencies_is_none():
    assert requirements_for(None) is None


# --------------------------------------------------------------------------- requirements.txt


def test_requirements_txt_every_feature(tmp_path, monkeypatch):
    # GIVEN a requirements file using comments, continuations, includes, index options,
    # markers, extras, hashes and an environment variable
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LK_TEST_PIN", "2.32.3")
    write(tmp_path / "common" / "base.txt", "attrs>=23  # shared\n-c pins.txt\n")
    write(
        tmp_path / "common" / "pins.txt",
        "urllib3<3\n--extra-index-url https://mirror.example/simple\n",
    )
    main = write(
        tmp_path / "src" / "api" / "requirements.txt",
        r"""
        # the API's dependencies
        --index-url https://pypi.org/simple
        -r ../../common/base.txt
        requests[socks] == ${LK_TEST_PIN} \
            --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000 \
            --hash=sha256:1111111111111111111111111111111111111111111111111111111111111111
        tomli>=2 ; python_version < "3.11"
        pywin32; sys_platform == 'win32'   # markers kept, uv evaluates them for the target
        --find-links ./wheels
        -f https://download.example/wheels.html
        pkg @ https://files.example/pkg-1.0-py3-none-any.whl#sha256=abc

        attrs>=23
        --pre
        """,
    )  # fmt: skip

    reqs = from_requirements(main)

    assert reqs == RequirementsInput(
        lines=(
            "attrs>=23",
            "requests[socks]==2.32.3",
            'tomli>=2; python_version < "3.11"',
            'pywin32; sys_platform == "win32"',
            "pkg @ https://files.example/pkg-1.0-py3-none-any.whl#sha256=abc",
        ),
        options=(
            "--index-url", "https://pypi.org/simple",
            "--extra-index-url", "https://mirror.example/simple",
            "--find-links", str(tmp_path / "src" / "api" / "wheels"),
            "--find-links", "https://download.example/wheels.html",
        ),
        source=main,
        description="src/api/requirements.txt",
        constraints=("urllib3<3",),
    )  # fmt: skip


def test_requirements_txt_short_and_equals_option_forms(tmp_path):
    write(tmp_path / "other.txt", "idna\n")
    main = write(
        tmp_path / "requirements.txt", "-rother.txt\n--index-url=https://x.example/simple\n"
    )

    reqs = from_requirements(main)

    assert reqs is not None
    assert reqs.lines == ("idna",)
    assert reqs.options == ("--index-url", "https://x.example/simple")


def test_requirements_txt_with_only_comments_has_no_dependencies(tmp_path):
    assert from_requirements(write(tmp_path / "requirements.txt", "# nothing yet\n\n")) is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("-e .", "editable install"),
        ("--editable ./lib", "editable install"),
        ("./shared", "local path"),
        ("../libs/pkg-1.0-py3-none-any.whl", "local path"),
        ("pkg @ file:///home/me/pkg", "local path"),
        ("--config-settings x=y", "unsupported option"),
        ("requests --global-option=x", "unsupported per-requirement option"),
        ("requests >=> 2", "not a valid requirement"),
    ],
)
def test_requirements_txt_errors_name_file_and_line(tmp_path, line, message):
    main = write(tmp_path / "requirements.txt", f"boto3\n{line}\n")

    with pytest.raises(BuildError, match=message) as caught:
        from_requirements(main)

    assert "requirements.txt:2: " in caught.value.message


def test_local_paths_come_with_a_hint(tmp_path):
    main = write(tmp_path / "requirements.txt", "-e .\n")

    with pytest.raises(BuildError) as caught:
        from_requirements(main)

    assert caught.value.hint is not None
    assert "layer" in caught.value.hint


def test_include_cycle_is_an_error(tmp_path):
    write(tmp_path / "a.txt", "-r b.txt\n")
    write(tmp_path / "b.txt", "-r a.txt\n")

    with pytest.raises(BuildError, match="cycle"):
        from_requirements(tmp_path / "a.txt")


def test_missing_include_names_the_including_file(tmp_path):
    main = write(tmp_path / "requirements.txt", "-r nowhere.txt\n")

    with pytest.raises(BuildError, match=r"nowhere\.txt"):
        from_requirements(main)


def test_digest_ignores_formatting_and_follows_content(tmp_path):
    a = from_requirements(write(tmp_path / "a" / "requirements.txt", "requests >= 2\n# c\n"))
    b = from_requirements(write(tmp_path / "b" / "requirements.txt", "requests>=2\n"))
    c = from_requirements(write(tmp_path / "c" / "requirements.txt", "requests>=2.1\n"))
    d = from_requirements(
        write(tmp_path / "d" / "requirements.txt", "requests>=2\n--index-url https://x/simple\n")
    )

    assert a is not None and b is not None and c is not None and d is not None
    assert a.digest == b.digest
    assert len({a.digest, c.digest, d.digest}) == 3


# --------------------------------------------------------------------------- PEP 735


PYPROJECT_GROUPS = """
[project]
name = "monorepo"
version = "0"
dependencies = ["django"]

[dependency-groups]
shared = ["boto3-stubs", "pydantic >= 2"]
Billing_API = [
    "stripe==10.1.0",
    {include-group = "shared"},
    "httpx; python_version >= '3.12'",
]
loop-a = [{include-group = "loop-b"}]
loop-b = [{include-group = "loop-a"}]
broken = [{include-group = "nope"}]
"""


def test_pep735_group_with_include(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pyproject = write(tmp_path / "pyproject.toml", PYPROJECT_GROUPS)

    reqs = from_group(pyproject, "billing-api")  # names compare as PEP 735 says

    assert reqs == RequirementsInput(
        lines=("stripe==10.1.0", "boto3-stubs", "pydantic>=2", 'httpx; python_version >= "3.12"'),
        options=(),
        source=pyproject,
        description="pyproject.toml [dependency-groups] Billing_API",
    )


@pytest.mark.parametrize(
    ("group", "message"),
    [
        ("loop-a", "include each other"),
        ("broken", "unknown group"),
        ("absent", "no dependency group"),
    ],
)
def test_pep735_group_errors(tmp_path, group, message):
    pyproject = write(tmp_path / "pyproject.toml", PYPROJECT_GROUPS)

    with pytest.raises(BuildError, match=message):
        from_group(pyproject, group)


def test_pep735_empty_group_has_no_dependencies(tmp_path):
    pyproject = write(tmp_path / "pyproject.toml", "[dependency-groups]\nworker = []\n")

    assert from_group(pyproject, "worker") is None


# --------------------------------------------------------------------------- Poetry


@pytest.mark.parametrize(
    ("constraint", "line"),
    [
        ('"^1.2.3"', "pkg<2,>=1.2.3"),
        ('"^1.2"', "pkg<2,>=1.2"),
        ('"^0.2.3"', "pkg<0.3,>=0.2.3"),
        ('"^0.0.3"', "pkg<0.0.4,>=0.0.3"),
        ('"^0"', "pkg<1,>=0"),
        ('"^0.0"', "pkg<0.1,>=0.0"),
        ('"~1.2.3"', "pkg<1.3,>=1.2.3"),
        ('"~1.2"', "pkg<1.3,>=1.2"),
        ('"~1"', "pkg<2,>=1"),
        ('"~=1.4"', "pkg~=1.4"),
        ('"*"', "pkg"),
        ('"1.2.3"', "pkg==1.2.3"),
        ('"1.2.*"', "pkg==1.2.*"),
        ('"=1.2.3"', "pkg==1.2.3"),
        ('">=1.2,<2.0"', "pkg<2.0,>=1.2"),
        ('">= 1.2 < 2.0"', "pkg<2.0,>=1.2"),
        ('"!=1.5"', "pkg!=1.5"),
        ('{version = "^2.0", extras = ["s3", "sqs"]}', "pkg[s3,sqs]<3,>=2.0"),
        ('{version = "^1.0", python = "^3.12"}',
         'pkg<2,>=1.0; python_full_version < "4" and python_full_version >= "3.12"'),
        ('{version = "1.0", markers = "platform_machine == \'aarch64\'"}',
         'pkg==1.0; platform_machine == "aarch64"'),
        ('{version = "1.0", platform = "linux"}', 'pkg==1.0; sys_platform == "linux"'),
        ('{url = "https://x.example/pkg-1.0-py3-none-any.whl"}', "pkg @ https://x.example/pkg-1.0-py3-none-any.whl"),
        ('{git = "https://github.com/o/pkg.git", tag = "v1"}', "pkg @ git+https://github.com/o/pkg.git@v1"),
    ],
)  # fmt: skip
def test_poetry_constraints_become_pep440(tmp_path, constraint, line):
    pyproject = write(
        tmp_path / "pyproject.toml",
        f"""
        [tool.poetry.group.api.dependencies]
        python = "^3.12"
        pkg = {constraint}
        """,
    )

    reqs = from_group(pyproject, "api")

    assert reqs is not None
    assert reqs.lines == (line,)


def test_poetry_group_with_includes_sources_and_optional(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pyproject = write(
        tmp_path / "pyproject.toml",
        """
        [[tool.poetry.source]]
        name = "internal"
        url = "https://pypi.internal.example/simple"
        priority = "explicit"

        [[tool.poetry.source]]
        name = "mirror"
        url = "https://mirror.example/simple"
        priority = "supplemental"

        [tool.poetry.group.common.dependencies]
        attrs = "^23"

        [tool.poetry.group.worker]
        include-groups = ["common"]

        [tool.poetry.group.worker.dependencies]
        company-lib = {version = "^1.4", source = "internal"}
        maybe = {version = "*", optional = true}
        orjson = [
            {version = "^3.10", markers = "platform_machine == 'x86_64'"},
            {version = "^3.9", markers = "platform_machine == 'aarch64'"},
        ]
        """,
    )

    reqs = from_group(pyproject, "worker")

    assert reqs == RequirementsInput(
        lines=(
            "attrs<24,>=23",
            "company-lib<2,>=1.4",
            'orjson<4,>=3.10; platform_machine == "x86_64"',
            'orjson<4,>=3.9; platform_machine == "aarch64"',
        ),
        options=(
            "--extra-index-url", "https://mirror.example/simple",
            "--extra-index-url", "https://pypi.internal.example/simple",
        ),
        source=pyproject,
        description="pyproject.toml [tool.poetry.group.worker]",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ('"^1.0 || ^2.0"', "alternatives"),
        ('{path = "../lib", develop = true}', "local path"),
        ('{version = "^1", source = "nowhere"}', "unknown source"),
        ('"^banana"', "not a valid version"),
    ],
)
def test_poetry_errors(tmp_path, spec, message):
    pyproject = write(
        tmp_path / "pyproject.toml", f"[tool.poetry.group.api.dependencies]\npkg = {spec}\n"
    )

    with pytest.raises(BuildError, match=message):
        from_group(pyproject, "api")


def test_pep735_group_wins_over_a_poetry_group_of_the_same_name(tmp_path):
    pyproject = write(
        tmp_path / "pyproject.toml",
        """
        [dependency-groups]
        api = ["a"]

        [tool.poetry.group.api.dependencies]
        b = "*"
        """,
    )

    reqs = from_group(pyproject, "api")

    assert reqs is not None
    assert reqs.lines == ("a",)


# --------------------------------------------------------------------------- [project]


def test_project_dependencies(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pyproject = write(
        tmp_path / "fn" / "pyproject.toml",
        """
        [project]
        name = "fn"
        version = "1"
        dependencies = ["requests >= 2.31", "aws-lambda-powertools[tracer]"]
        [project.optional-dependencies]
        dev = ["pytest"]
        """,
    )

    assert from_project(pyproject) == RequirementsInput(
        lines=("requests>=2.31", "aws-lambda-powertools[tracer]"),
        options=(),
        source=pyproject,
        description="fn/pyproject.toml [project] dependencies",
    )


def test_project_without_dependencies_has_none(tmp_path):
    pyproject = write(tmp_path / "pyproject.toml", '[project]\nname = "fn"\nversion = "1"\n')

    assert from_project(pyproject) is None


def test_project_with_dynamic_dependencies_is_an_error(tmp_path):
    pyproject = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "fn"\ndynamic = ["version", "dependencies"]\n',
    )

    with pytest.raises(BuildError, match="dynamic"):
        from_project(pyproject)


def test_invalid_toml_is_an_error(tmp_path):
    pyproject = write(tmp_path / "pyproject.toml", "[project\n")

    with pytest.raises(BuildError, match="not valid TOML"):
        from_project(pyproject)
