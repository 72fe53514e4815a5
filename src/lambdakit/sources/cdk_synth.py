"""Run a CDK app into a cloud assembly, the way the CDK CLI runs it (`synth`).

This is the one place where lambdakit runs the user's code. Stages:

1. settings: ``cdk.json`` of the app folder gives the ``app`` command (and an optional ``build``
   command) and the ``output`` folder (else ``cdk.out``).
2. context: ``cdk.context.json``, then the ``context`` of cdk.json, then the caller's values,
   plus the metadata settings the CDK CLI adds unless cdk.json turns them off.
3. environment: ``CDK_OUTDIR``, ``CDK_CONTEXT_JSON`` (through a file when it is large),
   ``CDK_DEFAULT_REGION`` when the environment already says it (lambdakit never asks AWS), and
   PATH with the app's ``.venv`` and lambdakit's own virtual environment first.
4. run: the build command, then the app, through the shell in the app folder, output captured;
   a failure is a `CdkError` with the last lines of its stderr.
5. check: the app must have written the assembly's ``manifest.json`` afresh.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lambdakit.errors import CdkError
from lambdakit.sources.cdk_files import load_json

# Context the CDK CLI adds unless cdk.json turns it off (aws-cdk lib/api/cxapp/exec.ts).
_CLI_SETTINGS = (
    ("pathMetadata", "aws:cdk:enable-path-metadata"),
    ("assetMetadata", "aws:cdk:enable-asset-metadata"),
    ("versionReporting", "aws:cdk:version-reporting"),
)
_CONTEXT_ENV_LIMIT = 100_000
"""Bytes of context passed in CDK_CONTEXT_JSON; more goes through a file, as the CLI does."""
_STDERR_LINES = 20


def synth(
    app_dir: Path, *, out_dir: Path | None = None, context: Mapping[str, str] | None = None
) -> Path:
    """Run the CDK app of `app_dir` into a cloud assembly; return the assembly's folder.

    This is the one place where lambdakit runs the user's code. The ``app`` command of
    ``cdk.json`` runs through the shell in `app_dir`, as the CDK CLI runs it, with
    ``CDK_OUTDIR`` (`out_dir`, else ``output`` of cdk.json, else ``cdk.out``), ``CDK_CONTEXT_JSON``
    (``cdk.context.json``, then the ``context`` of cdk.json, then `context`, plus the metadata
    settings the CLI adds), and ``CDK_DEFAULT_REGION``/``CDK_DEFAULT_ACCOUNT`` when the
    environment already says them (lambdakit never asks AWS). A ``build`` command of cdk.json
    runs first. So that ``python3 app.py`` finds aws-cdk-lib, the app's own ``.venv`` and the
    virtual environment lambdakit runs in come first on PATH. Output is captured; a failure
    raises `CdkError` with the last lines of the app's stderr.
    """
    app_dir = app_dir.absolute()
    settings = _read_cdk_json(app_dir)
    app = _command(settings, "app", app_dir)
    out = (out_dir or app_dir / str(settings.get("output", "cdk.out"))).absolute()
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "manifest.json"
    before = manifest.stat().st_mtime_ns if manifest.exists() else None

    merged = _context(app_dir, settings, context or {})
    with tempfile.TemporaryDirectory(prefix="lambdakit-cdk-") as scratch:
        env = _app_environment(app_dir, out, merged, Path(scratch))
        if "build" in settings:
            _run(_command(settings, "build", app_dir), app_dir, env, what="build command")
        _run(app, app_dir, env, what="CDK app")

    if not manifest.exists() or manifest.stat().st_mtime_ns == before:
        raise CdkError(
            f"the CDK app `{app}` ran but wrote no cloud assembly to {out}",
            hint="does the app call `app.synth()` at the end?",
        )
    return out


def _read_cdk_json(app_dir: Path) -> dict[str, Any]:
    file = app_dir / "cdk.json"
    if not file.is_file():
        raise CdkError(
            f"{app_dir} is not a CDK app: it has no cdk.json",
            hint='a CDK app folder has a cdk.json like {"app": "python3 app.py"}',
        )
    return load_json(file, "CDK app configuration")


def _command(settings: Mapping[str, Any], key: str, app_dir: Path) -> str:
    value = settings.get(key)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return " ".join(value)  # the CLI joins an array with spaces too
    if isinstance(value, str) and value.strip():
        return value
    raise CdkError(
        f"{app_dir / 'cdk.json'}: `{key}` must be a command line, got {value!r}",
        hint='e.g. "app": "python3 app.py"',
    )


def _context(
    app_dir: Path, settings: Mapping[str, Any], overrides: Mapping[str, str]
) -> dict[str, Any]:
    """The context the app sees, merged in the CLI's order of precedence (last wins)."""
    merged: dict[str, Any] = {}
    cached = app_dir / "cdk.context.json"
    if cached.is_file():
        merged.update(load_json(cached, "CDK context cache"))
    if isinstance(settings.get("context"), dict):
        merged.update(settings["context"])
    merged.update(overrides)
    for setting, key in _CLI_SETTINGS:
        if settings.get(setting, True):
            merged[key] = True
    if settings.get("versionReporting", True) is False:
        merged["aws:cdk:disable-version-reporting"] = True
    if settings.get("staging", True) is False:
        merged["aws:cdk:disable-asset-staging"] = True
    merged["aws:cdk:bundling-stacks"] = settings.get("bundlingStacks", ["**"])
    return merged


def _app_environment(
    app_dir: Path, out: Path, context: Mapping[str, Any], scratch: Path
) -> dict[str, str]:
    env = dict(os.environ)
    env["CDK_OUTDIR"] = str(out)
    encoded = json.dumps(context)
    if len(encoded.encode()) <= _CONTEXT_ENV_LIMIT:
        env["CDK_CONTEXT_JSON"] = encoded
    else:
        overflow = scratch / "context-overflow.json"
        overflow.write_text(encoded, encoding="utf-8")
        env["CDK_CONTEXT_JSON"] = "{}"
        env["CONTEXT_OVERFLOW_LOCATION_ENV"] = str(overflow)
    region = env.get("CDK_DEFAULT_REGION") or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if region:
        env["CDK_DEFAULT_REGION"] = region
    env["PATH"] = os.pathsep.join([*_python_dirs(app_dir), env.get("PATH", "")])
    return env


def _python_dirs(app_dir: Path) -> list[str]:
    """Folders to put first on PATH so the app's ``python3`` is one that has aws-cdk-lib."""
    scripts = "Scripts" if os.name == "nt" else "bin"
    dirs = [app_dir / ".venv" / scripts]
    active = os.environ.get("VIRTUAL_ENV")
    if active:
        dirs.append(Path(active) / scripts)
    elif sys.prefix != sys.base_prefix:  # lambdakit runs in a venv that is not activated
        dirs.append(Path(sys.executable).parent)
    return [str(d) for d in dirs if d.is_dir()]


def _run(command: str, app_dir: Path, env: Mapping[str, str], *, what: str) -> None:
    try:
        result = subprocess.run(
            command,  # a command line from cdk.json, for the shell, as the CDK CLI runs it
            shell=True,
            cwd=app_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
        )
    except OSError as error:
        raise CdkError(f"cannot run the {what} `{command}` in {app_dir}: {error}") from None
    if result.returncode != 0:
        raise CdkError(
            f"the {what} `{command}` failed in {app_dir} (exit code {result.returncode}):\n"
            + _tail(result.stderr or result.stdout),
            hint=_failure_hint(command, result.returncode, app_dir),
        )


def _tail(output: bytes) -> str:
    lines = output.decode(errors="replace").rstrip().splitlines()
    return "\n".join(lines[-_STDERR_LINES:]) or "(no output)"


def _failure_hint(command: str, returncode: int, app_dir: Path) -> str:
    if returncode == 127:
        return (
            f"the shell did not find `{command.split(maxsplit=1)[0]}`: is it installed and on PATH?"
        )
    return (
        f"run `{command}` in {app_dir} to see all of its output; a Python CDK app needs "
        "aws-cdk-lib installed in the Python that runs it, and Node.js on PATH"
    )
