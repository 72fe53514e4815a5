"""The documented top-level keys of API Gateway proxy events, shared by the event tests."""

# FIDELITY 4.1.1, the documented top-level keys of a REST (payload 1.0) event.
V1_KEYS = {
    "resource",
    "path",
    "httpMethod",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "requestContext",
    "body",
    "isBase64Encoded",
}
# FIDELITY 4.2.1, the documented top-level and requestContext keys of a payload 2.0 event.
V2_KEYS = {
    "version",
    "routeKey",
    "rawPath",
    "rawQueryString",
    "cookies",
    "headers",
    "queryStringParameters",
    "requestContext",
    "body",
    "pathParameters",
    "isBase64Encoded",
    "stageVariables",
}
# FIDELITY 4.2.1, the documented requestContext keys of a payload 2.0 event.
V2_CONTEXT_KEYS = {
    "accountId",
    "apiId",
    "domainName",
    "domainPrefix",
    "http",
    "requestId",
    "routeKey",
    "stage",
    "time",
    "timeEpoch",
}
