"""The functions the local runtime's tests run, and helpers to run them and to watch processes.

Every function runs the same code folder (``runtime_functions/handlers.py``, whose event picks
the behaviour) but has its own pool of environments, so one test's environments never serve
another's invokes. Timeouts are short (1-2 s) to keep the suite fast.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lambdakit.local.function_spec import LocalFunction
from lambdakit.local.invocation import InvokeResult
from lambdakit.local.lambda_service import LambdaOptions
from lambdakit.local.logs import LogPrinter
from lambdakit.local.runner import LocalLambda
from lambdakit.model import Destination, EventInvokeConfig
from lambdakit.testing import FolderCode, RecordingSink

HANDLERS = Path(__file__).with_name("runtime_functions") / "handlers.py"
PYTHON = (3, 12)
ON_FAILURE = Destination(arn="arn:aws:sqs:us-east-1:123456789012:failures", kind="sqs")


def function(name: str, **settings: object) -> LocalFunction:
    values: dict[str, object] = {
        "id": name.title().replace("-", ""),
        "name": name,
        "handler": "handlers.handler",
        "runtime": "python3.12",
        "timeout_seconds": 2.0,
    }
    return LocalFunction(**(values | settings))  # type: ignore[arg-type]


FUNCTIONS = [
    function("main"),
    function("counter"),
    function("pair"),
    function("fanout"),
    function("logger"),
    function("sleepy", timeout_seconds=1.0),
    function("crasher"),
    function("hog", memory_mb=128),
    function("shouter"),
    function("tiny-tmp", ephemeral_storage_mb=1),
    function("reserved-zero", reserved_concurrency=0),
    function("big-response"),
    function("alias-fn", alias="live"),
    function(
        "async-fail",
        event_invoke=EventInvokeConfig(maximum_retry_attempts=1, on_failure=ON_FAILURE),
    ),
    function("syntax-error", handler="app.handler"),
    function("missing-dep", handler="app.handler"),
    function("malformed", handler="handlers"),
    function("no-handler", handler="handlers.missing"),
]
"""Functions whose code is not the main folder say so in `FOLDER_OF`."""
FOLDER_OF = {"syntax-error": "syntax", "missing-dep": "missing"}


@dataclass(frozen=True)
class Folders:
    """The code folders written for a test session."""

    main: Path
    opt: Path
    syntax: Path
    missing: Path

    def code(self, functions: list[LocalFunction]) -> FolderCode:
        """A `FolderCode` for `functions`, each on Python 3.12 when this machine has it."""
        code = FolderCode(python=PYTHON)
        for fn in functions:
            folder = getattr(self, FOLDER_OF.get(fn.name, "main"))
            code.add(fn.id, folder, opt=self.opt)
        return code


def write_folders(root: Path) -> Folders:
    """The main code folder, a layer folder standing in for ``/opt``, two broken folders."""
    main = root / "task"
    main.mkdir(parents=True)
    shutil.copy(HANDLERS, main / "handlers.py")
    opt = root / "opt"
    (opt / "python").mkdir(parents=True)
    (opt / "python" / "layer_top.py").write_text("WHERE = 'top'\n")
    for minor in range(9, 15):
        site = opt / "python" / "lib" / f"python3.{minor}" / "site-packages"
        site.mkdir(parents=True)
        (site / "layer_site.py").write_text("WHERE = 'site'\n")
    syntax = root / "syntax"
    syntax.mkdir()
    (syntax / "app.py").write_text("def handler(event, context)\n    return 1\n")
    missing = root / "missing"
    missing.mkdir()
    (missing / "app.py").write_text(
        "import lambdakit_absent_dependency\n\ndef handler(event, context):\n    return 1\n"
    )
    return Folders(main=main, opt=opt, syntax=syntax, missing=missing)


@dataclass
class Running:
    """A started `LocalLambda` with what its tests look at: the log and the destination sink."""

    local: LocalLambda
    log: io.StringIO
    sink: RecordingSink

    def invoke(self, name: str, event: object = b"{}", **options: object) -> InvokeResult:
        """A synchronous invoke's result (never None)."""
        result = self.local.invoke(name, event, **options)  # type: ignore[arg-type]
        assert result is not None
        return result

    def log_lines(self, request_id: str) -> list[str]:
        """This invoke's lines in the console log, without the ``[Function] `` prefix."""
        lines = [line.split("] ", 1)[1] for line in self.log.getvalue().splitlines()]
        return [line for line in lines if request_id in line]


@contextlib.contextmanager
def running(
    folders: Folders, state: Path, functions: list[LocalFunction], **options: object
) -> Iterator[Running]:
    """A `LocalLambda` over `functions`, started, and stopped on the way out."""
    log = io.StringIO()
    sink = RecordingSink()
    local = LocalLambda(
        functions,
        folders.code(functions),
        options=LambdaOptions(state_dir=state, **options),  # type: ignore[arg-type]
        printer=LogPrinter(log, color=False),
        sink=sink,
    )
    with local:
        yield Running(local, log, sink)


def child_pids(parent: int | None = None) -> set[int]:
    """Live (or unreaped) child processes of `parent` (this process by default), from /proc."""
    parent = os.getpid() if parent is None else parent
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _parent_of(entry) == parent:
            found.add(int(entry.name))
    return found


def process_alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie nobody reaps yet counts as ended)."""
    state = _stat(Path("/proc", str(pid)))
    return state is not None and state[0] != "Z"


def _parent_of(entry: Path) -> int | None:
    state = _stat(entry)
    return int(state[1]) if state is not None else None


def _stat(entry: Path) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state, ppid, ...), or None."""
    try:
        text = (entry / "stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()
