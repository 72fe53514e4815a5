"""The examples' own test suites pass: each runs ``pytest`` in its folder, as a user would,
unit tests on the fakes and integration tests on lambdakit's `local_cloud` fixture."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Whole apps with many worker processes: these run one after another on one xdist worker
# (`--dist loadgroup` in the Makefile), so two of them never compete for the same two cores.
pytestmark = pytest.mark.xdist_group("whole-app")

EXAMPLES = Path(__file__).parents[2] / "examples"
SUITE_TIMEOUT = 300
"""A fresh clone builds each example's functions first; the build cache makes reruns quick."""


def _environment() -> dict[str, str]:
    """Ours, minus what pytest and xdist tell their own processes (PYTEST_ADDOPTS...), and no
    bytecode files written: they would land in the CDK example's asset folders."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    return environment


@pytest.mark.parametrize("example", ["object-counter", "object-counter-cdk"])
def test_the_example_suite_passes(example: str) -> None:
    """The examples' integration tests cover S3 → Lambda (FIDELITY 4.3.1), SQS partial batch
    failures and redrive to the dead-letter queue (FIDELITY 4.5.6, 4.5.7) and the REST API
    (FIDELITY 4.1.1, 4.1.2) end to end."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=EXAMPLES / example,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"{example}:\n{result.stdout}\n{result.stderr}"
