"""`PythonFunction`: a ``lambda_.Function`` whose code is a Python folder bundled by lambdakit."""

from __future__ import annotations

import os
from typing import Any

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from lambdakit.cdk.bundling import (
    BundleInputs,
    BundlingOptions,
    bundled_code,
    dependencies_of,
    entry_folder,
    lambdakit_architecture,
    lambdakit_runtime,
)
from lambdakit.errors import AppError


class PythonFunction(lambda_.Function):
    """aws-lambda-python-alpha's ``PythonFunction``, bundled without Docker.

    ``entry`` is the code folder; ``index`` the handler's file in it (``index.py``) and
    ``handler`` the function in that file (``handler``), so the Lambda handler is
    ``index.handler``. Every other keyword is a ``lambda_.Function`` prop.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,  # the CDK's own name for a construct id
        *,
        entry: str | os.PathLike[str],
        runtime: lambda_.Runtime,
        index: str = "index.py",
        handler: str = "handler",
        architecture: lambda_.Architecture | None = None,
        requirements: str | os.PathLike[str] | None = None,
        bundling: BundlingOptions | None = None,
        **function_props: Any,
    ) -> None:
        folder = entry_folder(entry)
        if not index.endswith(".py") or not (folder / index).is_file():
            raise AppError(
                f"{id}: index {index} is not a Python file in {folder}",
                hint="index names the handler's file relative to entry, e.g. index.py",
            )
        options = bundling or BundlingOptions()
        if requirements is not None:
            options = BundlingOptions(
                asset_excludes=options.asset_excludes,
                asset_hash=options.asset_hash,
                requirements=requirements,
                dependency_group=options.dependency_group,
                quiet=options.quiet,
            )
        unit_id = f"{scope.node.path}/{id}".lstrip("/")
        inputs = BundleInputs(
            unit_id=unit_id,
            entry=folder,
            dependencies=dependencies_of(folder, unit_id, options),
            runtime=lambdakit_runtime(runtime),
            architecture=lambdakit_architecture(architecture),
            kind="function",
            options=options,
        )
        module = index.removesuffix(".py").replace("/", ".")
        super().__init__(
            scope,
            id,
            code=bundled_code(inputs),
            handler=f"{module}.{handler}",
            runtime=runtime,
            architecture=architecture,
            **function_props,
        )
