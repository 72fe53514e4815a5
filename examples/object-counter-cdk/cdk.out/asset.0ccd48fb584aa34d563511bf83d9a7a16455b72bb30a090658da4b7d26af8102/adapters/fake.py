"""In-memory adapter for unit tests."""


class FakeAnnouncementLog:
    """`AnnouncementLog` in a list."""

    def __init__(self) -> None:
        self.recorded: list[dict] = []

    def record(self, announcement: dict) -> None:
        self.recorded.append(announcement)
