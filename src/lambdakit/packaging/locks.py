"""Each function's pinned requirements in ``.lambdakit/locks/<id>.txt``, reused while valid.

Next to the pinned text, ``<id>.json`` records the resolution (pins with who requires them, sdists
built, versions held back by wheel availability) and the key it was resolved for: requirements
content + target + uv version. While the key matches, the lock is reused without asking uv.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lambdakit.atomic_write import write_text_atomic
from lambdakit.packaging.requirements import RequirementsInput
from lambdakit.packaging.resolve import Lock, Pin, resolve
from lambdakit.packaging.tags import Target

EMPTY_LOCK = Lock(text="", pins=(), built_from_sdist=(), older_than_latest=())


def lock_files(locks_dir: Path, unit_id: str) -> tuple[Path, Path]:
    safe = unit_id.replace("/", "__")
    return locks_dir / f"{safe}.txt", locks_dir / f"{safe}.json"


def locked(
    reqs: RequirementsInput | None,
    target: Target,
    *,
    key: str,
    locks_dir: Path,
    unit_id: str,
    cache_dir: Path,
    refresh: bool,
) -> tuple[Lock, bool]:
    """The lock for `reqs` on `target`, and whether it was resolved now (False: reused)."""
    if reqs is None:
        return EMPTY_LOCK, False
    text_path, json_path = lock_files(locks_dir, unit_id)
    if not refresh:
        reused = _read(json_path, key)
        if reused is not None and text_path.is_file():
            return reused, False
    lock = resolve(reqs, target, cache_dir=cache_dir)
    write_text_atomic(text_path, lock.text)
    write_text_atomic(json_path, json.dumps(_to_json(lock, key), indent=1, sort_keys=True))
    return lock, True


def read_lock(locks_dir: Path, unit_id: str) -> Lock | None:
    """The last lock written for `unit_id`, whatever its key (for `lambdakit why`)."""
    return _read(lock_files(locks_dir, unit_id)[1], None)


def _read(path: Path, key: str | None) -> Lock | None:
    try:
        data = json.loads(path.read_text())
        if key is not None and data.get("key") != key:
            return None
        return Lock(
            text=data["text"],
            pins=tuple(Pin(p["name"], p["version"], tuple(p["via"])) for p in data["pins"]),
            built_from_sdist=tuple(data["built_from_sdist"]),
            older_than_latest=tuple(tuple(o) for o in data["older_than_latest"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _to_json(lock: Lock, key: str) -> dict[str, Any]:
    return {
        "key": key,
        "text": lock.text,
        "pins": [{"name": p.name, "version": p.version, "via": list(p.via)} for p in lock.pins],
        "built_from_sdist": list(lock.built_from_sdist),
        "older_than_latest": [list(o) for o in lock.older_than_latest],
    }
