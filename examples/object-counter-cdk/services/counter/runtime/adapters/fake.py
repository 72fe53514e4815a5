"""In-memory adapters for unit tests: same behaviour as the real ones, no AWS."""

from adapters.ports.counts import Change, Totals


class FakeCounts:
    """`CountStore` in a dict."""

    def __init__(self, objects: int = 0, bytes_added: int = 0, processed: int = 0) -> None:
        self.current = Totals(objects, bytes_added, processed)

    def object_created(self, size: int) -> Totals:
        self.current = Totals(
            self.current.objects + 1,
            self.current.bytes_added + size,
            self.current.announcements_processed,
        )
        return self.current

    def object_removed(self) -> Totals:
        self.current = Totals(
            self.current.objects - 1,
            self.current.bytes_added,
            self.current.announcements_processed,
        )
        return self.current

    def totals(self) -> Totals:
        return self.current


class FakeAnnouncer:
    """`Announcer` that remembers what it announced."""

    def __init__(self) -> None:
        self.announced: list[tuple[Change, Totals]] = []

    def announce(self, change: Change, totals: Totals) -> None:
        self.announced.append((change, totals))
