"""The counter's ports: where counts are kept and where changes are announced."""

from dataclasses import dataclass
from typing import Literal, Protocol


@dataclass(frozen=True)
class Change:
    """One object created in or removed from the watched bucket."""

    kind: Literal["created", "removed"]
    bucket: str
    key: str
    size: int = 0


@dataclass(frozen=True)
class Totals:
    """The counts GET /count reports."""

    objects: int = 0
    bytes_added: int = 0
    announcements_processed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "objects": self.objects,
            "bytes_added": self.bytes_added,
            "announcements_processed": self.announcements_processed,
        }


class CountStore(Protocol):
    """Keeps the object counts."""

    def object_created(self, size: int) -> Totals: ...

    def object_removed(self) -> Totals: ...

    def totals(self) -> Totals: ...


class Announcer(Protocol):
    """Tells whoever listens that the counts changed."""

    def announce(self, change: Change, totals: Totals) -> None: ...
