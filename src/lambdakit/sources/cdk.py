"""The CDK source: tell a cloud assembly from a CDK app, read the one, run the other.

Detection (`is_assembly`, `is_cdk_app`) only looks at a folder's ``manifest.json`` or
``cdk.json``. The work happens in the modules beside this one, whose names it re-exports:

- reading (`read_assembly` -> `AssemblyStack` per stack) only reads files: the manifests, each
  stack's template and construct paths (`cdk_assembly`), and the staged code of each function
  and layer (`cdk_assets`); stacks come dependencies first.
- synthesis (`synth`) is the one place where lambdakit runs the user's code: the ``app`` command
  of ``cdk.json``, run the way the CDK CLI runs it (`cdk_synth`).
"""

from __future__ import annotations

import json
from pathlib import Path

from lambdakit.sources.cdk_assembly import (
    ASSET_MANIFEST,
    NESTED_ASSEMBLY,
    STACK,
    AssemblyStack,
    read_assembly,
)
from lambdakit.sources.cdk_synth import synth

__all__ = [
    "ASSET_MANIFEST",
    "NESTED_ASSEMBLY",
    "STACK",
    "AssemblyStack",
    "is_assembly",
    "is_cdk_app",
    "read_assembly",
    "synth",
]


def is_assembly(path: Path) -> bool:
    """True when `path` is a folder holding the ``manifest.json`` of a cloud assembly."""
    manifest = path / "manifest.json"
    if not manifest.is_file():
        return False
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return True  # probably a damaged assembly: reading it will say what is wrong
    return isinstance(data, dict) and ("artifacts" in data or "version" in data)


def is_cdk_app(path: Path) -> bool:
    """True when `path` is a folder holding a ``cdk.json`` with an ``app`` command."""
    config = path / "cdk.json"
    if not config.is_file():
        return False
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return True  # a damaged cdk.json: synth will say what is wrong
    return isinstance(data, dict) and "app" in data
