"""Route selection: which `Route` answers a method and a raw path, with its path parameters.

Rules (FIDELITY 4.1/4.2; API Gateway "routing API requests" docs; SAM CLI ``route.py``):

* The most specific path wins, compared segment by segment from the left: a literal segment
  beats ``{param}``, which beats ``{proxy+}``. The HTTP API ``$default`` route comes last.
* For the same path, an exact method beats ``ANY``. A method the path does not serve is no
  match (the caller answers it like an unknown route, as API Gateway does).
* Stage prefix: a route whose stage is named (not ``$default``) is served both under
  ``/{stage}/...``, as on AWS (``https://id.execute-api.../Prod/items``), and without the prefix,
  as SAM CLI serves it, so URLs copied from either work. A prefixed reading wins over an
  unprefixed one. HTTP API ``$default`` stages and function URLs have no prefix.
* A trailing slash is ignored (``/items/`` is ``/items``), like SAM CLI's Flask routes.
* Path parameters are URL-decoded after the path is split, so ``%2F`` stays inside a segment;
  ``{proxy+}`` is greedy and takes the rest of the path (at least one segment).
* A function URL answers every method and path, including ``/``, with no path parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from lambdakit.model.http import ApiKind, Cors, Route

DEFAULT_ROUTE = "$default"
DEFAULT_STAGE = "$default"
DEFAULT_REST_STAGE = "Prod"
"""Stage used for a REST route the model gives no stage (SAM's implicit API stage)."""

_LITERAL, _PARAM, _GREEDY, _CATCH_ALL = 0, 1, 2, 3


@dataclass(frozen=True)
class Match:
    """A route chosen for a request, and what the request filled into its template."""

    route: Route
    path_parameters: dict[str, str]
    stage: str
    resource_path: str
    """The route's template path, e.g. ``/items/{id}`` (``$default`` for the default route)."""
    path: str
    """The raw request path without the stage prefix, e.g. ``/items/7``."""


@dataclass(frozen=True)
class _Segment:
    kind: int
    text: str
    """The literal text, or the parameter name."""


def _parse_template(path: str) -> tuple[_Segment, ...]:
    segments = []
    for part in path.strip("/").split("/") if path.strip("/") else []:
        if part.startswith("{") and part.endswith("+}"):
            segments.append(_Segment(_GREEDY, part[1:-2]))
        elif part.startswith("{") and part.endswith("}"):
            segments.append(_Segment(_PARAM, part[1:-1]))
        else:
            segments.append(_Segment(_LITERAL, part))
    return tuple(segments)


def _split(raw_path: str) -> list[str]:
    stripped = raw_path.strip("/")
    return stripped.split("/") if stripped else []


def _fill(template: tuple[_Segment, ...], raw: list[str]) -> dict[str, str] | None:
    """The path parameters if ``raw`` segments fit ``template``, else None."""
    params: dict[str, str] = {}
    for index, segment in enumerate(template):
        if index >= len(raw):
            return None
        if segment.kind == _GREEDY:
            params[segment.text] = unquote("/".join(raw[index:]))
            return params
        if segment.kind == _PARAM:
            if not raw[index]:
                return None
            params[segment.text] = unquote(raw[index])
        elif unquote(raw[index]) != segment.text:
            return None
    return params if len(raw) == len(template) else None


@dataclass(frozen=True)
class _Compiled:
    route: Route
    template: tuple[_Segment, ...]
    rank: tuple[int, ...]
    stage: str
    prefix: str | None
    """``/Prod`` when the route is also served under its stage name."""

    def fill(self, raw_path: str) -> dict[str, str] | None:
        if self.route.api_kind is ApiKind.FUNCTION_URL or self.route.path == DEFAULT_ROUTE:
            return {}  # function URL events carry no pathParameters
        return _fill(self.template, _split(raw_path))

    def accepts(self, method: str) -> bool:
        return self.route.method in {"ANY", method} or self.route.path == DEFAULT_ROUTE


def _compile(route: Route) -> _Compiled:
    template = () if route.path == DEFAULT_ROUTE else _parse_template(route.path)
    if route.path == DEFAULT_ROUTE:
        rank: tuple[int, ...] = (_CATCH_ALL,)
    elif route.api_kind is ApiKind.FUNCTION_URL:
        rank = (_GREEDY,)
    else:
        rank = tuple(segment.kind for segment in template)
    default = DEFAULT_REST_STAGE if route.api_kind is ApiKind.REST else DEFAULT_STAGE
    stage = route.stage or default
    named = route.api_kind is not ApiKind.FUNCTION_URL and stage != DEFAULT_STAGE
    return _Compiled(route, template, rank, stage, f"/{stage}" if named else None)


class Router:
    """Chooses the route for a request among the routes of one or more APIs."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self._routes = tuple(_compile(route) for route in routes)

    @property
    def routes(self) -> tuple[Route, ...]:
        """The routes, in the order given."""
        return tuple(compiled.route for compiled in self._routes)

    def match(self, method: str, path: str) -> Match | None:
        """The most specific route serving ``method`` on the raw ``path``, or None."""
        wanted = method.upper()
        candidates = [c for c in self._candidates(path) if c[1].accepts(wanted)]
        if not candidates:
            return None
        best = min(candidates, key=lambda c: (c[0], c[1].rank, c[1].route.method == "ANY"))
        _, compiled, stripped, params = best
        resource = compiled.route.path
        if compiled.route.api_kind is ApiKind.FUNCTION_URL:
            resource = DEFAULT_ROUTE
        return Match(compiled.route, params, compiled.stage, resource, stripped)

    def allowed_methods(self, path: str) -> frozenset[str]:
        """The methods routes declare for ``path`` (``ANY`` included as written), for CORS."""
        return frozenset(c[1].route.method for c in self._candidates(path))

    def cors_for(self, path: str) -> Cors | None:
        """The CORS configuration of the most specific route on ``path`` that has one."""
        with_cors = [c for c in self._candidates(path) if c[1].route.cors is not None]
        if not with_cors:
            return None
        return min(with_cors, key=lambda c: (c[0], c[1].rank))[1].route.cors

    def _candidates(self, path: str) -> list[tuple[int, _Compiled, str, dict[str, str]]]:
        """Every (prefix-preference, route, path without stage, parameters) that fits ``path``."""
        found = []
        for compiled in self._routes:
            prefix = compiled.prefix
            if prefix is not None and (path == prefix or path.startswith(prefix + "/")):
                stripped = path[len(prefix) :] or "/"
                params = compiled.fill(stripped)
                if params is not None:
                    found.append((0, compiled, stripped, params))
                    continue
            params = compiled.fill(path)
            if params is not None:
                found.append((1, compiled, path, params))
        return found
