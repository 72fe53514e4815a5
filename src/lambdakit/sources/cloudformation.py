"""A CloudFormation template (plain, or SAM after its transform) -> the model's parts of one stack.

Stages:
1. check the template's shape (a `Resources` mapping, each with a `Type`);
2. read parameters (overrides, defaults) and resolve every resource's `Properties`,
   `UpdatePolicy` and each output through the intrinsics `Resolver`; drop resources whose
   `Condition` is false;
3. check references: `DependsOn` targets exist, no resources refer to each other in a cycle;
4. run the extractors over the `ResolvedStack`: functions, layers, routes, event sources,
   resources.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lambdakit.errors import CircularReferenceError, TemplateError, UndefinedReferenceError
from lambdakit.model import (
    EventSource,
    Function,
    Layer,
    Output,
    Resource,
    Route,
    RuleTarget,
    Stack,
    referenced_ids,
)
from lambdakit.sources.cfn_events import extract_events
from lambdakit.sources.cfn_functions import extract_functions, extract_layers
from lambdakit.sources.cfn_resources import extract_resources
from lambdakit.sources.cfn_routes import extract_routes
from lambdakit.sources.cfn_rule_targets import extract_rule_targets
from lambdakit.sources.intrinsics import Pseudo, Resolver, read_parameters
from lambdakit.sources.resolved import ResolvedResource, ResolvedStack, StackContext


@dataclass(frozen=True)
class StackParts:
    """What one stack contributes to the app."""

    stack: Stack
    functions: tuple[Function, ...]
    layers: tuple[Layer, ...]
    routes: tuple[Route, ...]
    event_sources: tuple[EventSource, ...]
    resources: tuple[Resource, ...]
    rule_targets: tuple[RuleTarget, ...] = ()


def function_logical_ids(template: Mapping[str, Any]) -> list[str]:
    """Logical ids of the Lambda functions a (translated) template declares."""
    resources = template.get("Resources")
    if not isinstance(resources, dict):
        return []
    return [
        logical_id
        for logical_id, res in resources.items()
        if isinstance(res, dict) and res.get("Type") == "AWS::Lambda::Function"
    ]


def read_stack(
    template: Mapping[str, Any],
    *,
    context: StackContext,
    original: Mapping[str, Any] | None = None,
    parameter_overrides: Mapping[str, str] | None = None,
) -> StackParts:
    """Read one stack. `original` is the template as written (SAM before its transform)."""
    _check_shape(template, context)
    parameters = read_parameters(
        template.get("Parameters") or {}, parameter_overrides or {}, context.file
    )
    resolver = Resolver(
        template,
        file=context.file,
        pseudo=Pseudo(region=context.region, account=context.account, stack_name=context.stack),
        parameters=parameters,
    )
    resolved = ResolvedStack(context, _resolve_resources(template, resolver, context))
    _check_cycles(resolved)
    stack = Stack(
        name=context.stack,
        template_file=context.file,
        source=context.source,
        template=original if original is not None else template,
        parameters=tuple(parameters.values()),
        outputs=_outputs(template, resolver),
        region=context.region,
        account=context.account,
    )
    return StackParts(
        stack=stack,
        functions=extract_functions(resolved),
        layers=extract_layers(resolved),
        routes=extract_routes(resolved),
        event_sources=extract_events(resolved),
        resources=extract_resources(resolved),
        rule_targets=extract_rule_targets(resolved),
    )


def _check_shape(template: Mapping[str, Any], context: StackContext) -> None:
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise TemplateError(
            f"{context.file}: the template has no Resources",
            hint="a CloudFormation template needs a Resources section with at least one resource",
        )
    for logical_id, res in resources.items():
        name = context.origins.get(logical_id, logical_id)
        if not isinstance(res, dict) or not isinstance(res.get("Type"), str):
            raise TemplateError(f"{context.file}: resource {name} has no Type")
        props = res.get("Properties", {})
        if props is not None and not isinstance(props, dict):
            raise TemplateError(f"{context.file}: resource {name}: Properties must be a mapping")


def _resolve_resources(
    template: Mapping[str, Any], resolver: Resolver, context: StackContext
) -> dict[str, ResolvedResource]:
    declared: Mapping[str, Any] = template["Resources"]
    out: dict[str, ResolvedResource] = {}
    for logical_id, res in declared.items():
        where = f"resource {context.origins.get(logical_id, logical_id)}"
        condition = res.get("Condition")
        if condition is not None:
            if not isinstance(condition, str):
                raise TemplateError(f"{context.file}: {where}: Condition must be a name")
            if not resolver.condition(condition, where):
                continue
        properties = resolver.resolve(res.get("Properties") or {}, f"{where}.Properties")
        update_policy = resolver.resolve(res.get("UpdatePolicy") or {}, f"{where}.UpdatePolicy")
        metadata = res.get("Metadata")
        out[logical_id] = ResolvedResource(
            logical_id=logical_id,
            type=res["Type"],
            properties=properties if isinstance(properties, dict) else {},
            metadata=metadata if isinstance(metadata, dict) else {},
            condition=condition,
            depends_on=_depends_on(res.get("DependsOn"), declared, context, where),
            update_policy=update_policy if isinstance(update_policy, dict) else {},
            deletion_policy=res.get("DeletionPolicy")
            if isinstance(res.get("DeletionPolicy"), str)
            else None,
        )
    return out


def _depends_on(
    value: Any, declared: Mapping[str, Any], context: StackContext, where: str
) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    for name in names:
        if name not in declared:
            raise UndefinedReferenceError(
                f"{context.file}: {where}: DependsOn names {name!r}, which the template does not "
                "declare"
            )
    return tuple(str(n) for n in names)


def _check_cycles(stack: ResolvedStack) -> None:
    """CloudFormation rejects resources that depend on each other in a cycle; so do we."""
    edges = {
        logical_id: sorted(
            (referenced_ids(dict(res.properties)) | set(res.depends_on)) & set(stack.resources)
        )
        for logical_id, res in stack.resources.items()
    }
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in edges[node]:
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                names = " -> ".join(stack.context.origins.get(n, n) for n in cycle)
                raise CircularReferenceError(
                    f"{stack.context.file}: resources refer to each other in a cycle: {names}",
                    hint="CloudFormation cannot create them; break the cycle (e.g. build an ARN "
                    "with Fn::Sub from a fixed name instead of Ref/GetAtt)",
                )
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in edges:
        if node not in state:
            visit(node)


def _outputs(template: Mapping[str, Any], resolver: Resolver) -> tuple[Output, ...]:
    declared = template.get("Outputs") or {}
    if not isinstance(declared, dict):
        raise TemplateError(f"{resolver.file}: Outputs must be a mapping")
    outputs: list[Output] = []
    for name, spec in declared.items():
        if not isinstance(spec, dict) or "Value" not in spec:
            raise TemplateError(f"{resolver.file}: output {name} needs a Value")
        condition = spec.get("Condition")
        where = f"output {name}"
        if isinstance(condition, str) and not resolver.condition(condition, where):
            continue
        export = spec.get("Export")
        outputs.append(
            Output(
                name=str(name),
                value=resolver.resolve(spec["Value"], f"{where}.Value"),
                description=spec.get("Description"),
                export_name=resolver.resolve(export.get("Name"), f"{where}.Export.Name")
                if isinstance(export, dict)
                else None,
                condition=condition if isinstance(condition, str) else None,
            )
        )
    return tuple(outputs)
