"""`LocalCloud`: a running `LocalApp` as tests use it (the `local_cloud` fixture's value).

It names the app's resources (`name`, `arn`, `url`), hands out boto3 clients bound to the local
services endpoint (`client`, `session`), invokes functions directly (`invoke`), calls the API
(`get`, `request`) and waits for what events do asynchronously (`wait_for`).
`start_local_cloud` starts one outside pytest, as a context manager.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from lambdakit.testing.api_requests import ApiResponse, Body, send_request
from lambdakit.testing.resource_keys import resolve_key

if TYPE_CHECKING:
    from lambdakit.local.function_spec import LocalFunction
    from lambdakit.local.invocation import FunctionError
    from lambdakit.local_app import LocalApp

T = TypeVar("T")

FAKE_ACCESS_KEY = "testing"
"""The local services take any credentials; these keep boto3 from looking for real ones."""

Event = Mapping[str, Any] | list[Any] | str | bytes


@dataclass(frozen=True)
class Invoked:
    """What one synchronous invoke returned."""

    payload: Any
    """The response decoded from JSON; the text when it is not JSON; None when empty."""
    raw: bytes
    function_error: FunctionError | None
    """``Handled`` / ``Unhandled`` when the function failed (FIDELITY 2.6.2), else None."""
    error_type: str | None
    logs: str
    """The invoke's log lines, START to REPORT (the last 4 KB, as ``LogType=Tail``)."""
    request_id: str

    @property
    def ok(self) -> bool:
        return self.function_error is None


class LocalCloud:
    """The app of a started `LocalApp`: its endpoints, resources, functions and API."""

    def __init__(self, app: LocalApp, *, log_file: Path | None = None) -> None:
        self.local_app = app
        self.log_file = log_file
        """Where the functions' output and the platform lines go (None: the terminal)."""
        self._session: Any = None
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ endpoints

    @property
    def api_url(self) -> str:
        return self.local_app.api_url

    @property
    def services_url(self) -> str:
        """The local AWS endpoint: ``endpoint_url`` for boto3, ``AWS_ENDPOINT_URL`` for tools."""
        return self.local_app.services_url

    @property
    def region(self) -> str:
        stacks = self.local_app.app.stacks
        return stacks[0].region if stacks else "us-east-1"

    @property
    def session(self) -> Any:
        """A ``boto3.Session`` with fake credentials in the app's region."""
        with self._lock:
            if self._session is None:
                import boto3  # noqa: PLC0415  (boto3 takes a while to import)

                self._session = boto3.Session(
                    aws_access_key_id=FAKE_ACCESS_KEY,
                    aws_secret_access_key=FAKE_ACCESS_KEY,
                    region_name=self.region,
                )
            return self._session

    def client(self, service: str) -> Any:
        """A boto3 client of `service` on the local endpoint (one per service, reused)."""
        session = self.session
        with self._lock:
            if service not in self._clients:
                self._clients[service] = session.client(service, endpoint_url=self.services_url)
            return self._clients[service]

    # ------------------------------------------------------------------ resources

    @property
    def resources(self) -> dict[str, str]:
        """Logical id → the local physical name of every emulated resource."""
        return {logical_id: r.name for logical_id, r in self.local_app.physical.items()}

    def name(self, logical_id: str) -> str:
        """The physical name of a resource or a function (logical id, model id or CDK construct
        path: ``Worker/Queue``, see `resource_keys`)."""
        key = self._key(logical_id)
        resource = self.local_app.physical.get(key)
        if resource is not None:
            return resource.name
        return self._function(key).name

    def arn(self, logical_id: str) -> str:
        key = self._key(logical_id)
        resource = self.local_app.physical.get(key)
        if resource is not None:
            return resource.arn
        return self._function(key).arn

    def url(self, logical_id: str) -> str:
        """A queue's URL on the local endpoint."""
        resource = self.local_app.physical.get(self._key(logical_id))
        if resource is None or resource.url is None:
            raise KeyError(f"{logical_id!r} is not a queue of this app")
        return resource.url

    def _key(self, key: str) -> str:
        """`key` when it is a logical id or names a function, else what its construct path names."""
        from lambdakit.local.invocation import InvokeRejectedError  # noqa: PLC0415

        if key in self.local_app.physical:
            return key
        try:
            self.local_app.local.service.resolve(key)
        except InvokeRejectedError:
            known = [*self.local_app.physical, *(f.id for f in self.local_app.app.functions)]
            return resolve_key(self.local_app.app, key, known)
        return key

    def _function(self, name: str) -> LocalFunction:
        from lambdakit.local.invocation import InvokeRejectedError  # noqa: PLC0415

        try:
            return self.local_app.local.service.resolve(name)[0]
        except InvokeRejectedError:
            known = sorted(self.local_app.physical) + [f.id for f in self.local_app.app.functions]
            raise KeyError(
                f"{name!r} is no resource or function of this app; it has: {', '.join(known)}"
            ) from None

    # ------------------------------------------------------------------ functions

    def invoke(self, name: str, event: Event | None = None) -> Invoked:
        """Invoke function `name` (logical id, name, ARN or CDK construct path) with `event`.

        A dict or list is sent as JSON; str and bytes are sent as they are (JSON text).
        """
        payload = b"{}" if event is None else _payload(event)
        name = self._key(name)
        self._function(name)  # a KeyError naming what exists, rather than a 404
        result = self.local_app.local.invoke(name, payload)
        if result is None:  # only Event and DryRun invokes return nothing
            raise RuntimeError(f"invoking {name!r} returned no result")
        return Invoked(
            payload=_decoded(result.payload),
            raw=result.payload,
            function_error=result.function_error,
            error_type=result.error_type,
            logs=result.log_tail.decode("utf-8", errors="replace"),
            request_id=result.request_id,
        )

    # ------------------------------------------------------------------ the API

    def request(
        self,
        method: str,
        path: str,
        body: Body = None,
        headers: Mapping[str, str] | None = None,
    ) -> ApiResponse:
        """`method` `path` on the local API Gateway (a dict or list `body` goes as JSON)."""
        return send_request(self.api_url, method, path, body, headers)

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> ApiResponse:
        return self.request("GET", path, headers=headers)

    # ------------------------------------------------------------------ waiting

    def wait_for(
        self, probe: Callable[[], T], timeout: float = 30.0, *, interval: float = 0.1
    ) -> T:
        """Call `probe` until it returns something truthy (returned) or `timeout` passes.

        An `AssertionError` from `probe` counts as "not yet", so a probe may assert; on timeout
        the last one (or the last value) is in the `TimeoutError`'s message.
        """
        return wait_for(probe, timeout, interval=interval)


def wait_for(probe: Callable[[], T], timeout: float = 30.0, *, interval: float = 0.1) -> T:
    """See `LocalCloud.wait_for`."""
    deadline = time.monotonic() + timeout
    while True:
        last: object
        try:
            value = probe()
        except AssertionError as error:
            last = error
        else:
            if value:
                return value
            last = value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"still not there after {timeout:g} s; last: {last!r}")
        time.sleep(interval)


@contextlib.contextmanager
def start_local_cloud(
    template: Path,
    *,
    parameter_overrides: Mapping[str, str] | None = None,
    log_file: Path | None = None,
    time_scale: float = 1.0,
) -> Iterator[LocalCloud]:
    """Serve the app at `template` (file, folder or cdk.out) on free ports until the block ends.

    Functions' output goes to `log_file` (the terminal when None); code and template edits are
    not watched.
    """
    import lambdakit  # noqa: PLC0415  (the plugin imports this module; keep that cheap)
    from lambdakit.local.logs import LogPrinter  # noqa: PLC0415
    from lambdakit.local_app import LocalApp, LocalAppOptions  # noqa: PLC0415

    load_options = lambdakit.LoadOptions(parameter_overrides=dict(parameter_overrides or {}))

    def load() -> lambdakit.App:
        return lambdakit.load_app(template, load_options)

    options = LocalAppOptions(port=0, services_port=0, reload=False, time_scale=time_scale)
    printer = LogPrinter(quiet=True, log_file=log_file) if log_file is not None else None
    try:
        with LocalApp(load, options, printer=printer) as app:
            yield LocalCloud(app, log_file=log_file)
    finally:
        if printer is not None:
            printer.close()


def _payload(event: Event) -> bytes:
    if isinstance(event, bytes):
        return event
    if isinstance(event, str):
        return event.encode()
    return json.dumps(event).encode()


def _decoded(payload: bytes) -> Any:
    if not payload:
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", errors="replace")
