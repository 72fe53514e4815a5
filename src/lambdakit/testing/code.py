"""`FolderCode`: a `CodeProvider` over code folders that already exist (no build), for tests.

Each function id maps to a folder that stands in for ``/var/task`` and, optionally, one for
``/opt`` (its layers, merged). The runtime's own packages (awslambdaric, boto3) come from
`runtime_support` for the interpreter of the function's Python version: that version's CPython
when this machine has it, else the Python running the tests.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from lambdakit.cache_location import cache_root
from lambdakit.local.function_spec import RunnableCode
from lambdakit.packaging.interpreters import find_interpreter
from lambdakit.packaging.runtime_support import runtime_support

EMPTY_OPT = "empty-opt"
"""The folder (in lambdakit's cache) that stands in for ``/opt`` of a function without layers."""


@dataclass(frozen=True)
class CodeFolder:
    """Where one function's code lives, and the Python version it wants."""

    task_root: Path
    opt: Path | None = None
    python: tuple[int, int] | None = None
    """None: the Python running the tests."""


class FolderCode:
    """Runs functions from existing folders; ``stamp`` changes when a file in them changes.

    ``FolderCode({"Hello": path})`` or ``FolderCode().add("Hello", path, python=(3, 12))``.
    `python` is the default version for functions added without one (None: this Python).
    """

    def __init__(
        self,
        folders: dict[str, Path | CodeFolder] | None = None,
        *,
        python: tuple[int, int] | None = None,
    ) -> None:
        self.python = python
        self._folders: dict[str, CodeFolder] = {}
        for function_id, folder in (folders or {}).items():
            if isinstance(folder, CodeFolder):
                self._folders[function_id] = folder
            else:
                self.add(function_id, folder)

    def add(
        self,
        function_id: str,
        task_root: Path,
        *,
        opt: Path | None = None,
        python: tuple[int, int] | None = None,
    ) -> FolderCode:
        """Map `function_id` to `task_root` (and `opt`); returns self, to chain."""
        self._folders[function_id] = CodeFolder(task_root, opt, python or self.python)
        return self

    def folder(self, function_id: str) -> CodeFolder:
        try:
            return self._folders[function_id]
        except KeyError:
            raise KeyError(f"FolderCode has no folder for function {function_id!r}") from None

    def prepare(self, function_id: str) -> RunnableCode:
        folder = self.folder(function_id)
        interpreter, python = _interpreter(folder.python)
        return RunnableCode(
            task_root=folder.task_root.resolve(),
            opt=(folder.opt or _empty_opt()).resolve(),
            runtime_dir=runtime_support(interpreter),
            interpreter=interpreter,
            python=python,
        )

    def stamp(self, function_id: str) -> str:
        """Every file's path, size and modification time under the function's folders."""
        folder = self.folder(function_id)
        digest = hashlib.sha256()
        for root in (folder.task_root, folder.opt):
            if root is None:
                continue
            for base, dirs, files in os.walk(root):
                dirs.sort()
                for name in sorted(files):
                    path = Path(base, name)
                    try:
                        info = path.stat()
                    except OSError:
                        continue
                    digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        return digest.hexdigest()


def _interpreter(python: tuple[int, int] | None) -> tuple[Path, tuple[int, int]]:
    """The interpreter for `python` and the version it runs (this Python as the fallback)."""
    if python is not None:
        found = find_interpreter(python)
        if found is not None:
            return found, python
    return Path(sys.executable), (sys.version_info[0], sys.version_info[1])


def _empty_opt() -> Path:
    folder = cache_root() / EMPTY_OPT
    folder.mkdir(parents=True, exist_ok=True)
    return folder
