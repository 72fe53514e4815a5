"""A stack after intrinsic resolution: the one input every extractor reads.

Stage 1 (cloudformation.py) resolves each resource's Properties through the intrinsics resolver:
parameters, pseudo parameters, mappings, conditions and string functions are evaluated; a
reference to another resource stays symbolic (`Ref`, `GetAtt`, `Join`). Resources whose
Condition is false are dropped. Stage 2, the extractors (functions, routes, events, resources),
read this `ResolvedStack` and return model objects; they never see raw template text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambdakit.model import Code, GetAtt, Join, Origin, Ref, SourceKind, Value

# A function reached through an ARN string: arn:aws:lambda:region:acct:function:name[:qualifier]
_FUNCTION_ARN = re.compile(r"^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:/]+)(?::[^:/]+)?$")


@dataclass(frozen=True)
class ResolvedResource:
    """One resource with its properties resolved to model `Value`s."""

    logical_id: str
    type: str
    properties: Mapping[str, Value]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    condition: str | None = None
    depends_on: tuple[str, ...] = ()
    update_policy: Mapping[str, Value] = field(default_factory=dict)
    """The resolved ``UpdatePolicy`` (e.g. ``CodeDeployLambdaAliasUpdate`` on SAM aliases)."""
    deletion_policy: str | None = None

    def prop(self, *path: str, default: Value = None) -> Value:
        """The property at `path` (``prop("Code", "S3Key")``), or `default` when absent."""
        node: Value = dict(self.properties)
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return default
            node = node[key]
        return node


@dataclass(frozen=True, kw_only=True)
class StackContext:
    """What extractors need to know about the stack besides its resources."""

    stack: str
    file: Path
    """The template file, for messages."""
    base_dir: Path
    """Relative code paths (``CodeUri: src/``) are relative to this folder."""
    source: SourceKind
    region: str = "us-east-1"
    account: str = "123456789012"
    origins: Mapping[str, str] = field(default_factory=dict)
    """Logical id -> what the user wrote (SAM logical id, CDK construct path)."""
    code_overrides: Mapping[str, Code] = field(default_factory=dict)
    """Logical id -> code location known to the source (SAM local CodeUri, CDK asset)."""
    function_ids: Mapping[str, str] = field(default_factory=dict)
    """Function logical id -> `Function.id` (differs when the app has several stacks)."""
    project_root: Path | None = None
    """Folder holding the central ``pyproject.toml``, when there is one."""

    def origin(self, logical_id: str) -> Origin:
        return Origin(file=self.file, name=self.origins.get(logical_id, logical_id))

    def function_id(self, logical_id: str) -> str:
        return self.function_ids.get(logical_id, logical_id)


@dataclass(frozen=True)
class ResolvedStack:
    """All resources of one stack, resolved, in template order."""

    context: StackContext
    resources: Mapping[str, ResolvedResource]

    def of_type(self, *types: str) -> Iterator[ResolvedResource]:
        return (r for r in self.resources.values() if r.type in types)

    def get(self, logical_id: str | None) -> ResolvedResource | None:
        return self.resources.get(logical_id) if logical_id else None

    def referenced(self, value: Value) -> str | None:
        """The logical id `value` points at (``!Ref X``, ``!GetAtt X.Arn``), if it is ours."""
        if isinstance(value, Ref | GetAtt) and value.logical_id in self.resources:
            return value.logical_id
        if isinstance(value, Join):
            symbols = [p for p in value.parts if isinstance(p, Ref | GetAtt)]
            if len(symbols) == 1:
                return self.referenced(symbols[0])
        return None

    def target_function(self, value: Value) -> str | None:
        """The logical id of the app's function that `value` invokes, following aliases/versions.

        Accepts ``!Ref Fn``, ``!GetAtt Fn.Arn``, ``!Ref FnAliaslive``, ``!Ref FnVersion1234``,
        a ``Join``/``Sub`` ARN built from one of those, and a literal ARN or name of a function
        whose ``FunctionName`` is set in the template.
        """
        seen: set[str] = set()
        logical = self.referenced(value)
        while logical and logical not in seen:
            seen.add(logical)
            res = self.resources[logical]
            if res.type in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
                return logical
            if res.type in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
                logical = self.referenced(res.prop("FunctionName"))
                continue
            return None
        if isinstance(value, str):
            match = _FUNCTION_ARN.match(value)
            name = match[1] if match else value
            for res in self.of_type("AWS::Lambda::Function"):
                if res.prop("FunctionName") == name:
                    return res.logical_id
        return None
