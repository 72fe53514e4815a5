"""How a worker process is started, and what its bootstrap is told (``worker_bootstrap.py``).

The command runs the function's interpreter isolated (``-I -S``: no host site-packages, no
``.pth`` start-up hooks) in UTF-8 mode on the bootstrap; the settings travel in one environment
variable the bootstrap removes: ``sys.path`` as Lambda builds it (FIDELITY 2.2.3 to 2.2.6), the
read-only folders, and the memory limit with the pipe to report peak memory on.
"""

from __future__ import annotations

import json
from pathlib import Path

from lambdakit.local.function_spec import LocalFunction, RunnableCode

BOOTSTRAP = Path(__file__).with_name("worker_bootstrap.py")
SETTINGS_VARIABLE = "_LAMBDAKIT_WORKER"


def worker_command(function: LocalFunction, code: RunnableCode) -> list[str]:
    """The command line of one execution environment's runtime."""
    return [str(code.interpreter), "-I", "-S", "-X", "utf8", str(BOOTSTRAP), function.handler]


def worker_settings(function: LocalFunction, code: RunnableCode, memory_fd: int) -> str:
    """The bootstrap's settings, as the value of `SETTINGS_VARIABLE`."""
    task_root, opt = str(code.task_root), str(code.opt)
    major, minor = code.python
    return json.dumps(
        {
            "path_front": [
                task_root,
                f"{opt}/python/lib/python{major}.{minor}/site-packages",
                f"{opt}/python",
            ],
            "path_back": [str(code.runtime_dir)],
            "read_only": [task_root, opt],
            "memory_fd": memory_fd,
            "memory_limit_mb": function.memory_mb,
        }
    )
