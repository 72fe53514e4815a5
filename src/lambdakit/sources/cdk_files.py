"""Load the JSON files of a CDK app and of its cloud assembly; a bad one is a `CdkError`.

A file that is missing, unreadable, not valid JSON or not a JSON object fails with the file (and
line and column) in the message and, as the cure, `RESYNTH`: synthesize the assembly again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lambdakit.errors import CdkError

RESYNTH = "run `lambdakit synth` in the CDK app's folder (where cdk.json is) to synthesize it again"


def load_json(file: Path, what: str) -> dict[str, Any]:
    """The JSON object in `file`, the `what` of a CDK app or of its cloud assembly."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CdkError(f"{file}: the {what} is missing", hint=RESYNTH) from None
    except (OSError, UnicodeDecodeError) as error:
        raise CdkError(f"{file}: cannot read the {what} ({error})", hint=RESYNTH) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CdkError(
            f"{file}:{error.lineno}:{error.colno}: the {what} is not valid JSON ({error.msg})",
            hint=RESYNTH,
        ) from None
    if not isinstance(data, dict):
        raise CdkError(f"{file}: the {what} is not a JSON object", hint=RESYNTH)
    return data
