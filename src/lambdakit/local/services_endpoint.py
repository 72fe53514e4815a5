"""The local AWS endpoint (``--services-port``): Lambda's API here, every other service upstream.

Stages per request: is it for Lambda? (the SigV4 credential scope names ``lambda`` — in the
``Authorization`` header or a presigned URL's ``X-Amz-Credential`` — or, unsigned, the path is
Lambda's ``/2015-03-31/...``) → Lambda's ``POST /2015-03-31/functions/{name}/invocations`` goes
to the Invoke API (`lambdakit.local.invoke_api`), ListFunctions, GetFunction and
GetFunctionConfiguration describe the app's functions (`lambdakit.local.functions_api`), and
another Lambda operation gets an ``UnknownOperationException`` naming it (moto's Lambda would not
know the app's functions) → anything else goes, unchanged, to the `upstream` (the moto server;
`lambdakit.local.edge_proxy`) → without an upstream, or when it does not answer, an AWS error
(404 or 502).

AWS errors are shaped so that the SDK raises them with our message: the ``X-Amzn-ErrorType``
header and a JSON body with ``__type`` (JSON and REST-JSON protocols: DynamoDB, SQS, Lambda...),
or an XML ``ErrorResponse`` for the XML protocols (a form-encoded query request: SNS, STS...; S3).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from urllib.parse import unquote
from xml.sax.saxutils import escape

from aiohttp import web
from aiohttp.typedefs import Handler

from lambdakit.local.edge_calls import BODY_LIMIT, AwsCall, EdgeObserver
from lambdakit.local.edge_proxy import UpstreamPool, UpstreamUnavailableError
from lambdakit.local.functions_api import function_routes
from lambdakit.local.invocation import new_request_id
from lambdakit.local.invoke_api import invoke_application
from lambdakit.local.lambda_service import LambdaService

UNKNOWN_OPERATION = "UnknownOperationException"
BAD_GATEWAY = "BadGateway"
_XML_SERVICES = frozenset({"s3", "route53", "cloudfront"})
"""REST-XML services; query-protocol services are told apart by their form-encoded body."""


def services_application(
    service: LambdaService,
    *,
    upstream: str | None = None,
    observers: Sequence[EdgeObserver] = (),
) -> web.Application:
    """Lambda's API of `service`; the rest proxied to `upstream` (None: ``UnknownOperation``).

    Each call forwarded with a 2xx answer is reported to every one of `observers`.
    """
    app = invoke_application(service)
    pool = UpstreamPool(upstream) if upstream is not None else None

    @web.middleware
    async def edge(request: web.Request, handler: Handler) -> web.StreamResponse:
        if is_lambda_request(request):
            return await handler(request)
        if pool is None:
            return _not_served(request)
        try:
            if not observers:
                return await pool.forward(request)
            body = await _small_body(request)
            response = await pool.forward(request, body)
        except UpstreamUnavailableError as error:
            message = (
                f"the local AWS endpoint http://{request.host} could not reach its services at"
                f" {error.upstream} ({error.reason}); is `lambdakit local` still running?"
            )
            return aws_error(request, 502, BAD_GATEWAY, message)
        if 200 <= response.status < 300:
            call = _call(request, body, response)
            for observer in observers:
                observer.observed(call)
        return response

    if pool is not None:
        app.cleanup_ctx.append(pool.context)
    app.middlewares.append(edge)
    app.add_routes(function_routes(service))
    app.router.add_route("*", "/{tail:.*}", _unknown_lambda_operation)
    return app


async def _small_body(request: web.Request) -> bytes | None:
    """The body, read, when it is small and says so up front; else None (it will stream)."""
    if not request.body_exists:
        return b""
    length = request.content_length
    if length is None or length > BODY_LIMIT:
        return None
    return await request.read()


def _call(request: web.Request, body: bytes | None, response: web.StreamResponse) -> AwsCall:
    payload = response.body if isinstance(response, web.Response) else None
    return AwsCall(
        service=signing_service(request),
        method=request.method,
        host=request.host,
        path=request.raw_path.split("?", 1)[0],
        query=request.query_string,
        headers=request.headers,
        body=body,
        status=response.status,
        response_headers=response.headers,
        response_body=payload if isinstance(payload, bytes) else None,
    )


def service_of(authorization: str | None) -> str | None:
    """The service a SigV4 ``Authorization`` header signs for (``dynamodb``...), or None."""
    if not authorization or "Credential=" not in authorization:
        return None
    scope = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
    return scope[3] if len(scope) >= 5 else None


def signing_service(request: web.Request) -> str | None:
    """The service a request is signed for: its ``Authorization`` header or presigned URL."""
    signed = service_of(request.headers.get("Authorization"))
    if signed is None and "X-Amz-Credential" in request.query:
        signed = service_of("Credential=" + request.query["X-Amz-Credential"])
    return signed


def is_lambda_request(request: web.Request) -> bool:
    """Whether `request` is for Lambda: SigV4-signed for ``lambda``, or unsigned on its paths."""
    signed = signing_service(request)
    if signed is not None:
        return signed == "lambda"
    if "Authorization" in request.headers or "AWSAccessKeyId" in request.query:
        return False  # signed otherwise (S3's SigV2): Lambda accepts SigV4 only
    return request.path.startswith(_LAMBDA_PATHS)


_LAMBDA_PATHS = ("/2015-03-31/", "/2014-11-13/", "/2021-11-15/")
_FUNCTION = "/2015-03-31/functions/[^/]+"
_LAMBDA_OPERATIONS = tuple(
    (method, re.compile(pattern + "/?$"), name)
    for method, pattern, name in (
        ("GET", "/2015-03-31/functions", "ListFunctions"),
        ("POST", "/2015-03-31/functions", "CreateFunction"),
        ("GET", _FUNCTION, "GetFunction"),
        ("DELETE", _FUNCTION, "DeleteFunction"),
        ("GET", _FUNCTION + "/configuration", "GetFunctionConfiguration"),
        ("PUT", _FUNCTION + "/configuration", "UpdateFunctionConfiguration"),
        ("PUT", _FUNCTION + "/code", "UpdateFunctionCode"),
        ("GET", _FUNCTION + "/versions", "ListVersionsByFunction"),
        ("POST", _FUNCTION + "/versions", "PublishVersion"),
        ("GET", _FUNCTION + "/aliases", "ListAliases"),
        ("POST", _FUNCTION + "/aliases", "CreateAlias"),
        ("GET", _FUNCTION + "/policy", "GetPolicy"),
        ("POST", _FUNCTION + "/policy", "AddPermission"),
        ("GET", "/2015-03-31/event-source-mappings", "ListEventSourceMappings"),
        ("POST", "/2015-03-31/event-source-mappings", "CreateEventSourceMapping"),
        ("POST", "/2014-11-13/functions/[^/]+/invoke-async", "InvokeAsync"),
        (
            "POST",
            "/2021-11-15/functions/[^/]+/response-streaming-invocations",
            "InvokeWithResponseStream",
        ),
    )
)


def lambda_operation(method: str, path: str) -> str | None:
    """The Lambda operation a REST call names (``GetFunction``...), when we know it."""
    for wanted, pattern, name in _LAMBDA_OPERATIONS:
        if method == wanted and pattern.match(path):
            return name
    return None


def unknown_operation_message(service: str | None, method: str, path: str) -> str:
    """What the SDK shows for a request lambdakit local does not serve."""
    what = f"{service} ({method} {path})" if service else f"{method} {path}"
    return (
        f"lambdakit local does not emulate {what} yet; this endpoint serves only the"
        " Lambda Invoke API"
    )


def aws_error(request: web.Request, status: int, code: str, message: str) -> web.Response:
    """An AWS error in the protocol of `request`'s service, so its SDK raises `code`."""
    request_id = new_request_id()
    service = signing_service(request)
    headers = {"X-Amzn-ErrorType": code, "X-Amzn-RequestId": request_id}
    form = "x-www-form-urlencoded" in request.headers.get("Content-Type", "")
    if not form and service not in _XML_SERVICES:
        body = json.dumps({"__type": code, "message": message})
        return web.Response(
            status=status, text=body, content_type="application/x-amz-json-1.1", headers=headers
        )
    xml = (
        "<ErrorResponse><Error><Type>Sender</Type>"
        f"<Code>{code}</Code><Message>{escape(message)}</Message>"
        f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return web.Response(status=status, text=xml, content_type="text/xml", headers=headers)


def _not_served(request: web.Request) -> web.Response:
    service = signing_service(request)
    message = unknown_operation_message(service, request.method, request.path)
    return aws_error(request, 404, UNKNOWN_OPERATION, message)


async def _unknown_lambda_operation(request: web.Request) -> web.Response:
    operation = lambda_operation(request.method, request.path)
    what = f"{request.method} {unquote(request.path)}"
    named = f"Lambda's {operation} ({what})" if operation else f"the Lambda API call {what}"
    message = (
        f"lambdakit local does not emulate {named}; for Lambda it serves Invoke"
        " and ListFunctions, GetFunction, GetFunctionConfiguration (the app's functions)"
    )
    return aws_error(request, 404, UNKNOWN_OPERATION, message)
