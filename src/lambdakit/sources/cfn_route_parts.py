"""The pieces every route extractor shares: paths, methods, integration targets, CORS, payloads.

REST APIs, HTTP APIs, OpenAPI bodies and function URLs spell the same ideas differently
(``x-amazon-apigateway-any-method`` or ``ANY``; ``AllowOrigins`` or ``allowOrigins`` or an
``Access-Control-Allow-Origin`` mock response header). These functions turn each spelling into
the one form of the model, so the extractors in `cfn_routes` and `cfn_openapi` stay about shapes.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from lambdakit.errors import TemplateError
from lambdakit.model import Authorizer, Cors, GetAtt, Join, Ref, Unresolved, Value
from lambdakit.sources.coerce import as_bool, as_int, as_str, as_str_list
from lambdakit.sources.resolved import ResolvedStack

HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"})
ANY_METHOD_KEY = "x-amazon-apigateway-any-method"
IAM = Authorizer(name="AWS_IAM", type="iam")
"""What ``AuthorizationType: AWS_IAM`` (and OpenAPI ``awsSigv4``) put in front of a route."""

# arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/<function arn>/invocations
_INVOCATION_ARN = re.compile(
    r"^arn:[^:]+:apigateway:[^:]*:lambda:path/[^/]+/functions/(.+)/invocations$"
)
_QUOTED = re.compile(r"^'(.*)'$", re.DOTALL)
_CORS_HEADER = "method.response.header.access-control-"


def normalize_path(path: str) -> str:
    """``items/{id}/`` -> ``/items/{id}``; the root stays ``/``; ``$default`` stays as is."""
    path = path.strip()
    if path == "$default":
        return path
    parts = [part for part in path.split("/") if part]
    return "/" + "/".join(parts)


def normalize_method(method: str) -> str | None:
    """``get`` -> ``GET``, ``x-amazon-apigateway-any-method`` -> ``ANY``; None if not a method."""
    if method.lower() == ANY_METHOD_KEY:
        return "ANY"
    upper = method.strip().upper()
    return upper if upper in HTTP_METHODS else None


def payload_version(
    value: Value, place: str, default: Literal["1.0", "2.0"]
) -> Literal["1.0", "2.0"]:
    """An HTTP API payload format version: ``1.0`` or ``2.0`` (FIDELITY 4.2.3).

    A missing version means `default`; API Gateway uses 2.0 for HTTP APIs (aws-sam-cli
    ``local_apigw_service`` does the same for documents that leave it out).
    """
    if isinstance(value, float):  # YAML reads an unquoted 2.0 as a number
        value = f"{value:.1f}"
    text = as_str(value, place)
    if text is None:
        return default
    if text == "1.0":
        return "1.0"
    if text == "2.0":
        return "2.0"
    raise TemplateError(
        f"{place}: payload format version must be 1.0 or 2.0, got {text!r}",
        hint="HTTP APIs accept payload format 1.0 or 2.0 for Lambda integrations (FIDELITY 4.2.3)",
    )


# --------------------------------------------------------------------------- integration targets


def invoked_function(stack: ResolvedStack, uri: Value) -> str | None:
    """The logical id of the app's function an integration URI invokes, if it is one.

    Takes the API Gateway invocation ARN (``arn:aws:apigateway:...:lambda:path/2015-03-31/
    functions/<function arn>/invocations``) as a `Join` from ``Fn::Sub``/``Fn::Join`` or as a
    literal, and a bare function reference (HTTP APIs accept ``!GetAtt Fn.Arn``).
    """
    found = stack.target_function(uri)
    if found:
        return found
    if isinstance(uri, str):
        match = _INVOCATION_ARN.match(uri)
        return stack.target_function(match[1]) if match else None
    if isinstance(uri, Join):
        if all(isinstance(part, str) for part in uri.parts):
            return invoked_function(stack, "".join(str(part) for part in uri.parts))
        for part in uri.parts:
            if isinstance(part, Ref | GetAtt | Join | Unresolved):
                found = invoked_function(stack, part)
                if found:
                    return found
    if isinstance(uri, Unresolved):
        return _function_in_expression(stack, uri.expression)
    return None


def _function_in_expression(stack: ResolvedStack, expression: Any) -> str | None:
    """A function referenced by ``Ref``/``Fn::GetAtt`` inside a raw, unevaluated expression.

    CDK builds authorizer URIs with ``Fn::Select``/``Fn::Split`` over the function ARN, which
    only CloudFormation can evaluate; the function it names is still plain to see, as a resolved
    symbol or as a raw ``Ref``/``Fn::GetAtt``.
    """
    if isinstance(expression, Ref | GetAtt | Join | Unresolved):
        return invoked_function(stack, expression)
    if isinstance(expression, list):
        items: list[Any] = expression
    elif isinstance(expression, dict):
        if set(expression) == {"Ref"} and isinstance(expression["Ref"], str):
            return stack.target_function(Ref(expression["Ref"]))
        getatt = expression.get("Fn::GetAtt")
        if (
            len(expression) == 1
            and isinstance(getatt, list)
            and getatt
            and isinstance(getatt[0], str)
        ):
            return stack.target_function(GetAtt(getatt[0], "Arn"))
        items = list(expression.values())
    else:
        return None
    for item in items:
        found = _function_in_expression(stack, item)
        if found:
            return found
    return None


# --------------------------------------------------------------------------- CORS


def cors_from_config(config: Value, place: str) -> Cors | None:
    """CORS from ``CorsConfiguration``/``Cors`` (PascalCase) or ``x-amazon-apigateway-cors``."""
    if config is None or isinstance(config, Ref | GetAtt | Join | Unresolved):
        return None
    if not isinstance(config, dict):
        raise TemplateError(f"{place}: expected a CORS configuration object, got {config!r}")
    keys = {key.lower(): key for key in config}

    def get(name: str) -> Value:
        key = keys.get(name.lower())
        return config[key] if key is not None else None

    return Cors(
        allow_origins=as_str_list(get("AllowOrigins"), f"{place}.AllowOrigins"),
        allow_methods=tuple(
            m.upper() for m in as_str_list(get("AllowMethods"), f"{place}.AllowMethods")
        ),
        allow_headers=as_str_list(get("AllowHeaders"), f"{place}.AllowHeaders"),
        expose_headers=as_str_list(get("ExposeHeaders"), f"{place}.ExposeHeaders"),
        allow_credentials=bool(as_bool(get("AllowCredentials"), f"{place}.AllowCredentials")),
        max_age=as_int(get("MaxAge"), f"{place}.MaxAge"),
    )


def cors_from_headers(parameters: Value) -> Cors | None:
    """CORS from the static headers a preflight mock integration answers with.

    ``{"method.response.header.Access-Control-Allow-Origin": "'*'"}`` is what SAM's ``Cors``,
    CDK's ``defaultCorsPreflightOptions`` and hand-written OPTIONS methods produce. Values that
    are not quoted literals (mappings from the request) are dynamic and left out.
    """
    if not isinstance(parameters, dict):
        return None
    headers: dict[str, str] = {}
    for name, value in parameters.items():
        match = _QUOTED.match(value) if isinstance(value, str) else None
        if name.lower().startswith(_CORS_HEADER) and match:
            headers[name.lower().removeprefix(_CORS_HEADER)] = match[1]
    if "allow-origin" not in headers:
        return None
    max_age = headers.get("max-age", "").strip()
    return Cors(
        allow_origins=_split(headers["allow-origin"]),
        allow_methods=tuple(m.upper() for m in _split(headers.get("allow-methods", ""))),
        allow_headers=_split(headers.get("allow-headers", "")),
        expose_headers=_split(headers.get("expose-headers", "")),
        allow_credentials=headers.get("allow-credentials", "").strip().lower() == "true",
        max_age=int(max_age) if max_age.lstrip("-").isdigit() else None,
    )


def _split(header: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in header.split(",") if item.strip())
