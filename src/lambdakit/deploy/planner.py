"""The deploy planner (pure): the app, its build and the user's choices → a `DeployPlan`.

Stages:

1. stack: the app's one stack, or the one named `stack_name` (a CDK app may have several).
2. template: the stack's template as written (SAM stays SAM: `TransformMode.SERVICE`), or, for
   `TransformMode.LOCAL`, the template the caller expanded with aws-sam-translator.
3. code: each function and layer with local code (a folder, a zip, a CDK asset) must have a
   build artifact; its object key is the artifact's content hash (`assets`). Inline code and
   code already in S3 pass through; code lambdakit cannot build and that is not in S3 is an error.
4. rewrite (`template_rewrite`): the code locations point at the assets bucket; lambdakit's
   automatic layers are added; the CDK bootstrap check goes.
5. parameters (template defaults, then the user's overrides; unknown names are errors),
   capabilities (IAM, named IAM, auto-expand), deployment notes (aliases, CodeDeploy), notes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from lambdakit.deploy.assets import asset_key, distinct_assets, needs_template_url
from lambdakit.deploy.instructions import (
    TEMPLATE_BODY_LIMIT,
    DeploymentNote,
    DeployPlan,
    TransformMode,
    assets_bucket_name,
)
from lambdakit.deploy.template_rewrite import (
    SAM_FUNCTION,
    is_sam,
    rewrite_template,
    template_json,
    transforms,
)
from lambdakit.errors import DeployError
from lambdakit.model import (
    App,
    AssetCode,
    Function,
    ImageCode,
    Layer,
    LocalCode,
    Ref,
    Stack,
    Unresolved,
    Value,
    render_value,
)
from lambdakit.packaging.manifest import Artifact

_NAMED_IAM = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
}
_SAM_ROLE_MAKERS = (SAM_FUNCTION, "AWS::Serverless::StateMachine")
_NESTED = ("AWS::CloudFormation::Stack", "AWS::Serverless::Application")


SamTransform = Callable[[Mapping[str, Any]], Mapping[str, Any]]
"""Expands a SAM template into CloudFormation (the caller's aws-sam-translator run)."""


def plan_deploy(
    app: App,
    artifacts: Iterable[Artifact],
    *,
    stack_name: str,
    region: str,
    account: str,
    parameters: Mapping[str, str] | None = None,
    transform: TransformMode = TransformMode.SERVICE,
    transformed_template: Mapping[str, Any] | None = None,
    sam_transform: SamTransform | None = None,
) -> DeployPlan:
    """Everything deploying `app` as `stack_name` will do (see the module's stages).

    For `TransformMode.LOCAL` give either `sam_transform` (preferred: it expands the SAM
    template *after* its code was pointed at the assets, so SAM's content-hashed ids, such as
    ``AutoPublishAlias`` versions, change when the code does) or `transformed_template` (the
    template already expanded; its code locations are rewritten by logical id).
    """
    stack = select_stack(app, stack_name)
    bucket = assets_bucket_name(account, region)
    functions = [f for f in app.functions if f.stack == stack.name]
    units: list[Function | Layer] = [*functions, *(x for x in app.layers if x.stack == stack.name)]
    built = _ArtifactIndex(artifacts)
    uploads = _uploads(units, built)
    shared, uses = _shared_layers(functions, units, built)
    assets = distinct_assets([*(a for _, a in uploads), *shared.values()])
    shared_keys = {lid: asset_key(a.sha256) for lid, a in shared.items()}

    notes: list[str] = []
    template: Mapping[str, Any] = stack.template
    if transform is TransformMode.LOCAL and is_sam(template):
        if sam_transform is not None:
            first = rewrite_template(
                template,
                bucket=bucket,
                keys=_keys(uploads, as_written=True),
                shared_layers=shared_keys,
                layer_uses=_uses(uses, as_written=True),
            )
            template, shared_keys, uses = sam_transform(first.template), {}, []
        elif transformed_template is not None:
            template = transformed_template
        else:
            raise DeployError(
                f"stack {stack.name}: the SAM transform is to run locally, but the planner was "
                "given neither the transform nor the expanded template"
            )
        notes.append(
            "the SAM transform ran locally (aws-sam-translator): CloudFormation gets the "
            "expanded template"
        )
    as_written = is_sam(template)  # the model names SAM resources by their SAM logical ids
    rewrite = rewrite_template(
        template,
        bucket=bucket,
        keys=_keys(uploads, as_written=as_written),
        shared_layers=shared_keys,
        layer_uses=_uses(uses, as_written=as_written),
    )
    body = template_json(rewrite.template)
    _check_all_pointed(stack, uploads, body)
    notes.extend(rewrite.notes)
    if needs_template_url(body):
        notes.append(
            f"the template is {len(body.encode()):,} bytes, over CloudFormation's "
            f"{TEMPLATE_BODY_LIMIT:,}-byte TemplateBody limit: it goes by TemplateURL "
            "from the assets bucket"
        )
    return DeployPlan(
        stack_name=stack_name,
        region=region,
        account=account,
        assets_bucket=bucket,
        assets=assets,
        template_body=body,
        parameters=resolve_parameters(rewrite.template, parameters or {}),
        capabilities=capabilities(rewrite.template),
        transform=transform,
        deployments=deployment_notes(functions),
        notes=tuple(notes),
    )


def select_stack(app: App, stack_name: str) -> Stack:
    """The app's only stack, else the one called `stack_name`."""
    if len(app.stacks) == 1:
        return app.stacks[0]
    for stack in app.stacks:
        if stack.name == stack_name:
            return stack
    names = ", ".join(s.name for s in app.stacks) or "none"
    raise DeployError(
        f"the app has {len(app.stacks)} stacks ({names}) and none is called {stack_name!r}",
        hint="deploy one stack at a time: pass --stack-name with one of them",
    )


# --------------------------------------------------------------------------- code


_Upload = tuple[Function | Layer, Artifact]
_LayerUse = tuple[Function, list[str]]


class _ArtifactIndex:
    def __init__(self, artifacts: Iterable[Artifact]) -> None:
        self.by_kind: dict[tuple[str, str], Artifact] = {(a.kind, a.id): a for a in artifacts}

    def get(self, kind: str, ident: str) -> Artifact | None:
        return self.by_kind.get((kind, ident))


def _artifact_for(
    unit: Function | Layer, built: _ArtifactIndex, missing: list[str]
) -> Artifact | None:
    """The artifact to upload for `unit`, None when its code passes through as written."""
    kind = "function" if isinstance(unit, Function) else "layer"
    code = unit.code
    if isinstance(code, LocalCode | AssetCode):
        artifact = built.get(kind, unit.id)
        if artifact is None:
            why = unit.not_runnable_reason if isinstance(unit, Function) else None
            missing.append(
                f"{kind} {unit.id} ({code.describe()}) was not built" + (f": {why}" if why else "")
            )
        return artifact
    image = code.image_uri if isinstance(code, ImageCode) else None
    if isinstance(image, Unresolved) and image.expression is None:
        missing.append(
            f"{kind} {unit.id} has no image URI ({image.reason}); lambdakit does "
            "not build images: set ImageUri"
        )
    return None  # inline, already in S3, or an image in a registry


def _uploads(units: Sequence[Function | Layer], built: _ArtifactIndex) -> list[_Upload]:
    """Each unit whose code is uploaded, with its artifact; errors for code that cannot be."""
    uploads: list[_Upload] = []
    missing: list[str] = []
    for unit in units:
        artifact = _artifact_for(unit, built, missing)
        if artifact is not None:
            uploads.append((unit, artifact))
    if missing:
        raise DeployError(
            "cannot deploy: " + "; ".join(missing),
            hint="run `lambdakit build` first; lambdakit builds Python zip functions and layers",
        )
    return uploads


def _template_id(unit: Function | Layer, *, as_written: bool) -> str:
    """The unit's logical id in the template being rewritten (SAM as written, or expanded)."""
    return unit.origin.name if as_written else unit.logical_id


def _keys(uploads: Sequence[_Upload], *, as_written: bool) -> dict[str, str]:
    return {_template_id(u, as_written=as_written): asset_key(a.sha256) for u, a in uploads}


def _uses(uses: Sequence[_LayerUse], *, as_written: bool) -> dict[str, list[str]]:
    return {_template_id(fn, as_written=as_written): ids for fn, ids in uses}


def _check_all_pointed(stack: Stack, uploads: Sequence[_Upload], body: str) -> None:
    lost = [unit.id for unit, artifact in uploads if asset_key(artifact.sha256) not in body]
    if lost:
        raise DeployError(
            f"stack {stack.name}: the template has no code to point at the upload for "
            + ", ".join(lost),
            hint="this is a lambdakit bug if the template was not changed since it was read",
        )


def _shared_layers(
    functions: Sequence[Function], units: Sequence[Function | Layer], built: _ArtifactIndex
) -> tuple[dict[str, Artifact], list[_LayerUse]]:
    """lambdakit's automatic layers (artifacts of layers the app does not define): logical id
    -> artifact, and the functions that use them."""
    defined = {u.id for u in units if isinstance(u, Layer)}
    shared: dict[str, Artifact] = {}
    uses: list[_LayerUse] = []
    for fn in functions:
        artifact = built.get("function", fn.id)
        if artifact is None or not isinstance(fn.code, LocalCode | AssetCode):
            continue
        ids = []
        for layer_id in artifact.layers:
            layer = built.get("layer", layer_id)
            if layer_id in defined or layer is None:
                continue
            logical_id = "LambdakitLayer" + re.sub(r"[^A-Za-z0-9]", "", layer_id.title())
            shared[logical_id] = layer
            ids.append(logical_id)
        if ids:
            uses.append((fn, ids))
    return shared, uses


# --------------------------------------------------------------------------- parameters


def resolve_parameters(template: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, str]:
    """Every parameter's value: the user's override, else the template's default."""
    declared = template.get("Parameters")
    declared = declared if isinstance(declared, Mapping) else {}
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise DeployError(
            "unknown parameter" + ("s " if len(unknown) > 1 else " ") + ", ".join(unknown),
            hint="the template's parameters: " + (", ".join(declared) or "none"),
        )
    values: dict[str, str] = {}
    missing = []
    for name, spec in declared.items():
        if name in overrides:
            values[name] = overrides[name]
        elif isinstance(spec, Mapping) and "Default" in spec:
            values[name] = _parameter_text(spec["Default"])
        else:
            missing.append(name)
    if missing:
        raise DeployError(
            "no value for parameter" + ("s " if len(missing) > 1 else " ") + ", ".join(missing),
            hint="pass --parameter-overrides " + " ".join(f"{m}=VALUE" for m in missing),
        )
    return values


def _parameter_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_parameter_text(v) for v in value)
    return str(value)


# --------------------------------------------------------------------------- capabilities


def capabilities(template: Mapping[str, Any]) -> tuple[str, ...]:
    """What CreateChangeSet must acknowledge for this template."""
    resources = template.get("Resources")
    resources = resources if isinstance(resources, Mapping) else {}
    globals_role = _globals_function(template).get("Role")
    iam = named = False
    expand = bool(transforms(template))
    for resource in resources.values():
        if not isinstance(resource, Mapping):
            continue
        kind = str(resource.get("Type", ""))
        props = resource.get("Properties")
        props = props if isinstance(props, Mapping) else {}
        if kind.startswith("AWS::IAM::"):
            iam = True
            named = named or _NAMED_IAM.get(kind, "") in props
        elif kind in _SAM_ROLE_MAKERS and (
            props.get("Role", globals_role) is None or "DeploymentPreference" in props
        ):
            iam = True  # SAM makes the function's role (and CodeDeploy's)
        elif kind == "AWS::Serverless::Connector":
            iam = True
        elif kind in _NESTED:
            expand = True
    expand = expand or '"Fn::Transform"' in template_json(template)
    found = []
    if named:
        found.append("CAPABILITY_NAMED_IAM")
    elif iam:
        found.append("CAPABILITY_IAM")
    if expand:
        found.append("CAPABILITY_AUTO_EXPAND")
    return tuple(found)


def _globals_function(template: Mapping[str, Any]) -> Mapping[str, Any]:
    section = template.get("Globals")
    function = section.get("Function") if isinstance(section, Mapping) else None
    return function if isinstance(function, Mapping) else {}


# --------------------------------------------------------------------------- deployments


def deployment_notes(functions: Iterable[Function]) -> tuple[DeploymentNote, ...]:
    """Aliases and CodeDeploy settings that pass through to CloudFormation (FIDELITY 5.6-5.9)."""
    notes = []
    for fn in functions:
        preference = fn.deployment_preference
        if fn.auto_publish_alias is None and preference is None:
            continue
        if preference is not None and fn.auto_publish_alias is None:
            raise DeployError(
                f"function {fn.id}: 'DeploymentPreference' requires AutoPublishAlias property "
                "to be specified.",
                hint="set AutoPublishAlias (e.g. live) on the function",
            )
        preference = preference or {}
        alarms = preference.get("Alarms")
        hooks = preference.get("Hooks")
        notes.append(
            DeploymentNote(
                function=fn.id,
                alias=fn.auto_publish_alias,
                deployment_preference=(
                    _name(preference["Type"]) if preference.get("Type") is not None else None
                ),
                alarms=tuple(_name(a) for a in alarms) if isinstance(alarms, list) else (),
                hooks=(
                    tuple(f"{k}: {_name(v)}" for k, v in hooks.items())
                    if isinstance(hooks, dict)
                    else ()
                ),
            )
        )
    return tuple(notes)


def _name(value: Value) -> str:
    return value.logical_id if isinstance(value, Ref) else render_value(value)
