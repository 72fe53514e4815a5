"""Forward one HTTP request, unchanged, to an upstream server and relay its answer.

Stages: the client's headers minus hop-by-hop ones (``Host`` and every SigV4 header kept as
sent, so a signature still matches) → the raw path and query as sent (never re-quoted) → the
body streamed to the upstream (``Content-Length`` kept, else chunked) → the upstream's status,
headers (hop-by-hop dropped) and body: read whole when small, else streamed back.
One `UpstreamPool` (an ``aiohttp.ClientSession`` with keep-alive connections) serves them all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import (
    ClientError,
    ClientSession,
    ClientTimeout,
    DummyCookieJar,
    StreamReader,
    TCPConnector,
    hdrs,
    web,
)
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_REQUEST_ONLY = frozenset({"expect"})
"""Already answered here (aiohttp sends ``100 Continue``); botocore never signs it."""
_SMALL_BODY = 256 * 1024
"""Responses up to this size are read whole: one write back, less per-request overhead."""
_STREAM_CHUNK = 256 * 1024


class UpstreamUnavailableError(Exception):
    """The upstream refused the connection or broke it before answering."""

    def __init__(self, upstream: str, reason: str) -> None:
        super().__init__(f"{upstream}: {reason}")
        self.upstream = upstream
        self.reason = reason


class UpstreamPool:
    """Keep-alive connections to one upstream (``http://host:port``), opened on first use."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self._session: ClientSession | None = None

    def session(self) -> ClientSession:
        """The shared session (created on the running loop the first time)."""
        if self._session is None:
            self._session = ClientSession(
                # No pool limit: SQS long polls (20 s) would otherwise starve other requests.
                connector=TCPConnector(limit=0, keepalive_timeout=30),
                timeout=ClientTimeout(total=None, sock_connect=10),
                auto_decompress=False,
                cookie_jar=DummyCookieJar(),
                skip_auto_headers=(
                    hdrs.ACCEPT,
                    hdrs.ACCEPT_ENCODING,
                    hdrs.USER_AGENT,
                    hdrs.CONTENT_TYPE,
                ),
            )
        return self._session

    async def context(self, app: web.Application) -> AsyncIterator[None]:
        """An ``app.cleanup_ctx`` entry: the session opens on startup, closes on cleanup."""
        self.session()
        yield
        await self.close()

    async def close(self) -> None:
        """Close every pooled connection."""
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def forward(self, request: web.Request, body: bytes | None = None) -> web.StreamResponse:
        """The upstream's answer to `request`; `UpstreamUnavailableError` when it has none.

        `body`: the request's body when the caller already read it, else it is streamed.
        """
        url = URL(self.upstream + request.raw_path, encoded=True)
        data: bytes | StreamReader | None = body
        if data is None and request.body_exists:
            data = request.content
        try:
            async with self.session().request(
                request.method,
                url,
                headers=end_to_end(request.headers, _REQUEST_ONLY),
                data=data,
                allow_redirects=False,
                compress=None,
            ) as upstream:
                headers = end_to_end(upstream.headers)
                length = upstream.content_length
                if request.method == hdrs.METH_HEAD or (
                    length is not None and length <= _SMALL_BODY
                ):
                    payload = await upstream.read()
                    return _whole(upstream.status, upstream.reason, headers, payload)
                response = web.StreamResponse(
                    status=upstream.status, reason=upstream.reason, headers=headers
                )
                await response.prepare(request)
                await _relay(upstream.content, response, request)
                return response
        except (ClientError, OSError) as error:
            reason = str(error) or type(error).__name__
            raise UpstreamUnavailableError(self.upstream, reason) from None


async def _relay(source: StreamReader, response: web.StreamResponse, request: web.Request) -> None:
    """Copy a large body; an upstream that breaks mid-body breaks the client's connection too."""
    try:
        async for chunk in source.iter_chunked(_STREAM_CHUNK):
            await response.write(chunk)
    except (ClientError, OSError):
        if request.transport is not None:
            request.transport.close()
        return
    await response.write_eof()


def _whole(status: int, reason: str | None, headers: CIMultiDict[str], body: bytes) -> web.Response:
    response = web.Response(status=status, reason=reason, headers=headers)
    response.body = body
    if hdrs.CONTENT_LENGTH in headers:
        # HEAD: the length the upstream would send, not the empty body's.
        response.headers[hdrs.CONTENT_LENGTH] = headers[hdrs.CONTENT_LENGTH]
    return response


def end_to_end(
    headers: CIMultiDictProxy[str] | CIMultiDict[str], extra: frozenset[str] = frozenset()
) -> CIMultiDict[str]:
    """`headers` without the hop-by-hop ones (and those ``Connection`` names, and `extra`)."""
    dropped = HOP_BY_HOP | extra
    connection = headers.get(hdrs.CONNECTION)
    if connection:
        dropped = dropped | {token.strip().lower() for token in connection.split(",")}
    return CIMultiDict(
        (name, value) for name, value in headers.items() if name.lower() not in dropped
    )
