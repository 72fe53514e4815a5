"""The Runtime API (FIDELITY §1, T-RAPI) driven by a raw HTTP client acting as the runtime.

The server and its channels run on a test-owned asyncio loop in a background thread; the test
thread plays the runtime with ``http.client``, as awslambdaric's C++ client would.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from lambdakit.local.invocation import RESPONSE_LIMIT, Invocation
from lambdakit.local.runtime_api import (
    RuntimeApi,
    RuntimeChannel,
    RuntimeOutcome,
    normalized_error_type,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:hello:live"
RUNTIME = "/2018-06-01/runtime"
TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
CLIENT_CONTEXT = '{"custom": {"tenant": "a"}, "env": {}, "client": {}}'
COGNITO = '{"cognitoIdentityId": "us-east-1:abc", "cognitoIdentityPoolId": "us-east-1:pool"}'


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


class Harness:
    """A `RuntimeApi` on its own loop, and a blocking HTTP client for one channel's port."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.api = RuntimeApi()
        self.call(self.api.start())

    def call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def open(self) -> RuntimeChannel:
        return self.call(self.api.open())

    def dispatch(
        self, channel: RuntimeChannel, invocation: Invocation, deadline_ms: int = 0
    ) -> asyncio.Future[RuntimeOutcome]:
        """Hand `invocation` to the channel; the future of the runtime's answer."""

        async def dispatched() -> asyncio.Future[RuntimeOutcome]:
            return channel.dispatch(invocation, deadline_ms=deadline_ms, invoked_arn=ARN)

        return self.call(dispatched())

    def outcome(self, future: asyncio.Future[RuntimeOutcome]) -> RuntimeOutcome:
        """Wait for the runtime's answer to a dispatched invoke."""
        return self.call(_awaited(future))

    def ready(self, channel: RuntimeChannel) -> RuntimeOutcome | None:
        return self.call(_awaited(channel.ready))

    def http(
        self,
        channel: RuntimeChannel,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", channel.port, timeout=10)
        try:
            connection.request(method, RUNTIME + path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read())
        finally:
            connection.close()

    def stop(self) -> None:
        self.call(self.api.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


async def _awaited(future: asyncio.Future[RuntimeOutcome | None]) -> RuntimeOutcome | None:
    return await asyncio.wait_for(asyncio.shield(future), 10)


@pytest.fixture
def harness() -> Iterator[Harness]:
    started = Harness()
    yield started
    started.stop()


@pytest.fixture
def channel(harness: Harness) -> RuntimeChannel:
    return harness.open()


def next_invoke(harness: Harness, channel: RuntimeChannel, invocation: Invocation) -> Answer:
    harness.dispatch(channel, invocation)
    return harness.http(channel, "GET", "/invocation/next")


# --------------------------------------------------------------------------- /next


def test_next_carries_the_request_id_deadline_arn_trace_and_contexts_1_2_1_to_1_2_5(
    harness, channel
):
    deadline_ms = int(time.time() * 1000) + 3000
    invocation = Invocation(
        payload=b'{"order": 7}',
        trace_id=TRACE,
        client_context=CLIENT_CONTEXT,
        cognito_identity=COGNITO,
    )
    harness.dispatch(channel, invocation, deadline_ms=deadline_ms)

    answer = harness.http(channel, "GET", "/invocation/next")

    assert answer.status == 200
    assert answer.body == b'{"order": 7}'
    assert answer.headers["Content-Type"] == "application/json"  # 1.1.5
    assert answer.headers["Lambda-Runtime-Aws-Request-Id"] == invocation.request_id  # 1.2.1
    assert answer.headers["Lambda-Runtime-Deadline-Ms"] == str(deadline_ms)  # 1.2.2, epoch ms
    assert answer.headers["Lambda-Runtime-Invoked-Function-Arn"] == ARN  # 1.2.3
    assert answer.headers["Lambda-Runtime-Trace-Id"] == TRACE  # 1.2.4
    assert answer.headers["Lambda-Runtime-Client-Context"] == CLIENT_CONTEXT  # 1.2.5
    assert answer.headers["Lambda-Runtime-Cognito-Identity"] == COGNITO  # 1.2.5


@pytest.mark.parametrize("empty", [None, ""])
def test_next_omits_headers_without_a_value_1_2_6(harness, channel, empty):
    invocation = Invocation(
        payload=b"{}", trace_id=empty, client_context=empty, cognito_identity=empty
    )

    answer = next_invoke(harness, channel, invocation)

    assert answer.status == 200
    for name in (
        "Lambda-Runtime-Trace-Id",
        "Lambda-Runtime-Client-Context",
        "Lambda-Runtime-Cognito-Identity",
    ):
        assert name not in answer.headers


def test_next_waits_for_an_invoke_and_marks_the_runtime_ready_1_1_4(harness, channel):
    invocation = Invocation(payload=b"[1]")
    answers: list[Answer] = []
    runtime = threading.Thread(
        target=lambda: answers.append(harness.http(channel, "GET", "/invocation/next"))
    )
    runtime.start()

    assert harness.ready(channel) is None  # the first /next means init is done
    harness.dispatch(channel, invocation)
    runtime.join(10)

    assert answers[0].status == 200
    assert answers[0].headers["Lambda-Runtime-Aws-Request-Id"] == invocation.request_id


def test_next_again_before_answering_is_refused_403_1_3_3(harness, channel):
    next_invoke(harness, channel, Invocation(payload=b"{}"))

    answer = harness.http(channel, "GET", "/invocation/next")

    assert answer.status == 403
    assert answer.json()["errorType"] == "InvalidStateTransition"


# --------------------------------------------------------------------------- /response


def test_response_is_accepted_with_202_status_ok_1_3_1(harness, channel):
    invocation = Invocation(payload=b"{}")
    outcome = harness.dispatch(channel, invocation)
    harness.http(channel, "GET", "/invocation/next")

    answer = harness.http(
        channel,
        "POST",
        f"/invocation/{invocation.request_id}/response",
        body=b'{"ok": true}',
        headers={"Content-Type": "application/json"},
    )

    assert answer.status == 202
    assert answer.json() == {"status": "OK"}
    result = harness.outcome(outcome)
    assert result.payload == b'{"ok": true}'
    assert result.error_type is None
    assert not result.platform


def test_an_unknown_request_id_is_refused_400_1_3_2(harness, channel):
    invocation = Invocation(payload=b"{}")
    outcome = harness.dispatch(channel, invocation)
    harness.http(channel, "GET", "/invocation/next")

    for kind in ("response", "error"):
        answer = harness.http(channel, "POST", f"/invocation/not-this-one/{kind}", body=b"{}")
        assert answer.status == 400
        assert answer.json() == {
            "errorMessage": "Invalid request ID",
            "errorType": "InvalidRequestID",
        }

    # The invoke in flight is untouched: its own id still answers it.
    path = f"/invocation/{invocation.request_id}/response"
    assert harness.http(channel, "POST", path, body=b"1").status == 202
    assert harness.outcome(outcome).payload == b"1"


def test_a_second_answer_for_one_request_is_refused_403_1_3_3(harness, channel):
    invocation = Invocation(payload=b"{}")
    outcome = harness.dispatch(channel, invocation)
    harness.http(channel, "GET", "/invocation/next")
    base = f"/invocation/{invocation.request_id}"
    assert harness.http(channel, "POST", base + "/response", body=b"1").status == 202

    for kind in ("response", "error"):
        answer = harness.http(channel, "POST", f"{base}/{kind}", body=b"2")
        assert answer.status == 403
        error = answer.json()
        assert error["errorType"] == "InvalidStateTransition"
        assert error["errorMessage"].startswith("State transition from ")
    assert harness.outcome(outcome).payload == b"1"


def test_a_response_over_6291556_bytes_is_refused_413_and_the_caller_gets_size_error_1_3_4(
    harness, channel
):
    invocation = Invocation(payload=b"{}")
    outcome = harness.dispatch(channel, invocation)
    harness.http(channel, "GET", "/invocation/next")
    size = RESPONSE_LIMIT + 1

    answer = harness.http(
        channel, "POST", f"/invocation/{invocation.request_id}/response", body=b"x" * size
    )

    assert RESPONSE_LIMIT == 6291556
    assert answer.status == 413
    assert answer.json() == {
        "errorType": "RequestEntityTooLarge",
        "errorMessage": "Exceeded maximum allowed payload size (6291556 bytes).",
    }
    result = harness.outcome(outcome)
    assert result.error_type == "Function.ResponseSizeTooLarge"
    assert result.platform
    assert json.loads(result.payload) == {
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": f"Response payload size ({size} bytes) exceeded maximum allowed"
        " payload size (6291556 bytes).",
    }


def test_a_response_of_exactly_6291556_bytes_is_accepted_1_3_4(harness, channel):
    invocation = Invocation(payload=b"{}")
    outcome = harness.dispatch(channel, invocation)
    harness.http(channel, "GET", "/invocation/next")

    path = f"/invocation/{invocation.request_id}/response"
    answer = harness.http(channel, "POST", path, body=b"x" * RESPONSE_LIMIT)

    assert answer.status == 202
    assert len(harness.outcome(outcome).payload) == RESPONSE_LIMIT


def test_a_bad_response_mode_is_refused_400_1_3_5(harness, channel):
    invocation = Invocation(payload=b"{}")
    outcome = harness.dispatch(channel, invocation)
    harness.http(channel, "GET", "/invocation/next")

    answer = harness.http(
        channel,
        "POST",
        f"/invocation/{invocation.request_id}/response",
        body=b"{}",
        headers={"Lambda-Runtime-Function-Response-Mode": "chunked"},
    )

    assert answer.status == 400
    assert answer.json()["errorType"] == "InvalidFunctionResponseMode"
    assert harness.outcome(outcome).error_type == "Runtime.InvalidResponseModeHeader"


# --------------------------------------------------------------------------- /error


def test_an_invoke_error_passes_its_body_through_and_normalizes_the_type_1_3_6_1_3_8(
    harness, channel
):
    invocation = Invocation(payload=b"{}")
    outcome = harness.dispatch(channel, invocation)
    harness.http(channel, "GET", "/invocation/next")
    body = b'{"errorMessage": "boom", "errorType": "ValueError", "stackTrace": []}'

    answer = harness.http(
        channel,
        "POST",
        f"/invocation/{invocation.request_id}/error",
        body=body,
        headers={"Lambda-Runtime-Function-Error-Type": "ValueError"},
    )

    assert answer.status == 202
    assert answer.json() == {"status": "OK"}
    result = harness.outcome(outcome)
    assert result.payload == body
    assert result.error_type == "Runtime.Unknown"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Runtime.ImportModuleError", "Runtime.ImportModuleError"),
        ("Function.ResponseSizeTooLarge", "Function.ResponseSizeTooLarge"),
        ("Function.bad", "Function.Unknown"),
        ("Function.", "Function.Unknown"),
        ("Runtime.lower", "Runtime.Unknown"),
        ("Runtime.Exit2", "Runtime.Unknown"),
        ("KeyError", "Runtime.Unknown"),
        ("", "Runtime.Unknown"),
        (None, "Runtime.Unknown"),
    ],
)
def test_normalized_error_type_keeps_category_reason_else_unknown_1_3_8(header, expected):
    assert normalized_error_type(header) == expected


# --------------------------------------------------------------------------- /init/error


def test_init_error_is_accepted_and_fails_the_init_1_4_4_1_4_5(harness, channel):
    body = (
        b"{\"errorMessage\": \"Unable to import module 'app': No module named 'x'\","
        b' "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}'
    )

    answer = harness.http(
        channel,
        "POST",
        "/init/error",
        body=body,
        headers={"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"},
    )

    assert answer.status == 202
    assert answer.json() == {"status": "OK"}
    outcome = harness.ready(channel)
    assert outcome is not None
    assert outcome.init_error
    assert outcome.error_type == "Runtime.ImportModuleError"
    assert outcome.payload == body
    again = harness.http(channel, "POST", "/init/error", body=body)
    assert again.status == 403
    assert again.json()["errorType"] == "InvalidStateTransition"


def test_init_error_after_init_is_done_is_refused_403_1_3_7(harness, channel):
    next_invoke(harness, channel, Invocation(payload=b"{}"))

    answer = harness.http(channel, "POST", "/init/error", body=b"{}")

    assert answer.status == 403
    assert harness.ready(channel) is None


def test_each_channel_has_its_own_port_and_state(harness):
    first, second = harness.open(), harness.open()
    invocation = Invocation(payload=b'"first"')
    harness.dispatch(first, invocation)

    answer = harness.http(first, "GET", "/invocation/next")
    wrong_port = harness.http(
        second, "POST", f"/invocation/{invocation.request_id}/response", body=b"{}"
    )

    assert first.port != second.port
    assert answer.body == b'"first"'
    assert wrong_port.status == 400
