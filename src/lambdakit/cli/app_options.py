"""The options every app-reading command shares (-t, --parameter-overrides, --region, ...).

`app_options` adds them to a command and hands the command one `AppSource` instead; the command
calls `AppSource.load()` when it needs the app.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from lambdakit.errors import UsageError

if TYPE_CHECKING:
    from lambdakit.model import App

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class AppSource:
    """Where the app is and how to read it, as the command line said."""

    template: Path | None
    parameter_overrides: tuple[str, ...]
    region: str | None
    stack_name: str | None
    synth: bool

    def load(self) -> App:
        import lambdakit  # noqa: PLC0415 - keep `lambdakit --help` fast

        return lambdakit.load_app(
            self.template,
            lambdakit.LoadOptions(
                parameter_overrides=parse_overrides(self.parameter_overrides),
                region=self.region,
                stack_name=self.stack_name,
                synth=self.synth,
            ),
        )


def app_options(command: F) -> F:
    """Add the app-locating options to `command`, which receives them as ``source: AppSource``."""

    @functools.wraps(command)
    def wrapper(
        *,
        template: Path | None,
        parameter_overrides: tuple[str, ...],
        region: str | None,
        stack_name: str | None,
        synth: bool,
        **rest: Any,
    ) -> Any:
        source = AppSource(template, parameter_overrides, region, stack_name, synth)
        return command(source=source, **rest)

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
    decorated: Any = wrapper
    for decorate in reversed(decorators):
        decorated = decorate(decorated)
    return decorated  # type: ignore[no-any-return]


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
