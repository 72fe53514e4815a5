"""CORS: answer browser preflights from a route's `Cors`, and the headers added to real responses.

API Gateway HTTP APIs and function URLs answer ``OPTIONS`` preflights themselves when CORS is
configured (the function is not invoked); SAM's REST ``Cors`` property adds an ``OPTIONS`` mock
integration that does the same. A disallowed origin or method gets the preflight status without
any ``Access-Control-*`` header, so the browser refuses it, as API Gateway does [INFERRED].
``"*"`` origins are echoed as the request's origin when credentials are allowed (browsers reject
``*`` with credentials).
"""

from __future__ import annotations

from lambdakit.local.gateway_http import HttpRequest, HttpResponse
from lambdakit.model.http import ApiKind, Cors

_ALL = frozenset({"*", "ANY"})


def _allowed_origin(cors: Cors, origin: str) -> str | None:
    if origin in cors.allow_origins:
        return origin
    if "*" in cors.allow_origins:
        return origin if cors.allow_credentials else "*"
    return None


def cors_headers(cors: Cors | None, origin: str | None) -> tuple[tuple[str, str], ...]:
    """The ``Access-Control-*`` headers added to an actual response for ``origin``."""
    if cors is None or origin is None:
        return ()
    allowed = _allowed_origin(cors, origin)
    if allowed is None:
        return ()
    headers = [("Access-Control-Allow-Origin", allowed)]
    if allowed != "*":
        headers.append(("Vary", "Origin"))
    if cors.expose_headers:
        headers.append(("Access-Control-Expose-Headers", ",".join(cors.expose_headers)))
    if cors.allow_credentials:
        headers.append(("Access-Control-Allow-Credentials", "true"))
    return tuple(headers)


def is_preflight(request: HttpRequest) -> bool:
    """``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``: a browser preflight."""
    return (
        request.method.upper() == "OPTIONS"
        and request.header("origin") is not None
        and request.header("access-control-request-method") is not None
    )


def preflight(
    cors: Cors | None,
    request: HttpRequest,
    *,
    api_kind: ApiKind,
    route_methods: frozenset[str] = frozenset(),
) -> HttpResponse | None:
    """The answer to a CORS preflight, or None when this is no preflight or there is no CORS.

    ``route_methods`` (from `Router.allowed_methods`) stands in when ``cors.allow_methods`` is
    empty. REST mock integrations answer 200; HTTP APIs and function URLs answer 204.
    """
    if cors is None or not is_preflight(request):
        return None
    status = 200 if api_kind is ApiKind.REST else 204
    origin = request.header("origin") or ""
    requested = (request.header("access-control-request-method") or "").upper()
    methods = tuple(m.upper() for m in cors.allow_methods) or tuple(sorted(route_methods))
    allowed_origin = _allowed_origin(cors, origin)
    if allowed_origin is None or not (_ALL & set(methods) or requested in methods):
        return HttpResponse(status=status)
    headers = [("Access-Control-Allow-Origin", allowed_origin)]
    if allowed_origin != "*":
        headers.append(("Vary", "Origin"))
    wildcard_methods = bool(_ALL & set(methods))
    headers.append(
        ("Access-Control-Allow-Methods", requested if wildcard_methods else ",".join(methods))
    )
    asked = request.header("access-control-request-headers")
    if "*" in cors.allow_headers and asked:
        headers.append(("Access-Control-Allow-Headers", asked))
    elif cors.allow_headers:
        headers.append(("Access-Control-Allow-Headers", ",".join(cors.allow_headers)))
    if cors.max_age is not None:
        headers.append(("Access-Control-Max-Age", str(cors.max_age)))
    if cors.allow_credentials:
        headers.append(("Access-Control-Allow-Credentials", "true"))
    return HttpResponse(status=status, headers=tuple(headers))
