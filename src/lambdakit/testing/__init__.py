"""Public helpers for tests of lambdakit apps."""

from lambdakit.testing.code import CodeFolder, FolderCode
from lambdakit.testing.destinations import RecordingSink

__all__ = ["CodeFolder", "FolderCode", "RecordingSink"]
