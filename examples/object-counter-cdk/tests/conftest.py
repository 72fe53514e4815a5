"""Import each service's runtime the way Lambda does: its folder is the root of sys.path.

Both services have a top-level `handler` module and an `adapters` package, so a test gets the
service it needs from a fixture (`counter`, `worker`), which imports it fresh with only that
service's folder on sys.path.
"""

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

SERVICES = Path(__file__).resolve().parents[1] / "services"
TOP_LEVEL = ("handler", "adapters")


def _forget_runtime_modules() -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in TOP_LEVEL:
            del sys.modules[name]


class Runtime:
    """One service's runtime modules, imported from services/<name>/runtime."""

    def __init__(self, service: str) -> None:
        self.root = SERVICES / service / "runtime"

    def __enter__(self) -> "Runtime":
        _forget_runtime_modules()
        sys.path.insert(0, str(self.root))
        return self

    def __exit__(self, *exc_info) -> None:
        sys.path.remove(str(self.root))
        _forget_runtime_modules()

    def module(self, name: str) -> ModuleType:
        return importlib.import_module(name)


@pytest.fixture
def counter():
    with Runtime("counter") as runtime:
        yield runtime


@pytest.fixture
def worker():
    with Runtime("worker") as runtime:
        yield runtime
