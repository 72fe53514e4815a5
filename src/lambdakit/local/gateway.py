"""API Gateway and function URLs on this machine: routing and payload 1.0/2.0 mapping.

A request goes through pure stages; the HTTP server (I/O) and the invoke (I/O) sit at the ends:

1. ``Router.match(method, path)`` → `Match` (route, stage, path parameters) or None, which the
   server answers with ``error_response("not-found")`` (403 REST / 404 HTTP API).
   ``OPTIONS`` preflights are answered first by ``preflight(router.cors_for(path), ...)``.
2. ``to_event(match, request, ...)`` → the Lambda event, payload 1.0 (FIDELITY 4.1.1) or 2.0
   (FIDELITY 4.2.1), by the route's ``payload_version``.
3. The caller invokes the function (not here), within ``integration_timeout(api_kind)``.
4. ``to_response(result, ...)`` → `HttpResponse` (FIDELITY 4.1.2/4.1.3/4.2.2), or
   ``error_response(...)`` for a function error (502), timeout (504), throttle (429) or a
   rejected invoke (500); then ``cors_headers(cors, origin)`` are added with
   ``HttpResponse.with_headers``.

The stages live in ``gateway_routes``, ``gateway_events``, ``gateway_responses`` and
``gateway_cors``; this module is the one place to import them from.
"""

from __future__ import annotations

from lambdakit.local.gateway_cors import cors_headers, is_preflight, preflight
from lambdakit.local.gateway_events import is_binary, route_key, to_event
from lambdakit.local.gateway_http import HttpRequest, HttpResponse
from lambdakit.local.gateway_responses import (
    HTTP_TIMEOUT_SECONDS,
    REST_TIMEOUT_SECONDS,
    ErrorKind,
    error_response,
    integration_timeout,
    to_response,
)
from lambdakit.local.gateway_routes import Match, Router

__all__ = [
    "HTTP_TIMEOUT_SECONDS",
    "REST_TIMEOUT_SECONDS",
    "ErrorKind",
    "HttpRequest",
    "HttpResponse",
    "Match",
    "Router",
    "cors_headers",
    "error_response",
    "integration_timeout",
    "is_binary",
    "is_preflight",
    "preflight",
    "route_key",
    "to_event",
    "to_response",
]
