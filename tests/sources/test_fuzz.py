"""Robustness: mutated real templates and random text only ever give a model or a LambdakitError."""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdakit.errors import LambdakitError
from lambdakit.sources.discover import app_from_template
from lambdakit.sources.yaml_cfn import load_template, parse_template

FIXTURES = Path(__file__).parent.parent / "fixtures"
SEEDS = sorted(
    p for pattern in ("cfn/*/template.*", "sam/*/template.yaml") for p in FIXTURES.glob(pattern)
)
DOCUMENTS = {seed: load_template(seed) for seed in SEEDS}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 100_000),
    st.sampled_from(["", "x", "python3.12", "app.handler", ".", "../nope", "${Nope}", "a.b.c"]),
)
intrinsic_names = st.sampled_from(
    [
        "Ref",
        "Fn::GetAtt",
        "Fn::Sub",
        "Fn::Join",
        "Fn::If",
        "Fn::Select",
        "Fn::Split",
        "Fn::FindInMap",
        "Fn::ImportValue",
        "Fn::Base64",
        "Fn::Cidr",
        "Fn::Equals",
        "Condition",
        "Fn::Transform",
    ]
)
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["Type", "Properties", "Value", "k"]), inner, max_size=3),
        st.builds(lambda name, arg: {name: arg}, intrinsic_names, inner),
    ),
    max_leaves=6,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, child in node.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from paths(child, (*prefix, i))


def mutate(doc: dict[str, Any], path: tuple[Any, ...], op: str, value: Any) -> None:
    parent: Any = doc
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if op == "delete":
        del parent[key]
    else:
        parent[key] = value


# More examples on demand: LAMBDAKIT_FUZZ_EXAMPLES=5000 make test
EXAMPLES = int(os.environ.get("LAMBDAKIT_FUZZ_EXAMPLES", "150"))


@pytest.mark.skipif(not SEEDS, reason="no fixture templates")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_templates_load_or_fail_with_a_lambdakit_error(data):
    seed = data.draw(st.sampled_from(SEEDS))
    doc = copy.deepcopy(DOCUMENTS[seed])
    for _ in range(data.draw(st.integers(1, 3))):
        candidates = [p for p in paths(doc) if p]
        if not candidates:
            break
        path = data.draw(st.sampled_from(candidates))
        mutate(doc, path, data.draw(st.sampled_from(["delete", "replace"])), data.draw(values))
    with contextlib.suppress(LambdakitError):
        app_from_template(doc, file=seed)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab:{}[]-!\"' \n\t#&*|>%@`,.\\0"))))
def test_random_text_parses_or_fails_with_a_lambdakit_error(text):
    with contextlib.suppress(LambdakitError):
        parse_template(text, Path("template.yaml"))
