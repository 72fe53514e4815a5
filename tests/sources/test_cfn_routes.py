"""extract_routes: REST and HTTP APIs (OpenAPI bodies and resource trees) and function URLs.

The stacks below are what the intrinsics resolver makes of real templates: SAM translator output
(aws-sam-translator 1.115) and CDK synth output (aws-cdk-lib 2.x), with `Fn::Sub`/`Fn::Join`
URIs turned into `Join`s around `GetAtt`/`Ref` symbols and pseudo parameters filled in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lambdakit.errors import CircularReferenceError, TemplateError
from lambdakit.model import (
    ApiKind,
    Authorizer,
    Cors,
    GetAtt,
    Join,
    Ref,
    Route,
    SourceKind,
    Unresolved,
    Value,
)
from lambdakit.sources.cfn_route_parts import normalize_method, normalize_path
from lambdakit.sources.cfn_routes import extract_routes
from lambdakit.sources.resolved import ResolvedResource, ResolvedStack, StackContext

FILE = Path("template.yaml")
LAMBDA: tuple[str, dict[str, Value]] = (
    "AWS::Lambda::Function",
    {"Runtime": "python3.12", "Handler": "app.handler"},
)


def build(resources: dict[str, tuple[str, dict[str, Any]]], **context: Any) -> ResolvedStack:
    """A resolved stack of `resources` (logical id -> (type, resolved properties))."""
    context.setdefault("source", SourceKind.CLOUDFORMATION)
    ctx = StackContext(stack="app", file=FILE, base_dir=Path(), **context)
    return ResolvedStack(
        ctx,
        {lid: ResolvedResource(lid, kind, props) for lid, (kind, props) in resources.items()},
    )


def invocation(function_arn: Value) -> Join:
    """What ``arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/.../${X}/invocations``
    resolves to."""
    return Join(
        (
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/",
            function_arn,
            "/invocations",
        )
    )


def proxy(function_arn: Value, **extra: Value) -> dict[str, Value]:
    return {
        "x-amazon-apigateway-integration": {
            "httpMethod": "POST",
            "type": "aws_proxy",
            "uri": invocation(function_arn),
            **extra,
        },
        "responses": {},
    }


def sam_preflight(**headers: str) -> dict[str, Value]:
    """The ``options`` operation SAM writes for ``Cors``."""
    return {
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": '{\n  "statusCode" : 200\n}\n'},
            "responses": {
                "default": {
                    "statusCode": "200",
                    "responseTemplates": {"application/json": "{}\n"},
                    "responseParameters": {
                        f"method.response.header.Access-Control-{name.replace('_', '-')}": value
                        for name, value in headers.items()
                    },
                }
            },
        },
        "consumes": ["application/json"],
        "summary": "CORS support",
        "responses": {"200": {"description": "Default response for CORS method"}},
    }


def only(routes: tuple[Route, ...]) -> Route:
    assert len(routes) == 1, routes
    return routes[0]


# --------------------------------------------------------------------------- normalization


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/", "/"),
        ("", "/"),
        ("items", "/items"),
        ("/items/", "/items"),
        ("/items/{id}", "/items/{id}"),
        ("//a//b/", "/a/b"),
        ("/{proxy+}", "/{proxy+}"),
        ("$default", "$default"),
    ],
)
def test_paths_are_normalized(raw: str, expected: str) -> None:
    assert normalize_path(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("get", "GET"),
        ("Post", "POST"),
        ("x-amazon-apigateway-any-method", "ANY"),
        ("X-Amazon-Apigateway-Any-Method", "ANY"),
        ("any", "ANY"),
        ("parameters", None),
        ("summary", None),
    ],
)
def test_methods_are_normalized(raw: str, expected: str | None) -> None:
    assert normalize_method(raw) == expected


# --------------------------------------------------------------------------- REST: OpenAPI bodies


def sam_implicit_api() -> ResolvedStack:
    """SAM: ItemsFn with AutoPublishAlias and two ``Api`` events, Globals Api Cors."""
    cors = sam_preflight(
        Allow_Headers="'Content-Type,X-Api-Key'",
        Allow_Origin="'https://example.com'",
        Max_Age="'600'",
        Allow_Methods="'GET,POST'",
        Allow_Credentials="'true'",
    )
    return build(
        {
            "ItemsFn": LAMBDA,
            "ItemsFnAliaslive": (
                "AWS::Lambda::Alias",
                {"FunctionName": Ref("ItemsFn"), "Name": "live"},
            ),
            "ServerlessRestApi": (
                "AWS::ApiGateway::RestApi",
                {
                    "Body": {
                        "info": {"version": "1.0", "title": "app"},
                        "paths": {
                            "/items/{id}": {"options": cors, "get": proxy(Ref("ItemsFnAliaslive"))},
                            "/proxy/{proxy+}": {
                                "options": cors,
                                "x-amazon-apigateway-any-method": proxy(Ref("ItemsFnAliaslive")),
                            },
                        },
                        "swagger": "2.0",
                    }
                },
            ),
            "ServerlessRestApiDeployment624d04b661": (
                "AWS::ApiGateway::Deployment",
                {"RestApiId": Ref("ServerlessRestApi"), "StageName": "Stage"},
            ),
            "ServerlessRestApiProdStage": (
                "AWS::ApiGateway::Stage",
                {
                    "DeploymentId": Ref("ServerlessRestApiDeployment624d04b661"),
                    "RestApiId": Ref("ServerlessRestApi"),
                    "StageName": "Prod",
                },
            ),
        },
        origins={"ServerlessRestApi": "ServerlessRestApi (implicit API of ItemsFn)"},
    )


def test_sam_implicit_api_gives_one_rest_route_per_operation() -> None:
    # GIVEN SAM's implicit API with CORS preflights and an alias as integration target
    # WHEN routes are extracted
    routes = extract_routes(sam_implicit_api())
    # THEN each proxy operation is a route to the aliased function; the preflights are not
    cors = Cors(
        allow_origins=("https://example.com",),
        allow_methods=("GET", "POST"),
        allow_headers=("Content-Type", "X-Api-Key"),
        allow_credentials=True,
        max_age=600,
    )
    origin = sam_implicit_api().context.origin("ServerlessRestApi")
    assert routes == (
        Route(
            api="ServerlessRestApi",
            api_kind=ApiKind.REST,
            payload_version="1.0",
            method="GET",
            path="/items/{id}",
            function="ItemsFn",
            stage="Prod",
            cors=cors,
            origin=origin,
        ),
        Route(
            api="ServerlessRestApi",
            api_kind=ApiKind.REST,
            payload_version="1.0",
            method="ANY",
            path="/proxy/{proxy+}",
            function="ItemsFn",
            stage="Prod",
            cors=cors,
            origin=origin,
        ),
    )
    assert origin.name == "ServerlessRestApi (implicit API of ItemsFn)"


def token_authorizer_uri(function: str) -> Join:
    """SAM's ``Fn::Sub [..${__FunctionArn__}.., {__FunctionArn__: !GetAtt F.Arn}]``, resolved."""
    return invocation(GetAtt(function, "Arn"))


def sam_explicit_api() -> ResolvedStack:
    """SAM ``AWS::Serverless::Api`` MyApi, stage dev, Lambda/Cognito/IAM authorizers."""
    schemes = {
        "MyReqAuth": {
            "in": "header",
            "type": "apiKey",
            "name": "Unused",
            "x-amazon-apigateway-authorizer": {
                "type": "request",
                "identitySource": "method.request.header.Authorization",
                "authorizerUri": token_authorizer_uri("MyAuthFn"),
            },
            "x-amazon-apigateway-authtype": "custom",
        },
        "MyLambdaAuth": {
            "in": "header",
            "type": "apiKey",
            "name": "Authorization",
            "x-amazon-apigateway-authorizer": {
                "type": "token",
                "authorizerUri": token_authorizer_uri("MyAuthFn"),
            },
            "x-amazon-apigateway-authtype": "custom",
        },
        "MyCognito": {
            "in": "header",
            "type": "apiKey",
            "name": "Authorization",
            "x-amazon-apigateway-authorizer": {
                "providerARNs": [
                    "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc"
                ],
                "type": "cognito_user_pools",
            },
            "x-amazon-apigateway-authtype": "cognito_user_pools",
        },
        "AWS_IAM": {
            "x-amazon-apigateway-authtype": "awsSigv4",
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
        },
    }
    fn = GetAtt("ItemsFn", "Arn")
    return build(
        {
            "MyAuthFn": LAMBDA,
            "ItemsFn": LAMBDA,
            "MyApi": (
                "AWS::ApiGateway::RestApi",
                {
                    "Body": {
                        "swagger": "2.0",
                        "paths": {
                            "/cog/": {"put": {**proxy(fn), "security": [{"MyCognito": []}]}},
                            "/iam": {"get": {**proxy(fn), "security": [{"AWS_IAM": []}]}},
                            "/secure": {"post": {**proxy(fn), "security": [{"MyLambdaAuth": []}]}},
                            "/req": {"post": {**proxy(fn), "security": [{"MyReqAuth": []}]}},
                        },
                        "securityDefinitions": schemes,
                    }
                },
            ),
            "MyApiDeployment5a9ea07833": (
                "AWS::ApiGateway::Deployment",
                {"RestApiId": Ref("MyApi"), "StageName": "Stage"},
            ),
            "MyApidevStage": (
                "AWS::ApiGateway::Stage",
                {
                    "DeploymentId": Ref("MyApiDeployment5a9ea07833"),
                    "RestApiId": Ref("MyApi"),
                    "StageName": "dev",
                },
            ),
        }
    )


def test_sam_api_authorizers_come_from_security_definitions() -> None:
    routes = extract_routes(sam_explicit_api())
    assert [(r.method, r.path, r.authorizer) for r in routes] == [
        ("PUT", "/cog", Authorizer(name="MyCognito", type="cognito")),
        ("GET", "/iam", Authorizer(name="AWS_IAM", type="iam")),
        ("POST", "/secure", Authorizer(name="MyLambdaAuth", type="lambda", function="MyAuthFn")),
        ("POST", "/req", Authorizer(name="MyReqAuth", type="lambda", function="MyAuthFn")),
    ]


def test_stage_resource_wins_over_the_deployment_stage_name() -> None:
    # SAM writes StageName "Stage" on the deployment and the real stage as a Stage resource
    assert {r.stage for r in extract_routes(sam_explicit_api())} == {"dev"}


def test_openapi3_security_schemes_default_security_and_open_routes() -> None:
    # GIVEN SAM's OpenApiVersion 3.0.1 output with a DefaultAuthorizer, a NONE route and an
    # API-key-only route, plus document-level security in a hand-written style
    fn = GetAtt("Fn", "Arn")
    stack = build(
        {
            "AuthFn": LAMBDA,
            "Fn": LAMBDA,
            "Api": (
                "AWS::ApiGateway::RestApi",
                {
                    "Body": {
                        "openapi": "3.0.1",
                        "security": [{"Lam": []}],
                        "paths": {
                            "/": {"get": proxy(fn)},
                            "/open": {"get": {**proxy(fn), "security": [{"NONE": []}]}},
                            "/key": {"get": {**proxy(fn), "security": [{"api_key": []}]}},
                            "/none": {"get": {**proxy(fn), "security": []}},
                        },
                        "components": {
                            "securitySchemes": {
                                "Lam": {
                                    "type": "apiKey",
                                    "x-amazon-apigateway-authorizer": {
                                        "type": "token",
                                        "authorizerUri": token_authorizer_uri("AuthFn"),
                                    },
                                    "x-amazon-apigateway-authtype": "custom",
                                },
                                "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
                            }
                        },
                    }
                },
            ),
        }
    )
    # WHEN / THEN
    lam = Authorizer(name="Lam", type="lambda", function="AuthFn")
    assert [(r.path, r.authorizer) for r in extract_routes(stack)] == [
        ("/", lam),
        ("/open", None),
        ("/key", None),
        ("/none", None),
    ]


def test_operations_that_do_not_invoke_an_app_function_are_not_routes() -> None:
    stack = build(
        {
            "Fn": LAMBDA,
            "Api": (
                "AWS::ApiGateway::RestApi",
                {
                    "Body": {
                        "swagger": "2.0",
                        "paths": {
                            "/other": {
                                "get": proxy(
                                    "arn:aws:lambda:us-east-1:111111111111:function:elsewhere"
                                )
                            },
                            "/http": {
                                "get": {
                                    "x-amazon-apigateway-integration": {
                                        "type": "http_proxy",
                                        "uri": "https://example.com",
                                    }
                                }
                            },
                            "/mock": {"options": sam_preflight(Allow_Origin="'*'")},
                            "/noint": {"get": {"responses": {}}},
                            "/ok": {"parameters": [], "post": proxy(GetAtt("Fn", "Arn"))},
                        },
                    }
                },
            ),
        }
    )
    assert [(r.method, r.path, r.stage) for r in extract_routes(stack)] == [("POST", "/ok", None)]


def test_literal_invocation_arn_reaches_a_function_by_its_name() -> None:
    named = ("AWS::Lambda::Function", {**LAMBDA[1], "FunctionName": "orders"})
    uri = (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:orders/invocations"
    )
    stack = build(
        {
            "Orders": named,
            "Api": (
                "AWS::ApiGateway::RestApi",
                {
                    "Body": {
                        "paths": {
                            "/o": {
                                "get": {
                                    "x-amazon-apigateway-integration": {
                                        "type": "AWS_PROXY",
                                        "uri": uri,
                                    }
                                }
                            }
                        }
                    }
                },
            ),
        }
    )
    assert only(extract_routes(stack)).function == "Orders"


def test_an_options_proxy_operation_is_a_route() -> None:
    stack = build(
        {
            "Fn": LAMBDA,
            "Api": (
                "AWS::ApiGateway::RestApi",
                {"Body": {"paths": {"/x": {"options": proxy(GetAtt("Fn", "Arn"))}}}},
            ),
        }
    )
    route = only(extract_routes(stack))
    assert (route.method, route.cors) == ("OPTIONS", None)


@pytest.mark.parametrize(
    "body",
    [
        None,
        Unresolved({"Fn::Transform": {"Name": "AWS::Include"}}, "included at deploy"),
        {"swagger": "2.0"},
        {"paths": None},
    ],
)
def test_bodies_without_readable_paths_give_no_routes(body: Value) -> None:
    stack = build({"Fn": LAMBDA, "Api": ("AWS::ApiGateway::RestApi", {"Body": body})})
    assert extract_routes(stack) == ()


def test_paths_that_are_not_an_object_are_rejected() -> None:
    stack = build({"Fn": LAMBDA, "Api": ("AWS::ApiGateway::RestApi", {"Body": {"paths": ["/a"]}})})
    with pytest.raises(TemplateError, match=r"template\.yaml: resource Api, Body\.paths"):
        extract_routes(stack)


def test_function_ids_and_origins_come_from_the_context() -> None:
    # GIVEN a multi-stack app where function ids are qualified by the stack name
    stack = build(
        {
            "Fn": LAMBDA,
            "Api": (
                "AWS::ApiGateway::RestApi",
                {"Body": {"paths": {"/": {"get": proxy(GetAtt("Fn", "Arn"))}}}},
            ),
        },
        function_ids={"Fn": "Backend/Fn"},
        origins={"Api": "Backend/Api/Resource"},
    )
    route = only(extract_routes(stack))
    assert route.function == "Backend/Fn"
    assert route.origin.name == "Backend/Api/Resource"
    assert route.origin.file == FILE


# --------------------------------------------------------------------------- REST: resource trees


def cdk_uri(function: str) -> Join:
    """CDK's ``Fn::Join ["", ["arn:", Partition, ":apigateway:", Region, ...]]``, resolved."""
    return invocation(GetAtt(function, "Arn"))


def cdk_method(
    api: str, resource: Value, verb: str, function: str | None = None, **extra: Value
) -> tuple[str, dict[str, Value]]:
    integration: dict[str, Value] = (
        {"IntegrationHttpMethod": "POST", "Type": "AWS_PROXY", "Uri": cdk_uri(function)}
        if function
        else {}
    )
    props: dict[str, Value] = {
        "AuthorizationType": "NONE",
        "HttpMethod": verb,
        "Integration": integration,
        "ResourceId": resource,
        "RestApiId": Ref(api),
        **extra,
    }
    return "AWS::ApiGateway::Method", props


def cdk_preflight(api: str, resource: Value) -> tuple[str, dict[str, Value]]:
    """CDK ``defaultCorsPreflightOptions``: an OPTIONS method with a MOCK integration."""
    headers: dict[str, Value] = {
        "method.response.header.Access-Control-Allow-Headers": "'Content-Type'",
        "method.response.header.Access-Control-Allow-Origin": "'https://x.example'",
        "method.response.header.Vary": "'Origin'",
        "method.response.header.Access-Control-Allow-Methods": "'GET,POST'",
        "method.response.header.Access-Control-Allow-Credentials": "'true'",
        "method.response.header.Access-Control-Max-Age": "'60'",
    }
    return "AWS::ApiGateway::Method", {
        "ApiKeyRequired": False,
        "AuthorizationType": "NONE",
        "HttpMethod": "OPTIONS",
        "Integration": {
            "IntegrationResponses": [{"ResponseParameters": headers, "StatusCode": "204"}],
            "RequestTemplates": {"application/json": "{ statusCode: 200 }"},
            "Type": "MOCK",
        },
        "MethodResponses": [{"StatusCode": "204"}],
        "ResourceId": resource,
        "RestApiId": Ref(api),
    }


def cdk_lambda_rest_api() -> ResolvedStack:
    """``LambdaRestApi(handler=fn, default_cors_preflight_options=...)`` as CDK synthesizes it."""
    root = GetAtt("ProxyApi0DF2D7AE", "RootResourceId")
    proxy_resource = Ref("ProxyApiproxy9CF7BA5E")
    return build(
        {
            "Handler886CB40B": LAMBDA,
            "ProxyApi0DF2D7AE": ("AWS::ApiGateway::RestApi", {"Name": "ProxyApi"}),
            "ProxyApiDeployment6107D4F3": (
                "AWS::ApiGateway::Deployment",
                {"RestApiId": Ref("ProxyApi0DF2D7AE")},
            ),
            "ProxyApiDeploymentStageprod9EF20FCC": (
                "AWS::ApiGateway::Stage",
                {
                    "DeploymentId": Ref("ProxyApiDeployment6107D4F3"),
                    "RestApiId": Ref("ProxyApi0DF2D7AE"),
                    "StageName": "prod",
                },
            ),
            "ProxyApiOPTIONSF54C92CA": cdk_preflight("ProxyApi0DF2D7AE", root),
            "ProxyApiproxy9CF7BA5E": (
                "AWS::ApiGateway::Resource",
                {"ParentId": root, "PathPart": "{proxy+}", "RestApiId": Ref("ProxyApi0DF2D7AE")},
            ),
            "ProxyApiproxyOPTIONS43271202": cdk_preflight("ProxyApi0DF2D7AE", proxy_resource),
            "ProxyApiproxyANYE6560DA3": cdk_method(
                "ProxyApi0DF2D7AE", proxy_resource, "ANY", "Handler886CB40B"
            ),
            "ProxyApiANY510A7082": cdk_method("ProxyApi0DF2D7AE", root, "ANY", "Handler886CB40B"),
        },
        source=SourceKind.CDK,
        origins={"ProxyApiproxyANYE6560DA3": "Demo/ProxyApi/Default/{proxy+}/ANY"},
    )


def test_cdk_lambda_rest_api_routes_come_from_the_resource_tree() -> None:
    routes = extract_routes(cdk_lambda_rest_api())
    cors = Cors(
        allow_origins=("https://x.example",),
        allow_methods=("GET", "POST"),
        allow_headers=("Content-Type",),
        allow_credentials=True,
        max_age=60,
    )
    assert [(r.api, r.method, r.path, r.stage, r.cors, r.payload_version) for r in routes] == [
        ("ProxyApi0DF2D7AE", "ANY", "/{proxy+}", "prod", cors, "1.0"),
        ("ProxyApi0DF2D7AE", "ANY", "/", "prod", cors, "1.0"),
    ]
    assert {r.function for r in routes} == {"Handler886CB40B"}
    assert routes[0].origin.name == "Demo/ProxyApi/Default/{proxy+}/ANY"
    assert routes[1].origin.name == "ProxyApiANY510A7082"


def cdk_rest_api_with_authorizers(**overrides: tuple[str, dict[str, Value]]) -> ResolvedStack:
    """``RestApi`` with /items (TOKEN authorizer) and /items/{id} (Cognito PUT, IAM DELETE)."""
    api = "ItemsApi3788C05C"
    root = GetAtt(api, "RootResourceId")
    items, item = Ref("ItemsApiitems0C302221"), Ref("ItemsApiitemsid9B2E43B3")
    # CDK's token authorizer URI selects partition and region out of the function ARN with
    # Fn::Select/Fn::Split, which only CloudFormation can evaluate.
    split = Unresolved(
        {"Fn::Split": [":", GetAtt("AuthFnE7829713", "Arn")]}, "splits a value known once deployed"
    )
    authorizer_uri = Join(
        (
            "arn:",
            Unresolved({"Fn::Select": [1, split]}, "selects from a value known once deployed"),
            ":apigateway:",
            Unresolved({"Fn::Select": [3, split]}, "selects from a value known once deployed"),
            ":lambda:path/2015-03-31/functions/",
            GetAtt("AuthFnE7829713", "Arn"),
            "/invocations",
        )
    )
    resources: dict[str, tuple[str, dict[str, Value]]] = {
        "Handler886CB40B": LAMBDA,
        "AuthFnE7829713": LAMBDA,
        api: ("AWS::ApiGateway::RestApi", {"Name": "ItemsApi"}),
        "ItemsApiDeploymentStagev19688CCCF": (
            "AWS::ApiGateway::Stage",
            {"DeploymentId": Ref("ItemsApiDeployment"), "RestApiId": Ref(api), "StageName": "v1"},
        ),
        "ItemsApiitems0C302221": (
            "AWS::ApiGateway::Resource",
            {"ParentId": root, "PathPart": "items", "RestApiId": Ref(api)},
        ),
        "ItemsApiitemsid9B2E43B3": (
            "AWS::ApiGateway::Resource",
            {"ParentId": items, "PathPart": "{id}", "RestApiId": Ref(api)},
        ),
        "ItemsApiitemsidPUT9BA4F1B8": cdk_method(
            api,
            item,
            "PUT",
            "Handler886CB40B",
            AuthorizationType="COGNITO_USER_POOLS",
            AuthorizerId=Ref("CogAuthBD7DF151"),
        ),
        "ItemsApiitemsidDELETE0785B0E9": cdk_method(
            api, item, "DELETE", "Handler886CB40B", AuthorizationType="AWS_IAM"
        ),
        "ItemsApiitemsGET0F801345": cdk_method(
            api,
            items,
            "GET",
            "Handler886CB40B",
            AuthorizationType="CUSTOM",
            AuthorizerId=Ref("TokAuth5F6A1966"),
        ),
        "ItemsApiANY74CB41AA": cdk_method(api, root, "ANY", "Handler886CB40B"),
        "TokAuth5F6A1966": (
            "AWS::ApiGateway::Authorizer",
            {
                "AuthorizerResultTtlInSeconds": 300,
                "AuthorizerUri": authorizer_uri,
                "IdentitySource": "method.request.header.Authorization",
                "Name": "DemoTokAuth839C49C5",
                "RestApiId": Ref(api),
                "Type": "TOKEN",
            },
        ),
        "PoolD3F588B8": ("AWS::Cognito::UserPool", {}),
        "CogAuthBD7DF151": (
            "AWS::ApiGateway::Authorizer",
            {
                "IdentitySource": "method.request.header.Authorization",
                "Name": "DemoCogAuth3E0A3B4F",
                "ProviderARNs": [GetAtt("PoolD3F588B8", "Arn")],
                "RestApiId": Ref(api),
                "Type": "COGNITO_USER_POOLS",
            },
        ),
    }
    return build({**resources, **overrides}, source=SourceKind.CDK)


def test_cdk_rest_api_paths_walk_up_the_resource_tree() -> None:
    routes = extract_routes(cdk_rest_api_with_authorizers())
    assert [(r.method, r.path, r.stage, r.cors) for r in routes] == [
        ("PUT", "/items/{id}", "v1", None),
        ("DELETE", "/items/{id}", "v1", None),
        ("GET", "/items", "v1", None),
        ("ANY", "/", "v1", None),
    ]


def test_cdk_rest_api_authorizers_come_from_authorizer_resources() -> None:
    routes = extract_routes(cdk_rest_api_with_authorizers())
    assert [r.authorizer for r in routes] == [
        Authorizer(name="DemoCogAuth3E0A3B4F", type="cognito"),
        Authorizer(name="AWS_IAM", type="iam"),
        Authorizer(name="DemoTokAuth839C49C5", type="lambda", function="AuthFnE7829713"),
        None,
    ]


def test_an_authorizer_of_an_unknown_type_is_rejected() -> None:
    stack = cdk_rest_api_with_authorizers(
        TokAuth5F6A1966=(
            "AWS::ApiGateway::Authorizer",
            {"Name": "x", "RestApiId": Ref("ItemsApi3788C05C"), "Type": "JWT"},
        )
    )
    with pytest.raises(TemplateError, match="resource TokAuth5F6A1966, Type: must be TOKEN"):
        extract_routes(stack)


def test_stage_falls_back_to_the_deployment_stage_name() -> None:
    api = "Api"
    stack = build(
        {
            "Fn": LAMBDA,
            api: ("AWS::ApiGateway::RestApi", {"Name": "api"}),
            "Deployment": (
                "AWS::ApiGateway::Deployment",
                {"RestApiId": Ref(api), "StageName": "beta"},
            ),
            "Get": cdk_method(api, GetAtt(api, "RootResourceId"), "get", "Fn"),
        }
    )
    route = only(extract_routes(stack))
    assert (route.method, route.path, route.stage) == ("GET", "/", "beta")


def test_methods_that_are_not_lambda_proxies_or_not_ours_are_skipped() -> None:
    api = "Api"
    root = GetAtt(api, "RootResourceId")
    stack = build(
        {
            "Fn": LAMBDA,
            api: ("AWS::ApiGateway::RestApi", {"Name": "api"}),
            "Mock": cdk_method(api, root, "GET", Integration={"Type": "MOCK"}),
            "NonProxy": cdk_method(
                api, root, "POST", Integration={"Type": "AWS", "Uri": cdk_uri("Fn")}
            ),
            "Elsewhere": cdk_method(
                api,
                root,
                "PUT",
                Integration={
                    "Type": "AWS_PROXY",
                    "Uri": invocation("arn:aws:lambda:us-east-1:111111111111:function:x"),
                },
            ),
            "ImportedParent": cdk_method(api, "abc123", "DELETE", "Fn"),
            "OtherApi": (
                "AWS::ApiGateway::Method",
                {
                    "HttpMethod": "GET",
                    "RestApiId": "external-api-id",
                    "ResourceId": "root-id",
                    "Integration": {"Type": "AWS_PROXY", "Uri": cdk_uri("Fn")},
                },
            ),
        }
    )
    assert extract_routes(stack) == ()


def test_a_resource_whose_parent_is_outside_the_template_has_no_path() -> None:
    api = "Api"
    stack = build(
        {
            "Fn": LAMBDA,
            api: ("AWS::ApiGateway::RestApi", {"Name": "api"}),
            "Child": (
                "AWS::ApiGateway::Resource",
                {"ParentId": "imported-id", "PathPart": "x", "RestApiId": Ref(api)},
            ),
            "Get": cdk_method(api, Ref("Child"), "GET", "Fn"),
        }
    )
    assert extract_routes(stack) == ()


def test_resources_that_are_their_own_ancestors_are_rejected() -> None:
    api = "Api"
    stack = build(
        {
            "Fn": LAMBDA,
            api: ("AWS::ApiGateway::RestApi", {"Name": "api"}),
            "A": (
                "AWS::ApiGateway::Resource",
                {"ParentId": Ref("B"), "PathPart": "a", "RestApiId": Ref(api)},
            ),
            "B": (
                "AWS::ApiGateway::Resource",
                {"ParentId": Ref("A"), "PathPart": "b", "RestApiId": Ref(api)},
            ),
            "Get": cdk_method(api, Ref("A"), "GET", "Fn"),
        }
    )
    with pytest.raises(CircularReferenceError, match="A -> B -> A"):
        extract_routes(stack)


def test_a_method_with_an_unknown_http_method_is_rejected() -> None:
    api = "Api"
    stack = build(
        {
            "Fn": LAMBDA,
            api: ("AWS::ApiGateway::RestApi", {"Name": "api"}),
            "Fetch": cdk_method(api, GetAtt(api, "RootResourceId"), "FETCH", "Fn"),
        }
    )
    with pytest.raises(TemplateError) as caught:
        extract_routes(stack)
    assert "template.yaml: resource Fetch, HttpMethod: 'FETCH' is not an HTTP method" in str(
        caught.value
    )


def test_a_method_without_http_method_is_rejected() -> None:
    api = "Api"
    kind, props = cdk_method(api, GetAtt(api, "RootResourceId"), "GET", "Fn")
    del props["HttpMethod"]
    stack = build({"Fn": LAMBDA, api: ("AWS::ApiGateway::RestApi", {}), "M": (kind, props)})
    with pytest.raises(TemplateError, match="resource M, HttpMethod: required property"):
        extract_routes(stack)


def test_a_rest_api_can_mix_a_body_and_resource_methods() -> None:
    api = "Api"
    stack = build(
        {
            "Fn": LAMBDA,
            api: (
                "AWS::ApiGateway::RestApi",
                {"Body": {"paths": {"/a": {"get": proxy(GetAtt("Fn", "Arn"))}}}},
            ),
            "B": (
                "AWS::ApiGateway::Resource",
                {"ParentId": GetAtt(api, "RootResourceId"), "PathPart": "b", "RestApiId": Ref(api)},
            ),
            "GetB": cdk_method(api, Ref("B"), "GET", "Fn"),
        }
    )
    assert [r.path for r in extract_routes(stack)] == ["/a", "/b"]


# --------------------------------------------------------------------------- HTTP APIs: bodies


def sam_http_api(**api_properties: Value) -> ResolvedStack:
    """SAM ``AWS::Serverless::HttpApi`` MyHttp (stage v1, CORS, JWT/Lambda/IAM auth)."""
    fn = GetAtt("HttpFn", "Arn")
    body: dict[str, Value] = {
        "info": {"version": "1.0", "title": "app"},
        "paths": {
            "/lam": {
                "x-amazon-apigateway-any-method": {
                    **proxy(fn, payloadFormatVersion="1.0"),
                    "security": [{"MyLam": []}],
                }
            },
            "/iam": {
                "get": {**proxy(fn, payloadFormatVersion="2.0"), "security": [{"AWS_IAM": []}]}
            },
            "/secure": {
                "post": {**proxy(fn, payloadFormatVersion="2.0"), "security": [{"MyJwt": []}]}
            },
        },
        "x-amazon-apigateway-cors": {
            "allowOrigins": ["https://a.example"],
            "allowHeaders": ["content-type"],
            "allowMethods": ["GET", "POST"],
            "exposeHeaders": ["x-id"],
            "maxAge": 300,
            "allowCredentials": True,
        },
        "openapi": "3.0.1",
        "components": {
            "securitySchemes": {
                "MyLam": {
                    "type": "apiKey",
                    "name": "Unused",
                    "in": "header",
                    "x-amazon-apigateway-authorizer": {
                        "type": "request",
                        "authorizerUri": token_authorizer_uri("AuthFn"),
                        "identitySource": ["$request.header.Authorization"],
                        "authorizerPayloadFormatVersion": "2.0",
                        "enableSimpleResponses": True,
                    },
                },
                "MyJwt": {
                    "type": "oauth2",
                    "x-amazon-apigateway-authorizer": {
                        "jwtConfiguration": {"issuer": "https://issuer", "audience": ["a"]},
                        "identitySource": "$request.header.Authorization",
                        "type": "jwt",
                    },
                },
                "AWS_IAM": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                },
            }
        },
    }
    return build(
        {
            "AuthFn": LAMBDA,
            "HttpFn": LAMBDA,
            "MyHttp": ("AWS::ApiGatewayV2::Api", {"Body": body, **api_properties}),
            "MyHttpv1Stage": (
                "AWS::ApiGatewayV2::Stage",
                {"ApiId": Ref("MyHttp"), "StageName": "v1", "AutoDeploy": True},
            ),
        }
    )


def test_sam_http_api_routes_carry_payload_version_cors_and_authorizers() -> None:
    routes = extract_routes(sam_http_api())
    cors = Cors(
        allow_origins=("https://a.example",),
        allow_methods=("GET", "POST"),
        allow_headers=("content-type",),
        expose_headers=("x-id",),
        allow_credentials=True,
        max_age=300,
    )
    assert [(r.method, r.path, r.payload_version, r.authorizer) for r in routes] == [
        ("ANY", "/lam", "1.0", Authorizer(name="MyLam", type="lambda", function="AuthFn")),
        ("GET", "/iam", "2.0", Authorizer(name="AWS_IAM", type="iam")),
        ("POST", "/secure", "2.0", Authorizer(name="MyJwt", type="jwt")),
    ]
    assert {(r.api, r.api_kind, r.stage, r.cors, r.function) for r in routes} == {
        ("MyHttp", ApiKind.HTTP, "v1", cors, "HttpFn")
    }


def test_cors_configuration_property_wins_over_the_body_extension() -> None:
    stack = sam_http_api(CorsConfiguration={"AllowOrigins": ["*"], "MaxAge": "10"})
    assert {r.cors for r in extract_routes(stack)} == {Cors(allow_origins=("*",), max_age=10)}


def test_sam_implicit_http_api_default_route_and_default_stage() -> None:
    fn = GetAtt("HttpFn", "Arn")
    stack = build(
        {
            "HttpFn": LAMBDA,
            "ServerlessHttpApi": (
                "AWS::ApiGatewayV2::Api",
                {
                    "Body": {
                        "openapi": "3.0.1",
                        "paths": {
                            "/items/{id}": {
                                "get": {
                                    **proxy(fn, payloadFormatVersion="2.0"),
                                    "parameters": [{"required": True, "name": "id", "in": "path"}],
                                }
                            },
                            "$default": {
                                "x-amazon-apigateway-any-method": {
                                    **proxy(fn, payloadFormatVersion="2.0"),
                                    "isDefaultRoute": True,
                                }
                            },
                        },
                    }
                },
            ),
            "ServerlessHttpApiApiGatewayDefaultStage": (
                "AWS::ApiGatewayV2::Stage",
                {"ApiId": Ref("ServerlessHttpApi"), "StageName": "$default", "AutoDeploy": True},
            ),
        }
    )
    routes = extract_routes(stack)
    assert [(r.method, r.path, r.stage, r.cors, r.authorizer) for r in routes] == [
        ("GET", "/items/{id}", "$default", None, None),
        ("ANY", "$default", "$default", None, None),
    ]


@pytest.mark.parametrize(("written", "expected"), [(None, "2.0"), ("1.0", "1.0"), (2.0, "2.0")])
def test_http_body_payload_version_defaults_to_2_0(written: Value, expected: str) -> None:
    # aws-sam-cli treats a missing payloadFormatVersion as 2.0; YAML may read 2.0 as a number
    extra = {} if written is None else {"payloadFormatVersion": written}
    stack = build(
        {
            "Fn": LAMBDA,
            "Http": (
                "AWS::ApiGatewayV2::Api",
                {"Body": {"paths": {"/": {"get": proxy(GetAtt("Fn", "Arn"), **extra)}}}},
            ),
        }
    )
    assert only(extract_routes(stack)).payload_version == expected


def test_an_unknown_payload_version_is_rejected() -> None:
    stack = build(
        {
            "Fn": LAMBDA,
            "Http": (
                "AWS::ApiGatewayV2::Api",
                {
                    "Body": {
                        "paths": {
                            "/": {"get": proxy(GetAtt("Fn", "Arn"), payloadFormatVersion="3.0")}
                        }
                    }
                },
            ),
        }
    )
    with pytest.raises(
        TemplateError, match=r"resource Http, Body\.paths\./\.get: payload"
    ) as caught:
        extract_routes(stack)
    assert "FIDELITY 4.2.3" in (caught.value.hint or "")


def test_integrations_referenced_from_components_are_followed() -> None:
    stack = build(
        {
            "Fn": LAMBDA,
            "Http": (
                "AWS::ApiGatewayV2::Api",
                {
                    "Body": {
                        "openapi": "3.0.1",
                        "paths": {
                            "/a": {
                                "get": {
                                    "x-amazon-apigateway-integration": {
                                        "$ref": "#/components/x-amazon-apigateway-integrations/fn"
                                    }
                                }
                            }
                        },
                        "components": {
                            "x-amazon-apigateway-integrations": {
                                "fn": {
                                    "type": "AWS_PROXY",
                                    "uri": GetAtt("Fn", "Arn"),
                                    "payloadFormatVersion": "1.0",
                                }
                            }
                        },
                    }
                },
            ),
        }
    )
    route = only(extract_routes(stack))
    assert (route.path, route.payload_version, route.function) == ("/a", "1.0", "Fn")


# --------------------------------------------------------------------------- HTTP APIs: resources


def cdk_http_api() -> ResolvedStack:
    """CDK ``HttpApi`` with two routes (JWT and Lambda authorizers) and a default-route API."""
    api, api2 = "Http36EFD62B", "Http25ED2A59B"
    handler = GetAtt("Handler886CB40B", "Arn")
    return build(
        {
            "Handler886CB40B": LAMBDA,
            "AuthFnE7829713": LAMBDA,
            api: (
                "AWS::ApiGatewayV2::Api",
                {
                    "CorsConfiguration": {
                        "AllowMethods": ["GET"],
                        "AllowOrigins": ["*"],
                        "MaxAge": 86400,
                    },
                    "Name": "Http",
                    "ProtocolType": "HTTP",
                },
            ),
            "HttpDefaultStageE6653C08": (
                "AWS::ApiGatewayV2::Stage",
                {"ApiId": Ref(api), "AutoDeploy": True, "StageName": "$default"},
            ),
            "HttpBetaStage": ("AWS::ApiGatewayV2::Stage", {"ApiId": Ref(api), "StageName": "beta"}),
            "HttpGETitemsidItemsInt8A4C1D7D": (
                "AWS::ApiGatewayV2::Integration",
                {
                    "ApiId": Ref(api),
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": handler,
                    "PayloadFormatVersion": "2.0",
                },
            ),
            "HttpGETitemsidFCA45E90": (
                "AWS::ApiGatewayV2::Route",
                {
                    "ApiId": Ref(api),
                    "AuthorizationType": "JWT",
                    "AuthorizerId": Ref("HttpJwtD410D616"),
                    "RouteKey": "GET /items/{id}",
                    "Target": Join(("integrations/", Ref("HttpGETitemsidItemsInt8A4C1D7D"))),
                },
            ),
            "HttpJwtD410D616": (
                "AWS::ApiGatewayV2::Authorizer",
                {
                    "ApiId": Ref(api),
                    "AuthorizerType": "JWT",
                    "IdentitySource": ["$request.header.Authorization"],
                    "JwtConfiguration": {"Audience": ["aud"], "Issuer": "https://issuer.example"},
                    "Name": "Jwt",
                },
            ),
            "HttpANYlamLamIntEB4764AF": (
                "AWS::ApiGatewayV2::Integration",
                {
                    "ApiId": Ref(api),
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": handler,
                    "PayloadFormatVersion": "1.0",
                },
            ),
            "HttpANYlamBF4E2278": (
                "AWS::ApiGatewayV2::Route",
                {
                    "ApiId": Ref(api),
                    "AuthorizationType": "CUSTOM",
                    "AuthorizerId": Ref("HttpLamAuth90718CCE"),
                    "RouteKey": "ANY /lam",
                    "Target": Join(("integrations/", Ref("HttpANYlamLamIntEB4764AF"))),
                },
            ),
            "HttpLamAuth90718CCE": (
                "AWS::ApiGatewayV2::Authorizer",
                {
                    "ApiId": Ref(api),
                    "AuthorizerPayloadFormatVersion": "2.0",
                    "AuthorizerType": "REQUEST",
                    "AuthorizerUri": cdk_uri("AuthFnE7829713"),
                    "EnableSimpleResponses": True,
                    "IdentitySource": ["$request.header.Authorization"],
                    "Name": "LamAuth",
                },
            ),
            api2: ("AWS::ApiGatewayV2::Api", {"Name": "Http2", "ProtocolType": "HTTP"}),
            "Http2DefaultRouteDefInt396637F8": (
                "AWS::ApiGatewayV2::Integration",
                {
                    "ApiId": Ref(api2),
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": handler,
                    "PayloadFormatVersion": "2.0",
                },
            ),
            "Http2DefaultRouteBC950825": (
                "AWS::ApiGatewayV2::Route",
                {
                    "ApiId": Ref(api2),
                    "AuthorizationType": "NONE",
                    "RouteKey": "$default",
                    "Target": Join(("integrations/", Ref("Http2DefaultRouteDefInt396637F8"))),
                },
            ),
            "Http2BetaStage": (
                "AWS::ApiGatewayV2::Stage",
                {"ApiId": Ref(api2), "StageName": "beta"},
            ),
            "Ws99DB0BEF": (
                "AWS::ApiGatewayV2::Api",
                {
                    "Name": "Ws",
                    "ProtocolType": "WEBSOCKET",
                    "RouteSelectionExpression": "$request.body.action",
                },
            ),
        },
        source=SourceKind.CDK,
    )


def test_cdk_http_api_routes_come_from_route_and_integration_pairs() -> None:
    routes = extract_routes(cdk_http_api())
    cors = Cors(allow_origins=("*",), allow_methods=("GET",), max_age=86400)
    assert [
        (r.api, r.method, r.path, r.payload_version, r.stage, r.cors, r.authorizer) for r in routes
    ] == [
        ("Http36EFD62B", "GET", "/items/{id}", "2.0", "$default", cors, Authorizer("Jwt", "jwt")),
        (
            "Http36EFD62B",
            "ANY",
            "/lam",
            "1.0",
            "$default",
            cors,
            Authorizer("LamAuth", "lambda", function="AuthFnE7829713"),
        ),
        ("Http25ED2A59B", "ANY", "$default", "2.0", "beta", None, None),
    ]
    assert routes[0].origin.name == "HttpGETitemsidFCA45E90"


def test_websocket_apis_have_no_routes() -> None:
    stack = build(
        {
            "Fn": LAMBDA,
            "Ws": ("AWS::ApiGatewayV2::Api", {"ProtocolType": "WEBSOCKET"}),
            "Int": (
                "AWS::ApiGatewayV2::Integration",
                {
                    "ApiId": Ref("Ws"),
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": cdk_uri("Fn"),
                },
            ),
            "Connect": (
                "AWS::ApiGatewayV2::Route",
                {
                    "ApiId": Ref("Ws"),
                    "RouteKey": "$connect",
                    "Target": Join(("integrations/", Ref("Int"))),
                },
            ),
        }
    )
    assert extract_routes(stack) == ()


def test_an_unknown_protocol_type_is_rejected() -> None:
    stack = build({"Api": ("AWS::ApiGatewayV2::Api", {"ProtocolType": "GRPC"})})
    with pytest.raises(TemplateError, match="ProtocolType: must be HTTP or WEBSOCKET"):
        extract_routes(stack)


def http_route(
    route_key: Value, integration: dict[str, Value], **route_extra: Value
) -> ResolvedStack:
    return build(
        {
            "Fn": LAMBDA,
            "Api": ("AWS::ApiGatewayV2::Api", {"ProtocolType": "HTTP"}),
            "Int": ("AWS::ApiGatewayV2::Integration", {"ApiId": Ref("Api"), **integration}),
            "Route": (
                "AWS::ApiGatewayV2::Route",
                {
                    "ApiId": Ref("Api"),
                    "RouteKey": route_key,
                    "Target": Join(("integrations/", Ref("Int"))),
                    **route_extra,
                },
            ),
        }
    )


LAMBDA_INTEGRATION: dict[str, Value] = {
    "IntegrationType": "AWS_PROXY",
    "IntegrationUri": GetAtt("Fn", "Arn"),
    "PayloadFormatVersion": "2.0",
}


@pytest.mark.parametrize(
    ("route_key", "method", "path"),
    [
        ("GET /items/{id}", "GET", "/items/{id}"),
        ("ANY /{proxy+}", "ANY", "/{proxy+}"),
        ("post /items/", "POST", "/items"),
        ("$default", "ANY", "$default"),
    ],
)
def test_route_keys_give_method_and_path(route_key: str, method: str, path: str) -> None:
    route = only(extract_routes(http_route(route_key, LAMBDA_INTEGRATION)))
    assert (route.method, route.path, route.stage) == (method, path, "$default")


@pytest.mark.parametrize("route_key", ["GET", "/items", "FETCH /items", "GET items"])
def test_malformed_route_keys_are_rejected(route_key: str) -> None:
    with pytest.raises(TemplateError, match=r"resource Route, RouteKey: .* is not a route key"):
        extract_routes(http_route(route_key, LAMBDA_INTEGRATION))


def test_integration_without_payload_version_defaults_to_2_0() -> None:
    integration = {k: v for k, v in LAMBDA_INTEGRATION.items() if k != "PayloadFormatVersion"}
    assert only(extract_routes(http_route("GET /", integration))).payload_version == "2.0"


def test_integration_with_a_bad_payload_version_is_rejected() -> None:
    integration = {**LAMBDA_INTEGRATION, "PayloadFormatVersion": "1.1"}
    with pytest.raises(TemplateError, match="resource Int, PayloadFormatVersion"):
        extract_routes(http_route("GET /", integration))


@pytest.mark.parametrize(
    "integration",
    [
        {"IntegrationType": "HTTP_PROXY", "IntegrationUri": "https://example.com"},
        {"IntegrationType": "AWS_PROXY", "IntegrationUri": "arn:aws:lambda:us-east-1:1:function:x"},
        {
            "IntegrationType": "AWS_PROXY",
            "IntegrationSubtype": "SQS-SendMessage",
            "RequestParameters": {"QueueUrl": Ref("Queue")},
        },
    ],
)
def test_routes_to_other_integrations_are_skipped(integration: dict[str, Value]) -> None:
    assert extract_routes(http_route("GET /", integration)) == ()


def test_route_without_target_or_with_an_external_target_is_skipped() -> None:
    stack = build(
        {
            "Fn": LAMBDA,
            "Api": ("AWS::ApiGatewayV2::Api", {"ProtocolType": "HTTP"}),
            "NoTarget": ("AWS::ApiGatewayV2::Route", {"ApiId": Ref("Api"), "RouteKey": "GET /a"}),
            "External": (
                "AWS::ApiGatewayV2::Route",
                {"ApiId": Ref("Api"), "RouteKey": "GET /b", "Target": "integrations/abc123"},
            ),
        }
    )
    assert extract_routes(stack) == ()


def test_route_iam_authorization() -> None:
    stack = http_route("GET /", LAMBDA_INTEGRATION, AuthorizationType="AWS_IAM")
    assert only(extract_routes(stack)).authorizer == Authorizer("AWS_IAM", "iam")


def test_route_authorizer_that_is_not_in_the_template_is_left_out() -> None:
    stack = http_route("GET /", LAMBDA_INTEGRATION, AuthorizationType="JWT", AuthorizerId="abc")
    assert only(extract_routes(stack)).authorizer is None


def test_quick_create_api_has_a_default_route() -> None:
    # GIVEN an HTTP API made with quick create: Target is the function ARN
    stack = build(
        {
            "Fn": LAMBDA,
            "Api": (
                "AWS::ApiGatewayV2::Api",
                {"Name": "quick", "ProtocolType": "HTTP", "Target": GetAtt("Fn", "Arn")},
            ),
        }
    )
    # THEN it has a $default route with payload 2.0 on the $default stage
    route = only(extract_routes(stack))
    assert (route.api, route.method, route.path, route.payload_version, route.stage) == (
        "Api",
        "ANY",
        "$default",
        "2.0",
        "$default",
    )


def test_quick_create_api_honours_route_key() -> None:
    stack = build(
        {
            "Fn": LAMBDA,
            "Api": (
                "AWS::ApiGatewayV2::Api",
                {"ProtocolType": "HTTP", "Target": GetAtt("Fn", "Arn"), "RouteKey": "GET /ping"},
            ),
        }
    )
    route = only(extract_routes(stack))
    assert (route.method, route.path) == ("GET", "/ping")


# --------------------------------------------------------------------------- function URLs


def test_cdk_function_url_is_one_catch_all_route() -> None:
    stack = build(
        {
            "Handler886CB40B": LAMBDA,
            "HandlerFunctionUrl003AF664": (
                "AWS::Lambda::Url",
                {
                    "AuthType": "AWS_IAM",
                    "Cors": {"AllowMethods": ["*"], "AllowOrigins": ["*"]},
                    "InvokeMode": "RESPONSE_STREAM",
                    "TargetFunctionArn": GetAtt("Handler886CB40B", "Arn"),
                },
            ),
        },
        function_ids={"Handler886CB40B": "Demo/Handler886CB40B"},
    )
    assert extract_routes(stack) == (
        Route(
            api="Handler886CB40B",
            api_kind=ApiKind.FUNCTION_URL,
            payload_version="2.0",
            method="ANY",
            path="/{proxy+}",
            function="Demo/Handler886CB40B",
            cors=Cors(allow_origins=("*",), allow_methods=("*",)),
            authorizer=Authorizer(name="AWS_IAM", type="iam"),
            origin=stack.context.origin("HandlerFunctionUrl003AF664"),
        ),
    )


def test_sam_function_url_with_an_alias_qualifier() -> None:
    stack = build(
        {
            "HttpFn": LAMBDA,
            "HttpFnAliaslive": (
                "AWS::Lambda::Alias",
                {"FunctionName": Ref("HttpFn"), "Name": "live"},
            ),
            "HttpFnUrl": (
                "AWS::Lambda::Url",
                {"TargetFunctionArn": Ref("HttpFnAliaslive"), "AuthType": "NONE"},
            ),
        }
    )
    route = only(extract_routes(stack))
    assert (route.function, route.authorizer, route.cors) == ("HttpFn", None, None)


def test_function_url_of_a_function_outside_the_app_is_skipped() -> None:
    stack = build(
        {
            "Url": (
                "AWS::Lambda::Url",
                {"TargetFunctionArn": "arn:aws:lambda:us-east-1:1:function:x", "AuthType": "NONE"},
            )
        }
    )
    assert extract_routes(stack) == ()


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"AuthType": "NONE"}, "resource Url, TargetFunctionArn: required property is missing"),
        ({"TargetFunctionArn": GetAtt("Fn", "Arn")}, "resource Url, AuthType: required property"),
        (
            {"TargetFunctionArn": GetAtt("Fn", "Arn"), "AuthType": "COGNITO"},
            "resource Url, AuthType: must be NONE or AWS_IAM",
        ),
        (
            {"TargetFunctionArn": GetAtt("Fn", "Arn"), "AuthType": "NONE", "Cors": "*"},
            "resource Url, Cors: expected a CORS configuration object",
        ),
    ],
)
def test_malformed_function_urls_are_rejected(props: dict[str, Value], message: str) -> None:
    stack = build({"Fn": LAMBDA, "Url": ("AWS::Lambda::Url", props)})
    with pytest.raises(TemplateError, match=message):
        extract_routes(stack)


# --------------------------------------------------------------------------- the whole stack


def test_routes_of_all_kinds_come_out_in_template_order() -> None:
    resources = {
        **cdk_http_api().resources,
        **cdk_lambda_rest_api().resources,
        "Url": ResolvedResource(
            "Url",
            "AWS::Lambda::Url",
            {"TargetFunctionArn": GetAtt("Handler886CB40B", "Arn"), "AuthType": "NONE"},
        ),
    }
    stack = ResolvedStack(cdk_http_api().context, resources)
    kinds = [r.api_kind for r in extract_routes(stack)]
    assert kinds == [ApiKind.HTTP] * 3 + [ApiKind.REST] * 2 + [ApiKind.FUNCTION_URL]


def test_a_stack_without_apis_has_no_routes() -> None:
    stack = build(
        {
            "Fn": LAMBDA,
            "Perm": (
                "AWS::Lambda::Permission",
                {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": Ref("Fn"),
                    "Principal": "apigateway.amazonaws.com",
                },
            ),
        }
    )
    assert extract_routes(stack) == ()
