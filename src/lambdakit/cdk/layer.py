"""`PythonLayerVersion`: a ``lambda_.LayerVersion`` of a Python folder bundled by lambdakit.

The layer holds the entry's files and the packages of its ``requirements.txt`` under
``python/`` (FIDELITY 2.2.2), built for the first compatible runtime and architecture.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
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


class PythonLayerVersion(lambda_.LayerVersion):
    """aws-lambda-python-alpha's ``PythonLayerVersion``, bundled without Docker.

    Every keyword besides ``entry``, the compatible runtimes and architectures and ``bundling``
    is a ``lambda_.LayerVersion`` prop (``description``, ``layer_version_name``, ...).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,  # the CDK's own name for a construct id
        *,
        entry: str | os.PathLike[str],
        compatible_runtimes: Sequence[lambda_.Runtime],
        compatible_architectures: Sequence[lambda_.Architecture] | None = None,
        bundling: BundlingOptions | None = None,
        **layer_props: Any,
    ) -> None:
        if not compatible_runtimes:
            raise AppError(f"{id}: a Python layer needs at least one compatible runtime")
        folder = entry_folder(entry)
        options = bundling or BundlingOptions()
        unit_id = f"{scope.node.path}/{id}".lstrip("/")
        architectures = list(compatible_architectures or [])
        inputs = BundleInputs(
            unit_id=unit_id,
            entry=folder,
            dependencies=dependencies_of(folder, unit_id, options),
            runtime=lambdakit_runtime(compatible_runtimes[0]),
            architecture=lambdakit_architecture(architectures[0] if architectures else None),
            kind="layer",
            options=options,
        )
        super().__init__(
            scope,
            id,
            code=bundled_code(inputs),
            compatible_runtimes=list(compatible_runtimes),
            compatible_architectures=architectures or None,
            **layer_props,
        )
