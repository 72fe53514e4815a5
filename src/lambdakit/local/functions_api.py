"""Lambda's read-only function calls over HTTP: ListFunctions, GetFunction, its configuration.

They describe the app's functions as the local service runs them, so a user's script
(``boto3.client("lambda").list_functions()``) finds them. What lambdakit does not know about a
function (its code's size and hash, its role, when it was last deployed) is left out rather than
made up; there is one page (no ``NextMarker``) and one version, ``$LATEST``.
"""

from __future__ import annotations

import math
from typing import Any

from aiohttp import web

from lambdakit.local.function_spec import LocalFunction
from lambdakit.local.invocation import InvokeRejectedError
from lambdakit.local.invoke_api import rejection
from lambdakit.local.lambda_service import LambdaService

FUNCTIONS_PATH = "/2015-03-31/functions"


def configuration(function: LocalFunction, qualifier: str | None = None) -> dict[str, Any]:
    """Lambda's ``FunctionConfiguration`` of `function` (its ARN qualified by `qualifier`)."""
    logging: dict[str, str] = {
        "LogFormat": function.log_format,
        "LogGroup": function.log_group_name,
    }
    if function.application_log_level:
        logging["ApplicationLogLevel"] = function.application_log_level
    if function.system_log_level:
        logging["SystemLogLevel"] = function.system_log_level
    return {
        "FunctionName": function.name,
        "FunctionArn": function.qualified_arn(qualifier),
        "Runtime": function.runtime,
        "Handler": function.handler,
        "Timeout": math.ceil(function.timeout_seconds),
        "MemorySize": function.memory_mb,
        "Version": "$LATEST",
        "Environment": {"Variables": dict(function.environment)},
        "EphemeralStorage": {"Size": function.ephemeral_storage_mb},
        "TracingConfig": {"Mode": "PassThrough"},
        "PackageType": "Zip",
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "LoggingConfig": logging,
    }


def function_routes(service: LambdaService) -> web.RouteTableDef:
    """The routes of ListFunctions, GetFunction and GetFunctionConfiguration on `service`."""
    routes = web.RouteTableDef()

    @routes.get(FUNCTIONS_PATH)
    @routes.get(FUNCTIONS_PATH + "/")
    async def list_functions(request: web.Request) -> web.Response:
        functions = [configuration(fn) for fn in service.functions.values()]
        return web.json_response({"Functions": functions})

    @routes.get(FUNCTIONS_PATH + "/{name}")
    async def get_function(request: web.Request) -> web.Response:
        try:
            function, qualifier = _resolve(service, request)
        except InvokeRejectedError as error:
            return rejection(error)
        document: dict[str, Any] = {"Configuration": configuration(function, qualifier)}
        if function.reserved_concurrency is not None:
            document["Concurrency"] = {
                "ReservedConcurrentExecutions": function.reserved_concurrency
            }
        return web.json_response(document)

    @routes.get(FUNCTIONS_PATH + "/{name}/configuration")
    async def get_configuration(request: web.Request) -> web.Response:
        try:
            function, qualifier = _resolve(service, request)
        except InvokeRejectedError as error:
            return rejection(error)
        return web.json_response(configuration(function, qualifier))

    return routes


def _resolve(service: LambdaService, request: web.Request) -> tuple[LocalFunction, str | None]:
    return service.resolve(request.match_info["name"], request.query.get("Qualifier") or None)
