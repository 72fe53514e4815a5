"""API Gateway on a local port: an aiohttp application running requests through the gateway stages.

One catch-all route takes every request, then (see `lambdakit.local.gateway` for the stages):

1. aiohttp request → `HttpRequest` (raw path and query, headers in order with repeats, body
   bytes, the peer's address as the source IP).
2. ``OPTIONS`` preflight on a path with CORS → answered by the gateway, the function is not
   invoked. ``Router.match`` → no route: 403 ``Missing Authentication Token`` when the app has a
   REST API, else 404 (HTTP APIs).
3. ``to_event`` → ``service.invoke`` bounded by ``integration_timeout`` (29 s REST, 30 s HTTP):
   past it the caller gets 504 while the invoke runs on to its own end (its environment is not
   killed, as on AWS).
4. ``to_response`` (function error or malformed response → 502), a refused invoke → 429
   (throttled) or 500, then the route's CORS headers.

The router and the API ids are computed once, when the application is made; a request costs one
route match, one event, one invoke. Nothing is logged per request: only failures the gateway
itself sees (504, a refused invoke, a malformed response) are reported, once each.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from aiohttp import web

from lambdakit.errors import LambdakitError
from lambdakit.local.function_spec import LocalFunction
from lambdakit.local.gateway import (
    HttpRequest,
    HttpResponse,
    Match,
    Router,
    cors_headers,
    error_response,
    integration_timeout,
    is_preflight,
    preflight,
    to_event,
    to_response,
)
from lambdakit.local.invocation import Invocation, InvokeRejectedError, InvokeResult, new_request_id
from lambdakit.local.lambda_service import InvocationType
from lambdakit.model.http import ApiKind, Route

BODY_LIMIT = 10 * 1024 * 1024
"""API Gateway's largest request payload: 10 MB."""
DEFAULT_ACCOUNT = "123456789012"

_HOP_BY_HOP = frozenset({"connection", "content-length", "keep-alive", "transfer-encoding"})
"""Headers of the function's response the server computes itself."""
_BAD_GATEWAY = error_response("function-error", api_kind=ApiKind.REST)
"""What `to_response` answers for a malformed response (the same for every API kind)."""
_REQUEST_ID_HEADER = {
    ApiKind.REST: "x-amzn-RequestId",
    ApiKind.HTTP: "apigw-requestid",
    ApiKind.FUNCTION_URL: "x-amzn-RequestId",
}

Timeouts = Callable[[ApiKind], float | None]
"""Seconds the gateway waits for a function, by API kind (None: the function's own timeout)."""


class Invoker(Protocol):
    """What the gateway needs of the Lambda service (`LambdaService` is one)."""

    @property
    def functions(self) -> Mapping[str, LocalFunction]: ...

    async def invoke(
        self,
        name: str,
        invocation: Invocation,
        invocation_type: InvocationType = ...,
        *,
        trusted: bool = ...,
    ) -> InvokeResult | None: ...


def api_id(api: str) -> str:
    """A stable 10-character id for the API with logical id `api`, shaped like API Gateway's."""
    return hashlib.sha256(api.encode()).hexdigest()[:10]


def gateway_application(
    routes: Sequence[Route],
    service: Invoker,
    *,
    report: Callable[[str], None] | None = None,
    timeouts: Timeouts = integration_timeout,
) -> web.Application:
    """An aiohttp application serving `routes` by invoking their functions on `service`."""
    gateway = Gateway(routes, service, report=report, timeouts=timeouts)
    app = web.Application(client_max_size=BODY_LIMIT)
    app.router.add_route("*", "/{tail:.*}", gateway.handle)
    app.on_cleanup.append(gateway.close)
    return app


class Gateway:
    """The request handler: the gateway stages between one aiohttp request and one invoke."""

    def __init__(
        self,
        routes: Sequence[Route],
        service: Invoker,
        *,
        report: Callable[[str], None] | None = None,
        timeouts: Timeouts = integration_timeout,
    ) -> None:
        self._router = Router(routes)
        self._service = service
        self._report = report if report is not None else _silent
        self._timeouts = timeouts
        self._api_ids = {route.api: api_id(route.api) for route in routes}
        self._accounts = {fid: fn.account for fid, fn in service.functions.items()}
        self._rest = any(route.api_kind is ApiKind.REST for route in routes)
        self._invokes: set[asyncio.Task[InvokeResult | None]] = set()

    async def handle(self, request: web.Request) -> web.Response:
        """aiohttp's handler: the request as plain data in, the gateway's answer out."""
        body = await request.read() if request.body_exists else b""
        url = request.rel_url
        http = HttpRequest(
            method=request.method,
            path=url.raw_path,
            query=url.raw_query_string,
            headers=tuple(request.headers.items()),
            body=body,
            source_ip=request.remote or "127.0.0.1",
        )
        answer = await self.respond(http)
        headers = [pair for pair in answer.headers if pair[0].lower() not in _HOP_BY_HOP]
        return web.Response(status=answer.status, body=answer.body, headers=headers)

    async def respond(self, request: HttpRequest) -> HttpResponse:
        """The gateway's answer to `request` (invoking the route's function when one matches)."""
        match = self._router.match(request.method, request.path)
        if request.method == "OPTIONS" and is_preflight(request):
            answer = self._preflight(request, match)
            if answer is not None:
                return answer
        if match is None:
            kind = ApiKind.REST if self._rest else ApiKind.HTTP
            return error_response("not-found", api_kind=kind)
        route = match.route
        request_id = new_request_id()
        answer = await self._invoke(match, request, request_id)
        extra = [(_REQUEST_ID_HEADER[route.api_kind], request_id)]
        extra.extend(cors_headers(route.cors, request.header("origin")))
        return answer.with_headers(tuple(extra))

    def _preflight(self, request: HttpRequest, match: Match | None) -> HttpResponse | None:
        cors = self._router.cors_for(request.path)
        if cors is None:
            return None
        wanted = request.header("access-control-request-method") or "GET"
        probe = self._router.match(wanted, request.path) or match
        kind = probe.route.api_kind if probe else ApiKind.REST if self._rest else ApiKind.HTTP
        methods = self._router.allowed_methods(request.path)
        return preflight(cors, request, api_kind=kind, route_methods=methods)

    async def _invoke(self, match: Match, request: HttpRequest, request_id: str) -> HttpResponse:
        route = match.route
        event = to_event(
            match,
            request,
            request_id=request_id,
            account=self._accounts.get(route.function, DEFAULT_ACCOUNT),
            api_id=self._api_ids[route.api],
        )
        invocation = Invocation(payload=json.dumps(event).encode())
        task = asyncio.ensure_future(self._service.invoke(route.function, invocation, trusted=True))
        self._invokes.add(task)
        task.add_done_callback(self._finished)
        limit = self._timeouts(route.api_kind)
        # asyncio.wait, not wait_for: past the limit the invoke runs on to its own end.
        done, _ = await asyncio.wait({task}, timeout=limit)
        if not done:
            self._report(
                f"{request.method} {request.path}: {route.function} did not answer within"
                f" {limit:g} s; API Gateway answers 504 (the invoke runs on to its own timeout)"
            )
            return error_response("timeout", api_kind=route.api_kind)
        try:
            result = task.result()
        except InvokeRejectedError as error:
            return self._refused(route, error)
        except LambdakitError as error:  # the function's code cannot be built or prepared
            self._report(f"{route.function}: {error.message}")
            return error_response("function-error", api_kind=route.api_kind)
        if result is None:  # pragma: no cover - RequestResponse always has a result
            return error_response("invoke-failed", api_kind=route.api_kind)
        if result.function_error:  # its error is in the function's log already
            return error_response("function-error", api_kind=route.api_kind)
        answer = to_response(
            result.payload, payload_version=route.payload_version, api_kind=route.api_kind
        )
        if answer == _BAD_GATEWAY:
            self._report(_malformed(route))
        return answer

    def _refused(self, route: Route, error: InvokeRejectedError) -> HttpResponse:
        if error.status == 429:
            return error_response("throttled", api_kind=route.api_kind)
        self._report(
            f"{route.function}: the invoke was refused ({error.error_type}: {error.message});"
            " API Gateway answers 500"
        )
        return error_response("invoke-failed", api_kind=route.api_kind)

    def _finished(self, task: asyncio.Task[InvokeResult | None]) -> None:
        self._invokes.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: an invoke that outlived its request ends quietly

    async def close(self, app: web.Application | None = None) -> None:
        """Cancel invokes still running (the server is stopping; their environments go too)."""
        pending = list(self._invokes)
        for task in pending:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*pending, return_exceptions=True)


def _malformed(route: Route) -> str:
    if route.payload_version == "2.0" or route.api_kind is ApiKind.FUNCTION_URL:
        need = "a statusCode between 100 and 599, headers as an object, cookies as a list"
    else:
        need = (
            "a JSON object with an integer statusCode, a string body, headers and"
            " multiValueHeaders as objects"
        )
    return (
        f"{route.function}: returned a response API Gateway cannot send, so it answers 502"
        f" (payload {route.payload_version} needs {need})"
    )


def _silent(line: str) -> None:
    """The report of a caller that wants none."""
