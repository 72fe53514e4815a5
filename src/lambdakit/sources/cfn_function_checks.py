"""Reject function settings Lambda itself would reject, before anything is built or deployed.

`check_function` takes a `Function` as read from the template and raises a `FunctionConfigError`
that names the template, the function (as the user wrote it) and what to change:

- a Python handler that is not ``module.function`` (FIDELITY 1.4.3: the runtime splits on the
  last dot; ``/`` separates folders in the module part);
- Timeout outside 1..900 s, MemorySize outside 128..10240 MB, EphemeralStorage outside
  512..10240 MB (FIDELITY 2.4.1, 2.2.7);
- environment variable names Lambda reserves, names that break Lambda's pattern (which also
  rules out a leading ``_``), or literal keys and values over 4 KB in total; a symbolic value
  counts 0 bytes, as it is known only at deploy (FIDELITY 2.1.1, 2.1.8);
- more than 5 layers (FIDELITY 6.1);
- a dead-letter target that is neither an SQS queue nor an SNS topic (FIDELITY 3.10);
- a LoggingConfig Lambda rejects: a LogFormat other than ``Text``/``JSON``, a log level outside
  its documented values, a log level with the Text format (CloudFormation fails with "LogLevel
  is not supported when LogFormat is set to Text"), a LogGroup name Lambda's pattern refuses
  (FIDELITY 2.7.6);
- a local code folder (or CDK asset folder) that does not exist;
- a Runtime that is no Lambda runtime identifier at all (a typo such as ``pyhton3.12``).

A real runtime lambdakit does not support (``nodejs20.x``, ``python3.8``) is not an error here:
the function stays in the app and `Function.not_runnable_reason` explains why lambdakit will not
build or run it.
"""

from __future__ import annotations

import difflib
import re

from lambdakit.errors import FunctionConfigError
from lambdakit.model import (
    ENVIRONMENT_BYTES,
    RESERVED_ENVIRONMENT,
    SUPPORTED_PYTHON,
    AssetCode,
    Function,
    ImageCode,
    LocalCode,
    Value,
    is_symbolic,
)

TIMEOUT_SECONDS = (1, 900)
MEMORY_MB = (128, 10240)
EPHEMERAL_STORAGE_MB = (512, 10240)
MAX_LAYERS = 5
MAX_HANDLER_LENGTH = 128
LOG_FORMATS = ("Text", "JSON")
APPLICATION_LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
SYSTEM_LOG_LEVELS = ("DEBUG", "INFO", "WARN")

_ENV_NAME = re.compile(r"[a-zA-Z]([a-zA-Z0-9_])+")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LOG_GROUP = re.compile(r"[.\-_/#A-Za-z0-9]{1,512}")


def check_function(fn: Function) -> None:
    """Raise `FunctionConfigError` for the first setting of `fn` that Lambda would reject."""
    _check_runtime(fn)
    _check_handler(fn)
    _check_range(fn, "Timeout", fn.timeout_seconds, TIMEOUT_SECONDS, "seconds")
    _check_range(fn, "MemorySize", fn.memory_mb, MEMORY_MB, "MB")
    _check_range(fn, "EphemeralStorage.Size", fn.ephemeral_storage_mb, EPHEMERAL_STORAGE_MB, "MB")
    _check_environment(fn)
    if len(fn.layers) > MAX_LAYERS:
        raise FunctionConfigError(
            f"{fn.origin}: uses {len(fn.layers)} layers; Lambda allows at most {MAX_LAYERS}",
            hint="merge layers, or move some dependencies into the function's own package",
        )
    if fn.dead_letter is not None and fn.dead_letter.kind not in ("sqs", "sns", "unknown"):
        raise FunctionConfigError(
            f"{fn.origin}: DeadLetterConfig.TargetArn is a {fn.dead_letter.kind} ARN; a "
            "dead-letter target must be an SQS queue or an SNS topic",
            hint="point TargetArn at a queue or topic, or use an OnFailure destination instead",
        )
    _check_logging(fn)
    _check_code_folder(fn)


# Every runtime identifier Lambda has used, current and deprecated.
_RUNTIME_ID = re.compile(
    r"(nodejs(\d+(\.\d+)*(\.x)?)?|python\d\.\d+|java\d+(\.al2)?|dotnet\d+|dotnetcore\d\.\d"
    r"|go1\.x|ruby\d\.\d+|provided(\.al2|\.al2023)?)"
)
_COMMON_RUNTIMES = (
    *SUPPORTED_PYTHON,
    "nodejs20.x",
    "nodejs22.x",
    "java21",
    "dotnet8",
    "ruby3.3",
    "provided.al2023",
)


def _check_runtime(fn: Function) -> None:
    if fn.runtime is None or _RUNTIME_ID.fullmatch(fn.runtime.name):
        return
    close = difflib.get_close_matches(fn.runtime.name, _COMMON_RUNTIMES, n=1, cutoff=0.5)
    raise FunctionConfigError(
        f"{fn.origin}: Runtime {fn.runtime.name!r} is not a Lambda runtime",
        hint=f"did you mean {close[0]}?" if close else "use e.g. python3.12 or python3.13",
    )


def handler_problem(handler: str) -> str | None:
    """Why the Python runtime could not load `handler`, or None when it has the right shape."""
    if len(handler) > MAX_HANDLER_LENGTH:
        return f"is longer than {MAX_HANDLER_LENGTH} characters"
    if any(ch.isspace() for ch in handler):
        return "contains whitespace"
    module, dot, function = handler.rpartition(".")
    if not dot:
        return "has no '.' between the module and the function name"
    if not module or any(not part for part in re.split(r"[./]", module)):
        return f"has an invalid module path {module!r}"
    if not _IDENTIFIER.fullmatch(function):
        return f"has an invalid function name {function!r}"
    return None


def _check_handler(fn: Function) -> None:
    if fn.runtime is None or not fn.runtime.is_python or isinstance(fn.code, ImageCode):
        return
    if fn.handler is None:
        raise FunctionConfigError(
            f"{fn.origin}: a {fn.runtime} function needs a Handler",
            hint="set Handler to module.function, e.g. app.handler for def handler() in app.py",
        )
    problem = handler_problem(fn.handler)
    if problem is not None:
        raise FunctionConfigError(
            f"{fn.origin}: Handler {fn.handler!r} {problem}",
            hint="write it as module.function: app.handler runs handler() from app.py; "
            "pkg/app.handler runs it from pkg/app.py",
        )


def _check_range(fn: Function, prop: str, value: int, bounds: tuple[int, int], unit: str) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise FunctionConfigError(
            f"{fn.origin}: {prop} is {value} {unit}; Lambda allows {low} to {high} {unit}",
            hint=f"set {prop} between {low} and {high}",
        )


def _check_environment(fn: Function) -> None:
    size = 0
    for name, value in fn.environment.items():
        if name in RESERVED_ENVIRONMENT:
            raise FunctionConfigError(
                f"{fn.origin}: environment variable {name} is reserved by Lambda and cannot be set",
                hint=f"remove {name} from Environment.Variables; Lambda sets it itself",
            )
        if not _ENV_NAME.fullmatch(name):
            raise FunctionConfigError(
                f"{fn.origin}: environment variable name {name!r} is not allowed; names must "
                "start with a letter and have at least 2 characters: letters, digits, '_'",
                hint="rename the variable, e.g. MY_SETTING",
            )
        size += len(name.encode()) + _literal_size(value)
    if size > ENVIRONMENT_BYTES:
        raise FunctionConfigError(
            f"{fn.origin}: environment variables take {size} bytes; Lambda allows "
            f"{ENVIRONMENT_BYTES} bytes (4 KB) for all names and values together",
            hint="move large values to SSM Parameter Store, Secrets Manager or a file in the code",
        )


def _literal_size(value: Value) -> int:
    """Bytes of a value known now; symbolic values count 0 (they are filled in at deploy)."""
    if value is None or is_symbolic(value):
        return 0
    if isinstance(value, bool):
        return len("true" if value else "false")
    return len(str(value).encode())


def _check_logging(fn: Function) -> None:
    _check_choice(fn, "LogFormat", fn.log_format, LOG_FORMATS)
    _check_choice(fn, "ApplicationLogLevel", fn.application_log_level, APPLICATION_LOG_LEVELS)
    _check_choice(fn, "SystemLogLevel", fn.system_log_level, SYSTEM_LOG_LEVELS)
    if fn.log_format != "JSON" and (fn.application_log_level or fn.system_log_level):
        raise FunctionConfigError(
            f"{fn.origin}: LoggingConfig sets a log level but LogFormat is {fn.log_format}; "
            "Lambda filters log levels only for JSON logs",
            hint="set LoggingConfig.LogFormat to JSON, or remove ApplicationLogLevel and "
            "SystemLogLevel",
        )
    group = fn.log_group
    if isinstance(group, str) and not _LOG_GROUP.fullmatch(group):
        raise FunctionConfigError(
            f"{fn.origin}: LoggingConfig.LogGroup {group!r} is not a log group name Lambda "
            "accepts (1 to 512 characters: letters, digits and . - _ / #)",
            hint="use a name such as /aws/lambda/orders, or omit LogGroup for the default",
        )


def _check_choice(fn: Function, prop: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is None or value in allowed:
        return
    close = [a for a in allowed if a.lower() == value.lower()] or difflib.get_close_matches(
        value.upper(), allowed, n=1, cutoff=0.6
    )
    raise FunctionConfigError(
        f"{fn.origin}: LoggingConfig.{prop} is {value!r}; Lambda accepts {', '.join(allowed)}",
        hint=f"did you mean {close[0]}?" if close else f"set {prop} to one of {', '.join(allowed)}",
    )


def _check_code_folder(fn: Function) -> None:
    code = fn.code
    if not isinstance(code, LocalCode | AssetCode) or code.path.exists():
        return
    if isinstance(code, AssetCode):
        raise FunctionConfigError(
            f"{fn.origin}: CDK asset folder {code.path} does not exist",
            hint="run `lambdakit synth` (or `cdk synth`) again to stage the assets",
        )
    raise FunctionConfigError(
        f"{fn.origin}: code folder {code.path} does not exist",
        hint="fix CodeUri (paths are relative to the template's folder) or create the folder",
    )
