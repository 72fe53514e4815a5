"""CDK asset code bundled by lambdakit: the local-bundling hook, its asset hash and its inputs.

`bundled_code` returns a ``lambda_.Code.from_asset`` whose hash is `packaging.bundle.bundle_hash`
(asset hash type CUSTOM, so CDK never fingerprints the folder itself) and whose bundling runs
`packaging.bundle.bundle_folder` in-process through ``ILocalBundling.try_bundle``. The Docker
image named in the bundling options is a placeholder that never resolves: when local bundling
fails the error is raised, never handed to Docker. CDK calls the hook only when the assembly has
no staged asset with that hash yet; lambdakit's own caches make a rebuild of unchanged inputs
cheap in any case.

Dependencies: `requirements` (a ``requirements.txt`` or a ``pyproject.toml`` with a ``[project]``
table) or `dependency_group` (a group of the nearest ``pyproject.toml`` above the entry) when
given; else lambdakit's usual rules (`sources.dependencies.find_dependencies`): a
``requirements.txt`` in the entry, a ``pyproject.toml`` project there, or the central
``pyproject.toml``'s group named after the entry's service folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_

from lambdakit.errors import AppError, LambdakitError
from lambdakit.model import Architecture, Dependencies, DependencyKind, Runtime
from lambdakit.packaging.bundle import Kind, bundle_folder, bundle_hash
from lambdakit.sources.dependencies import PYPROJECT, find_dependencies

PLACEHOLDER_IMAGE = "lambdakit-no-docker"
"""The image CDK is given for form's sake: lambdakit always bundles locally."""

STATE_DIR_ENV = "LAMBDAKIT_CDK_STATE_DIR"
"""Folder whose ``.lambdakit`` keeps bundling locks and zips; default: the current folder (the
CDK app's folder, where the CDK CLI and ``lambdakit synth`` run the app)."""


@dataclass(frozen=True)
class BundlingOptions:
    """The bundling options of aws-lambda-python-alpha that mean something without Docker."""

    asset_excludes: Sequence[str] = ()
    """Patterns (gitignore-like) left out of the entry's files, besides lambdakit's defaults."""
    asset_hash: str | None = None
    """A hash of your own instead of lambdakit's (you then decide when the asset changes)."""
    requirements: str | os.PathLike[str] | None = None
    """The ``requirements.txt`` or ``pyproject.toml`` to install; found by lambdakit when None."""
    dependency_group: str | None = None
    """A dependency group of the nearest ``pyproject.toml`` above the entry."""
    quiet: bool = False
    """No progress lines on stderr."""


class StderrProgress:
    """Build progress as one line per step, on stderr (CDK keeps stdout for itself)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr

    def update(self, unit: str, status: str) -> None:
        self.stream.write(f"lambdakit: {unit}: {status}\n")
        self.stream.flush()

    def finish(self, unit: str, summary: str, *, ok: bool) -> None:
        del ok
        self.update(unit, summary)


@dataclass(frozen=True)
class BundleInputs:
    """Everything one bundle depends on."""

    unit_id: str
    entry: Path
    dependencies: Dependencies | None
    runtime: Runtime
    architecture: Architecture
    kind: Kind
    options: BundlingOptions


@jsii.implements(cdk.ILocalBundling)
class LocalBundling:
    """CDK's local-bundling hook, run by lambdakit's packager."""

    def __init__(self, inputs: BundleInputs) -> None:
        self.inputs = inputs

    @jsii.member(jsii_name="tryBundle")
    def try_bundle(self, output_dir: str, *args: Any, **options: Any) -> bool:
        """Bundle into `output_dir`; True always (failures raise, so Docker is never tried)."""
        del args, options
        i = self.inputs
        state_root = Path(os.environ.get(STATE_DIR_ENV) or Path.cwd())
        try:
            bundle_folder(
                i.entry,
                unit_id=i.unit_id,
                dependencies=i.dependencies,
                runtime=i.runtime,
                architecture=i.architecture,
                output_dir=Path(output_dir),
                state_root=state_root,
                kind=i.kind,
                excludes=i.options.asset_excludes,
                progress=None if i.options.quiet else StderrProgress(),
            )
        except LambdakitError as err:
            hint = f" ({err.hint})" if err.hint else ""
            raise RuntimeError(f"lambdakit could not bundle {i.unit_id}: {err}{hint}") from err
        return True


def bundled_code(inputs: BundleInputs) -> Any:
    """``lambda_.Code`` for `inputs`, bundled locally by lambdakit under a content hash."""
    asset_hash = inputs.options.asset_hash or bundle_hash(
        inputs.entry,
        dependencies=inputs.dependencies,
        runtime=inputs.runtime,
        architecture=inputs.architecture,
        kind=inputs.kind,
        excludes=inputs.options.asset_excludes,
    )
    return lambda_.Code.from_asset(
        str(inputs.entry),
        asset_hash_type=cdk.AssetHashType.CUSTOM,
        asset_hash=asset_hash,
        bundling=cdk.BundlingOptions(
            image=cdk.DockerImage.from_registry(PLACEHOLDER_IMAGE),
            local=LocalBundling(inputs),
        ),
    )


def entry_folder(entry: str | os.PathLike[str]) -> Path:
    """The entry as an absolute folder; `AppError` when it is not one."""
    folder = Path(entry).absolute()
    if not folder.is_dir():
        raise AppError(f"entry {entry} is not a folder", hint="entry is the function's code folder")
    return folder


def lambdakit_runtime(runtime: Any) -> Runtime:
    """lambdakit's runtime for a ``lambda_.Runtime``; `AppError` unless it is a Python one."""
    found = Runtime(str(runtime.name))
    if not found.is_python:
        raise AppError(f"runtime {found} is not a Python runtime", hint="use e.g. PYTHON_3_12")
    return found


def lambdakit_architecture(architecture: Any) -> Architecture:
    """lambdakit's architecture for a ``lambda_.Architecture`` (None: x86_64, CDK's default)."""
    return Architecture(str(architecture.name)) if architecture is not None else Architecture.X86_64


def dependencies_of(entry: Path, unit_id: str, options: BundlingOptions) -> Dependencies | None:
    """Where the entry's third-party dependencies are declared (see the module docstring)."""
    project_root = _project_root(entry)
    if options.dependency_group is not None:
        if project_root is None:
            raise AppError(
                f"{unit_id}: dependency group {options.dependency_group!r} named, but no "
                f"{PYPROJECT} above {entry}"
            )
        return Dependencies(
            DependencyKind.DEPENDENCY_GROUP, project_root / PYPROJECT, options.dependency_group
        )
    if options.requirements is not None:
        file = Path(options.requirements).absolute()
        if not file.is_file():
            raise AppError(f"{unit_id}: requirements file {file} does not exist")
        kind = DependencyKind.PROJECT if file.suffix == ".toml" else DependencyKind.REQUIREMENTS
        return Dependencies(kind, file)
    construct_id = unit_id.rpartition("/")[2]
    return find_dependencies(
        entry, function_id=construct_id, project_root=project_root, also_known_as=(unit_id,)
    )


def _project_root(entry: Path) -> Path | None:
    for folder in (entry, *entry.parents):
        if (folder / PYPROJECT).is_file() and folder != entry:
            return folder
    return None
