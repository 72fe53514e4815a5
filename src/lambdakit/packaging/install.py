"""Install exactly the wheels of a `Lock` into a folder, for the function's target.

Stages: write the lock text into a scratch folder next to `dest`; ``uv pip install --target
<scratch>/site --no-deps --only-binary :all:`` for the target's Python version and platform,
from uv's cache by hard links (``--link-mode hardlink``, falling back to copies across file
systems: fast, and safe because no later stage writes into an installed file — pruning unlinks,
compiling adds new files, local copies copy); re-check the packages the lock builds from their
sdist (the build ran again, still with compilers disabled); drop ``bin/``; then move the result
into place. An interrupted install leaves `dest` as it was.

What uv writes into ``--target``: each package's import folders and modules, its
``*.dist-info`` (``METADATA``, ``RECORD``, ``WHEEL``, ``INSTALLER`` = ``uv``, ``REQUESTED``,
licenses), the contents of the wheels' ``.data/purelib``/``platlib``, and console scripts in
``bin/`` whose shebang is the host interpreter uv ran with. Lambda never runs console scripts
and that shebang is meaningless there, so ``bin/`` is removed (``RECORD`` still lists the
scripts; nothing on Lambda reads it). uv also leaves ``.lock``, its lock on the folder:
removed too. uv compiles no bytecode here (``UV_COMPILE_BYTECODE`` is ignored, see `uv`): the
build pipeline compiles with the target's interpreter later.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from lambdakit.errors import BuildError
from lambdakit.packaging.resolve import (
    Lock,
    no_compatible_wheel,
    sdist_build_problem,
    target_args,
    uv_reason,
)
from lambdakit.packaging.tags import Target
from lambdakit.packaging.uv import NO_NATIVE_BUILD, run_uv

LOCK_FILE = "lock.txt"
SCRIPTS = "bin"
UV_LOCK_FILE = ".lock"
"""The file lock uv takes on the environment folder it installs into."""


def install(lock: Lock, target: Target, dest: Path, *, cache_dir: Path) -> None:
    """Make `dest` hold exactly the packages of `lock`, built for `target` (replaces `dest`)."""
    dest = dest.absolute()
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{dest.name}.", dir=dest.parent) as scratch:
        work = Path(scratch)
        staged = work / "site"
        staged.mkdir()
        if lock.pins:
            _install_into(staged, lock, target, work, cache_dir)
        shutil.rmtree(staged / SCRIPTS, ignore_errors=True)
        (staged / UV_LOCK_FILE).unlink(missing_ok=True)
        if dest.exists():
            dest.replace(work / "previous")
        staged.replace(dest)


def _install_into(staged: Path, lock: Lock, target: Target, work: Path, cache_dir: Path) -> None:
    (work / LOCK_FILE).write_text(lock.text)
    args = ["pip", "install", "--target", str(staged), "--no-deps", "--link-mode", "hardlink"]
    args += [*target_args(target), "-r", LOCK_FILE]
    result = run_uv(args, cwd=work, cache_dir=cache_dir, env=NO_NATIVE_BUILD)
    if result.returncode != 0:
        reason = "\n".join(f"  {line}" for line in uv_reason(result.stderr).splitlines())
        raise BuildError(
            f"cannot install the locked packages for {target}:\n{reason}",
            hint="check the network and the package index; `lambdakit build --no-cache` "
            "resolves again",
        )
    pins = {pin.name: pin.version for pin in lock.pins}
    for name in lock.built_from_sdist:
        problem = sdist_build_problem(staged, name, target)
        if problem is not None:
            raise no_compatible_wheel(name, pins.get(name), target, problem)
