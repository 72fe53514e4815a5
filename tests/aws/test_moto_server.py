"""The moto server in its own process: start, answer, stop with nothing left behind."""

from __future__ import annotations

import socket
import urllib.request

import pytest

from lambdakit.aws.moto_server import HOST, MotoServer
from lambdakit.errors import LocalCloudError


def test_it_answers_on_loopback_and_stops_without_a_trace() -> None:
    with MotoServer() as server:
        assert server.url.startswith(f"http://{HOST}:")
        assert server.startup_seconds is not None
        assert server.startup_seconds < 15
        process = server._process
        with urllib.request.urlopen(f"{server.url}/moto-api/", timeout=5) as response:
            assert response.status == 200
    assert process is not None
    assert process.poll() is not None
    assert not server.running


def test_a_taken_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(LocalCloudError, match="did not start"):
            MotoServer(port=port).start()
