"""Precompiling a build folder with the target's own interpreter (python3.12 from this machine)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from lambdakit.packaging.bytecode import CompileResult, compile_tree, pyc_path
from lambdakit.packaging.interpreters import find_interpreter

TARGET = (3, 12)
UNCHECKED_HASH = 0b01  # pyc flags: hash-based (bit 0), do not check the source (bit 1 clear)


@pytest.fixture(scope="module")
def python312() -> Path:
    found = find_interpreter(TARGET)
    if found is None:
        pytest.skip("no python3.12 on this machine (pyenv, PATH or uv-managed)")
    return found


def write(root: Path, relative: str, content: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)


def make_tree(root: Path) -> Path:
    """Two packages, a single-file module, a file that does not compile, and a dist-info."""
    write(root, "pkg/__init__.py", '"""A package."""\n')
    write(root, "pkg/mod.py", "def fail():\n    raise RuntimeError('boom')\n")
    write(root, "pkg/broken.py", "def oops(:\n")
    # constant frozensets: marshal writes them in hash order, so the seed must be fixed
    words = ", ".join(repr(f"word{i}") for i in range(12))
    write(root, "top.py", f"VALUE = {{{words}}}\ndef has(x):\n    return x in {{{words}}}\n")
    write(
        root, "big/__init__.py", "".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(400))
    )
    write(root, "big/data.txt", "not python\n")
    write(root, "big-1.0.dist-info/METADATA", "Name: big\nVersion: 1.0\n")
    return root


def files_of(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def run_python(interpreter: Path, root: Path, code: str) -> subprocess.CompletedProcess[str]:
    script = f"import sys; sys.path.insert(0, {str(root)!r})\n{code}"
    return subprocess.run(
        [str(interpreter), "-I", "-S", "-c", script], capture_output=True, text=True, check=False
    )


def test_compiles_into_pycache_with_unchecked_hash_and_target_paths(
    python312: Path, tmp_path: Path
) -> None:
    # GIVEN a small tree
    root = make_tree(tmp_path / "site")

    # WHEN compiled for python3.12
    result = compile_tree(root, interpreter=python312, python=TARGET)

    # THEN each compilable source has its pyc where 3.12 looks for it
    pyc = root / "pkg/__pycache__/mod.cpython-312.pyc"
    assert pyc.is_file()
    assert (root / "__pycache__/top.cpython-312.pyc").is_file()
    assert not (root / "pkg/__pycache__/broken.cpython-312.pyc").exists()
    data = pyc.read_bytes()
    assert int.from_bytes(data[4:8], "little") == UNCHECKED_HASH
    # AND the result says what happened
    assert result.compiled_files == 4
    assert result.packages_compiled == ("big", "pkg", "top")
    assert result.skipped == ()
    assert result.warning is None
    added = sum(p.stat().st_size for p in root.rglob("*.pyc"))
    assert result.bytes_added == added
    # AND no scratch folder is left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_tracebacks_name_the_path_in_lambda(python312: Path, tmp_path: Path) -> None:
    root = make_tree(tmp_path / "site")
    compile_tree(root, interpreter=python312, python=TARGET, prefix="/var/task")
    (root / "pkg/mod.py").unlink()  # the pyc alone cannot be used (PEP 3147), so check co_filename
    code = (
        "import marshal\n"
        f"data = open({str(root / 'pkg/__pycache__/mod.cpython-312.pyc')!r}, 'rb').read()\n"
        "print(marshal.loads(data[16:]).co_filename)\n"
    )

    run = run_python(python312, root, code)

    assert run.stdout.strip() == "/var/task/pkg/mod.py", run.stderr


def test_unchecked_hash_pyc_is_used_even_when_the_source_is_newer(
    python312: Path, tmp_path: Path
) -> None:
    # GIVEN a compiled tree whose source then changes (zip extraction resets mtimes)
    root = make_tree(tmp_path / "site")
    compile_tree(root, interpreter=python312, python=TARGET)
    write(root, "top.py", "VALUE = 'edited'\n")

    # WHEN imported by the target interpreter, the pyc is trusted as is
    run = run_python(python312, root, "import sys, top; print(sys.modules['top'].VALUE)")

    assert "word11" in run.stdout, run.stderr


def test_same_tree_compiles_to_identical_bytes(python312: Path, tmp_path: Path) -> None:
    # GIVEN two copies of one tree with different mtimes
    first = make_tree(tmp_path / "one")
    second = make_tree(tmp_path / "two")
    for path in second.rglob("*.py"):
        os.utime(path, (1_000_000, 1_000_000))

    # WHEN both are compiled (and the first twice)
    compile_tree(first, interpreter=python312, python=TARGET)
    once = files_of(first)
    compile_tree(first, interpreter=python312, python=TARGET)
    compile_tree(second, interpreter=python312, python=TARGET)

    # THEN the bytes are identical
    assert files_of(first) == once == files_of(second)


def test_bytes_do_not_depend_on_how_files_are_spread_over_cores(
    python312: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the same tree compiled on a one-core and on a three-core machine
    one = make_tree(tmp_path / "one")
    three = make_tree(tmp_path / "three")
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    compile_tree(one, interpreter=python312, python=TARGET)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    compile_tree(three, interpreter=python312, python=TARGET)

    assert files_of(one) == files_of(three)


def test_files_where_the_build_runs_do_not_shadow_the_standard_library(
    python312: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the build runs in a project folder with its own json.py and types.py
    project = tmp_path / "project"
    write(project, "json.py", "raise ImportError('user json')\n")
    write(project, "types.py", "raise ImportError('user types')\n")
    monkeypatch.chdir(project)
    root = make_tree(tmp_path / "site")

    result = compile_tree(root, interpreter=python312, python=TARGET)

    assert result.compiled_files == 4


def costs(python312: Path, tmp_path: Path) -> dict[str, int]:
    """Bytes each top-level name adds, measured on a throwaway copy."""
    root = make_tree(tmp_path / "measure")
    compile_tree(root, interpreter=python312, python=TARGET)
    measured: dict[str, int] = {}
    for pyc in root.rglob("*.pyc"):
        first = pyc.relative_to(root).parts[0]
        name = pyc.name.split(".")[0] if first == "__pycache__" else first
        measured[name] = measured.get(name, 0) + pyc.stat().st_size
    shutil.rmtree(root)
    return measured


def test_budget_compiles_in_priority_order_and_lists_the_rest(
    python312: Path, tmp_path: Path
) -> None:
    cost = costs(python312, tmp_path)
    assert cost["big"] > cost["pkg"] > cost["top"]
    root = make_tree(tmp_path / "site")

    # WHEN the budget fits `big` and `top` but not `pkg` as well, and `big` comes first
    budget = cost["big"] + cost["top"]
    result = compile_tree(
        root, interpreter=python312, python=TARGET, budget_bytes=budget, priority=("big",)
    )

    # THEN big is compiled, pkg does not fit and is skipped, top still fits after it
    assert result.packages_compiled == ("big", "top")
    assert result.skipped == ("pkg",)
    assert result.bytes_added == budget
    assert not (root / "pkg/__pycache__").exists()
    assert (root / "big/__pycache__/__init__.cpython-312.pyc").is_file()


def test_budget_default_order_puts_required_packages_first(python312: Path, tmp_path: Path) -> None:
    # GIVEN `pkg` is required by two installed distributions, `big` by none
    cost = costs(python312, tmp_path)
    root = make_tree(tmp_path / "site")
    write(root, "pkg-1.0.dist-info/METADATA", "Name: pkg\nVersion: 1.0\n")
    write(root, "pkg-1.0.dist-info/RECORD", "pkg/__init__.py,,\npkg/mod.py,,\n")
    for user in ("a", "b"):
        write(
            root, f"{user}-1.dist-info/METADATA", f"Name: {user}\nVersion: 1\nRequires-Dist: pkg\n"
        )

    # WHEN only `pkg` and `top` fit (in either order, big does not fit after pkg)
    result = compile_tree(
        root, interpreter=python312, python=TARGET, budget_bytes=cost["pkg"] + cost["top"]
    )

    assert result.packages_compiled == ("pkg", "top")
    assert result.skipped == ("big",)


def test_everything_within_budget_compiles_everything(python312: Path, tmp_path: Path) -> None:
    cost = costs(python312, tmp_path)
    root = make_tree(tmp_path / "site")

    result = compile_tree(
        root, interpreter=python312, python=TARGET, budget_bytes=sum(cost.values())
    )

    assert result.skipped == ()
    assert result.packages_compiled == ("big", "pkg", "top")


def test_sourceless_replaces_sources_with_legacy_pyc(python312: Path, tmp_path: Path) -> None:
    root = make_tree(tmp_path / "site")
    source_bytes = sum(p.stat().st_size for p in root.rglob("*.py") if p.name != "broken.py")

    result = compile_tree(root, interpreter=python312, python=TARGET, sourceless=True)

    assert (root / "pkg/mod.pyc").is_file()
    assert not (root / "pkg/mod.py").exists()
    assert (root / "pkg/broken.py").is_file()  # did not compile: left as it was
    assert not list(root.rglob("__pycache__"))
    pyc_bytes = sum(p.stat().st_size for p in root.rglob("*.pyc"))
    assert result.bytes_added == pyc_bytes - source_bytes
    # AND the target interpreter imports from the pyc alone; tracebacks lose their source lines
    run = run_python(python312, root, "import top, pkg.mod; print(len(top.VALUE)); pkg.mod.fail()")
    assert run.stdout.strip() == "12"
    assert 'File "/var/task/pkg/mod.py", line 2, in fail' in run.stderr
    assert "raise RuntimeError" not in run.stderr


def test_no_interpreter_changes_nothing_and_warns(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "site")
    before = files_of(root)

    result = compile_tree(root, interpreter=None, python=TARGET)

    assert result == CompileResult(
        compiled_files=0,
        bytes_added=0,
        packages_compiled=(),
        skipped=(),
        warning=(
            "no python3.12 on this machine: bytecode not precompiled (cold starts will compile)"
        ),
    )
    assert files_of(root) == before


def test_wrong_interpreter_version_is_treated_as_missing(python312: Path, tmp_path: Path) -> None:
    root = make_tree(tmp_path / "site")
    before = files_of(root)

    result = compile_tree(root, interpreter=python312, python=(3, 11))

    assert result.compiled_files == 0
    assert result.warning is not None
    assert "not python3.11" in result.warning
    assert files_of(root) == before


def test_interpreter_that_does_not_run_is_treated_as_missing(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "site")

    result = compile_tree(root, interpreter=tmp_path / "no-python", python=TARGET)

    assert result.compiled_files == 0
    assert result.warning is not None
    assert "does not run" in result.warning


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("pypy312 3 12", "is pypy312 (3.12), not python3.12"),
        ("garbage", "did not report its version"),
    ],
)
def test_interpreter_that_is_not_the_target_cpython_is_treated_as_missing(
    tmp_path: Path, answer: str, expected: str
) -> None:
    # GIVEN an executable that answers the version probe like another Python would
    fake = tmp_path / "python3.12"
    fake.write_text(f"#!/bin/sh\necho '{answer}'\n")
    fake.chmod(0o755)
    root = make_tree(tmp_path / "site")

    result = compile_tree(root, interpreter=fake, python=TARGET)

    assert result.compiled_files == 0
    assert result.warning is not None
    assert expected in result.warning


def test_tree_without_python_files(python312: Path, tmp_path: Path) -> None:
    root = tmp_path / "site"
    write(root, "data/table.csv", "a,b\n")

    result = compile_tree(root, interpreter=python312, python=TARGET, budget_bytes=0)

    assert result == CompileResult(0, 0, (), (), None)


def test_pyc_paths() -> None:
    assert pyc_path("pkg/mod.py", "cpython-312", sourceless=False) == (
        "pkg/__pycache__/mod.cpython-312.pyc"
    )
    assert pyc_path("top.py", "cpython-312", sourceless=False) == "__pycache__/top.cpython-312.pyc"
    assert pyc_path("pkg/mod.py", "cpython-312", sourceless=True) == "pkg/mod.pyc"
