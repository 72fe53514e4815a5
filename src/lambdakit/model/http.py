"""HTTP wiring: the routes of API Gateway REST/HTTP APIs and function URLs that invoke functions."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

from lambdakit.model.origin import Origin


class ApiKind(enum.Enum):
    """What receives the HTTP request."""

    REST = "rest"
    """API Gateway REST API (v1), payload format 1.0."""
    HTTP = "http"
    """API Gateway HTTP API (v2), payload format 2.0 or 1.0."""
    FUNCTION_URL = "function-url"
    """A Lambda function URL (payload format 2.0)."""


@dataclass(frozen=True)
class Cors:
    """CORS configuration of an API or a function URL."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age: int | None = None


@dataclass(frozen=True)
class Authorizer:
    """An authorizer in front of a route (reported, not enforced locally yet)."""

    name: str
    type: str
    """``lambda`` (token/request), ``cognito``, ``jwt``, ``iam``."""
    function: str | None = None


@dataclass(frozen=True, kw_only=True)
class Route:
    """One HTTP route that invokes a function."""

    api: str
    """Logical id of the API (or of the function, for a function URL)."""
    api_kind: ApiKind
    payload_version: Literal["1.0", "2.0"]
    method: str
    """Upper-case HTTP method, or ``ANY``."""
    path: str
    """``/items/{id}``, ``/{proxy+}``; ``$default`` for an HTTP API default route."""
    function: str
    """`Function.id` of the target."""
    stage: str | None = None
    cors: Cors | None = None
    authorizer: Authorizer | None = None
    origin: Origin
