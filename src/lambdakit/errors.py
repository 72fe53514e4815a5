"""The exception tree: user errors carry an exit code and a hint; anything else is a bug.

A `LambdakitError` is something the user can fix (a template, a path, a flag). The CLI prints it
as one line, ``error: <message>`` plus ``hint: <hint>``, and exits with `exit_code`, never with a
traceback. Any other exception is a lambdakit bug and is shown with its traceback.
"""

from __future__ import annotations

from pathlib import Path


class LambdakitError(Exception):
    """Root of every error the user can act on."""

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(LambdakitError):
    """The command line itself is wrong (exit code 2)."""

    exit_code = 2


class AppError(LambdakitError):
    """The app (its template, configuration or code) is wrong or cannot be read."""


class TemplateNotFoundError(AppError):
    """No template, cloud assembly or CDK app where one was expected."""


class TemplateSyntaxError(AppError):
    """A template is not valid YAML or JSON; the message names file:line:column."""

    def __init__(
        self,
        file: Path,
        line: int | None,
        column: int | None,
        problem: str,
        *,
        hint: str | None = None,
    ) -> None:
        where = str(file)
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {problem}", hint=hint)
        self.file = file
        self.line = line
        self.column = column


class TemplateError(AppError):
    """A template is well-formed text but says something CloudFormation would reject."""


class UndefinedReferenceError(TemplateError):
    """A `Ref`, `Fn::GetAtt`, `Fn::Sub` or `DependsOn` names something the template lacks."""


class CircularReferenceError(TemplateError):
    """Resources or conditions refer to each other in a cycle."""


class ParameterError(TemplateError):
    """A parameter value is missing, unknown or not allowed."""


class TransformError(TemplateError):
    """The SAM transform (aws-sam-translator) rejected the template."""


class FunctionConfigError(AppError):
    """A function's handler, runtime or code location cannot work."""


class CdkError(AppError):
    """A CDK app could not be synthesized, or its cloud assembly is unreadable."""


class BuildError(LambdakitError):
    """A function or layer cannot be built (dependencies, wheels, sizes, tools)."""


class DependencyResolutionError(BuildError):
    """The requirements cannot be resolved (conflict, missing package, typo): uv's reason."""


class NoCompatibleWheelError(BuildError):
    """A package has no wheel for the function's runtime and architecture, nor pure Python."""


class SizeLimitError(BuildError):
    """An artifact is over one of Lambda's size limits (FIDELITY 6.1)."""


class LocalCloudError(LambdakitError):
    """The local cloud cannot start: a port in use, an address this machine does not have."""


class UnresolvedReferenceError(LocalCloudError):
    """A `Ref` or `Fn::GetAtt` names a resource or attribute the local cloud does not know."""


class NotFoundError(LambdakitError):
    """The user named a function, layer or resource the app does not have."""


class DeployError(LambdakitError):
    """A deploy cannot go on: the cloud refused a call, a stack is in a state that needs the
    user, a change set failed, or the stack's operation failed (the message names the cause)."""


class CredentialsError(DeployError):
    """No AWS credentials were found, or the profile named does not exist."""


__all__ = [
    "AppError",
    "BuildError",
    "CdkError",
    "CircularReferenceError",
    "CredentialsError",
    "DependencyResolutionError",
    "DeployError",
    "FunctionConfigError",
    "LambdakitError",
    "LocalCloudError",
    "NoCompatibleWheelError",
    "NotFoundError",
    "ParameterError",
    "SizeLimitError",
    "TemplateError",
    "TemplateNotFoundError",
    "TemplateSyntaxError",
    "TransformError",
    "UndefinedReferenceError",
    "UnresolvedReferenceError",
    "UsageError",
]
