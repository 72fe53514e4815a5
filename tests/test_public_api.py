"""The public API is exactly `lambdakit.__all__`, and every name in it resolves."""

from __future__ import annotations

import lambdakit


def test_all_names_resolve_and_nothing_else_is_offered():
    assert sorted(lambdakit.__all__) == [
        "App",
        "BuildOptions",
        "BuildResult",
        "DeployOptions",
        "InvokeResult",
        "LambdaOptions",
        "LambdakitError",
        "LoadOptions",
        "LocalCopy",
        "LocalLambda",
        "Target",
        "build",
        "deploy_app",
        "describe_app",
        "load_app",
        "local_copy",
        "local_lambda",
        "size_report",
        "why",
    ]
    for name in lambdakit.__all__:
        assert getattr(lambdakit, name) is not None


def test_unknown_names_raise_attribute_error():
    try:
        lambdakit.nope  # noqa: B018 - the access is the test
    except AttributeError as err:
        assert "nope" in str(err)
    else:
        raise AssertionError("lambdakit.nope should not exist")
