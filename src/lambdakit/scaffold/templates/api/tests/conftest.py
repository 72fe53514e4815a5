"""The function's code folder is the root of its imports in Lambda; make it so for the tests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src" / "api"))
