"""Warm reuse, one invoke per environment, concurrency limits, throttling, and clean shutdown.

FIDELITY 2.4.6 and 2.4.7 (T-REUSE), 2.2.8 (/tmp persists); structure is asserted, never
timing: which process served which invoke, and when each process was busy.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest

from lambdakit.local.invocation import InvokeRejectedError

from .local_runtime import child_pids, function, process_alive, running


def test_module_state_persists_across_sequential_invokes_2_4_6(cloud):
    counts = [cloud.invoke("counter", {"action": "count"}).json() for _ in range(3)]

    assert [seen["count"] for seen in counts] == [1, 2, 3]
    assert len({seen["pid"] for seen in counts}) == 1


def test_tmp_persists_across_invokes_of_one_environment_2_2_8(cloud):
    written = cloud.invoke("counter", {"action": "write_tmp", "name": "kept.txt"})
    read = cloud.invoke("counter", {"action": "read_tmp", "name": "kept.txt"})

    assert written.ok
    assert read.json()["exists"] is True
    assert read.json()["tmpdir"] != "/tmp"  # a private folder per environment


def test_two_concurrent_invokes_run_in_two_environments_2_4_7(cloud):
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(lambda _: cloud.invoke("pair", {"action": "sleep", "seconds": 0.3}), range(2))
        )

    seen = [result.json() for result in results]
    assert seen[0]["pid"] != seen[1]["pid"]
    assert [s["count"] for s in seen] == [1, 1]


def test_twenty_invokes_with_a_concurrency_of_ten_share_at_most_ten_environments_2_4_7(cloud):
    with ThreadPoolExecutor(20) as pool:
        results = list(
            pool.map(
                lambda _: cloud.invoke("fanout", {"action": "sleep", "seconds": 0.2}), range(20)
            )
        )

    assert all(result.ok for result in results)
    spans: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for result in results:
        seen = result.json()
        spans[seen["pid"]].append((seen["start"], seen["end"]))
    assert len(spans) <= 10
    for pid, busy in spans.items():
        busy.sort()
        for (_, end), (start, _) in itertools.pairwise(busy):
            assert end <= start, f"process {pid} served two invokes at once"
    pool_state = cloud.local.service.pool("Fanout")
    assert pool_state is not None
    assert pool_state.size <= 10


def test_reserved_concurrency_zero_throttles_every_sync_invoke_2_4_7(cloud):
    for _ in range(2):
        with pytest.raises(InvokeRejectedError) as refused:
            cloud.invoke("reserved-zero", {"action": "count"})
        assert refused.value.status == 429
        assert refused.value.error_type == "TooManyRequestsException"


def test_with_throttling_on_an_invoke_past_the_concurrency_gets_429_2_4_7(folders, tmp_path):
    slow = function("slow")
    with running(folders, tmp_path, [slow], throttle=True, concurrency=1) as cloud:
        first: list[object] = []
        busy = threading.Thread(
            target=lambda: first.append(cloud.invoke("slow", {"action": "sleep", "seconds": 1}))
        )
        busy.start()
        _wait_for(lambda: (pool := cloud.local.service.pool("Slow")) is not None and pool.size)

        with pytest.raises(InvokeRejectedError) as refused:
            cloud.invoke("slow", {"action": "count"})

        busy.join(10)
        assert refused.value.status == 429
        assert refused.value.error_type == "TooManyRequestsException"
        assert first[0].ok
        assert cloud.invoke("slow", {"action": "count"}).ok  # free again


def test_stopping_leaves_no_worker_process_behind(folders, tmp_path):
    before = child_pids()
    functions = [function("a"), function("b", timeout_seconds=1.0)]
    with running(folders, tmp_path, functions) as cloud:
        with ThreadPoolExecutor(3) as pool:
            busy = list(
                pool.map(lambda _: cloud.invoke("a", {"action": "sleep", "seconds": 0.2}), range(3))
            )
        spawned = cloud.invoke("a", {"action": "spawn"}).json()
        timed_out = cloud.invoke("b", {"action": "sleep", "seconds": 5})
        workers = {result.json()["pid"] for result in busy} | {spawned["pid"]}
        assert timed_out.error_type == "Sandbox.Timedout"
        assert workers <= child_pids()
        assert process_alive(spawned["child"])

    assert child_pids() - before == set()
    assert not any(process_alive(pid) for pid in workers)
    assert not process_alive(spawned["child"])  # the worker's own children die with it


def _wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.01)
