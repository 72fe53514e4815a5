"""Turn the model's symbolic values (`Ref`, `GetAtt`, `Join`) into the local cloud's strings.

Pure: `resolve` looks each reference up in the `PhysicalResource` records of the emulated
resources. A reference to a resource listed in `not_emulated` (a state machine, an alarm...),
and an `Unresolved` expression that only CloudFormation can evaluate, are left in their rendered
form (``!Ref OrderWorkflow``), so the function still starts and shows what it was given. Any
other reference, or an attribute the resource type does not have, is an
`UnresolvedReferenceError` naming it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping

from lambdakit.errors import UnresolvedReferenceError
from lambdakit.local.physical_names import PhysicalResource
from lambdakit.model import GetAtt, Join, Ref, Unresolved, Value, render_value


def resolve(
    value: Value,
    physical: Mapping[str, PhysicalResource],
    *,
    not_emulated: Collection[str] = (),
) -> str:
    """`value` as the string the local cloud gives it (lists and objects as JSON)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | dict):
        return json.dumps(_resolved_document(value, physical, not_emulated))
    return _symbol(value, physical, not_emulated)


def _symbol(
    value: Ref | GetAtt | Join | Unresolved,
    physical: Mapping[str, PhysicalResource],
    not_emulated: Collection[str],
) -> str:
    if isinstance(value, Join):
        return "".join(resolve(part, physical, not_emulated=not_emulated) for part in value.parts)
    if isinstance(value, Unresolved):
        return render_value(value)
    record = physical.get(value.logical_id)
    if record is None:
        if value.logical_id in not_emulated:
            return render_value(value)
        known = ", ".join(sorted(physical)) or "none"
        raise UnresolvedReferenceError(
            f"{render_value(value)}: the local cloud has no resource {value.logical_id!r}",
            hint=f"resources emulated locally: {known}",
        )
    if isinstance(value, Ref):
        return record.ref
    attribute = record.attributes.get(value.attribute)
    if attribute is None:
        known = ", ".join(sorted(record.attributes)) or "none"
        raise UnresolvedReferenceError(
            f"{render_value(value)}: {value.logical_id} has no attribute {value.attribute!r}"
            " locally",
            hint=f"attributes of {value.logical_id}: {known}",
        )
    return attribute


def _resolved_document(
    value: Value, physical: Mapping[str, PhysicalResource], not_emulated: Collection[str]
) -> object:
    if isinstance(value, list):
        return [_resolved_document(v, physical, not_emulated) for v in value]
    if isinstance(value, dict):
        return {k: _resolved_document(v, physical, not_emulated) for k, v in value.items()}
    if isinstance(value, Ref | GetAtt | Join | Unresolved):
        return _symbol(value, physical, not_emulated)
    return value
