"""Route selection of the local API Gateway (FIDELITY 4.1/4.2, SAM CLI route.py as the baseline)."""

from __future__ import annotations

from pathlib import Path

from lambdakit.local.gateway import Router
from lambdakit.model.http import ApiKind, Cors, Route
from lambdakit.model.origin import Origin


def route(
    path,
    method="GET",
    *,
    function="Fn",
    kind=ApiKind.REST,
    stage="Prod",
    version="1.0",
    api="Api",
    cors=None,
):
    return Route(
        api=api,
        api_kind=kind,
        payload_version=version,
        method=method,
        path=path,
        function=function,
        stage=stage,
        cors=cors,
        origin=Origin(file=Path("template.yaml"), name=api),
    )


def chosen(router, method, path):
    found = router.match(method, path)
    return None if found is None else found.route.function


def test_exact_path_beats_param_beats_proxy():
    router = Router(
        [
            route("/{proxy+}", "ANY", function="Proxy"),
            route("/items/{id}", function="ById"),
            route("/items/new", function="New"),
        ]
    )
    assert chosen(router, "GET", "/items/new") == "New"
    assert chosen(router, "GET", "/items/7") == "ById"
    assert chosen(router, "GET", "/items/7/parts") == "Proxy"
    assert chosen(router, "GET", "/other") == "Proxy"


def test_precedence_does_not_depend_on_declaration_order():
    routes = [route("/items/{id}", function="ById"), route("/items/new", function="New")]
    assert chosen(Router(routes), "GET", "/items/new") == "New"
    assert chosen(Router(routes[::-1]), "GET", "/items/new") == "New"


def test_leftmost_literal_segment_decides_between_params():
    router = Router([route("/{a}/b", function="ParamFirst"), route("/a/{b}", function="LitFirst")])
    assert chosen(router, "GET", "/a/b") == "LitFirst"


def test_nested_proxy_beats_root_proxy():
    router = Router(
        [route("/{proxy+}", "ANY", function="Root"), route("/api/{proxy+}", "ANY", function="Api")]
    )
    found = router.match("GET", "/api/v1/users")
    assert found is not None
    assert found.route.function == "Api"
    assert found.path_parameters == {"proxy": "v1/users"}


def test_exact_method_beats_any_on_the_same_path():
    router = Router(
        [route("/items", "ANY", function="Any"), route("/items", "POST", function="Post")]
    )
    assert chosen(router, "POST", "/items") == "Post"
    assert chosen(router, "DELETE", "/items") == "Any"
    assert chosen(router, "post", "/items") == "Post"  # methods compare upper-case


def test_method_mismatch_is_no_match_but_the_path_is_known():
    router = Router([route("/items", "GET"), route("/items", "PUT")])
    assert router.match("POST", "/items") is None
    assert router.allowed_methods("/items") == frozenset({"GET", "PUT"})


def test_path_mismatch_is_no_match_and_no_methods():
    router = Router([route("/items", "GET")])
    assert router.match("GET", "/users") is None
    assert router.allowed_methods("/users") == frozenset()


def test_method_mismatch_falls_back_to_a_less_specific_route_that_serves_it():
    # HTTP API routing docs: a route must match path AND method; ANY /{proxy+} catches the rest.
    router = Router(
        [route("/items", "GET", function="Get"), route("/{proxy+}", "ANY", function="Proxy")]
    )
    assert chosen(router, "POST", "/items") == "Proxy"


def test_rest_routes_are_served_with_and_without_the_stage_prefix():
    router = Router([route("/items/{id}", stage="Prod")])
    prefixed = router.match("GET", "/Prod/items/7")
    bare = router.match("GET", "/items/7")
    assert prefixed is not None
    assert bare is not None
    assert prefixed.stage == bare.stage == "Prod"
    assert prefixed.path == bare.path == "/items/7"
    assert prefixed.path_parameters == {"id": "7"}


def test_stage_prefix_reading_wins_over_a_proxy_swallowing_it():
    router = Router([route("/{proxy+}", "ANY", stage="dev")])
    found = router.match("GET", "/dev/a/b")
    assert found is not None
    assert found.path_parameters == {"proxy": "a/b"}
    assert found.path == "/a/b"


def test_stage_alone_is_the_root_resource():
    router = Router([route("/", function="Root", stage="Prod")])
    found = router.match("GET", "/Prod")
    assert found is not None
    assert found.path == "/"
    assert chosen(router, "GET", "/") == "Root"


def test_rest_route_without_stage_uses_sams_default_stage():
    found = Router([route("/items", stage=None)]).match("GET", "/items")
    assert found is not None
    assert found.stage == "Prod"


def test_http_api_default_stage_has_no_prefix():
    router = Router([route("/items", kind=ApiKind.HTTP, stage="$default", version="2.0")])
    found = router.match("GET", "/items")
    assert found is not None
    assert found.stage == "$default"
    assert router.match("GET", "/$default/items") is None


def test_http_api_named_stage_is_a_prefix():
    router = Router([route("/items", kind=ApiKind.HTTP, stage="dev", version="2.0")])
    found = router.match("GET", "/dev/items")
    assert found is not None
    assert found.stage == "dev"


def test_path_parameters_are_url_decoded_per_segment():
    router = Router([route("/files/{name}"), route("/blobs/{proxy+}")])
    found = router.match("GET", "/files/a%20b%2Fc")
    assert found is not None
    assert found.path_parameters == {"name": "a b/c"}
    greedy = router.match("GET", "/blobs/x/y%3Fz/w")
    assert greedy is not None
    assert greedy.path_parameters == {"proxy": "x/y?z/w"}


def test_literal_segments_compare_decoded():
    assert chosen(Router([route("/hello world")]), "GET", "/hello%20world") == "Fn"


def test_proxy_needs_at_least_one_segment():
    # API Gateway: /{proxy+} does not match the root resource; a separate "/" route does.
    router = Router([route("/items/{proxy+}", "ANY")])
    assert router.match("GET", "/items") is None
    assert router.match("GET", "/items/") is None


def test_trailing_slash_is_ignored():
    assert chosen(Router([route("/items")]), "GET", "/items/") == "Fn"


def test_empty_segment_does_not_fill_a_parameter():
    assert Router([route("/items/{id}/parts")]).match("GET", "/items//parts") is None


def test_resource_path_is_the_template():
    found = Router([route("/items/{id}")]).match("GET", "/items/9")
    assert found is not None
    assert found.resource_path == "/items/{id}"


def test_http_api_default_route_catches_everything_last():
    router = Router(
        [
            route(
                "$default", "ANY", function="Default", kind=ApiKind.HTTP, stage=None, version="2.0"
            ),
            route(
                "/{proxy+}", "GET", function="Proxy", kind=ApiKind.HTTP, stage=None, version="2.0"
            ),
        ]
    )
    assert chosen(router, "GET", "/x") == "Proxy"
    assert chosen(router, "POST", "/x") == "Default"
    assert chosen(router, "GET", "/") == "Default"
    found = router.match("DELETE", "/a/b")
    assert found is not None
    assert found.resource_path == "$default"
    assert found.path_parameters == {}


def test_function_url_answers_every_method_and_path():
    router = Router(
        [
            route(
                "/{proxy+}",
                "ANY",
                function="Url",
                kind=ApiKind.FUNCTION_URL,
                stage=None,
                version="2.0",
            )
        ]
    )
    for method, path in [("GET", "/"), ("POST", "/a/b"), ("PATCH", "/x%20y")]:
        found = router.match(method, path)
        assert found is not None
        assert found.route.function == "Url"
        assert found.stage == "$default"
        assert found.resource_path == "$default"
        assert found.path_parameters == {}


def test_routes_of_two_apis_are_kept_apart_by_stage_prefix():
    router = Router(
        [
            route("/{proxy+}", "ANY", function="A", api="ApiA", stage="a"),
            route("/{proxy+}", "ANY", function="B", api="ApiB", stage="b"),
        ]
    )
    assert chosen(router, "GET", "/b/x") == "B"
    assert chosen(router, "GET", "/a/x") == "A"


def test_cors_for_uses_the_routes_on_the_path():
    cors = Cors(allow_origins=("*",))
    router = Router([route("/items", "GET", cors=cors), route("/plain", "GET")])
    assert router.cors_for("/items") is cors
    assert router.cors_for("/plain") is None
    assert router.cors_for("/nowhere") is None
    assert len(router.routes) == 2
