"""Wheel compatibility of each Lambda Python runtime and architecture: pure tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.tags import Tag

from lambdakit.errors import BuildError
from lambdakit.model import Architecture, Function, InlineCode, Origin, Runtime
from lambdakit.packaging.tags import Target

X86, ARM = Architecture.X86_64, Architecture.ARM64
X2014 = "manylinux_2_17_x86_64.manylinux2014_x86_64"
A2014 = "manylinux_2_17_aarch64.manylinux2014_aarch64"


AL2 = ("Amazon Linux 2", (2, 26))
AL2023 = ("Amazon Linux 2023", (2, 34))


@pytest.mark.parametrize(
    ("runtime", "arch", "os_glibc", "uv_platform", "key"),
    [
        ("python3.9", X86, AL2, "x86_64-manylinux_2_17", "cp39-manylinux_2_26_x86_64"),
        ("python3.9", ARM, AL2, "aarch64-manylinux_2_17", "cp39-manylinux_2_26_aarch64"),
        ("python3.10", X86, AL2, "x86_64-manylinux_2_17", "cp310-manylinux_2_26_x86_64"),
        ("python3.10", ARM, AL2, "aarch64-manylinux_2_17", "cp310-manylinux_2_26_aarch64"),
        ("python3.11", X86, AL2, "x86_64-manylinux_2_17", "cp311-manylinux_2_26_x86_64"),
        ("python3.11", ARM, AL2, "aarch64-manylinux_2_17", "cp311-manylinux_2_26_aarch64"),
        ("python3.12", X86, AL2023, "x86_64-manylinux_2_34", "cp312-manylinux_2_34_x86_64"),
        ("python3.12", ARM, AL2023, "aarch64-manylinux_2_34", "cp312-manylinux_2_34_aarch64"),
        ("python3.13", X86, AL2023, "x86_64-manylinux_2_34", "cp313-manylinux_2_34_x86_64"),
        ("python3.13", ARM, AL2023, "aarch64-manylinux_2_34", "cp313-manylinux_2_34_aarch64"),
    ],
)
def test_platform_of_each_runtime(runtime, arch, os_glibc, uv_platform, key):
    target = Target.for_runtime(Runtime(runtime), arch)

    assert target.python == Runtime(runtime).python_version
    assert (target.os_name, target.glibc) == os_glibc
    assert target.uv_platform == uv_platform
    assert target.key == key
    assert target.machine == ("x86_64" if arch is X86 else "aarch64")


def test_str_names_runtime_architecture_os_and_resolution_platform():
    arm = "python3.12 arm64 (Amazon Linux 2023, manylinux_2_34_aarch64)"
    assert str(Target((3, 12), ARM)) == arm
    assert str(Target((3, 11), X86)) == "python3.11 x86_64 (Amazon Linux 2, manylinux_2_17_x86_64)"


@pytest.mark.parametrize(
    ("python", "arch", "included", "excluded"),
    [
        ((3, 12), X86, ["manylinux_2_34_x86_64", "manylinux_2_28_x86_64", "manylinux2014_x86_64",
                        "manylinux2010_x86_64", "manylinux1_x86_64", "manylinux_2_5_x86_64", "any"],
         ["manylinux_2_35_x86_64", "linux_x86_64", "manylinux_2_34_aarch64",
          "musllinux_1_2_x86_64"]),
        ((3, 12), ARM, ["manylinux_2_34_aarch64", "manylinux_2_28_aarch64", "manylinux2014_aarch64",
                        "manylinux_2_17_aarch64", "any"],
         ["manylinux_2_16_aarch64", "linux_aarch64", "manylinux_2_34_x86_64"]),
        ((3, 11), X86, ["manylinux_2_26_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64",
                        "manylinux1_x86_64", "any"],
         ["manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "linux_x86_64"]),
        ((3, 9), ARM, ["manylinux_2_26_aarch64", "manylinux2014_aarch64", "any"],
         ["manylinux_2_28_aarch64", "linux_aarch64", "manylinux2014_x86_64"]),
    ],
)  # fmt: skip
def test_platform_tags(python, arch, included, excluded):
    tags = Target(python, arch).platform_tags()

    assert set(included) <= set(tags)
    assert not set(excluded) & set(tags)
    assert tags[-1] == "any"


def test_platform_tags_most_specific_first_with_legacy_alias_after_its_twin():
    tags = Target((3, 12), X86).platform_tags()

    assert tags[:2] == ["manylinux_2_34_x86_64", "manylinux_2_33_x86_64"]
    i = tags.index("manylinux_2_17_x86_64")
    assert tags[i + 1] == "manylinux2014_x86_64"
    assert tags[-3:] == ["manylinux_2_5_x86_64", "manylinux1_x86_64", "any"]


def test_supported_tags_in_priority_order():
    tags = Target((3, 12), X86).supported_tags()

    assert tags[0] == Tag("cp312", "cp312", "manylinux_2_34_x86_64")
    order = [
        Tag("cp312", "cp312", "manylinux2014_x86_64"),
        Tag("cp312", "abi3", "manylinux_2_34_x86_64"),
        Tag("cp311", "abi3", "manylinux_2_17_x86_64"),
        Tag("py3", "none", "manylinux_2_17_x86_64"),
        Tag("py3", "none", "any"),
    ]
    assert [tags.index(tag) for tag in order] == sorted(tags.index(tag) for tag in order)
    assert Tag("cp311", "cp311", "manylinux_2_17_x86_64") not in tags
    assert Tag("cp312", "cp312", "linux_x86_64") not in tags


@pytest.mark.parametrize(
    ("python", "arch", "wheel", "compatible"),
    [
        # CPython-specific manylinux wheels
        ((3, 12), X86, f"numpy-2.1.0-cp312-cp312-{X2014}.whl", True),
        ((3, 12), ARM, f"numpy-2.1.0-cp312-cp312-{A2014}.whl", True),
        ((3, 12), ARM, f"numpy-2.1.0-cp312-cp312-{X2014}.whl", False),
        ((3, 12), ARM, f"pydantic_core-2.23.4-cp312-cp312-{A2014}.whl", True),
        ((3, 12), X86, f"pydantic_core-2.23.4-cp312-cp312-{A2014}.whl", False),
        ((3, 13), X86, "numpy-2.1.0-cp313-cp313-manylinux_2_28_x86_64.whl", True),
        ((3, 12), X86, f"numpy-2.1.0-cp311-cp311-{X2014}.whl", False),
        ((3, 12), X86, f"numpy-2.1.0-cp313-cp313-{X2014}.whl", False),
        # glibc: AL2023 loads manylinux_2_34, AL2 stops at its glibc 2.26
        ((3, 12), X86, "pkg-1.0-cp312-cp312-manylinux_2_34_x86_64.whl", True),
        ((3, 12), X86, "pkg-1.0-cp312-cp312-manylinux_2_35_x86_64.whl", False),
        ((3, 11), X86, "pkg-1.0-cp311-cp311-manylinux_2_28_x86_64.whl", False),
        ((3, 11), X86, "pkg-1.0-cp311-cp311-manylinux_2_24_x86_64.whl", True),
        ((3, 10), X86, "pkg-1.0-cp310-cp310-manylinux1_x86_64.whl", True),
        ((3, 9), ARM, "pkg-1.0-cp39-cp39-manylinux2014_aarch64.whl", True),
        # other operating systems and libcs
        ((3, 12), X86, "pkg-1.0-cp312-cp312-musllinux_1_2_x86_64.whl", False),
        ((3, 12), ARM, "pkg-1.0-cp312-cp312-macosx_11_0_arm64.whl", False),
        ((3, 12), X86, "pkg-1.0-cp312-cp312-win_amd64.whl", False),
        ((3, 12), X86, "pkg-1.0-cp312-cp312-linux_x86_64.whl", False),
        # stable ABI and pure Python
        ((3, 12), X86, "cryptography-43.0.1-cp39-abi3-manylinux_2_28_x86_64.whl", True),
        ((3, 11), X86, "cryptography-43.0.1-cp39-abi3-manylinux_2_28_x86_64.whl", False),
        ((3, 11), ARM, f"cryptography-43.0.1-cp39-abi3-{A2014}.whl", True),
        ((3, 9), X86, "pkg-1.0-cp310-abi3-manylinux_2_17_x86_64.whl", False),
        ((3, 12), ARM, "requests-2.32.3-py3-none-any.whl", True),
        ((3, 9), X86, "six-1.16.0-py2.py3-none-any.whl", True),
        ((3, 12), X86, "old-1.0-py2-none-any.whl", False),
        ((3, 12), X86, "not-a-wheel.tar.gz", False),
    ],
)  # fmt: skip
def test_wheel_compatible(python, arch, wheel, compatible):
    assert Target(python, arch).wheel_compatible(wheel) is compatible


def _function(runtime: Runtime | None, arch: Architecture = ARM) -> Function:
    return Function(
        id="Api",
        logical_id="Api",
        stack="app",
        origin=Origin(file=Path("template.yaml"), name="Api"),
        runtime=runtime,
        architecture=arch,
        handler="app.handler",
        code=InlineCode("def handler(e, c): pass"),
    )


def test_for_function_takes_runtime_and_architecture():
    assert Target.for_function(_function(Runtime("python3.13"))) == Target((3, 13), ARM)


@pytest.mark.parametrize("runtime", [None, Runtime("nodejs20.x"), Runtime("python3.8")])
def test_for_function_rejects_runtimes_that_are_not_supported_python(runtime):
    with pytest.raises(BuildError, match="cannot build Api"):
        Target.for_function(_function(runtime))


def test_for_runtime_rejects_non_python():
    with pytest.raises(BuildError, match=r"nodejs20\.x"):
        Target.for_runtime(Runtime("nodejs20.x"), X86)


def test_host_can_run_only_the_host_architecture():
    import platform
    import sys

    from lambdakit.packaging.interpreters import find_interpreter

    version = (sys.version_info[0], sys.version_info[1])
    if find_interpreter(version) is None:
        pytest.skip(f"no python{version[0]}.{version[1]} found on this machine")
    host_is_x86 = platform.machine().lower() in ("x86_64", "amd64")
    same, other = (X86, ARM) if host_is_x86 else (ARM, X86)

    assert Target(version, same).host_can_run() is (platform.system() == "Linux")
    assert Target(version, other).host_can_run() is False
