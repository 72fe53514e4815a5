"""Public helpers for tests of lambdakit apps: the `local_cloud` pytest fixture's `LocalCloud`,
what `LocalCloud.invoke` returns (`Invoked`), event factories (`events`) and in-memory fakes.

Names load lazily, so that the pytest plugin (`lambdakit.testing.plugin`, loaded in every pytest
run) costs nothing until a test uses it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambdakit.testing.api_requests import ApiResponse
    from lambdakit.testing.code import CodeFolder, FolderCode
    from lambdakit.testing.destinations import RecordingSink
    from lambdakit.testing.local_cloud import Invoked, LocalCloud, start_local_cloud

    from . import events

__all__ = [
    "ApiResponse",
    "CodeFolder",
    "FolderCode",
    "Invoked",
    "LocalCloud",
    "RecordingSink",
    "events",
    "start_local_cloud",
]

_WHERE = {
    "ApiResponse": "lambdakit.testing.api_requests",
    "CodeFolder": "lambdakit.testing.code",
    "FolderCode": "lambdakit.testing.code",
    "Invoked": "lambdakit.testing.local_cloud",
    "LocalCloud": "lambdakit.testing.local_cloud",
    "RecordingSink": "lambdakit.testing.destinations",
    "start_local_cloud": "lambdakit.testing.local_cloud",
}


def __getattr__(name: str) -> Any:
    if name == "events":
        return importlib.import_module("lambdakit.testing.events")
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'lambdakit.testing' has no attribute {name!r}")
