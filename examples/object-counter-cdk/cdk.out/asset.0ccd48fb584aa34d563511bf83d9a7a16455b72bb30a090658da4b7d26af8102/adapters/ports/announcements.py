"""The worker's port: where processed announcements are recorded."""

from typing import Any, Protocol


class AnnouncementLog(Protocol):
    """Records that an announcement was processed."""

    def record(self, announcement: dict[str, Any]) -> None: ...
