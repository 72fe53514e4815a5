"""Connects an app to the local runtime: each function as `LocalFunction`, its code from the build.

The local runtime (``lambdakit.local``) knows neither the template sources nor the packager;
this module is where the three meet. Stages: the model's functions → plain `LocalFunction`
values (physical names, variables with env.json overrides applied as SAM applies them) →
on the first invoke, `BuiltCode.prepare` builds the function (incremental), takes its
host-runnable copy and the runtime's own packages (awslambdaric, boto3) for the interpreter
that matches the function's runtime — so the code that runs locally is the code that deploys.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lambdakit.errors import UsageError
from lambdakit.local.destinations import DestinationSink
from lambdakit.local.environment_variables import check_environment
from lambdakit.local.function_spec import LocalFunction, LogFormat, RunnableCode
from lambdakit.local.lambda_service import LambdaOptions
from lambdakit.local.logs import LogPrinter
from lambdakit.local.physical_names import generated_name
from lambdakit.local.runner import LocalLambda
from lambdakit.model import App, AssetCode, Function, LocalCode, render_value
from lambdakit.packaging.code import collect_code
from lambdakit.packaging.local_copy import local_copy
from lambdakit.packaging.runtime_support import runtime_support

EnvOverrides = Mapping[str, Mapping[str, str]]


def physical_name(stack: str, logical_id: str) -> str:
    """A function's generated name, as the local cloud names every resource (≤ 64 chars)."""
    return generated_name(stack, logical_id, max_length=64)


def read_env_file(path: Path) -> EnvOverrides:
    """SAM's env.json: ``{"LogicalId": {"VAR": "v"}, "Parameters": {"VAR": "v"}}``."""
    try:
        data = json.loads(path.read_text())
    except OSError as error:
        raise UsageError(f"{path}: cannot read the env vars file: {error.strerror}") from None
    except ValueError as error:
        raise UsageError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise UsageError(
            f"{path}: expected an object of objects",
            hint='e.g. {"MyFunction": {"TABLE_NAME": "local"}, "Parameters": {"STAGE": "dev"}}',
        )
    return {
        str(key): {str(k): _env_text(v) for k, v in section.items()}
        for key, section in data.items()
    }


def _env_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def local_functions(
    app: App,
    *,
    overrides: EnvOverrides | None = None,
    resolve: Callable[[Any], str] | None = None,
    warn: Callable[[str], None] | None = None,
) -> list[LocalFunction]:
    """Every runnable function of `app`, with its variables resolved and overridden."""
    render = resolve or _rendered
    result = []
    for fn in app.functions:
        if not fn.runnable or fn.runtime is None or fn.handler is None:
            continue
        stack = next((s for s in app.stacks if s.name == fn.stack), app.stacks[0])
        environment = {key: render(value) for key, value in fn.environment.items()}
        environment.update(_overrides_for(fn, environment, overrides or {}, warn))
        name = fn.name if isinstance(fn.name, str) else physical_name(stack.name, fn.logical_id)
        function = LocalFunction(
            id=fn.id,
            name=name,
            handler=fn.handler,
            runtime=fn.runtime.name,
            memory_mb=fn.memory_mb,
            timeout_seconds=float(fn.timeout_seconds),
            ephemeral_storage_mb=fn.ephemeral_storage_mb,
            environment=environment,
            reserved_concurrency=fn.reserved_concurrency,
            event_invoke=fn.event_invoke,
            dead_letter=fn.dead_letter,
            alias=fn.auto_publish_alias,
            log_format=_log_format(fn),
            application_log_level=fn.application_log_level,
            system_log_level=fn.system_log_level,
            log_group=fn.log_group if isinstance(fn.log_group, str) else None,
            region=stack.region,
            account=stack.account,
        )
        check_environment(function, str(fn.origin))
        result.append(function)
    return result


def _log_format(fn: Function) -> LogFormat:
    return "JSON" if fn.log_format == "JSON" else "Text"


def _rendered(value: Any) -> str:
    return value if isinstance(value, str) else render_value(value)


def _overrides_for(
    fn: Function,
    declared: Mapping[str, str],
    overrides: EnvOverrides,
    warn: Callable[[str], None] | None,
) -> dict[str, str]:
    """SAM's rule: ``Parameters`` then the function's own section, declared variables only."""
    chosen: dict[str, str] = {}
    sections = [overrides.get("Parameters", {})]
    keys = [key for key in (fn.logical_id, fn.id, fn.name) if isinstance(key, str)]
    own = [key for key in keys if key in overrides]
    sections += [overrides[key] for key in own]
    for section in sections:
        chosen.update(section)
    ignored = sorted(key for key in chosen if key not in declared)
    if ignored and own and warn is not None:
        warn(
            f"env vars file sets {', '.join(ignored)} for {fn.id}, which the template does not"
            " declare; ignored, as SAM does (declare them in the template)"
        )
    return {key: value for key, value in chosen.items() if key in declared}


class BuiltCode:
    """`CodeProvider` over the packager: a host-runnable build and the runtime's packages."""

    def __init__(self, app: App, *, warn: Callable[[str], None] | None = None) -> None:
        self.app = app
        self._warn = warn
        self._lock = threading.Lock()
        self._warned: set[tuple[int, int]] = set()

    def prepare(self, function_id: str) -> RunnableCode:
        with self._lock:
            copy = local_copy(self.app, function_id)
            interpreter = copy.interpreter or Path(sys.executable)
            if copy.interpreter is None and copy.python not in self._warned:
                self._warned.add(copy.python)
                runtime = self.app.function(function_id).runtime
                if self._warn is not None:
                    self._warn(
                        f"{runtime} is not installed on this machine; running its functions on"
                        f" Python {sys.version_info[0]}.{sys.version_info[1]}"
                        f" ({sys.executable}); install it (e.g. pyenv install) for a faithful run"
                    )
            return RunnableCode(
                task_root=copy.task_root,
                opt=copy.opt,
                runtime_dir=runtime_support(interpreter),
                interpreter=interpreter,
                python=copy.python,
            )

    def stamp(self, function_id: str) -> str:
        """A cheap fingerprint of what the function ships: its code and its own layers' files.

        Stat-based (name, size, mtime_ns of each file `collect_code` ships; no file is read),
        plus the dependency file's content, so that it can run every half second.
        """
        fn = self.app.function(function_id)
        digest = hashlib.sha256()
        for folder in self._code_folders(fn):
            digest.update(f"{folder}\0".encode("utf-8", "surrogateescape"))
            for entry in collect_code(folder):
                try:
                    info = entry.path.stat()
                    line = f"{entry.name}\0{info.st_size}\0{info.st_mtime_ns}\0{entry.executable}"
                except OSError:
                    line = f"{entry.name}\0missing"
                digest.update(line.encode("utf-8", "surrogateescape") + b"\n")
        if fn.dependencies is not None:
            try:
                digest.update(fn.dependencies.file.read_bytes())
            except OSError:
                digest.update(b"\0missing dependency file")
        return digest.hexdigest()

    def _code_folders(self, fn: Function) -> list[Path]:
        """The function's code folder and those of the app's layers it uses."""
        codes = [fn.code]
        codes += [self.app.layer(ref.layer).code for ref in fn.layers if ref.layer is not None]
        return [code.path for code in codes if isinstance(code, LocalCode | AssetCode)]


def local_lambda(
    app: App,
    *,
    env_file: Path | None = None,
    options: LambdaOptions | None = None,
    printer: LogPrinter | None = None,
    warn: Callable[[str], None] | None = None,
    code: BuiltCode | None = None,
    resolve: Callable[[Any], str] | None = None,
    sink: DestinationSink | None = None,
) -> LocalLambda:
    """The app's functions on the local Lambda service (not started yet: use ``with``).

    `code` is the provider to run them from (one the caller already prepared functions with);
    by default a new `BuiltCode`. `resolve` turns the model's symbolic values (a table's
    ``Ref``...) into the strings the functions see; by default they are rendered as written.
    `sink` delivers async invoke outcomes (by default a `LoggingSink`).
    """
    report = warn or (lambda line: None)
    overrides = read_env_file(env_file) if env_file is not None else None
    functions = local_functions(app, overrides=overrides, resolve=resolve, warn=report)
    options = options or LambdaOptions(state_dir=app.root / ".lambdakit" / "run")
    code = code or BuiltCode(app, warn=report)
    return LocalLambda(functions, code, options=options, printer=printer, sink=sink)
