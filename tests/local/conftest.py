"""Session-wide local runtime for the tests of ``lambdakit.local``: code folders and one service.

The service runs every function of `local_runtime.FUNCTIONS`; tests that need other service
options (throttling, a private process tree) start their own with `local_runtime.running`.
Teardown stops the service and checks that no worker process outlived it.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from .local_runtime import (
    FUNCTIONS,
    Folders,
    Running,
    child_pids,
    running,
    write_folders,
)

TIME_SCALE = 0.001
"""Async retry waits of 60 s and 120 s become 60 ms and 120 ms."""


@pytest.fixture(scope="session")
def folders(tmp_path_factory: pytest.TempPathFactory) -> Folders:
    return write_folders(tmp_path_factory.mktemp("functions"))


@pytest.fixture(scope="session")
def cloud(folders: Folders, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    before = child_pids()
    state = tmp_path_factory.mktemp("state")
    with running(folders, state, FUNCTIONS, time_scale=TIME_SCALE) as started:
        yield started
    leftover = child_pids() - before
    assert not leftover, f"worker processes outlived the service: {sorted(leftover)}"


@pytest.fixture(scope="session")
def invoke_endpoint(cloud: Running) -> str:
    """The session service's Invoke API on a loopback port."""
    return cloud.local.serve_invoke_api()


@pytest.fixture(scope="session")
def lambda_client(invoke_endpoint: str):
    return boto3.client(
        "lambda",
        endpoint_url=invoke_endpoint,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
