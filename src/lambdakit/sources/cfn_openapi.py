"""Routes from the OpenAPI/Swagger document in an API's ``Body`` (SAM's output, or hand-written).

One pass over ``paths``, in document order:
- an operation whose ``x-amazon-apigateway-integration`` is a Lambda proxy (``aws_proxy``) to one
  of the app's functions is a route (``x-amazon-apigateway-any-method`` is ``ANY``; an HTTP API's
  ``$default`` path is its default route);
- an ``options`` operation with a ``mock`` integration is a CORS preflight: its static
  ``Access-Control-*`` response headers are the CORS of that path (REST APIs; HTTP APIs have one
  API-wide ``x-amazon-apigateway-cors`` that the caller passes in);
- the operation's ``security`` (else the document's) names the authorizer among the document's
  ``securityDefinitions`` (Swagger 2) or ``components.securitySchemes`` (OpenAPI 3).
A body that is not a document here (``Fn::Transform`` include, S3 location) yields no routes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lambdakit.errors import TemplateError
from lambdakit.model import ApiKind, Authorizer, Cors, Route, Value
from lambdakit.sources.cfn_props import mapping, where
from lambdakit.sources.cfn_route_parts import (
    cors_from_headers,
    invoked_function,
    normalize_method,
    normalize_path,
    payload_version,
)
from lambdakit.sources.resolved import ResolvedStack

INTEGRATION_KEY = "x-amazon-apigateway-integration"
_AUTHORIZER_KEY = "x-amazon-apigateway-authorizer"
_AUTHTYPE_KEY = "x-amazon-apigateway-authtype"


@dataclass(frozen=True)
class ApiSettings:
    """What the caller knows about the API around the document."""

    logical_id: str
    kind: ApiKind
    stage: str | None
    cors: Cors | None = None
    """API-wide CORS (HTTP APIs); REST APIs take theirs per path from preflight operations."""


def openapi_routes(stack: ResolvedStack, api: ApiSettings, body: Value) -> list[Route]:
    """The routes an OpenAPI ``Body`` defines, in document order."""
    if not isinstance(body, dict) or body.get("paths") is None:
        return []
    paths = body["paths"]
    if not isinstance(paths, dict):
        raise TemplateError(f"{where(stack, api.logical_id, 'Body.paths')}: expected an object")
    document = _Document(stack, api, body)
    routes: list[Route] = []
    for raw_path, path_item in paths.items():
        if isinstance(path_item, dict):
            routes.extend(document.path_routes(raw_path, path_item))
    return routes


class _Document:
    """One OpenAPI document being read: its security schemes and default security."""

    def __init__(self, stack: ResolvedStack, api: ApiSettings, body: dict[str, Value]) -> None:
        self.stack = stack
        self.api = api
        self.body = body
        self.schemes: dict[str, Value] = {
            **mapping(body.get("securityDefinitions")),
            **mapping(mapping(body.get("components")).get("securitySchemes")),
        }

    def path_routes(self, raw_path: str, path_item: Mapping[str, Value]) -> list[Route]:
        path = normalize_path(raw_path)
        cors = self.api.cors if self.api.kind is ApiKind.HTTP else self._preflight_cors(path_item)
        routes: list[Route] = []
        for key, operation in path_item.items():
            method = normalize_method(key)
            if method is not None and isinstance(operation, dict):
                route = self._operation_route(raw_path, path, method, operation, cors)
                if route is not None:
                    routes.append(route)
        return routes

    def _operation_route(
        self,
        raw_path: str,
        path: str,
        method: str,
        operation: Mapping[str, Value],
        cors: Cors | None,
    ) -> Route | None:
        integration = self._integration(operation)
        if str(integration.get("type", "")).lower() != "aws_proxy":
            return None
        function = invoked_function(self.stack, integration.get("uri"))
        if function is None:
            return None
        place = where(self.stack, self.api.logical_id, f"Body.paths.{raw_path}.{method.lower()}")
        payload = (
            payload_version(integration.get("payloadFormatVersion"), place, "2.0")
            if self.api.kind is ApiKind.HTTP
            else "1.0"
        )
        security = operation.get("security", self.body.get("security"))
        return Route(
            api=self.api.logical_id,
            api_kind=self.api.kind,
            payload_version=payload,
            method=method,
            path=path,
            function=self.stack.context.function_id(function),
            stage=self.api.stage,
            cors=cors,
            authorizer=self._authorizer(security),
            origin=self.stack.context.origin(self.api.logical_id),
        )

    def _integration(self, operation: Mapping[str, Value]) -> Mapping[str, Value]:
        """The operation's integration, following a ``$ref`` to ``components``."""
        integration = mapping(operation.get(INTEGRATION_KEY))
        ref = integration.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return integration
        node: Value = self.body
        for segment in ref[2:].split("/"):
            node = mapping(node).get(segment.replace("~1", "/").replace("~0", "~"))
        return mapping(node)

    def _preflight_cors(self, path_item: Mapping[str, Value]) -> Cors | None:
        """CORS from the path's ``options`` mock integration responses (REST APIs)."""
        operation = next((op for key, op in path_item.items() if key.lower() == "options"), None)
        integration = self._integration(mapping(operation))
        if str(integration.get("type", "")).lower() != "mock":
            return None
        for response in mapping(integration.get("responses")).values():
            cors = cors_from_headers(mapping(response).get("responseParameters"))
            if cors is not None:
                return cors
        return None

    def _authorizer(self, security: Value) -> Authorizer | None:
        """The first requirement of `security` that names an authorizer.

        Names with no scheme (SAM writes ``NONE`` for an open route under a default authorizer)
        and API key schemes are not authorizers; ``AWS_IAM`` is IAM even without a scheme.
        """
        if not isinstance(security, list):
            return None
        for requirement in security:
            for name in mapping(requirement):
                authorizer = self._scheme_authorizer(name, mapping(self.schemes.get(name)))
                if authorizer is not None:
                    return authorizer
        return None

    def _scheme_authorizer(self, name: str, scheme: Mapping[str, Value]) -> Authorizer | None:
        authtype = str(scheme.get(_AUTHTYPE_KEY, "")).lower()
        config = mapping(scheme.get(_AUTHORIZER_KEY))
        kind = str(config.get("type", "")).lower()
        if authtype == "awssigv4" or (not scheme and name == "AWS_IAM"):
            return Authorizer(name=name, type="iam")
        if kind in ("token", "request"):
            function = invoked_function(self.stack, config.get("authorizerUri"))
            return Authorizer(
                name=name,
                type="lambda",
                function=self.stack.context.function_id(function) if function else None,
            )
        if kind == "cognito_user_pools" or authtype == "cognito_user_pools":
            return Authorizer(name=name, type="cognito")
        if kind == "jwt":
            return Authorizer(name=name, type="jwt")
        return None
