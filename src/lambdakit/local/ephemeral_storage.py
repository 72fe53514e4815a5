"""An environment's private /tmp against the function's EphemeralStorage (FIDELITY 2.2.7).

Lambda's /tmp is a volume of the configured size: a write past it fails with ``ENOSPC``. Here
/tmp is a folder, measured after each invoke; an invoke that left it over the size fails as the
write would have. The check costs one directory read while the folder is empty.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

MB = 1024 * 1024


def used_bytes(folder: Path) -> int:
    """Bytes held by the files under `folder` (0 when it is empty or gone)."""
    try:
        with os.scandir(folder) as entries:
            if next(entries, None) is None:
                return 0
    except OSError:
        return 0
    total = 0
    for parent, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += (Path(parent) / name).lstat().st_size
    return total


def over_limit_error(used: int, limit_mb: int) -> tuple[str, bytes]:
    """The message and the error payload of an invoke that filled /tmp past `limit_mb`."""
    message = (
        f"[Errno 28] No space left on device: /tmp holds {used // MB} MB, over the function's"
        f" EphemeralStorage of {limit_mb} MB"
    )
    return message, json.dumps({"errorMessage": message, "errorType": "OSError"}).encode()
