"""Test-wide settings (under CI, property tests are derandomized so a run is repeatable) and the
shared `moto` fixture: one real moto server on loopback per test module, stopped after it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from lambdakit.aws.moto_server import MotoServer

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    """A moto server for the tests of one module."""
    with MotoServer() as server:
        yield server
