"""collect_code: what of a function's folder ships (excludes, secrets, symlinks); code_hash."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from lambdakit.errors import BuildError
from lambdakit.packaging.archive import FileEntry
from lambdakit.packaging.code import (
    DEFAULT_EXCLUDES,
    SECRET_PATTERNS,
    code_hash,
    collect_code,
)


def make(root: Path, *names: str) -> Path:
    """Create each file (parents too); its content is its name."""
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    return root


def names(folder: Path, **options) -> list[str]:
    return [entry.name for entry in collect_code(folder, **options)]


# --- default exclusions -----------------------------------------------------------------------

EXCLUDED_BY_DEFAULT = [
    ".git/HEAD",
    ".hg/store/data",
    ".svn/entries",
    ".venv/lib/python3.12/site-packages/x.py",
    "venv/bin/python",
    "__pycache__/app.cpython-312.pyc",
    "pkg/__pycache__/mod.cpython-312.pyc",
    "stray.pyc",
    "pkg/old.pyo",
    "tests/test_app.py",
    "tests/fixtures/event.json",
    "test_handler.py",
    "pkg/test_models.py",
    "handler_test.py",
    "conftest.py",
    "pkg/conftest.py",
    ".env",
    ".env.production",
    "env.json",
    ".aws-sam/build/template.yaml",
    ".lambdakit/build/fn.zip",
    "node_modules/left-pad/index.js",
    ".pytest_cache/v/cache/lastfailed",
    ".mypy_cache/3.12/app.meta.json",
    ".ruff_cache/CACHEDIR.TAG",
    "cdk.out/manifest.json",
    ".DS_Store",
    "pkg/.DS_Store",
    "app.egg-info/PKG-INFO",
]

KEPT_BY_DEFAULT = [
    "app.py",
    "testing/__init__.py",
    "testing/helpers.py",
    "pkg/testing.py",
    "contest.py",
    "latest.py",
    "attestation_test_data.py",
    "test.py",
    "pkg/tests/test_inner.txt",
    "env/settings.py",
    "environment.py",
    ".envrc.sample",
    "pkg/data.json",
]


@pytest.mark.parametrize("name", EXCLUDED_BY_DEFAULT)
def test_excluded_by_default(tmp_path: Path, name: str):
    make(tmp_path, "app.py", name)

    assert names(tmp_path) == ["app.py"]


def test_kept_by_default(tmp_path: Path):
    make(tmp_path, *KEPT_BY_DEFAULT)

    assert names(tmp_path) == sorted(KEPT_BY_DEFAULT)


def test_a_virtualenv_is_skipped_whatever_its_name(tmp_path: Path):
    make(tmp_path, "app.py", "env/pyvenv.cfg", "env/lib/site.py", "tools/pyenv/pyvenv.cfg")
    make(tmp_path, "settings/pyvenv.txt")

    assert names(tmp_path) == ["app.py", "settings/pyvenv.txt"]


def test_the_defaults_are_listed():
    assert "/tests/" in DEFAULT_EXCLUDES
    assert "test_*.py" in DEFAULT_EXCLUDES
    assert ".aws/" in SECRET_PATTERNS


# --- the caller's excludes --------------------------------------------------------------------


def test_gitignore_like_excludes(tmp_path: Path):
    make(
        tmp_path,
        "app.py",
        "README.md",
        "pkg/NOTES.md",
        "docs/index.html",
        "pkg/docs/keep.txt",
        "data/fixtures/a.json",
        "pkg/fixtures/deep/b.json",
        "data/sample.csv",
        "pkg/data/sample.csv",
        "build1.log",
        "build22.log",
    )

    kept = names(
        tmp_path,
        excludes=[
            "*.md",
            "/docs/",
            "**/fixtures/**",
            "/data/*.csv",
            "build?.log",
            "# a comment",
            "",
        ],
    )

    assert kept == ["app.py", "build22.log", "pkg/data/sample.csv", "pkg/docs/keep.txt"]


def test_folder_patterns_match_folders_only(tmp_path: Path):
    make(tmp_path, "build/out.txt", "src/build")

    assert names(tmp_path, excludes=["build/"]) == ["src/build"]


def test_character_classes(tmp_path: Path):
    make(tmp_path, "a1.txt", "b2.txt", "c3.txt")

    assert names(tmp_path, excludes=["[ab][0-9].txt"]) == ["c3.txt"]
    assert names(tmp_path, excludes=["[!a]*.txt"]) == ["a1.txt"]


def test_a_negated_pattern_re_includes(tmp_path: Path):
    make(tmp_path, "app.py", "tests/test_app.py", "keep.md", "drop.md")

    assert names(tmp_path, excludes=["!tests/", "!test_*.py", "*.md", "!keep.md"]) == [
        "app.py",
        "keep.md",
        "tests/test_app.py",
    ]


def test_nothing_inside_an_excluded_folder_comes_back(tmp_path: Path):
    make(tmp_path, "docs/a.md", "docs/b.txt")

    assert names(tmp_path, excludes=["docs/", "!docs/b.txt"]) == []


def test_excludes_must_be_a_sequence_of_patterns(tmp_path: Path):
    with pytest.raises(TypeError):
        collect_code(tmp_path, excludes="*.md")


# --- secrets ----------------------------------------------------------------------------------

SECRETS = [
    ".env",
    "config/.env.local",
    "env.json",
    "certs/server.pem",
    "server.key",
    "id_rsa",
    "keys/id_rsa.pub",
    ".aws/config",
    ".aws/credentials",
    "credentials",
    "conf/credentials",
]


@pytest.mark.parametrize("name", SECRETS)
def test_secrets_never_ship_even_when_asked_for(tmp_path: Path, name: str):
    make(tmp_path, "app.py", name)

    assert names(tmp_path) == ["app.py"]
    assert names(tmp_path, excludes=["!.env", "!.env.*", "!env.json", "!*.pem", "!.aws/"]) == [
        "app.py"
    ]


def test_a_package_named_credentials_still_ships(tmp_path: Path):
    make(tmp_path, "credentials/__init__.py", "credentials/store.py")

    assert names(tmp_path) == ["credentials/__init__.py", "credentials/store.py"]


# --- names, prefix, exec bits -----------------------------------------------------------------


def test_entries_are_sorted_posix_names_with_their_paths(tmp_path: Path):
    make(tmp_path, "b.py", "a/z.py", "a/b/c.py")

    entries = collect_code(tmp_path)

    assert [e.name for e in entries] == ["a/b/c.py", "a/z.py", "b.py"]
    assert all(e.path.read_text() == e.name for e in entries)


@pytest.mark.parametrize("prefix", ["python", "python/", "/python/"])
def test_prefix_puts_everything_under_a_folder(tmp_path: Path, prefix: str):
    make(tmp_path, "mylib/__init__.py", "tests/test_x.py")

    assert names(tmp_path, prefix=prefix) == ["python/mylib/__init__.py"]


def test_a_prefix_stays_inside_the_package(tmp_path: Path):
    with pytest.raises(BuildError):
        collect_code(tmp_path, prefix="../up")


def test_executable_bit_comes_from_the_file_mode(tmp_path: Path):
    make(tmp_path, "bootstrap", "app.py")
    (tmp_path / "bootstrap").chmod(0o755)
    (tmp_path / "app.py").chmod(0o600)

    assert {e.name: e.executable for e in collect_code(tmp_path)} == {
        "app.py": False,
        "bootstrap": True,
    }


def test_a_missing_folder_is_an_error(tmp_path: Path):
    with pytest.raises(BuildError, match="does not exist"):
        collect_code(tmp_path / "nowhere")
    make(tmp_path, "file.py")
    with pytest.raises(BuildError, match="not a folder"):
        collect_code(tmp_path / "file.py")


def test_sockets_are_skipped(tmp_path: Path):
    make(tmp_path, "app.py")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "debug.sock"))
        assert names(tmp_path) == ["app.py"]
    finally:
        server.close()


# --- symlinks ---------------------------------------------------------------------------------


def test_links_inside_the_folder_are_followed(tmp_path: Path):
    code = make(tmp_path / "fn", "shared/util.py", "run.sh")
    (code / "run.sh").chmod(0o755)
    (code / "util.py").symlink_to("shared/util.py")
    (code / "alias").symlink_to("shared", target_is_directory=True)
    (code / "start").symlink_to(code / "run.sh")

    entries = {e.name: e for e in collect_code(code)}

    assert sorted(entries) == ["alias/util.py", "run.sh", "shared/util.py", "start", "util.py"]
    assert entries["util.py"].path.read_text() == "shared/util.py"
    assert entries["start"].executable


def test_a_link_outside_the_folder_is_an_error_naming_it(tmp_path: Path):
    make(tmp_path, "outside.py")
    code = make(tmp_path / "fn", "app.py")
    (code / "lib.py").symlink_to(tmp_path / "outside.py")

    with pytest.raises(BuildError, match="points outside") as caught:
        collect_code(code)

    assert str(code / "lib.py") in caught.value.message
    assert caught.value.hint is not None


def test_a_folder_link_outside_the_folder_is_an_error(tmp_path: Path):
    make(tmp_path, "common/x.py")
    code = make(tmp_path / "fn", "app.py")
    (code / "common").symlink_to(tmp_path / "common", target_is_directory=True)

    with pytest.raises(BuildError, match="points outside"):
        collect_code(code)


def test_a_broken_link_is_an_error_naming_it(tmp_path: Path):
    code = make(tmp_path, "app.py")
    (code / "gone.py").symlink_to("nowhere.py")

    with pytest.raises(BuildError, match=r"broken symlink .*gone\.py -> nowhere\.py"):
        collect_code(code)


def test_a_link_loop_is_an_error(tmp_path: Path):
    code = make(tmp_path, "pkg/app.py")
    (code / "pkg/again").symlink_to("..", target_is_directory=True)

    with pytest.raises(BuildError, match="loops back"):
        collect_code(code)


def test_an_excluded_link_is_not_looked_at(tmp_path: Path):
    code = make(tmp_path, "app.py")
    (code / "gone.py").symlink_to("nowhere.py")
    (code / "docs").symlink_to("/usr/share/doc", target_is_directory=True)

    assert names(code, excludes=["gone.py", "docs/"]) == ["app.py"]


def test_the_folder_itself_may_be_a_link(tmp_path: Path):
    make(tmp_path / "real", "app.py", "pkg/m.py")
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)

    assert names(tmp_path / "link") == ["app.py", "pkg/m.py"]


# --- code_hash --------------------------------------------------------------------------------


def hash_of(folder: Path) -> str:
    return code_hash(collect_code(folder))


def test_hash_changes_with_content_name_and_exec_bit(tmp_path: Path):
    code = make(tmp_path, "app.py", "pkg/m.py")
    base = hash_of(code)

    (code / "app.py").write_text("changed")
    content = hash_of(code)
    (code / "app.py").write_text("app.py")
    assert hash_of(code) == base

    (code / "pkg/m.py").rename(code / "pkg/n.py")
    renamed = hash_of(code)
    (code / "pkg/n.py").rename(code / "pkg/m.py")

    (code / "app.py").chmod(0o755)
    executable = hash_of(code)

    assert len({base, content, renamed, executable}) == 4


def test_hash_ignores_mtimes_other_mode_bits_and_order(tmp_path: Path):
    code = make(tmp_path, "app.py", "pkg/m.py")
    entries = collect_code(code)
    base = code_hash(entries)

    os.utime(code / "app.py", (1_000_000, 1_000_000))
    (code / "pkg/m.py").chmod(0o600)

    assert hash_of(code) == base
    assert code_hash(entries[::-1]) == base


def test_hash_does_not_confuse_names_and_contents(tmp_path: Path):
    (tmp_path / "ab").write_text("c")
    (tmp_path / "a").write_text("bc")

    assert code_hash([FileEntry("ab", tmp_path / "ab")]) != code_hash(
        [FileEntry("a", tmp_path / "a")]
    )
