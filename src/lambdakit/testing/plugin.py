"""The ``lambdakit`` pytest plugin: the `local_cloud` fixture (registered as a ``pytest11`` entry
point, so it loads in every pytest run: it imports nothing heavy until a test asks for it).

``local_cloud`` (session scope) starts the app of `local_cloud_template` on free ports, code
and template edits unwatched, the functions' output in ``functions.log`` under pytest's temporary
folder (`LocalCloud.log_file`), and stops it after the last test. Configuration (ini):

* ``lambdakit_template``: the template file, folder or ``cdk.out``, relative to the rootdir
  (default: the rootdir, where ``template.yaml``, ``cdk.out`` or ``cdk.json`` is found).
* ``lambdakit_parameter_overrides``: ``Name=Value`` pairs, one or more per line.

Override the ``local_cloud_template`` fixture (session scope) to choose the app in code.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from lambdakit.testing.local_cloud import LocalCloud

TEMPLATE_INI = "lambdakit_template"
PARAMETERS_INI = "lambdakit_parameter_overrides"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        TEMPLATE_INI,
        "lambdakit: the app's template file, folder or cdk.out, relative to the rootdir",
        default="",
    )
    parser.addini(
        PARAMETERS_INI,
        "lambdakit: template parameter overrides, Name=Value (several per line or one a line)",
        type="linelist",
        default=[],
    )


def parameter_overrides(lines: list[str]) -> dict[str, str]:
    """``["A=1 B=2", "C=3"]`` → ``{"A": "1", "B": "2", "C": "3"}``."""
    overrides: dict[str, str] = {}
    for line in lines:
        for pair in line.split():
            name, equals, value = pair.partition("=")
            if not equals or not name:
                raise pytest.UsageError(f"{PARAMETERS_INI}: {pair!r} is not Name=Value")
            overrides[name] = value
    return overrides


@pytest.fixture(scope="session")
def local_cloud_template(pytestconfig: pytest.Config) -> Path:
    """The app `local_cloud` serves: ``lambdakit_template`` (ini), else the rootdir."""
    configured = str(pytestconfig.getini(TEMPLATE_INI)).strip()
    root = pytestconfig.rootpath
    return (root / configured).resolve() if configured else root


@pytest.fixture(scope="session")
def local_cloud(
    local_cloud_template: Path,
    pytestconfig: pytest.Config,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LocalCloud]:
    """The app running on this machine for the whole session (see `LocalCloud`)."""
    from lambdakit.testing.local_cloud import start_local_cloud  # noqa: PLC0415

    log_file = tmp_path_factory.mktemp("lambdakit") / "functions.log"
    overrides = parameter_overrides(list(pytestconfig.getini(PARAMETERS_INI)))
    with start_local_cloud(
        local_cloud_template, parameter_overrides=overrides, log_file=log_file
    ) as cloud:
        yield cloud
