"""A recording function behind the services endpoint, for the event-delivery tests.

One function, ``Recorder``, appends every event it gets to a file; a `LocalLambda` runs it and
serves the services endpoint in front of a real moto server with the observers under test.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from lambdakit.local.edge_calls import EdgeObserver
from lambdakit.local.function_spec import LocalFunction
from lambdakit.local.lambda_service import LambdaOptions, LambdaService
from lambdakit.local.logs import LogPrinter
from lambdakit.local.runner import LocalLambda
from lambdakit.local.services_endpoint import services_application
from lambdakit.testing import FolderCode

HANDLER = """\
import json, os

def handler(event, context):
    with open(os.environ["EVENTS_FILE"], "a") as out:
        out.write(json.dumps(event) + "\\n")
    return "ok"
"""


@dataclass
class Recording:
    """The running service, its endpoint, and what the recorder received."""

    local: LocalLambda
    endpoint: str
    events: Path
    reports: list[str]


@contextlib.contextmanager
def recording(
    root: Path,
    upstream: str,
    observers: Callable[[LambdaService, list[str]], Sequence[EdgeObserver]],
) -> Iterator[Recording]:
    """The recorder on a `LocalLambda`, served behind an endpoint with `observers(service)`."""
    (root / "task").mkdir()
    (root / "task" / "app.py").write_text(HANDLER)
    events = root / "events.jsonl"
    fn = LocalFunction(
        id="Recorder",
        name="recorder",
        handler="app.handler",
        runtime="python3.12",
        environment={"EVENTS_FILE": str(events)},
    )
    reports: list[str] = []
    with LocalLambda(
        [fn],
        FolderCode({"Recorder": root / "task"}),
        options=LambdaOptions(state_dir=root / "state", time_scale=0.001),
        printer=LogPrinter(io.StringIO(), color=False),
    ) as local:
        app = services_application(
            local.service, upstream=upstream, observers=observers(local.service, reports)
        )
        port = local.serve(app)
        yield Recording(local, f"http://127.0.0.1:{port}", events, reports)
