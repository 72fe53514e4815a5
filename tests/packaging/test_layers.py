"""Splitting shared dependencies into layers under Lambda's limits (pure, synthetic sizes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambdakit.errors import SizeLimitError
from lambdakit.packaging.layers import LayerPlan, PackageSize, split_layers

MB = 1_000_000
NUMPY = PackageSize("numpy", "2.1.0", 60 * MB)
PANDAS = PackageSize("pandas", "2.2.3", 70 * MB)
REQUESTS = PackageSize("requests", "2.32.3", 1 * MB)
PYDANTIC = PackageSize("pydantic", "2.9.0", 5 * MB)
ATTRS = PackageSize("attrs", "24.2.0", 200_000)


def layer_contents(plan: LayerPlan) -> dict[str, list[str]]:
    return {name: [p.name for p in packages] for name, packages in plan.layers}


def test_packages_shared_by_the_same_functions_share_a_layer() -> None:
    # GIVEN three functions: numpy used by all, pandas by a and b, requests by a and c
    functions = {
        "a": [NUMPY, PANDAS, REQUESTS, ATTRS],
        "b": [PANDAS, NUMPY],
        "c": [REQUESTS, NUMPY, PYDANTIC],
    }

    # WHEN split
    plan = split_layers(functions, target_key="cp312-x86_64")

    # THEN one layer per set of users, named in the order of their contents
    assert layer_contents(plan) == {
        "deps-cp312-x86_64-1": ["numpy"],
        "deps-cp312-x86_64-2": ["pandas"],
        "deps-cp312-x86_64-3": ["requests"],
    }
    assert plan.function_layers == {
        "a": ("deps-cp312-x86_64-1", "deps-cp312-x86_64-2", "deps-cp312-x86_64-3"),
        "b": ("deps-cp312-x86_64-1", "deps-cp312-x86_64-2"),
        "c": ("deps-cp312-x86_64-1", "deps-cp312-x86_64-3"),
    }
    # AND what only one function uses stays in its zip
    assert plan.function_packages == {"a": (ATTRS,), "b": (), "c": (PYDANTIC,)}


def test_same_name_at_another_version_is_not_shared() -> None:
    newer = PackageSize("requests", "2.33.0", 1 * MB)

    plan = split_layers({"a": [REQUESTS], "b": [newer]}, target_key="cp312-arm64")

    assert plan.layers == ()
    assert plan.function_layers == {"a": (), "b": ()}
    assert plan.function_packages == {"a": (REQUESTS,), "b": (newer,)}


def test_output_is_deterministic_whatever_the_input_order() -> None:
    functions = {"b": [PANDAS, NUMPY, REQUESTS], "a": [REQUESTS, NUMPY, PANDAS], "c": [NUMPY]}
    shuffled = {"c": [NUMPY], "a": [PANDAS, REQUESTS, NUMPY], "b": [REQUESTS, NUMPY, PANDAS]}

    first = split_layers(functions, target_key="k")
    second = split_layers(shuffled, target_key="k")

    assert first == second
    assert list(first.function_layers) == ["a", "b", "c"]
    assert layer_contents(first) == {"deps-k-1": ["numpy"], "deps-k-2": ["pandas", "requests"]}


def test_too_many_layers_for_a_function_merges_the_pair_that_wastes_least() -> None:
    # GIVEN `a` has 3 candidate layers but its 3 explicit layers leave it 2 slots
    functions = {
        "a": [NUMPY, REQUESTS, ATTRS],
        "b": [NUMPY, REQUESTS],  # numpy: {a, b, c}; requests: {a, b}
        "c": [NUMPY, ATTRS],  # attrs: {a, c}
    }

    plan = split_layers(functions, target_key="k", explicit_layers={"a": 3})

    # THEN numpy (used by all) merges with attrs, which wastes 0.2 MB on b; numpy + requests
    # would waste 1 MB on c, and requests + attrs 1.2 MB on b and c
    assert layer_contents(plan) == {"deps-k-1": ["attrs", "numpy"], "deps-k-2": ["requests"]}
    assert plan.function_layers == {
        "a": ("deps-k-1", "deps-k-2"),
        "b": ("deps-k-1", "deps-k-2"),
        "c": ("deps-k-1",),
    }
    assert plan.function_packages == {"a": (), "b": (), "c": ()}


def test_function_gives_up_a_layer_when_no_merge_fits_the_limit() -> None:
    # GIVEN a has room for one layer, and merging its two would push b and c over the limit
    torch = PackageSize("torch", "2.4.0", 150 * MB)
    scipy = PackageSize("scipy", "1.14.0", 10 * MB)
    functions = {"a": [torch, NUMPY], "b": [torch, scipy], "c": [NUMPY, scipy]}
    # candidate layers: torch {a, b}; numpy {a, c}; scipy {b, c}

    plan = split_layers(
        functions, target_key="k", explicit_layers={"a": 4}, unzipped_limit=215 * MB
    )

    # THEN a carries its smaller shared package (numpy) in its own zip; numpy's layer, left
    # with c alone, dissolves into c's zip
    assert layer_contents(plan) == {"deps-k-1": ["scipy"], "deps-k-2": ["torch"]}
    assert plan.function_layers == {
        "a": ("deps-k-2",),
        "b": ("deps-k-1", "deps-k-2"),
        "c": ("deps-k-1",),
    }
    assert plan.function_packages == {"a": (NUMPY,), "b": (), "c": (NUMPY,)}


def test_a_layer_left_with_one_user_dissolves_into_its_zip() -> None:
    functions = {"a": [NUMPY, PANDAS], "b": [NUMPY], "c": [PANDAS]}

    plan = split_layers(functions, target_key="k", explicit_layers={"a": 5})

    # a has no slots: numpy and pandas stay in a; b and c each use them alone, so no layer
    assert plan.layers == ()
    assert plan.function_packages == {"a": (NUMPY, PANDAS), "b": (NUMPY,), "c": (PANDAS,)}


def test_groups_bigger_than_the_layer_limit_are_cut() -> None:
    functions = {"a": [NUMPY, PANDAS, PYDANTIC], "b": [NUMPY, PANDAS, PYDANTIC]}

    plan = split_layers(functions, target_key="k", layer_limit=80 * MB)

    # first-fit decreasing: pandas (70 MB), numpy (60 MB) does not fit with it, pydantic does
    assert layer_contents(plan) == {"deps-k-1": ["numpy"], "deps-k-2": ["pandas", "pydantic"]}
    assert plan.function_layers["a"] == ("deps-k-1", "deps-k-2")


def test_package_bigger_than_a_layer_stays_in_the_zips() -> None:
    plan = split_layers({"a": [PANDAS], "b": [PANDAS]}, target_key="k", layer_limit=50 * MB)

    assert plan.layers == ()
    assert plan.function_packages == {"a": (PANDAS,), "b": (PANDAS,)}


def test_function_over_the_unzipped_limit_is_an_error_naming_it() -> None:
    huge = PackageSize("tensorflow", "2.17.0", 200 * MB)
    functions = {"ok": [NUMPY], "trainer": [NUMPY, huge]}

    with pytest.raises(SizeLimitError) as caught:
        split_layers(functions, target_key="k", own_code_size={"trainer": 3 * MB})

    message = str(caught.value)
    assert "trainer" in message
    assert "263,000,000" in message
    assert message.index("tensorflow 2.17.0 (200.0 MB)") < message.index("numpy 2.1.0 (60.0 MB)")
    assert caught.value.hint is not None


def test_too_many_explicit_layers_is_an_error() -> None:
    with pytest.raises(SizeLimitError, match="6 layers"):
        split_layers({"a": [NUMPY]}, target_key="k", explicit_layers={"a": 6})


def test_no_functions_no_layers() -> None:
    assert split_layers({}, target_key="k") == LayerPlan((), {}, {})


# ---------------------------------------------------------------- invariants


PACKAGES = [PackageSize(f"p{i}", "1", size) for i, size in enumerate([1, 2, 3, 5, 8, 13, 21, 34])]


@st.composite
def apps(draw: st.DrawFn) -> tuple[dict[str, list[PackageSize]], dict[str, int]]:
    names = draw(st.lists(st.sampled_from("abcdefg"), min_size=1, max_size=7, unique=True))
    functions = {name: draw(st.lists(st.sampled_from(PACKAGES), unique=True)) for name in names}
    explicit = {name: draw(st.integers(0, 5)) for name in names}
    return functions, explicit


def function_total(plan: LayerPlan, function: str) -> int:
    layers = dict(plan.layers)
    carried = set(plan.function_packages[function])
    for name in plan.function_layers[function]:
        carried |= set(layers[name])
    return sum(p.size for p in carried)


@settings(max_examples=300, deadline=None)
@given(apps(), st.integers(1, 6), st.integers(34, 80))
def test_every_function_gets_what_it_needs_within_the_limits(
    app: tuple[Mapping[str, Sequence[PackageSize]], Mapping[str, int]],
    max_layers: int,
    limit: int,
) -> None:
    functions, explicit = app
    explicit = {name: min(count, max_layers) for name, count in explicit.items()}
    if any(sum(p.size for p in packages) > limit for packages in functions.values()):
        with pytest.raises(SizeLimitError):
            split_layers(
                functions,
                target_key="k",
                explicit_layers=explicit,
                unzipped_limit=limit,
                max_layers=max_layers,
            )
        return

    plan = split_layers(
        functions,
        target_key="k",
        explicit_layers=explicit,
        unzipped_limit=limit,
        max_layers=max_layers,
        layer_limit=40,
    )

    layers = dict(plan.layers)
    in_layers = [p for packages in layers.values() for p in packages]
    assert len(in_layers) == len(set(in_layers))  # a package lives in one layer at most
    assert all(sum(p.size for p in packages) <= 40 for packages in layers.values())
    for function, needed in functions.items():
        used = plan.function_layers[function]
        assert len(used) + explicit[function] <= max_layers
        carried = set(plan.function_packages[function])
        for name in used:
            carried |= set(layers[name])
        assert set(needed) <= carried
        assert set(plan.function_packages[function]) <= set(needed)
        assert function_total(plan, function) <= limit
    for name, packages in plan.layers:
        users = [f for f, used in plan.function_layers.items() if name in used]
        assert len(users) >= 2, (name, packages)
