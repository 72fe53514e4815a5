"""`lambdakit.testing.resource_keys`: CDK construct paths as `LocalCloud` keys, on the model of
the CDK example's committed cdk.out (no server).

No FIDELITY statement: construct-path keys are lambdakit's own convenience, not AWS behaviour.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import lambdakit
from lambdakit.model.origin import SourceKind
from lambdakit.testing.resource_keys import construct_keys, resolve_key

CDK_OUT = Path(__file__).parents[2] / "examples" / "object-counter-cdk" / "cdk.out"
QUEUE = "WorkerQueue9380F652"
WORKER_HANDLER = "WorkerHandler230F4E06"


@pytest.fixture(scope="module")
def app() -> lambdakit.App:
    return lambdakit.load_app(CDK_OUT)


def known_ids(app: lambdakit.App) -> list[str]:
    """What `LocalCloud` passes as `known`: emulated resources' logical ids and function ids."""
    return [r.logical_id for r in app.resources if r.emulated] + [f.id for f in app.functions]


def test_construct_paths_hold_no_resource_suffix(app: lambdakit.App) -> None:
    queue = app.resource(QUEUE)
    assert queue.origin.name == "CounterStack/Worker/Queue"
    keys = construct_keys(app)
    assert keys["Worker/Queue"] == {QUEUE: "CounterStack/Worker/Queue"}
    assert keys["CounterStack/Worker/Queue"] == {QUEUE: "CounterStack/Worker/Queue"}
    assert keys["Worker/Handler"] == {WORKER_HANDLER: "CounterStack/Worker/Handler"}


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("Worker/Queue", QUEUE),
        ("CounterStack/Worker/Queue", QUEUE),
        ("CounterStack/Worker/Queue/Resource", QUEUE),
        ("Worker/DeadLetterQueue", "WorkerDeadLetterQueue2879C389"),
        ("WatchedBucket", "WatchedBucketD3FCFC2E"),
        ("Worker/Handler", WORKER_HANDLER),
        ("CounterStack/Counter/ApiHandler", "CounterApiHandlerF670670F"),
        (QUEUE, QUEUE),  # a logical id stays what it is
    ],
)
def test_a_construct_path_names_its_resource_or_function(
    app: lambdakit.App, key: str, expected: str
) -> None:
    assert resolve_key(app, key, known_ids(app)) == expected


def test_an_unknown_key_lists_close_matches(app: lambdakit.App) -> None:
    with pytest.raises(KeyError) as raised:
        resolve_key(app, "Worker/Queu", known_ids(app))
    message = str(raised.value)
    assert "'Worker/Queu' is no resource or function" in message
    assert "Worker/Queue" in message
    assert "Counter/Table" not in message


def test_a_key_like_nothing_lists_what_there_is(app: lambdakit.App) -> None:
    with pytest.raises(KeyError) as raised:
        resolve_key(app, "zzzzzzzz", known_ids(app))
    assert "CounterStack/Counter/Table" in str(raised.value)
    assert QUEUE in str(raised.value)


def test_a_path_without_its_stack_in_two_stacks_is_ambiguous(app: lambdakit.App) -> None:
    queue = app.resource(QUEUE)
    other_queue = dataclasses.replace(
        queue,
        logical_id="WorkerQueue0BADC0DE",
        stack="other",
        origin=dataclasses.replace(queue.origin, name="OtherStack/Worker/Queue"),
    )
    other_stack = dataclasses.replace(app.stacks[0], name="other")
    two = dataclasses.replace(
        app, stacks=(*app.stacks, other_stack), resources=(*app.resources, other_queue)
    )
    known = [*known_ids(two)]

    with pytest.raises(KeyError) as raised:
        resolve_key(two, "Worker/Queue", known)
    message = str(raised.value)
    assert "names several" in message
    assert "CounterStack/Worker/Queue (WorkerQueue9380F652)" in message
    assert "OtherStack/Worker/Queue (WorkerQueue0BADC0DE)" in message
    assert resolve_key(two, "OtherStack/Worker/Queue", known) == "WorkerQueue0BADC0DE"
    assert resolve_key(two, "CounterStack/Worker/Queue", known) == QUEUE


def test_stacks_not_from_cdk_have_no_construct_paths(app: lambdakit.App) -> None:
    """A SAM origin name is a logical id (e.g. of the function behind a generated role)."""
    sam_stack = dataclasses.replace(app.stacks[0], source=SourceKind.SAM)
    sam = dataclasses.replace(app, stacks=(sam_stack,), source=SourceKind.SAM)
    assert construct_keys(sam) == {}
    with pytest.raises(KeyError):
        resolve_key(sam, "Worker/Queue", known_ids(sam))


def test_only_known_ids_get_keys(app: lambdakit.App) -> None:
    keys = construct_keys(app, ids=[QUEUE])
    assert set(keys) == {"Worker/Queue", "CounterStack/Worker/Queue"}
