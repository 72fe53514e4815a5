"""The Lambda Invoke API over HTTP, as boto3's Lambda client calls it (FIDELITY §2.6, §3).

``POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=Q]`` with
``X-Amz-Invocation-Type`` (RequestResponse | Event | DryRun → 200 | 202 | 204),
``X-Amz-Log-Type: Tail`` (last 4 KB of the log, base64, in ``X-Amz-Log-Result``) and
``X-Amz-Client-Context`` (base64 JSON, passed to sync invokes only). Function errors are 200 with
``X-Amz-Function-Error``; refusals carry ``X-Amzn-ErrorType``, which boto3 raises as the named
exception (``ResourceNotFoundException``, ``RequestTooLargeException``...).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import cast

from aiohttp import web

from lambdakit.local.invocation import Invocation, InvokeRejectedError
from lambdakit.local.lambda_service import InvocationType, LambdaService

INVOKE_PATH = "/2015-03-31/functions/{name}/invocations"
_TYPES = ("RequestResponse", "Event", "DryRun")
_BODY_LIMIT = 16 * 1024 * 1024


def rejection(error: InvokeRejectedError) -> web.Response:
    """The service's refusal, shaped as Lambda's REST-JSON error."""
    body: dict[str, str] = {"Type": "User", "message": error.message}
    if error.reason:
        body["Reason"] = error.reason
    return web.json_response(
        body,
        status=error.status,
        headers={"X-Amzn-ErrorType": error.error_type, "X-Amzn-RequestId": "local"},
    )


def invoke_routes(service: LambdaService) -> web.RouteTableDef:
    """The routes of the Invoke API, bound to `service`."""
    routes = web.RouteTableDef()

    @routes.post(INVOKE_PATH)
    async def invoke(request: web.Request) -> web.Response:
        try:
            return await _invoke(service, request)
        except InvokeRejectedError as error:
            return rejection(error)

    return routes


def invoke_application(service: LambdaService) -> web.Application:
    """An aiohttp application serving the Invoke API of `service`."""
    app = web.Application(client_max_size=_BODY_LIMIT)
    app.add_routes(invoke_routes(service))
    return app


async def _invoke(service: LambdaService, request: web.Request) -> web.Response:
    kind = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
    if kind not in _TYPES:
        raise InvokeRejectedError(
            400,
            "InvalidParameterValueException",
            f"Unsupported invocation type {kind!r}; use RequestResponse, Event or DryRun.",
        )
    invocation_type = cast(InvocationType, kind)
    client_context = None
    if invocation_type == "RequestResponse":
        client_context = _client_context(request.headers.get("X-Amz-Client-Context"))
    invocation = Invocation(
        payload=await request.read(),
        qualifier=request.query.get("Qualifier") or None,
        client_context=client_context,
        trace_id=request.headers.get("X-Amzn-Trace-Id"),
    )
    result = await service.invoke(request.match_info["name"], invocation, invocation_type)
    if invocation_type == "Event":
        return web.Response(status=202)
    if invocation_type == "DryRun" or result is None:
        return web.Response(status=204)
    headers = {
        "X-Amz-Executed-Version": result.executed_version,
        "X-Amzn-RequestId": result.request_id,
    }
    if result.function_error:
        headers["X-Amz-Function-Error"] = result.function_error
    if request.headers.get("X-Amz-Log-Type", "None") == "Tail":
        headers["X-Amz-Log-Result"] = base64.b64encode(result.log_tail).decode()
    return web.Response(
        status=200, body=result.payload, headers=headers, content_type=_mime(result.content_type)
    )


def _mime(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip() or "application/json"


def _client_context(header: str | None) -> str | None:
    """The client context JSON from its base64 header (FIDELITY 2.3.6), or None."""
    if not header:
        return None
    try:
        text = base64.b64decode(header, validate=True).decode()
        json.loads(text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvokeRejectedError(
            400,
            "InvalidRequestContentException",
            "Client context must be a valid Base64-encoded JSON object.",
        ) from None
    if len(header) > 3583:
        raise InvokeRejectedError(
            400,
            "InvalidRequestContentException",
            "Client context must be at most 3583 bytes when Base64-encoded.",
        )
    return text
