"""The app and its stacks: parameters, outputs, and look-ups of functions, layers, resources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambdakit.errors import NotFoundError
from lambdakit.model.events import EventSource, RuleTarget
from lambdakit.model.functions import Function, Layer
from lambdakit.model.http import Route
from lambdakit.model.origin import SourceKind
from lambdakit.model.resources import Resource
from lambdakit.model.values import Value


@dataclass(frozen=True)
class Parameter:
    """A template parameter and the value lambdakit used."""

    name: str
    type: str
    default: Value = None
    value: Value = None
    """Override, else default; `Unresolved` when neither exists (CloudFormation will ask)."""
    description: str | None = None
    no_echo: bool = False


@dataclass(frozen=True)
class Output:
    name: str
    value: Value
    description: str | None = None
    export_name: Value = None
    condition: str | None = None


@dataclass(frozen=True, kw_only=True)
class Stack:
    """One CloudFormation stack of the app (SAM and plain templates have one; CDK may have many)."""

    name: str
    template_file: Path
    source: SourceKind
    template: Mapping[str, Any]
    """The template as the user wrote it (SAM stays SAM), after YAML loading; for deploy."""
    parameters: tuple[Parameter, ...] = ()
    outputs: tuple[Output, ...] = ()
    region: str = "us-east-1"
    account: str = "123456789012"
    assets: Mapping[str, Path] = field(default_factory=dict)
    """CDK: asset hash -> staged path in the cloud assembly."""


@dataclass(frozen=True, kw_only=True)
class App:
    """Everything lambdakit knows about an app."""

    name: str
    root: Path
    """The app's folder (the template's, or the CDK app's): paths are shown relative to it."""
    source: SourceKind
    stacks: tuple[Stack, ...]
    functions: tuple[Function, ...] = ()
    layers: tuple[Layer, ...] = ()
    routes: tuple[Route, ...] = ()
    event_sources: tuple[EventSource, ...] = ()
    rule_targets: tuple[RuleTarget, ...] = ()
    """Queue and topic targets of EventBridge rules (function targets are `event_sources`)."""
    resources: tuple[Resource, ...] = ()
    warnings: tuple[str, ...] = ()
    """Things the user should know that do not stop lambdakit (ignored features, guesses)."""
    project_root: Path | None = None
    """The folder of the project's ``pyproject.toml`` (or ``lambdakit.toml``), when there is one."""
    config: Mapping[str, Any] = field(default_factory=dict)
    """The project's ``[tool.lambdakit]`` table (or ``lambdakit.toml``), as written."""

    def function(self, ident: str) -> Function:
        """The function with this id, logical id, physical name or origin name."""
        for fn in self.functions:
            if ident in (fn.id, fn.logical_id, fn.origin.name) or fn.name == ident:
                return fn
        known = ", ".join(fn.id for fn in self.functions) or "none"
        raise NotFoundError(
            f"the app has no function {ident!r}",
            hint=f"functions in this app: {known}",
        )

    def layer(self, ident: str) -> Layer:
        for layer in self.layers:
            if ident in (layer.id, layer.logical_id, layer.origin.name):
                return layer
        raise NotFoundError(f"the app has no layer {ident!r}")

    def resource(self, logical_id: str, stack: str | None = None) -> Resource:
        for res in self.resources:
            if res.logical_id == logical_id and (stack is None or res.stack == stack):
                return res
        raise NotFoundError(f"the app has no resource {logical_id!r}")

    @property
    def outputs(self) -> tuple[Output, ...]:
        return tuple(o for s in self.stacks for o in s.outputs)

    @property
    def not_emulated(self) -> tuple[Resource, ...]:
        return tuple(r for r in self.resources if not r.emulated)
