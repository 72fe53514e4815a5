"""Docker-free CDK constructs for Python Lambda functions and layers, bundled by lambdakit.

`PythonFunction` and `PythonLayerVersion` take the main props of aws-lambda-python-alpha's
constructs of the same names (``entry``, ``index``, ``handler``, ``runtime``, ``architecture``,
``bundling``) and bundle through CDK's local-bundling hook with lambdakit's packager: no Docker,
the machine-wide dependency cache, progress on stderr. Their asset hash comes from the sources
and the requirements (and a lock file beside a ``pyproject.toml``), so a dependency bump changes
the asset and an unrelated file does not.

Needs aws-cdk-lib and constructs (``pip install 'lambdakit[cdk]'``); the rest of lambdakit never
imports this package.
"""

from __future__ import annotations

from lambdakit.cdk.bundling import BundlingOptions
from lambdakit.cdk.function import PythonFunction
from lambdakit.cdk.layer import PythonLayerVersion

__all__ = ["BundlingOptions", "PythonFunction", "PythonLayerVersion"]
