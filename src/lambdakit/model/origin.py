"""Where an app and its parts come from: the template kind, and the file and name the user wrote."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class SourceKind(enum.Enum):
    """The kind of template the user wrote."""

    SAM = "sam"
    CLOUDFORMATION = "cloudformation"
    CDK = "cdk"


@dataclass(frozen=True, kw_only=True)
class Origin:
    """What the user wrote, so messages name it: file, and the SAM id or CDK construct path."""

    file: Path
    name: str
    """SAM logical id for SAM-generated resources, CDK construct path, else the logical id."""

    def __str__(self) -> str:
        return f"{self.file}: {self.name}"
