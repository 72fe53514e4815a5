"""The options every app-reading command shares (-t, --parameter-overrides, --region, ...)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from lambdakit.errors import UsageError

if TYPE_CHECKING:
    from lambdakit.sources.discover import LoadOptions

F = TypeVar("F", bound=Callable[..., Any])


def app_options(command: F) -> F:
    """Decorate a command with the options that locate and parameterize the app."""
    decorators = [
        click.option(
            "-t",
            "--template",
            type=click.Path(path_type=Path),
            help="Template file, cloud assembly (cdk.out) or app folder. "
            "Default: template.yaml|yml|json, cdk.out/ or cdk.json in the current folder.",
        ),
        click.option(
            "--parameter-overrides",
            "parameter_overrides",
            multiple=True,
            metavar="KEY=VALUE",
            help="Template parameter values; repeat, or give several separated by spaces.",
        ),
        click.option("--region", help="Region for AWS::Region and ARNs (default: us-east-1)."),
        click.option("--stack-name", help="Stack name (default: the app folder's name)."),
        click.option("--synth", is_flag=True, help="Run the CDK app before reading it."),
    ]
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


def parse_overrides(values: tuple[str, ...]) -> dict[str, str]:
    """``KEY=VALUE`` words (also SAM CLI's ``ParameterKey=K,ParameterValue=V``) -> a dict."""
    out: dict[str, str] = {}
    for word in (w for value in values for w in value.split()):
        if word.startswith("ParameterKey="):
            key_part, _, value_part = word.partition(",")
            key = key_part.removeprefix("ParameterKey=")
            if not value_part.startswith("ParameterValue="):
                raise UsageError(f"--parameter-overrides: {word!r} lacks ParameterValue=")
            out[key] = value_part.removeprefix("ParameterValue=")
            continue
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise UsageError(
                f"--parameter-overrides: {word!r} is not KEY=VALUE",
                hint="example: --parameter-overrides Stage=dev BucketPrefix=acme",
            )
        out[key] = value
    return out


def load_options(
    *,
    parameter_overrides: tuple[str, ...],
    region: str | None,
    stack_name: str | None,
    synth: bool,
) -> LoadOptions:
    from lambdakit import LoadOptions  # noqa: PLC0415 - keep `lambdakit --help` fast

    return LoadOptions(
        parameter_overrides=parse_overrides(parameter_overrides),
        region=region,
        stack_name=stack_name,
        synth=synth,
    )
