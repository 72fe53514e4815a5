"""Everything the local runtime needs to know about one function, resolved to plain values.

`LocalFunction` is built from the app model by the wiring layer (the model's symbolic values are
already rendered); its code comes later, from a `CodeProvider`, because preparing code means a
build, which happens on the first invoke and again after an edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from lambdakit.model import Destination, EventInvokeConfig

LogFormat = Literal["Text", "JSON"]


@dataclass(frozen=True)
class RunnableCode:
    """A function's code and layers on this machine, and the Python to run them with."""

    task_root: Path
    """What Lambda has in ``/var/task`` (read-only to the function)."""
    opt: Path
    """What Lambda has in ``/opt``: the function's layers, merged in order."""
    runtime_dir: Path
    """The runtime's own packages: awslambdaric, boto3 and its dependencies."""
    interpreter: Path
    python: tuple[int, int]
    """The Python version `interpreter` runs (the runtime's, or the host's as a fallback)."""


class CodeProvider(Protocol):
    """Prepares a function's code to run (builds it first when needed)."""

    def prepare(self, function_id: str) -> RunnableCode:
        """The runnable code of `function_id`; blocking, so the runtime calls it off its loop."""
        ...

    def stamp(self, function_id: str) -> str:
        """A cheap fingerprint of the function's sources; a change means `prepare` again."""
        ...


@dataclass(frozen=True)
class LocalFunction:
    """One function as the local runtime runs it."""

    id: str
    """The model's id for the function (its logical id, or ``Stack/LogicalId``)."""
    name: str
    """Its physical name: ``FunctionName`` when the template sets one, else derived."""
    handler: str
    runtime: str
    """The Lambda runtime id, e.g. ``python3.12``."""
    memory_mb: int = 128
    timeout_seconds: float = 3.0
    ephemeral_storage_mb: int = 512
    environment: Mapping[str, str] = field(default_factory=dict)
    """The function's own variables (the template's, then env.json overrides)."""
    reserved_concurrency: int | None = None
    event_invoke: EventInvokeConfig | None = None
    dead_letter: Destination | None = None
    alias: str | None = None
    log_format: LogFormat = "Text"
    application_log_level: str | None = None
    system_log_level: str | None = None
    log_group: str | None = None
    region: str = "us-east-1"
    account: str = "123456789012"

    @property
    def arn(self) -> str:
        """The unqualified function ARN."""
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{self.name}"

    def qualified_arn(self, qualifier: str | None) -> str:
        """The ARN the runtime reports for an invoke with `qualifier` (FIDELITY 1.2.3)."""
        return f"{self.arn}:{qualifier}" if qualifier else self.arn

    @property
    def log_group_name(self) -> str:
        """``/aws/lambda/<name>`` unless LoggingConfig names another group (FIDELITY 2.1.6)."""
        return self.log_group or f"/aws/lambda/{self.name}"
