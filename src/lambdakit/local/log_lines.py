"""The platform's own log lines (START, END, REPORT, INIT_REPORT, timeouts, crashes) as text.

Pure functions: each takes the facts of one invoke and the function's log format and returns the
line Lambda writes to the function's log stream, without the trailing newline.

Text format (FIDELITY 1.5.5, 2.7.1): ``START RequestId: <id> Version: <v>``, ``END RequestId:
<id>``, and the tab-separated ``REPORT`` line. JSON format (FIDELITY 2.7.5): one telemetry-schema
object per line, ``{"time": ..., "type": "platform.<event>", "record": {...}}``.

Billing: ``Billed Duration`` is the duration rounded up to the next millisecond, **plus the init
duration** when the REPORT carries one. Lambda has billed the init phase of on-demand functions on
managed runtimes since August 2025; REPORT lines from 2026 show ``Duration: 1006.16 ms\tBilled
Duration: 4262 ms\t...\tInit Duration: 3254.98 ms`` (1006.16 + 3254.98 rounded up)
[ISSUE:DataBiosphere/azul#8050; not yet in FIDELITY].
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Literal

from lambdakit.local.function_spec import LogFormat
from lambdakit.local.invocation import timeout_message

PlatformStatus = Literal["success", "error", "timeout", "failure"]
"""The telemetry schema's status of an invoke or an init (FIDELITY 2.7.5)."""
InitPhase = Literal["init", "invoke"]
"""Where a failed init ran: the init phase, or again at the first invoke (FIDELITY 2.4.2)."""

_QUIET_SYSTEM_LEVELS = frozenset({"WARN"})


def shows_platform_lines(fmt: LogFormat, system_log_level: str | None) -> bool:
    """Whether START, END, REPORT and INIT_REPORT reach the log at all.

    Log-level filtering only applies to the JSON format (FIDELITY 2.7.6); every platform line
    written here is an INFO event, so ``SystemLogLevel: WARN`` drops them [INFERRED].
    """
    if fmt != "JSON" or system_log_level is None:
        return True
    return system_log_level.upper() not in _QUIET_SYSTEM_LEVELS


def timestamp(now: datetime) -> str:
    """``2024-05-01T12:00:00.123Z``: UTC, millisecond precision (a naive `now` is taken as UTC)."""
    utc = now.astimezone(UTC) if now.tzinfo else now
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def billed_ms(duration_ms: float, init_duration_ms: float | None = None) -> int:
    """Milliseconds billed: duration plus init, rounded up, at least 1 ms [INFERRED minimum]."""
    total = duration_ms + (init_duration_ms or 0.0)
    return max(1, math.ceil(round(total, 2)))


def _event(kind: str, now: datetime, record: dict[str, object]) -> str:
    event = {"time": timestamp(now), "type": f"platform.{kind}", "record": record}
    return json.dumps(event, separators=(",", ":"))


def _ms(value: float) -> float:
    return round(value, 3)


def start_line(request_id: str, version: str, *, fmt: LogFormat, now: datetime) -> str:
    """``START RequestId: <id> Version: <version>``, or ``platform.start``."""
    if fmt == "JSON":
        return _event("start", now, {"requestId": request_id, "version": version})
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str, *, fmt: LogFormat, now: datetime, status: PlatformStatus) -> str:
    """``END RequestId: <id>``, or ``platform.runtimeDone`` with the invoke's status."""
    if fmt == "JSON":
        return _event("runtimeDone", now, {"requestId": request_id, "status": status})
    return f"END RequestId: {request_id}"


def report_line(
    request_id: str,
    *,
    duration_ms: float,
    memory_size_mb: int,
    max_memory_used_mb: int,
    init_duration_ms: float | None,
    fmt: LogFormat,
    now: datetime,
    status: PlatformStatus,
    error_type: str | None = None,
) -> str:
    """The REPORT line of one invoke (FIDELITY 2.7.1), or ``platform.report``.

    `init_duration_ms` is given only for the first invoke an environment serves. On a timeout Lambda
    reports the timeout itself as the duration (``Duration: 31000.00 ms``) and ends the line with
    ``Status: timeout`` [ISSUE:DataBiosphere/azul#8050]. Pass `error_type` only for a platform
    failure (``Runtime.ExitError``, ``Runtime.OutOfMemory``): the text line then ends with
    ``Status: error`` and ``Error Type: <type>`` [INFERRED]. An exception the handler raised is
    not the platform's business; its REPORT looks like a success's.
    """
    billed = billed_ms(duration_ms, init_duration_ms)
    if fmt == "JSON":
        metrics: dict[str, object] = {
            "durationMs": _ms(duration_ms),
            "billedDurationMs": billed,
            "memorySizeMB": memory_size_mb,
            "maxMemoryUsedMB": max_memory_used_mb,
        }
        if init_duration_ms is not None:
            metrics["initDurationMs"] = _ms(init_duration_ms)
        record: dict[str, object] = {"requestId": request_id, "metrics": metrics, "status": status}
        if error_type is not None:
            record["errorType"] = error_type
        return _event("report", now, record)
    fields = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed} ms",
        f"Memory Size: {memory_size_mb} MB",
        f"Max Memory Used: {max_memory_used_mb} MB",
    ]
    if init_duration_ms is not None:
        fields.append(f"Init Duration: {init_duration_ms:.2f} ms")
    if status == "timeout":
        fields.append("Status: timeout")
    elif error_type is not None:
        fields += ["Status: error", f"Error Type: {error_type}"]
    return "\t".join(fields) + "\t"


def timeout_line(request_id: str, timeout_seconds: float, *, now: datetime) -> str:
    """``<timestamp> <id> Task timed out after 3.00 seconds`` (FIDELITY 2.4.8, 2.4.9).

    Lambda prints the time it measured, which is a little over the timeout (``31.01 seconds`` for a
    31 s timeout) [ISSUE:DataBiosphere/azul#5622]; pass whichever you want shown.
    """
    return f"{timestamp(now)} {request_id} {timeout_message(timeout_seconds)}"


def exit_error_line(request_id: str, detail: str, error_type: str) -> str:
    """``RequestId: <id> Error: Runtime exited with error: signal: killed`` then the error type.

    Two lines in one log event (FIDELITY 2.4.10); `detail` is what follows ``Error:``.
    """
    return f"RequestId: {request_id} Error: {detail}\n{error_type}"


def init_report_line(
    *,
    duration_ms: float,
    fmt: LogFormat,
    now: datetime,
    status: PlatformStatus = "error",
    error_type: str | None = None,
    phase: InitPhase = "init",
) -> str:
    """The INIT_REPORT line of an init that failed or timed out, or ``platform.initReport``.

    Text: ``INIT_REPORT Init Duration: 12.34 ms\\tPhase: init\\tStatus: error\\tError Type:
    Runtime.ImportModuleError``. What Lambda prints today; FIDELITY names only the JSON event
    (2.7.5), so the text form is INFERRED.
    """
    if fmt == "JSON":
        record: dict[str, object] = {
            "initializationType": "on-demand",
            "phase": phase,
            "status": status,
            "metrics": {"durationMs": _ms(duration_ms)},
        }
        if error_type is not None:
            record["errorType"] = error_type
        return _event("initReport", now, record)
    fields = [f"INIT_REPORT Init Duration: {duration_ms:.2f} ms", f"Phase: {phase}"]
    fields.append(f"Status: {status}")
    if error_type is not None:
        fields.append(f"Error Type: {error_type}")
    return "\t".join(fields)
