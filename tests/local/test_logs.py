"""Platform log lines, the 4 KB log tail, and the prefixed console printer (FIDELITY 2.4.9, 2.7)."""

from __future__ import annotations

import io
import itertools
import json
import re
import threading
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from lambdakit.local.invocation import LOG_TAIL_BYTES
from lambdakit.local.log_lines import (
    billed_ms,
    end_line,
    exit_error_line,
    init_report_line,
    report_line,
    shows_platform_lines,
    start_line,
    timeout_line,
    timestamp,
)
from lambdakit.local.logs import (
    MAX_LINE_BYTES,
    LogPrinter,
    TailBuffer,
    function_colour,
)

RID = "8f5e2c1a-0000-4000-8000-000000000001"
NOW = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def report(**overrides):
    args = {
        "duration_ms": 12.34,
        "memory_size_mb": 128,
        "max_memory_used_mb": 45,
        "init_duration_ms": None,
        "fmt": "Text",
        "now": NOW,
        "status": "success",
    }
    return report_line(RID, **(args | overrides))


# --- timestamps and billing -------------------------------------------------------------------


def test_timestamp_is_utc_with_milliseconds():
    assert timestamp(NOW) == "2024-05-01T12:00:00.123Z"
    two_hours_east = timezone(timedelta(hours=2))
    assert timestamp(NOW.astimezone(two_hours_east)) == "2024-05-01T12:00:00.123Z"
    assert timestamp(datetime(2024, 5, 1, 12, 0, 0)) == "2024-05-01T12:00:00.000Z"


def test_billed_duration_rounds_up_to_the_millisecond_and_adds_init():
    assert billed_ms(12.34) == 13
    assert billed_ms(12.0) == 12
    assert billed_ms(0.2) == 1
    # FIDELITY gap: 2026 REPORT lines bill the init phase too (DataBiosphere/azul#8050).
    assert billed_ms(1006.16, 3254.98) == 4262


# --- Text platform lines ----------------------------------------------------------------------


def test_start_and_end_lines_in_text():
    assert (
        start_line(RID, "$LATEST", fmt="Text", now=NOW)
        == f"START RequestId: {RID} Version: $LATEST"
    )
    assert end_line(RID, fmt="Text", now=NOW, status="success") == f"END RequestId: {RID}"


def test_report_line_in_text_without_init():
    assert report() == (
        f"REPORT RequestId: {RID}\tDuration: 12.34 ms\tBilled Duration: 13 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 45 MB\t"
    )


def test_report_line_in_text_puts_init_duration_after_max_memory():
    assert report(init_duration_ms=123.45) == (
        f"REPORT RequestId: {RID}\tDuration: 12.34 ms\tBilled Duration: 136 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 45 MB\tInit Duration: 123.45 ms\t"
    )


def test_report_line_on_timeout_ends_with_the_status():
    line = report(duration_ms=3000.0, status="timeout")
    assert line.endswith("Max Memory Used: 45 MB\tStatus: timeout\t")
    assert "Duration: 3000.00 ms\tBilled Duration: 3000 ms\t" in line


def test_report_line_on_a_platform_failure_names_the_error_type():
    line = report(status="failure", error_type="Runtime.ExitError")
    assert line.endswith("Max Memory Used: 45 MB\tStatus: error\tError Type: Runtime.ExitError\t")


def test_a_handler_error_leaves_the_text_report_unchanged():
    assert report(status="error") == report()


def test_timeout_line():
    assert timeout_line(RID, 3, now=NOW) == (
        f"2024-05-01T12:00:00.123Z {RID} Task timed out after 3.00 seconds"
    )


def test_exit_error_line_is_two_lines_in_one_event():
    line = exit_error_line(RID, "Runtime exited with error: signal: killed", "Runtime.ExitError")
    assert line == (
        f"RequestId: {RID} Error: Runtime exited with error: signal: killed\nRuntime.ExitError"
    )


def test_init_report_line_in_text():
    line = init_report_line(
        duration_ms=12.34, fmt="Text", now=NOW, error_type="Runtime.ImportModuleError"
    )
    assert line == (
        "INIT_REPORT Init Duration: 12.34 ms\tPhase: init\tStatus: error\t"
        "Error Type: Runtime.ImportModuleError"
    )
    retried = init_report_line(
        duration_ms=3000, fmt="Text", now=NOW, status="timeout", phase="invoke"
    )
    assert retried == "INIT_REPORT Init Duration: 3000.00 ms\tPhase: invoke\tStatus: timeout"


# --- JSON platform lines ----------------------------------------------------------------------


def event(line):
    assert "\n" not in line
    value = json.loads(line)
    assert set(value) == {"time", "type", "record"}
    assert value["time"] == "2024-05-01T12:00:00.123Z"
    return value


def test_start_in_json():
    value = event(start_line(RID, "7", fmt="JSON", now=NOW))
    assert value["type"] == "platform.start"
    assert value["record"] == {"requestId": RID, "version": "7"}


def test_end_in_json_is_runtime_done_with_status():
    value = event(end_line(RID, fmt="JSON", now=NOW, status="timeout"))
    assert value["type"] == "platform.runtimeDone"
    assert value["record"] == {"requestId": RID, "status": "timeout"}


def test_report_in_json():
    value = event(report(fmt="JSON", init_duration_ms=123.4567))
    assert value["type"] == "platform.report"
    assert value["record"] == {
        "requestId": RID,
        "status": "success",
        "metrics": {
            "durationMs": 12.34,
            "billedDurationMs": 136,
            "memorySizeMB": 128,
            "maxMemoryUsedMB": 45,
            "initDurationMs": 123.457,
        },
    }


def test_report_in_json_without_init_has_no_init_duration():
    value = event(report(fmt="JSON", status="failure", error_type="Runtime.ExitError"))
    assert "initDurationMs" not in value["record"]["metrics"]
    assert value["record"]["status"] == "failure"
    assert value["record"]["errorType"] == "Runtime.ExitError"


def test_init_report_in_json():
    value = event(
        init_report_line(
            duration_ms=12.34, fmt="JSON", now=NOW, error_type="Runtime.ImportModuleError"
        )
    )
    assert value["type"] == "platform.initReport"
    assert value["record"] == {
        "initializationType": "on-demand",
        "phase": "init",
        "status": "error",
        "errorType": "Runtime.ImportModuleError",
        "metrics": {"durationMs": 12.34},
    }


def test_system_log_level_warn_hides_platform_lines_in_json_only():
    assert shows_platform_lines("Text", None)
    assert shows_platform_lines("Text", "WARN")
    assert shows_platform_lines("JSON", None)
    assert shows_platform_lines("JSON", "INFO")
    assert shows_platform_lines("JSON", "DEBUG")
    assert not shows_platform_lines("JSON", "WARN")
    assert not shows_platform_lines("JSON", "warn")


def test_the_line_builders_are_also_importable_from_logs():
    from lambdakit.local import log_lines, logs

    assert logs.report_line is log_lines.report_line
    assert set(logs.__all__) >= {"start_line", "end_line", "report_line", "timeout_line"}


# --- TailBuffer -------------------------------------------------------------------------------


def test_tail_keeps_exactly_the_last_4096_bytes_across_many_chunks():
    tail = TailBuffer()
    written = bytearray()
    for index in range(2000):
        chunk = f"line {index:05d} ".encode() * (index % 7 + 1)
        tail.add(chunk)
        written += chunk
    assert tail.value() == bytes(written[-LOG_TAIL_BYTES:])
    assert len(tail.value()) == 4096


def test_tail_of_a_short_log_is_all_of_it():
    tail = TailBuffer()
    tail.add_line("START RequestId: x Version: $LATEST")
    tail.add(b"hello\n")
    assert tail.value() == b"START RequestId: x Version: $LATEST\nhello\n"


def test_tail_of_one_huge_chunk():
    tail = TailBuffer()
    data = bytes(range(256)) * 40_000
    tail.add(data)
    tail.add(b"end")
    assert tail.value() == (data + b"end")[-4096:]


@given(st.lists(st.binary(max_size=3000), max_size=30), st.integers(1, 64))
def test_tail_equals_the_end_of_everything_written(chunks, limit):
    tail = TailBuffer(limit)
    for chunk in chunks:
        tail.add(chunk)
    assert tail.value() == b"".join(chunks)[-limit:]


# --- LogPrinter -------------------------------------------------------------------------------


def test_printer_prefixes_each_complete_line_with_the_function_name():
    out = io.StringIO()
    printer = LogPrinter(out)
    printer.write("Counter", b"one\ntwo\n")
    assert out.getvalue() == "[Counter] one\n[Counter] two\n"


def test_printer_holds_a_partial_line_until_it_is_complete():
    out = io.StringIO()
    printer = LogPrinter(out)
    printer.write("Counter", b"hel")
    assert out.getvalue() == ""
    printer.write("Counter", b"lo\nwor")
    assert out.getvalue() == "[Counter] hello\n"
    printer.write("Counter", b"ld\n")
    assert out.getvalue() == "[Counter] hello\n[Counter] world\n"


def test_printer_keeps_partial_lines_of_functions_apart():
    out = io.StringIO()
    printer = LogPrinter(out)
    printer.write("A", b"a-")
    printer.write("B", b"b-")
    printer.write("A", b"done\n")
    printer.write("B", b"done\n")
    assert out.getvalue() == "[A] a-done\n[B] b-done\n"


def test_printer_keeps_partial_lines_of_two_workers_of_one_function_apart():
    out = io.StringIO()
    printer = LogPrinter(out)
    printer.write("A", b"first ", source="A#1")
    printer.write("A", b"second ", source="A#2")
    printer.write("A", b"worker\n", source="A#1")
    printer.flush("A", source="A#2")
    assert out.getvalue() == "[A] first worker\n[A] second \n"


def test_a_utf8_character_split_across_chunks_survives():
    out = io.StringIO()
    printer = LogPrinter(out)
    data = "naïve ☃\n".encode()
    printer.write("F", data[:3])
    printer.write("F", data[3:])
    assert out.getvalue() == "[F] naïve ☃\n"


def test_invalid_utf8_is_replaced():
    out = io.StringIO()
    LogPrinter(out).write("F", b"bad \xff\xfe bytes\n")
    assert out.getvalue() == "[F] bad \ufffd\ufffd bytes\n"


def test_an_error_report_joined_with_carriage_returns_prints_as_prefixed_lines():
    """FIDELITY 2.6.6: one log event joined with \\r; a terminal would overwrite it."""
    out = io.StringIO()
    error = "[ERROR] KeyError: 'x'\rTraceback (most recent call last):\r\xa0\xa0File ...\n"
    LogPrinter(out).write("F", error.encode())
    assert out.getvalue() == (
        "[F] [ERROR] KeyError: 'x'\n[F] Traceback (most recent call last):\n[F] \xa0\xa0File ...\n"
    )


def test_flush_prints_the_pending_partial_line_once():
    out = io.StringIO()
    printer = LogPrinter(out)
    printer.write("F", b"no newline")
    printer.flush("F")
    printer.flush("F")
    assert out.getvalue() == "[F] no newline\n"


def test_close_prints_every_pending_line():
    out = io.StringIO()
    printer = LogPrinter(out)
    printer.write("A", b"a")
    printer.write("B", b"b", source="B#1")
    printer.close()
    assert sorted(out.getvalue().splitlines()) == ["[A] a", "[B] b"]
    printer.close()


def test_platform_lines_are_prefixed_too_one_prefix_per_line():
    out = io.StringIO()
    printer = LogPrinter(out)
    printer.platform("F", f"END RequestId: {RID}")
    printer.platform("F", exit_error_line(RID, "Runtime exited with error: exit status 1", "X"))
    assert out.getvalue().splitlines() == [
        f"[F] END RequestId: {RID}",
        f"[F] RequestId: {RID} Error: Runtime exited with error: exit status 1",
        "[F] X",
    ]


def test_no_colour_on_a_stream_that_is_not_a_terminal():
    out = io.StringIO()
    printer = LogPrinter(out)
    printer.write("F", b"plain\n")
    printer.platform("F", "START")
    assert "\x1b" not in out.getvalue()


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_colour_on_a_terminal_unless_no_color_is_set(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    coloured = Terminal()
    LogPrinter(coloured).write("F", b"x\n")
    assert "\x1b[" in coloured.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    plain = Terminal()
    LogPrinter(plain).write("F", b"x\n")
    assert plain.getvalue() == "[F] x\n"


def test_forced_colour_colours_the_prefix_and_keeps_the_text():
    out = io.StringIO()
    printer = LogPrinter(out, color=True)
    printer.write("Counter", b"hi\n")
    code = function_colour("Counter")
    assert out.getvalue() == f"\x1b[{code}m[Counter] \x1b[0mhi\n"
    printer.platform("Counter", "REPORT")
    assert ANSI.sub("", out.getvalue()) == "[Counter] hi\n[Counter] REPORT\n"


def test_forced_colour_off_on_a_terminal():
    out = Terminal()
    LogPrinter(out, color=False).write("F", b"x\n")
    assert out.getvalue() == "[F] x\n"


def test_a_function_keeps_its_colour_and_functions_get_several():
    assert function_colour("Counter") == function_colour("Counter")
    colours = {function_colour(f"Function{index}") for index in range(40)}
    assert len(colours) > 3


def test_log_file_gets_every_line_uncoloured_and_appends(tmp_path):
    log = tmp_path / "local.log"
    log.write_text("earlier\n")
    printer = LogPrinter(Terminal(), color=True, log_file=log)
    printer.write("F", b"one\n")
    printer.platform("F", "END RequestId: x")
    printer.close()
    assert log.read_text() == "earlier\n[F] one\n[F] END RequestId: x\n"


def test_quiet_prints_nothing_but_still_fills_the_log_file(tmp_path):
    out = io.StringIO()
    log = tmp_path / "local.log"
    printer = LogPrinter(out, quiet=True, log_file=log)
    printer.write("F", b"one\ntw")
    printer.platform("F", "START")
    printer.close()
    assert out.getvalue() == ""
    assert log.read_text() == "[F] one\n[F] START\n[F] tw\n"


def test_quiet_without_a_log_file_drops_everything():
    out = io.StringIO()
    printer = LogPrinter(out, quiet=True)
    printer.write("F", b"one\n")
    printer.close()
    assert out.getvalue() == ""


def test_an_endless_line_is_printed_rather_than_held():
    out = io.StringIO()
    printer = LogPrinter(out)
    for _ in range(5):
        printer.write("F", b"x" * (MAX_LINE_BYTES // 2))
    lines = out.getvalue().splitlines()
    assert lines
    assert all(line.startswith("[F] x") for line in lines)
    printer.close()
    assert "".join(line.removeprefix("[F] ") for line in out.getvalue().splitlines()) == "x" * (
        5 * (MAX_LINE_BYTES // 2)
    )


def test_a_10_mb_burst_in_odd_chunks():
    out = io.StringIO()
    printer = LogPrinter(out)
    data = b"".join(b"line %07d of a big burst\n" % index for index in range(400_000))
    assert len(data) > 10_000_000
    step = 65_537
    for offset in range(0, len(data), step):
        printer.write("Big", data[offset : offset + step])
    printer.close()
    text = out.getvalue()
    assert text.count("\n") == 400_000
    assert text.startswith("[Big] line 0000000 of a big burst\n")
    assert text.endswith("[Big] line 0399999 of a big burst\n")


def test_a_10_mb_single_line():
    out = io.StringIO()
    printer = LogPrinter(out)
    printer.write("Big", b"y" * 10_000_000 + b"\n")
    assert out.getvalue() == "[Big] " + "y" * 10_000_000 + "\n"


@given(st.binary(max_size=400), st.lists(st.integers(0, 400), max_size=8))
def test_how_output_is_cut_into_chunks_does_not_change_what_is_printed(data, cuts):
    whole = io.StringIO()
    LogPrinter(whole).write("F", data)
    chunked = io.StringIO()
    printer = LogPrinter(chunked)
    bounds = [0, *sorted(cuts), len(data)]
    for start, end in itertools.pairwise(bounds):
        printer.write("F", data[start:end])
    assert chunked.getvalue() == whole.getvalue()


def test_lines_from_many_threads_are_never_interleaved():
    out = io.StringIO()
    printer = LogPrinter(out)

    def worker(name):
        for index in range(300):
            printer.write(name, f"{name} says {index}\n".encode())

    threads = [threading.Thread(target=worker, args=(f"F{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = out.getvalue().splitlines()
    assert len(lines) == 1800
    for line in lines:
        name = line[1 : line.index("]")]
        assert re.fullmatch(rf"\[{name}\] {name} says \d+", line)
