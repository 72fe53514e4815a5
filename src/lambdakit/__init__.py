"""lambdakit's public API: read an app into the model, build it, run it locally, deploy it.

Names load lazily so that importing lambdakit (and starting the CLI) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambdakit.deploy_app import DeployOptions, Target, deploy_app
    from lambdakit.describe import describe_app
    from lambdakit.errors import LambdakitError
    from lambdakit.local.invocation import InvokeResult
    from lambdakit.local.lambda_service import LambdaOptions
    from lambdakit.local.runner import LocalLambda
    from lambdakit.local_functions import local_lambda
    from lambdakit.model import App
    from lambdakit.packaging.build import BuildOptions, BuildResult, build
    from lambdakit.packaging.local_copy import LocalCopy, local_copy
    from lambdakit.packaging.report import size_report, why
    from lambdakit.sources.discover import LoadOptions, load_app

__all__ = [
    "App",
    "BuildOptions",
    "BuildResult",
    "DeployOptions",
    "InvokeResult",
    "LambdaOptions",
    "LambdakitError",
    "LoadOptions",
    "LocalCopy",
    "LocalLambda",
    "Target",
    "build",
    "deploy_app",
    "describe_app",
    "load_app",
    "local_copy",
    "local_lambda",
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
    "InvokeResult": "lambdakit.local.invocation",
    "LambdaOptions": "lambdakit.local.lambda_service",
    "LocalLambda": "lambdakit.local.runner",
    "local_lambda": "lambdakit.local_functions",
    "LoadOptions": "lambdakit.sources.discover",
    "describe_app": "lambdakit.describe",
    "DeployOptions": "lambdakit.deploy_app",
    "Target": "lambdakit.deploy_app",
    "deploy_app": "lambdakit.deploy_app",
    "load_app": "lambdakit.sources.discover",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'lambdakit' has no attribute {name!r}")
