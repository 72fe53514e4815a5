"""Find the pins a lock holds back because their newest release has no wheel for the target.

For each pin (not a URL, not built from its sdist) `older_than_latest` asks PyPI's JSON API for
the newest release and its files, a few names at a time; a pin is reported when that release
is newer, the user's own requirements and constraints allow it, and none of its wheels is one
the target accepts. Answers are remembered on disk for a day. Nothing is asked when the user
replaced the default index or turned indexes off, and the lookup never fails a build: a name
PyPI cannot answer for is simply not reported.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from lambdakit.atomic_write import write_text_atomic
from lambdakit.packaging.cache import cache_root
from lambdakit.packaging.requirements import RequirementsInput
from lambdakit.packaging.tags import Target

_PYPI_JSON = "https://pypi.org/pypi/{name}/json"
_LATEST_TTL_SECONDS = 24 * 3600
_PYPI_TIMEOUT_SECONDS = 10
_LOOKUP_THREADS = 8


def older_than_latest(
    reqs: RequirementsInput,
    target: Target,
    pins: Sequence[tuple[str, str]],
    from_sdist: Sequence[str],
) -> tuple[tuple[str, str, str], ...]:
    """(name, pinned, latest) of the (name, version) `pins` held back for want of a wheel."""
    if not _index_is_pypi(reqs.options):
        return ()
    limits = _user_limits((*reqs.lines, *reqs.constraints))
    candidates = [
        (name, pinned) for name, pinned in pins if name not in from_sdist and "://" not in pinned
    ]
    with ThreadPoolExecutor(max_workers=_LOOKUP_THREADS) as pool:
        latest = list(pool.map(_latest_release, [name for name, _ in candidates]))
    found: list[tuple[str, str, str]] = []
    for (name, pinned), release in zip(candidates, latest, strict=True):
        if release is None or not _newer(release[0], pinned):
            continue
        version, files = release
        limit = limits.get(name)
        if limit is not None and not limit.contains(version, prereleases=True):
            continue  # the user's own requirement keeps it back, not wheel availability
        if not any(target.wheel_compatible(file) for file in files if file.endswith(".whl")):
            found.append((name, pinned, version))
    return tuple(found)


def _index_is_pypi(options: Sequence[str]) -> bool:
    if "--index-url" in options or "--no-index" in options:
        return False
    return not any(os.environ.get(v) for v in ("UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_NO_INDEX"))


def _user_limits(lines: Iterable[str]) -> dict[str, SpecifierSet]:
    limits: dict[str, SpecifierSet] = {}
    for line in lines:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        limits[name] = limits.get(name, SpecifierSet()) & requirement.specifier
    return limits


def _newer(latest: str, pinned: str) -> bool:
    try:
        return Version(latest) > Version(pinned)
    except InvalidVersion:
        return False


@cache
def _latest_release(name: str) -> tuple[str, tuple[str, ...]] | None:
    """(newest version, its file names) from PyPI's JSON API; None when PyPI cannot say.

    Answers are remembered on disk for a day: a project's JSON can be megabytes (it lists every
    release), and re-resolving after one added requirement should ask only about the new one.
    """
    memory = cache_root() / "pypi-latest" / f"{name}.json"
    try:
        remembered = json.loads(memory.read_text())
        if time.time() - float(remembered["fetched"]) < _LATEST_TTL_SECONDS:
            return str(remembered["version"]), tuple(remembered["files"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    request = urllib.request.Request(
        _PYPI_JSON.format(name=name),
        headers={"Accept": "application/json", "User-Agent": "lambdakit"},
    )
    try:
        with urllib.request.urlopen(request, timeout=_PYPI_TIMEOUT_SECONDS) as response:
            document = json.load(response)
        files = tuple(str(f["filename"]) for f in document.get("urls", []) if not f.get("yanked"))
        version = str(document["info"]["version"])
    except (OSError, urllib.error.URLError, ValueError, KeyError, TypeError):
        return None
    with contextlib.suppress(OSError):
        write_text_atomic(
            memory, json.dumps({"fetched": time.time(), "version": version, "files": files})
        )
    return version, files
