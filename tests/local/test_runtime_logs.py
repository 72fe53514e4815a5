"""The platform's lines around each invoke, as the console shows them (FIDELITY 2.7.1, 1.5.4).

The session's service prints into a `LogPrinter` over ``io.StringIO``; each test picks out the
lines of its own invokes by request id.
"""

from __future__ import annotations

import json
import re

from .local_runtime import function, running


def test_each_invoke_prints_start_then_end_then_report_2_7_1(cloud):
    result = cloud.invoke("logger", {"action": "count"})

    lines = cloud.log_lines(result.request_id)
    assert lines[0] == f"START RequestId: {result.request_id} Version: $LATEST"
    assert lines[1] == f"END RequestId: {result.request_id}"
    assert lines[2].startswith(f"REPORT RequestId: {result.request_id}\tDuration: ")
    assert "\tMemory Size: 128 MB\t" in lines[2]
    assert len(lines) == 3


def test_only_the_first_report_of_an_environment_has_init_duration_2_7_1_1_5_4(folders, tmp_path):
    with running(folders, tmp_path, [function("fresh")]) as cloud:
        first = cloud.invoke("fresh", {"action": "count"})
        second = cloud.invoke("fresh", {"action": "count"})

        first_report = cloud.log_lines(first.request_id)[-1]
        second_report = cloud.log_lines(second.request_id)[-1]

    assert second.json()["pid"] == first.json()["pid"]
    assert "\tInit Duration: " in first_report
    assert "Init Duration" not in second_report
    assert first.init_duration_ms is not None
    assert second.init_duration_ms is None


def test_the_functions_output_is_printed_between_start_and_end(cloud):
    result = cloud.invoke("logger", {"action": "shout", "mb": 0})

    log = cloud.log.getvalue()
    start = log.index(f"START RequestId: {result.request_id}")
    end = log.index(f"END RequestId: {result.request_id}")
    assert start < end
    assert result.log_tail.startswith(b"START RequestId: ")


def test_python_logging_in_text_format_carries_level_time_and_request_id_2_7_2(cloud):
    result = cloud.invoke("logger", {"action": "log", "text": "plain"})

    logged = [line for line in cloud.log_lines(result.request_id) if "logged plain" in line]
    assert len(logged) == 1
    pattern = r"\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t" + result.request_id
    assert re.match(pattern + r"\tlogged plain$", logged[0])


def test_json_log_format_gives_json_platform_and_application_lines_2_7_3_2_7_5(folders, tmp_path):
    with running(folders, tmp_path, [function("structured", log_format="JSON")]) as cloud:
        result = cloud.invoke("structured", {"action": "log", "text": "as json"})
        lines = [json.loads(line) for line in cloud.log_lines(result.request_id)]

    types = [line.get("type") for line in lines if "type" in line]
    assert types == ["platform.start", "platform.runtimeDone", "platform.report"]
    report = lines[-1]["record"]
    assert report["requestId"] == result.request_id
    assert {"durationMs", "billedDurationMs", "memorySizeMB", "maxMemoryUsedMB"} <= set(
        report["metrics"]
    )
    (application,) = [line for line in lines if line.get("message") == "logged as json"]
    assert application["level"] == "WARNING"
    assert application["requestId"] == result.request_id
