"""`FolderCode`: existing folders as a function's code, with the runtime packages of its Python."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from lambdakit.packaging.interpreters import find_interpreter
from lambdakit.testing import CodeFolder, FolderCode


@pytest.fixture
def task(tmp_path):
    folder = tmp_path / "task"
    folder.mkdir()
    (folder / "app.py").write_text("def handler(event, context):\n    return 1\n")
    return folder


def test_prepare_runs_the_folder_on_this_python_when_no_version_is_asked(task):
    code = FolderCode({"Hello": task}).prepare("Hello")

    assert code.task_root == task.resolve()
    assert code.interpreter == Path(sys.executable)
    assert code.python == sys.version_info[:2]
    assert (code.runtime_dir / "awslambdaric").is_dir()
    assert (code.runtime_dir / "boto3").is_dir()
    assert code.opt.is_dir()
    assert list(code.opt.iterdir()) == []  # no layers: an empty /opt


def test_prepare_uses_the_python_version_asked_for_when_this_machine_has_it(task, tmp_path):
    found = find_interpreter((3, 12))
    if found is None:
        pytest.skip("no Python 3.12 on this machine")
    opt = tmp_path / "opt"
    opt.mkdir()

    code = FolderCode().add("Hello", task, opt=opt, python=(3, 12)).prepare("Hello")

    assert code.interpreter == found
    assert code.python == (3, 12)
    assert code.opt == opt.resolve()
    assert "cpython-312" in code.runtime_dir.name


def test_a_version_this_machine_lacks_falls_back_to_this_python(task):
    code = FolderCode({"Hello": CodeFolder(task, python=(3, 2))}).prepare("Hello")

    assert code.interpreter == Path(sys.executable)
    assert code.python == sys.version_info[:2]


def test_an_unknown_function_is_a_key_error_naming_it():
    with pytest.raises(KeyError, match="Nobody"):
        FolderCode().prepare("Nobody")


def test_the_stamp_changes_when_a_file_changes_and_only_then(task):
    code = FolderCode({"Hello": task})
    before = code.stamp("Hello")
    assert code.stamp("Hello") == before

    (task / "app.py").write_text("def handler(event, context):\n    return 2 + 2\n")
    edited = code.stamp("Hello")
    (task / "new.py").write_text("")
    added = code.stamp("Hello")

    assert len({before, edited, added}) == 3


def test_the_stamp_sees_a_same_size_edit_by_its_modification_time(task):
    code = FolderCode({"Hello": task})
    before = code.stamp("Hello")
    stat = (task / "app.py").stat()

    (task / "app.py").write_text("def handler(event, context):\n    return 7\n")
    os.utime(task / "app.py", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))

    assert code.stamp("Hello") != before
