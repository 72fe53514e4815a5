"""The local AWS endpoint (``--services-port``): the Lambda Invoke API, and AWS errors for the rest.

Lambda's ``POST /2015-03-31/functions/{name}/invocations`` goes to the Invoke API
(`lambdakit.local.invoke_api`). Any other request — another Lambda operation, or another
service an SDK sent here through ``AWS_ENDPOINT_URL`` — gets a 404 ``UnknownOperationException``
shaped so that the SDK raises it with our message: the ``X-Amzn-ErrorType`` header and a JSON
body with ``__type`` (JSON and REST-JSON protocols: DynamoDB, SQS, Lambda...), or an XML
``ErrorResponse`` for the XML protocols (a form-encoded query request: SNS, STS...; S3). The
message names the service, read from the request's SigV4 credential scope.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

from aiohttp import web

from lambdakit.local.invocation import new_request_id
from lambdakit.local.invoke_api import invoke_application
from lambdakit.local.lambda_service import LambdaService

UNKNOWN_OPERATION = "UnknownOperationException"
_XML_SERVICES = frozenset({"s3", "route53", "cloudfront"})
"""REST-XML services; query-protocol services are told apart by their form-encoded body."""


def services_application(service: LambdaService) -> web.Application:
    """The Invoke API of `service`, and ``UnknownOperationException`` for everything else."""
    app = invoke_application(service)
    app.router.add_route("*", "/{tail:.*}", _unknown_operation)
    return app


def service_of(authorization: str | None) -> str | None:
    """The service a SigV4 ``Authorization`` header signs for (``dynamodb``...), or None."""
    if not authorization or "Credential=" not in authorization:
        return None
    scope = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
    return scope[3] if len(scope) >= 5 else None


def unknown_operation_message(service: str | None, method: str, path: str) -> str:
    """What the SDK shows for a request lambdakit local does not serve."""
    what = f"{service} ({method} {path})" if service else f"{method} {path}"
    return (
        f"lambdakit local does not emulate {what} yet; this endpoint serves only the"
        " Lambda Invoke API"
    )


async def _unknown_operation(request: web.Request) -> web.Response:
    request_id = new_request_id()
    service = service_of(request.headers.get("Authorization"))
    message = unknown_operation_message(service, request.method, request.path)
    headers = {"X-Amzn-ErrorType": UNKNOWN_OPERATION, "X-Amzn-RequestId": request_id}
    form = "x-www-form-urlencoded" in request.headers.get("Content-Type", "")
    if not form and service not in _XML_SERVICES:
        body = json.dumps({"__type": UNKNOWN_OPERATION, "message": message})
        return web.Response(
            status=404, text=body, content_type="application/x-amz-json-1.1", headers=headers
        )
    xml = (
        "<ErrorResponse><Error><Type>Sender</Type>"
        f"<Code>{UNKNOWN_OPERATION}</Code><Message>{escape(message)}</Message>"
        f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return web.Response(status=404, text=xml, content_type="text/xml", headers=headers)
