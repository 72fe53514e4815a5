"""lambdakit's public API: read an app into the model (more arrives with build, local, deploy).

Names load lazily so that importing lambdakit (and starting the CLI) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambdakit.describe import describe_app
    from lambdakit.errors import LambdakitError
    from lambdakit.model import App
    from lambdakit.sources.discover import LoadOptions, load_app

__all__ = ["App", "LambdakitError", "LoadOptions", "describe_app", "load_app"]

_WHERE = {
    "App": "lambdakit.model",
    "LambdakitError": "lambdakit.errors",
    "LoadOptions": "lambdakit.sources.discover",
    "describe_app": "lambdakit.describe",
    "load_app": "lambdakit.sources.discover",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'lambdakit' has no attribute {name!r}")
