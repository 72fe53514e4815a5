"""Every HTTP route of a stack: API Gateway REST and HTTP APIs, and Lambda function URLs.

`extract_routes` walks the resources once, in template order:
- ``AWS::ApiGateway::RestApi`` (payload 1.0): the routes of its OpenAPI ``Body`` (`cfn_openapi`,
  what SAM's ``Api`` events produce), then the ``AWS::ApiGateway::Method``s of its
  ``AWS::ApiGateway::Resource`` tree (what CDK's ``RestApi``/``LambdaRestApi`` synthesize);
- ``AWS::ApiGatewayV2::Api`` with protocol HTTP: quick create (``Target``), the routes of its
  ``Body`` (SAM's ``HttpApi``), then its ``AWS::ApiGatewayV2::Route`` + ``Integration`` pairs
  (CDK's ``HttpApi``). WebSocket APIs have no HTTP routes and are left to the resources list;
- ``AWS::Lambda::Url``: one catch-all route to its function, payload 2.0.
A route whose integration invokes something other than one of the app's functions is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from lambdakit.errors import CircularReferenceError, TemplateError
from lambdakit.model import ApiKind, Authorizer, Cors, GetAtt, Ref, Route, Value
from lambdakit.sources.cfn_openapi import ApiSettings, openapi_routes
from lambdakit.sources.cfn_props import items, mapping, required_str, upper_str, where
from lambdakit.sources.cfn_route_parts import (
    IAM,
    cors_from_config,
    cors_from_headers,
    invoked_function,
    normalize_method,
    normalize_path,
    payload_version,
)
from lambdakit.sources.coerce import as_str
from lambdakit.sources.resolved import ResolvedResource, ResolvedStack

REST_API = "AWS::ApiGateway::RestApi"
HTTP_API = "AWS::ApiGatewayV2::Api"
FUNCTION_URL = "AWS::Lambda::Url"


def extract_routes(stack: ResolvedStack) -> tuple[Route, ...]:
    """All routes of the stack that invoke one of its functions, in template order."""
    routes: list[Route] = []
    for res in stack.resources.values():
        if res.type == REST_API:
            routes.extend(_rest_api_routes(stack, res))
        elif res.type == HTTP_API:
            routes.extend(_http_api_routes(stack, res))
        elif res.type == FUNCTION_URL:
            routes.extend(_function_url_routes(stack, res))
    return tuple(routes)


def _belongs_to(stack: ResolvedStack, res: ResolvedResource, prop: str, api_id: str) -> bool:
    return stack.referenced(res.prop(prop)) == api_id


# --------------------------------------------------------------------------- function URLs


def _function_url_routes(stack: ResolvedStack, url: ResolvedResource) -> list[Route]:
    if url.prop("TargetFunctionArn") is None:
        raise TemplateError(
            f"{where(stack, url.logical_id, 'TargetFunctionArn')}: required property is missing"
        )
    if url.prop("AuthType") is None:
        raise TemplateError(
            f"{where(stack, url.logical_id, 'AuthType')}: required property is missing",
            hint="set AuthType: NONE (public) or AWS_IAM",
        )
    auth_type = upper_str(url.prop("AuthType"), where(stack, url.logical_id, "AuthType"))
    if auth_type not in (None, "NONE", "AWS_IAM"):
        raise TemplateError(
            f"{where(stack, url.logical_id, 'AuthType')}: must be NONE or AWS_IAM, "
            f"got {auth_type!r}"
        )
    function = stack.target_function(url.prop("TargetFunctionArn"))
    if function is None:
        return []
    return [
        Route(
            api=function,
            api_kind=ApiKind.FUNCTION_URL,
            payload_version="2.0",
            method="ANY",
            path="/{proxy+}",
            function=stack.context.function_id(function),
            cors=cors_from_config(url.prop("Cors"), where(stack, url.logical_id, "Cors")),
            authorizer=IAM if auth_type == "AWS_IAM" else None,
            origin=stack.context.origin(url.logical_id),
        )
    ]


# --------------------------------------------------------------------------- REST APIs (v1)


def _rest_api_routes(stack: ResolvedStack, api: ResolvedResource) -> list[Route]:
    settings = ApiSettings(api.logical_id, ApiKind.REST, _rest_stage(stack, api.logical_id))
    routes = openapi_routes(stack, settings, api.prop("Body"))
    methods = [
        m
        for m in stack.of_type("AWS::ApiGateway::Method")
        if _belongs_to(stack, m, "RestApiId", api.logical_id)
    ]
    if not methods:
        return routes
    tree = _ResourceTree(stack, api.logical_id)
    preflight = _method_preflight_cors(stack, methods, tree)
    for method in methods:
        route = _method_route(stack, method, tree, preflight, settings.stage)
        if route is not None:
            routes.append(route)
    return routes


def _rest_stage(stack: ResolvedStack, api_id: str) -> str | None:
    """The stage a REST API is served at: a ``Stage`` resource, else a ``Deployment``'s."""
    for kind in ("AWS::ApiGateway::Stage", "AWS::ApiGateway::Deployment"):
        for res in stack.of_type(kind):
            name = as_str(res.prop("StageName"), where(stack, res.logical_id, "StageName"))
            if name and _belongs_to(stack, res, "RestApiId", api_id):
                return name
    return None


class _ResourceTree:
    """The paths of one REST API's ``AWS::ApiGateway::Resource``s (``ParentId`` + ``PathPart``)."""

    def __init__(self, stack: ResolvedStack, api_id: str) -> None:
        self.stack = stack
        self.api_id = api_id
        self.resources = {
            r.logical_id: r
            for r in stack.of_type("AWS::ApiGateway::Resource")
            if _belongs_to(stack, r, "RestApiId", api_id)
        }
        self._paths: dict[str, str | None] = {}

    def path(self, resource_id: Value) -> str | None:
        """The path of a ``ResourceId``/``ParentId``; None when it is not in this template."""
        if resource_id == GetAtt(self.api_id, "RootResourceId"):
            return "/"
        if isinstance(resource_id, Ref) and resource_id.logical_id in self.resources:
            return self._path_of(resource_id.logical_id, ())
        return None

    def _path_of(self, logical_id: str, trail: tuple[str, ...]) -> str | None:
        if logical_id in self._paths:
            return self._paths[logical_id]
        if logical_id in trail:
            cycle = " -> ".join((*trail, logical_id))
            raise CircularReferenceError(
                f"{self.stack.context.file}: API Gateway resources are their own parents: {cycle}"
            )
        res = self.resources[logical_id]
        part = required_str(self.stack, res, "PathPart")
        parent = res.prop("ParentId")
        if parent == GetAtt(self.api_id, "RootResourceId"):
            base: str | None = "/"
        elif isinstance(parent, Ref) and parent.logical_id in self.resources:
            base = self._path_of(parent.logical_id, (*trail, logical_id))
        else:
            base = None
        path = normalize_path(f"{base}/{part}") if base is not None and part else None
        self._paths[logical_id] = path
        return path


def _method_route(
    stack: ResolvedStack,
    method: ResolvedResource,
    tree: _ResourceTree,
    preflight: Mapping[str, Cors],
    stage: str | None,
) -> Route | None:
    http_method = required_str(stack, method, "HttpMethod")
    if http_method is None:
        return None
    verb = normalize_method(http_method)
    if verb is None:
        raise TemplateError(
            f"{where(stack, method.logical_id, 'HttpMethod')}: {http_method!r} is not an HTTP "
            "method (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY)"
        )
    integration = mapping(method.prop("Integration"))
    place = where(stack, method.logical_id, "Integration.Type")
    if upper_str(integration.get("Type"), place) != "AWS_PROXY":
        return None
    function = invoked_function(stack, integration.get("Uri"))
    path = tree.path(method.prop("ResourceId"))
    if function is None or path is None:
        return None
    return Route(
        api=tree.api_id,
        api_kind=ApiKind.REST,
        payload_version="1.0",
        method=verb,
        path=path,
        function=stack.context.function_id(function),
        stage=stage,
        cors=preflight.get(path),
        authorizer=_rest_method_authorizer(stack, method),
        origin=stack.context.origin(method.logical_id),
    )


def _method_preflight_cors(
    stack: ResolvedStack, methods: list[ResolvedResource], tree: _ResourceTree
) -> dict[str, Cors]:
    """Path -> CORS, from OPTIONS methods with a MOCK integration (CDK's preflight shape)."""
    found: dict[str, Cors] = {}
    for method in methods:
        integration = mapping(method.prop("Integration"))
        place = where(stack, method.logical_id, "Integration")
        is_options = upper_str(method.prop("HttpMethod"), place) == "OPTIONS"
        if not is_options or upper_str(integration.get("Type"), place) != "MOCK":
            continue
        path = tree.path(method.prop("ResourceId"))
        responses = items(integration.get("IntegrationResponses"), f"{place}.IntegrationResponses")
        for response in responses:
            cors = cors_from_headers(mapping(response).get("ResponseParameters"))
            if cors is not None and path is not None:
                found.setdefault(path, cors)
    return found


def _rest_method_authorizer(stack: ResolvedStack, method: ResolvedResource) -> Authorizer | None:
    place = where(stack, method.logical_id, "AuthorizationType")
    auth_type = upper_str(method.prop("AuthorizationType"), place) or "NONE"
    if auth_type == "NONE":
        return None
    if auth_type == "AWS_IAM":
        return IAM
    auth = stack.get(stack.referenced(method.prop("AuthorizerId")))
    if auth is None or auth.type != "AWS::ApiGateway::Authorizer":
        return None
    name = as_str(auth.prop("Name"), where(stack, auth.logical_id, "Name")) or auth.logical_id
    kind = required_str(stack, auth, "Type")
    if kind is None:
        return None
    if kind.upper() in ("TOKEN", "REQUEST"):
        function = invoked_function(stack, auth.prop("AuthorizerUri"))
        fn_id = stack.context.function_id(function) if function else None
        return Authorizer(name=name, type="lambda", function=fn_id)
    if kind.upper() == "COGNITO_USER_POOLS":
        return Authorizer(name=name, type="cognito")
    raise TemplateError(
        f"{where(stack, auth.logical_id, 'Type')}: must be TOKEN, REQUEST or COGNITO_USER_POOLS, "
        f"got {kind!r}"
    )


# --------------------------------------------------------------------------- HTTP APIs (v2)


def _http_api_routes(stack: ResolvedStack, api: ResolvedResource) -> list[Route]:
    protocol = upper_str(api.prop("ProtocolType"), where(stack, api.logical_id, "ProtocolType"))
    if protocol == "WEBSOCKET":
        return []
    if protocol not in (None, "HTTP"):
        raise TemplateError(
            f"{where(stack, api.logical_id, 'ProtocolType')}: must be HTTP or WEBSOCKET, "
            f"got {protocol!r}"
        )
    body = mapping(api.prop("Body"))
    cors = cors_from_config(
        api.prop("CorsConfiguration"), where(stack, api.logical_id, "CorsConfiguration")
    ) or cors_from_config(
        body.get("x-amazon-apigateway-cors"),
        where(stack, api.logical_id, "Body.x-amazon-apigateway-cors"),
    )
    settings = ApiSettings(api.logical_id, ApiKind.HTTP, _http_stage(stack, api.logical_id), cors)
    routes = _quick_create_routes(stack, api, settings)
    routes.extend(openapi_routes(stack, settings, api.prop("Body")))
    for route in stack.of_type("AWS::ApiGatewayV2::Route"):
        if _belongs_to(stack, route, "ApiId", api.logical_id):
            found = _v2_route(stack, route, settings)
            if found is not None:
                routes.append(found)
    return routes


def _http_stage(stack: ResolvedStack, api_id: str) -> str:
    """``$default`` when the API has that stage (or no stage resource), else its first stage."""
    names = [
        name
        for res in stack.of_type("AWS::ApiGatewayV2::Stage")
        if _belongs_to(stack, res, "ApiId", api_id)
        and (name := as_str(res.prop("StageName"), where(stack, res.logical_id, "StageName")))
    ]
    return "$default" if not names or "$default" in names else names[0]


def _quick_create_routes(
    stack: ResolvedStack, api: ResolvedResource, settings: ApiSettings
) -> list[Route]:
    """``Target`` on the API: a route (``RouteKey``, default ``$default``) on stage ``$default``."""
    function = stack.target_function(api.prop("Target"))
    if function is None:
        return []
    place = where(stack, api.logical_id, "RouteKey")
    route_key = as_str(api.prop("RouteKey"), place) or "$default"
    method, path = _parse_route_key(route_key, place)
    return [
        Route(
            api=api.logical_id,
            api_kind=ApiKind.HTTP,
            payload_version="2.0",
            method=method,
            path=path,
            function=stack.context.function_id(function),
            stage="$default",
            cors=settings.cors,
            authorizer=None,
            origin=stack.context.origin(api.logical_id),
        )
    ]


def _parse_route_key(route_key: str, place: str) -> tuple[str, str]:
    """``GET /items/{id}`` -> (``GET``, ``/items/{id}``); ``$default`` -> ``ANY $default``."""
    if route_key.strip() == "$default":
        return "ANY", "$default"
    method, _, path = route_key.strip().partition(" ")
    verb = normalize_method(method)
    if verb is None or not path.strip().startswith("/"):
        raise TemplateError(
            f"{place}: {route_key!r} is not a route key",
            hint='write "$default" or "<METHOD> <path>", e.g. "GET /items/{id}" or "ANY /{proxy+}"',
        )
    return verb, normalize_path(path)


def _v2_route(stack: ResolvedStack, route: ResolvedResource, api: ApiSettings) -> Route | None:
    route_key = required_str(stack, route, "RouteKey")
    integration = stack.get(stack.referenced(route.prop("Target")))
    if route_key is None or integration is None:
        return None
    if integration.type != "AWS::ApiGatewayV2::Integration":
        return None
    place = where(stack, integration.logical_id, "IntegrationType")
    if upper_str(integration.prop("IntegrationType"), place) != "AWS_PROXY":
        return None
    function = invoked_function(stack, integration.prop("IntegrationUri"))
    if function is None:
        return None
    method, path = _parse_route_key(route_key, where(stack, route.logical_id, "RouteKey"))
    payload: Literal["1.0", "2.0"] = payload_version(
        integration.prop("PayloadFormatVersion"),
        where(stack, integration.logical_id, "PayloadFormatVersion"),
        "2.0",
    )
    return Route(
        api=api.logical_id,
        api_kind=ApiKind.HTTP,
        payload_version=payload,
        method=method,
        path=path,
        function=stack.context.function_id(function),
        stage=api.stage,
        cors=api.cors,
        authorizer=_v2_authorizer(stack, route),
        origin=stack.context.origin(route.logical_id),
    )


def _v2_authorizer(stack: ResolvedStack, route: ResolvedResource) -> Authorizer | None:
    place = where(stack, route.logical_id, "AuthorizationType")
    auth_type = upper_str(route.prop("AuthorizationType"), place) or "NONE"
    if auth_type == "NONE":
        return None
    if auth_type == "AWS_IAM":
        return IAM
    auth = stack.get(stack.referenced(route.prop("AuthorizerId")))
    if auth is None or auth.type != "AWS::ApiGatewayV2::Authorizer":
        return None
    name = as_str(auth.prop("Name"), where(stack, auth.logical_id, "Name")) or auth.logical_id
    kind = required_str(stack, auth, "AuthorizerType")
    if kind is None:
        return None
    if kind.upper() == "JWT":
        return Authorizer(name=name, type="jwt")
    if kind.upper() == "REQUEST":
        function = invoked_function(stack, auth.prop("AuthorizerUri"))
        fn_id = stack.context.function_id(function) if function else None
        return Authorizer(name=name, type="lambda", function=fn_id)
    raise TemplateError(
        f"{where(stack, auth.logical_id, 'AuthorizerType')}: must be JWT or REQUEST for an HTTP "
        f"API, got {kind!r}"
    )
