"""Which resource or function a `LocalCloud` key names when it is a CDK construct path.

CDK hashes its logical ids (``WorkerQueue9380F652``); users think in construct paths. A resource or
function of a CDK stack may be named by its construct path (the model's ``origin.name``), with or
without the stack's id in front and without the trailing ``/Resource``: ``Worker/Queue``,
``CounterStack/Worker/Queue`` and ``CounterStack/Worker/Queue/Resource`` name the same queue.
Inside a CDK stage the path starts with the stage (``Prod/CounterStack/Worker/Queue``); only the
first segment may be left off. SAM and CloudFormation stacks have no construct paths: their ids
are the logical ids already.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from lambdakit.model.origin import SourceKind

if TYPE_CHECKING:
    from lambdakit.model.app import App

RESOURCE_SUFFIX = "/Resource"
"""CDK's id of the CloudFormation resource inside an L2 construct; paths are shown without it."""

CLOSE_MATCHES = 5


def construct_keys(app: App, ids: Collection[str] | None = None) -> dict[str, dict[str, str]]:
    """Each way a construct path of `app` may be written -> {id it names: its full path}.

    The ids are resource logical ids and function ids (as `LocalCloud` takes them); with `ids`,
    only those (e.g. the emulated resources and the functions) get keys.
    """
    cdk_stacks = {stack.name for stack in app.stacks if stack.source is SourceKind.CDK}
    named = [(r.logical_id, r.stack, r.origin.name) for r in app.resources]
    named += [(f.id, f.stack, f.origin.name) for f in app.functions]
    keys: dict[str, dict[str, str]] = {}
    for ident, stack, origin_name in named:
        if stack not in cdk_stacks or (ids is not None and ident not in ids):
            continue
        path = origin_name.removesuffix(RESOURCE_SUFFIX)
        forms = [path]
        if "/" in path:
            forms.append(path.split("/", 1)[1])  # without the stack's id
        for form in forms:
            keys.setdefault(form, {})[ident] = path
    return keys


def resolve_key(app: App, key: str, known: Collection[str]) -> str:
    """The id `key` names: `key` itself when it is in `known` (the ids), else the one resource or
    function of `app` whose construct path it is (see the module docstring).

    Raises `KeyError` when `key` names several (listing them) or nothing (listing close matches).
    """
    if key in known:
        return key
    keys = construct_keys(app, known)
    targets = keys.get(key) or keys.get(key.removesuffix(RESOURCE_SUFFIX)) or {}
    if len(targets) == 1:
        return next(iter(targets))
    if targets:
        raise KeyError(f"{key!r} names several resources of this app: {_listed(targets)}")
    raise KeyError(_unknown(key, known, keys))


def _listed(targets: Mapping[str, str]) -> str:
    """``path (id)`` of each target, to choose from: the full path or the id is unique."""
    return ", ".join(f"{path} ({ident})" for ident, path in sorted(targets.items()))


def _unknown(key: str, known: Collection[str], keys: Mapping[str, Mapping[str, str]]) -> str:
    candidates = sorted(set(known) | set(keys))
    close = difflib.get_close_matches(key, candidates, n=CLOSE_MATCHES)
    message = f"{key!r} is no resource or function of this app"
    if close:
        return f"{message}; did you mean: {', '.join(close)}?"
    paths = {path for targets in keys.values() for path in targets.values()}
    listed = sorted(set(known)) + sorted(paths)
    return f"{message}; it has: {', '.join(listed) or 'none'}"
