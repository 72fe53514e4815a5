"""Hot reload: a changed stamp reloads that function once; unreadable code is reported once."""

from __future__ import annotations

import asyncio

from lambdakit.errors import BuildError
from lambdakit.local.reload import CodeWatcher


class FakeService:
    def __init__(self):
        self.reloaded = []

    async def reload(self, function_id):
        self.reloaded.append(function_id)


class Stamps(dict):
    """function id -> stamp, or an exception to raise."""

    def __call__(self, function_id):
        value = self[function_id]
        if isinstance(value, Exception):
            raise value
        return value


def watch(stamps):
    service, reports = FakeService(), []
    watcher = CodeWatcher(service, list(stamps), stamps, report=reports.append, interval=60)
    return watcher, service, reports


def test_only_the_function_whose_stamp_changed_is_reloaded():
    async def scenario():
        stamps = Stamps(A="a1", B="b1")
        watcher, service, reports = watch(stamps)
        await watcher.start()
        assert await watcher.check() == []
        stamps["A"] = "a2"
        assert await watcher.check() == ["A"]
        assert await watcher.check() == []  # once per change
        await watcher.stop()
        return service.reloaded, reports

    reloaded, reports = asyncio.run(scenario())
    assert reloaded == ["A"]
    assert reports == ["reloaded A: code changed"]


def test_code_that_cannot_be_read_is_reported_once_then_reloaded_when_it_returns():
    async def scenario():
        stamps = Stamps(A="a1")
        watcher, service, reports = watch(stamps)
        await watcher.start()
        stamps["A"] = BuildError("code folder src/ does not exist")
        await watcher.check()
        await watcher.check()
        stamps["A"] = "a2"
        await watcher.check()
        await watcher.stop()
        return service.reloaded, reports

    reloaded, reports = asyncio.run(scenario())
    assert reports == [
        "cannot watch A: code folder src/ does not exist",
        "reloaded A: code changed",
    ]
    assert reloaded == ["A"]


def test_the_watcher_polls_until_stopped():
    async def scenario():
        stamps = Stamps(A="a1")
        service, reports = FakeService(), []
        watcher = CodeWatcher(service, ["A"], stamps, report=reports.append, interval=0.01)
        await watcher.start()
        stamps["A"] = "a2"
        for _ in range(200):
            if service.reloaded:
                break
            await asyncio.sleep(0.01)
        await watcher.stop()
        stamps["A"] = "a3"
        await asyncio.sleep(0.05)
        return service.reloaded

    assert asyncio.run(scenario()) == ["A"]
