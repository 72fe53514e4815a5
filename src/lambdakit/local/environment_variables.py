"""The environment variables of an execution environment, as Lambda sets them (FIDELITY 2.1).

Pure: the function's own variables (checked against Lambda's rules: no reserved keys, 4 KB in
all, FIDELITY 2.1.1 and T-LIMITS), then the reserved ones Lambda always sets, with this
machine's paths standing in for ``/var/task``, ``/var/runtime`` and ``/opt``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from lambdakit.errors import FunctionConfigError
from lambdakit.local.function_spec import LocalFunction, RunnableCode
from lambdakit.model import ENVIRONMENT_BYTES, RESERVED_ENVIRONMENT

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "ASIALAMBDAKITLOCAL00",
    "AWS_SECRET_ACCESS_KEY": "lambdakit-local-secret-access-key-not-real",
    "AWS_SESSION_TOKEN": "lambdakit-local-session-token",
}
"""Credentials shaped like a role's; they only open the local cloud."""


def check_environment(function: LocalFunction, source: str) -> None:
    """Refuse variables Lambda would refuse at create time, naming `source` (the template)."""
    reserved = sorted(RESERVED_ENVIRONMENT.intersection(function.environment))
    if reserved:
        raise FunctionConfigError(
            f"{source}: function {function.id} sets reserved environment variables"
            f" {', '.join(reserved)}",
            hint="Lambda sets these itself; rename the variables",
        )
    size = sum(len(k.encode()) + len(v.encode()) for k, v in function.environment.items())
    if size > ENVIRONMENT_BYTES:
        raise FunctionConfigError(
            f"{source}: function {function.id} has {size} bytes of environment variables,"
            " over Lambda's 4 KB limit",
            hint="move large values to SSM parameters, Secrets Manager or a file in the code",
        )


def log_stream_name(version: str = "$LATEST", now: datetime | None = None) -> str:
    """``2019/06/07/[$LATEST]e6f4a0c4241adcd70c262d34c0bbc85c`` (FIDELITY 2.1.6)."""
    day = (now or datetime.now(UTC)).strftime("%Y/%m/%d")
    return f"{day}/[{version}]{secrets.token_hex(16)}"


def environment_for(
    function: LocalFunction,
    code: RunnableCode,
    *,
    runtime_api: str,
    tmp: Path,
    extra: Mapping[str, str] | None = None,
    host_path: str = "/usr/local/bin:/usr/bin:/bin",
) -> dict[str, str]:
    """Every variable the runtime process starts with; nothing is inherited from the host."""
    opt = str(code.opt)
    variables = dict(function.environment)
    variables.update(
        {
            "LANG": "en_US.UTF-8",
            "TZ": "UTC",
            "PATH": f"{code.interpreter.parent}:{host_path}:{opt}/bin",
            "LD_LIBRARY_PATH": f"{code.runtime_dir}/lib:{code.task_root}:{code.task_root}/lib"
            f":{opt}/lib",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
            "TMPDIR": str(tmp),
        }
    )
    variables.update(extra or {})
    variables.update(FAKE_CREDENTIALS)
    variables.update(
        {
            "_HANDLER": function.handler,
            "AWS_REGION": function.region,
            "AWS_DEFAULT_REGION": function.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": function.log_group_name,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name(),
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "LAMBDA_TASK_ROOT": str(code.task_root),
            "LAMBDA_RUNTIME_DIR": str(code.runtime_dir),
        }
    )
    if function.log_format == "JSON":
        variables["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
    if function.application_log_level:
        variables["AWS_LAMBDA_LOG_LEVEL"] = function.application_log_level
    return variables
