"""lambdakit's public API: read an app into the model, build it (local and deploy arrive next).

Names load lazily so that importing lambdakit (and starting the CLI) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambdakit.describe import describe_app
    from lambdakit.errors import LambdakitError
    from lambdakit.model import App
    from lambdakit.packaging.build import BuildOptions, BuildResult, build
    from lambdakit.packaging.local_copy import LocalCopy, local_copy
    from lambdakit.packaging.report import size_report, why
    from lambdakit.sources.discover import LoadOptions, load_app

__all__ = [
    "App",
    "BuildOptions",
    "BuildResult",
    "LambdakitError",
    "LoadOptions",
    "LocalCopy",
    "build",
    "describe_app",
    "load_app",
    "local_copy",
    "size_report",
    "why",
]

_WHERE = {
    "App": "lambdakit.model",
    "BuildOptions": "lambdakit.packaging.build",
    "BuildResult": "lambdakit.packaging.build",
    "build": "lambdakit.packaging.build",
    "LocalCopy": "lambdakit.packaging.local_copy",
    "local_copy": "lambdakit.packaging.local_copy",
    "size_report": "lambdakit.packaging.report",
    "why": "lambdakit.packaging.report",
    "LambdakitError": "lambdakit.errors",
    "LoadOptions": "lambdakit.sources.discover",
    "describe_app": "lambdakit.describe",
    "load_app": "lambdakit.sources.discover",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'lambdakit' has no attribute {name!r}")
