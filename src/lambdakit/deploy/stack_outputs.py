"""A deployed stack's outputs, in the order people look for them: the API URL first."""

from __future__ import annotations

from collections.abc import Sequence

from lambdakit.deploy.instructions import StackOutput
from lambdakit.deploy.ports import Stacks
from lambdakit.errors import DeployError


def order_outputs(outputs: Sequence[StackOutput]) -> tuple[StackOutput, ...]:
    """API URLs first (``execute-api`` or ``lambda-url`` values), then the rest by key."""

    def rank(output: StackOutput) -> tuple[int, str]:
        is_api = output.value.startswith("https://") and (
            ".execute-api." in output.value or ".lambda-url." in output.value
        )
        return (0 if is_api else 1, output.key)

    return tuple(sorted(outputs, key=rank))


def outputs(stack_name: str, stacks: Stacks) -> tuple[StackOutput, ...]:
    """The stack's outputs, API URLs first; DeployError if the stack does not exist."""
    state = stacks.describe(stack_name)
    if state is None:
        raise DeployError(
            f"Stack {stack_name} does not exist.",
            hint="check --stack-name, --region and --profile",
        )
    return order_outputs(state.outputs)
