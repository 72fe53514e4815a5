"""The deploy's ports: what the executor needs from the cloud, as Protocols.

Adapters in ``lambdakit.aws`` implement them with boto3 (any endpoint: AWS, moto, ...);
``lambdakit.testing`` has in-memory fakes for unit tests. Adapters translate botocore errors
into `lambdakit.errors.DeployError` with the service's message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Literal, Protocol

from lambdakit.deploy.instructions import (
    ChangeSet,
    StackEvent,
    StackResource,
    StackState,
)


class AssetStore(Protocol):
    """The assets bucket."""

    def ensure_bucket(self, bucket: str) -> bool:
        """Create `bucket` if missing (versioned, encrypted, public access blocked); True if
        it was created now."""
        ...

    def has(self, bucket: str, key: str) -> bool:
        """Whether the object exists (HeadObject)."""
        ...

    def put(self, bucket: str, key: str, path: Path, progress: Callable[[int], None]) -> None:
        """Upload `path`; `progress` gets the bytes sent since its last call."""
        ...

    def url(self, bucket: str, key: str) -> str:
        """The object's HTTPS URL, as CloudFormation's TemplateURL takes it."""
        ...


class Stacks(Protocol):
    """CloudFormation."""

    def describe(self, stack_name: str) -> StackState | None:
        """The stack, or None when it does not exist (or is DELETE_COMPLETE)."""
        ...

    def create_change_set(
        self,
        *,
        stack_name: str,
        change_set_name: str,
        change_set_type: Literal["CREATE", "UPDATE"],
        template_body: str | None,
        template_url: str | None,
        parameters: Mapping[str, str],
        capabilities: Sequence[str],
    ) -> str:
        """Start creating a change set; returns its id."""
        ...

    def describe_change_set(self, change_set_id: str) -> ChangeSet: ...

    def delete_change_set(self, change_set_id: str) -> None: ...

    def execute_change_set(self, change_set_id: str) -> None: ...

    def events(self, stack_name: str) -> list[StackEvent]:
        """The stack's events, newest first (as CloudFormation lists them)."""
        ...

    def resources(self, stack_name: str) -> list[StackResource]: ...

    def delete_stack(self, stack_name: str) -> None: ...
