"""The app model as plain JSON data: the documented, stable shape of ``lambdakit inspect --json``.

Field names are the model's, in camelCase. Paths are relative to the app's root when inside it.
Values known only after deployment appear in CloudFormation's own JSON form (``{"Ref": "Table"}``,
``{"Fn::GetAtt": ["Queue", "Arn"]}``, ``{"Fn::Join": ["", [...]]}``); an `Unresolved` expression
appears as ``{"unresolved": <expression>, "reason": "..."}``.
"""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path
from typing import Any

from lambdakit.model import (
    App,
    AssetCode,
    EventSource,
    Function,
    GetAtt,
    ImageCode,
    InlineCode,
    Join,
    LocalCode,
    Origin,
    Ref,
    Resource,
    S3Code,
    Stack,
    Unresolved,
)

SCHEMA = "lambdakit.inspect/1"

_CODE_KINDS: dict[type, str] = {
    LocalCode: "local",
    AssetCode: "cdk-asset",
    InlineCode: "inline",
    S3Code: "s3",
    ImageCode: "image",
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class _Encoder:
    def __init__(self, root: Path) -> None:
        self.root = root

    def value(self, obj: Any) -> Any:  # noqa: PLR0911 - one branch per kind of value
        if isinstance(obj, Ref):
            return {"Ref": obj.logical_id}
        if isinstance(obj, GetAtt):
            return {"Fn::GetAtt": [obj.logical_id, obj.attribute]}
        if isinstance(obj, Join):
            return {"Fn::Join": ["", [self.value(p) for p in obj.parts]]}
        if isinstance(obj, Unresolved):
            return {"unresolved": obj.expression, "reason": obj.reason}
        if isinstance(obj, Path):
            return self.path(obj)
        if isinstance(obj, enum.Enum):
            return obj.value
        if isinstance(obj, Origin):
            return {"file": self.path(obj.file), "name": obj.name}
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return self.record(obj)
        if isinstance(obj, dict):
            return {str(k): self.value(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.value(v) for v in obj]
        return obj

    def path(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def record(self, obj: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if type(obj) in _CODE_KINDS:
            out["kind"] = _CODE_KINDS[type(obj)]
        for f in dataclasses.fields(obj):
            if f.name not in skip:
                out[_camel(f.name)] = self.value(getattr(obj, f.name))
        return out


def describe_app(app: App) -> dict[str, Any]:
    """The JSON-ready description of `app` (see the module docstring for the conventions)."""
    enc = _Encoder(app.root)
    return {
        "schema": SCHEMA,
        "app": {"name": app.name, "source": app.source.value, "root": str(app.root)},
        "stacks": [_stack(enc, s) for s in app.stacks],
        "functions": [_function(enc, f) for f in app.functions],
        "layers": [enc.record(layer) for layer in app.layers],
        "routes": [enc.record(r) for r in app.routes],
        "eventSources": [_event(enc, e) for e in app.event_sources],
        "resources": [_resource(enc, r) for r in app.resources],
        "warnings": list(app.warnings),
    }


def _stack(enc: _Encoder, stack: Stack) -> dict[str, Any]:
    return enc.record(stack, skip=("template",))


def _function(enc: _Encoder, fn: Function) -> dict[str, Any]:
    out = enc.record(fn)
    out["runnable"] = fn.runnable
    out["notRunnableReason"] = fn.not_runnable_reason
    return out


def _event(enc: _Encoder, event: EventSource) -> dict[str, Any]:
    return {"kind": event.kind.value, **enc.record(event)}


def _resource(enc: _Encoder, res: Resource) -> dict[str, Any]:
    return {"kind": res.kind.value, "emulated": res.emulated, **enc.record(res)}
