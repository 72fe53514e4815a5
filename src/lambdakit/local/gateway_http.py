"""The HTTP request and response the local API Gateway speaks, independent of any server library."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True, kw_only=True)
class HttpRequest:
    """What the local server received, as plain data."""

    method: str
    path: str
    """The raw (still percent-encoded) path, without the query string."""
    query: str = ""
    """The raw query string, without the leading ``?``."""
    headers: tuple[tuple[str, str], ...] = ()
    """Header names as sent, in order; a name may repeat."""
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def header_values(self, name: str) -> list[str]:
        """Every value of one header, case-insensitively, in the order received."""
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def header(self, name: str) -> str | None:
        """The last value of one header (API Gateway's single-value choice), or None."""
        values = self.header_values(name)
        return values[-1] if values else None


@dataclass(frozen=True, kw_only=True)
class HttpResponse:
    """What the local server sends back."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The last value of one header, case-insensitively, or None."""
        wanted = name.lower()
        values = [value for key, value in self.headers if key.lower() == wanted]
        return values[-1] if values else None

    def with_headers(self, extra: tuple[tuple[str, str], ...]) -> HttpResponse:
        """This response with headers added (e.g. CORS), replacing any of the same names."""
        names = {key.lower() for key, _ in extra}
        kept = tuple((key, value) for key, value in self.headers if key.lower() not in names)
        return HttpResponse(status=self.status, headers=kept + extra, body=self.body)
