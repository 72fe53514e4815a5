"""write_zip: reproducible bytes, a valid zip, atomic writes; zip_listing reads it back."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import struct
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from lambdakit.errors import BuildError
from lambdakit.packaging.archive import (
    CHUNK_SIZE,
    DEFLATE_ID,
    ArchiveInfo,
    BytesEntry,
    FileEntry,
    ZipEntryRef,
    write_zip,
    zip_listing,
)

EPOCH = (1980, 1, 1, 0, 0, 0)


LETTERS = b"etaoin shrdlu\n()"


def noise(seed: int, size: int) -> bytes:
    """Incompressible bytes, the same on every machine and Python."""
    return hashlib.shake_256(f"noise {seed}".encode()).digest(size)


def text(seed: int, size: int) -> bytes:
    """Compressible bytes (16 symbols: about half deflates away), the same everywhere."""
    return noise(seed, size).translate(bytes(LETTERS[i % 16] for i in range(256)))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A small package tree: text files, an empty file, an executable, a big and a random one."""
    root = tmp_path / "tree"
    files = {
        "pkg/__init__.py": text(1, 300),
        "pkg/core.py": text(2, 20_000),
        "pkg/empty.txt": b"",
        "pkg/_native.so": text(3, 3 * CHUNK_SIZE + 12_345),
        "pkg/blob.bin": noise(4, CHUNK_SIZE + 77),
        "bin/tool": b"#!/bin/sh\necho hi\n",
        "caf\u00e9/m\u00f6dule.py": b"x = 1\n",
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "bin/tool").chmod(0o755)
    return root


def entries_of(root: Path) -> list[FileEntry]:
    return [
        FileEntry(p.relative_to(root).as_posix(), p, os.access(p, os.X_OK))
        for p in sorted(root.rglob("*"))
        if p.is_file()
    ]


def contents(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


# --- a valid zip, round trip ------------------------------------------------------------------


def test_round_trip_through_zipfile(tree: Path, tmp_path: Path):
    entries = entries_of(tree)
    info = write_zip(entries, tmp_path / "out.zip")

    with zipfile.ZipFile(info.path) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
    assert names == sorted(e.name for e in entries)
    assert contents(info.path) == {e.name: e.path.read_bytes() for e in entries}


def test_archive_info_describes_the_file(tree: Path, tmp_path: Path):
    entries = entries_of(tree)
    info = write_zip(entries, tmp_path / "out.zip")

    data = info.path.read_bytes()
    assert info == ArchiveInfo(
        path=tmp_path / "out.zip",
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        uncompressed_size=sum(e.path.stat().st_size for e in entries),
        entries=len(entries),
    )


@pytest.mark.skipif(shutil.which("unzip") is None, reason="needs the unzip tool")
def test_unzip_accepts_it_and_restores_exec_bits(tree: Path, tmp_path: Path):
    info = write_zip(entries_of(tree), tmp_path / "out.zip")

    subprocess.run(["unzip", "-tq", str(info.path)], check=True, capture_output=True)
    subprocess.run(
        ["unzip", "-q", str(info.path), "-d", str(tmp_path / "x")], check=True, capture_output=True
    )
    assert os.access(tmp_path / "x/bin/tool", os.X_OK)
    assert not os.access(tmp_path / "x/pkg/core.py", os.X_OK)
    assert (tmp_path / "x/pkg/_native.so").read_bytes() == (tree / "pkg/_native.so").read_bytes()


def test_fixed_metadata_and_no_extras(tree: Path, tmp_path: Path):
    info = write_zip(entries_of(tree), tmp_path / "out.zip")

    with zipfile.ZipFile(info.path) as archive:
        assert archive.comment == b""
        for zinfo in archive.infolist():
            assert zinfo.date_time == EPOCH
            assert zinfo.compress_type == zipfile.ZIP_DEFLATED
            assert zinfo.create_system == 3
            assert zinfo.extra == b""
            assert zinfo.comment == b""
            assert not zinfo.is_dir()
            assert zinfo.external_attr >> 16 == (
                0o100755 if zinfo.filename == "bin/tool" else 0o100644
            )
            assert zinfo.flag_bits == (0x800 if not zinfo.filename.isascii() else 0)


def test_executable_bit_comes_from_the_entry(tmp_path: Path):
    script = tmp_path / "run.sh"
    script.write_text("echo\n")
    script.chmod(0o644)

    info = write_zip(
        [FileEntry("run.sh", script, executable=True), BytesEntry("boot", b"x", executable=True)],
        tmp_path / "out.zip",
    )

    with zipfile.ZipFile(info.path) as archive:
        assert {i.filename: i.external_attr >> 16 for i in archive.infolist()} == {
            "boot": 0o100755,
            "run.sh": 0o100755,
        }


def test_empty_archive(tmp_path: Path):
    info = write_zip([], tmp_path / "empty.zip")

    assert (info.entries, info.uncompressed_size, info.size) == (0, 0, 22)
    with zipfile.ZipFile(info.path) as archive:
        assert archive.namelist() == []
        assert archive.testzip() is None
    assert zip_listing(info.path) == []


def test_empty_files_are_deflated_too(tmp_path: Path):
    info = write_zip([BytesEntry("a", b""), BytesEntry("b/c", b"")], tmp_path / "out.zip")

    with zipfile.ZipFile(info.path) as archive:
        assert [i.compress_type for i in archive.infolist()] == [zipfile.ZIP_DEFLATED] * 2
        assert archive.read("b/c") == b""


def test_zip_listing_matches_zipfile(tree: Path, tmp_path: Path):
    info = write_zip(entries_of(tree), tmp_path / "out.zip")

    with zipfile.ZipFile(info.path) as archive:
        expected = [(i.filename, i.CRC, i.compress_size, i.file_size) for i in archive.infolist()]
    assert zip_listing(info.path) == expected


def test_incompressible_data_costs_almost_nothing_extra(tmp_path: Path):
    data = noise(7, 3 * CHUNK_SIZE)

    info = write_zip([BytesEntry("random.bin", data)], tmp_path / "out.zip")

    (_, _, compressed, size), *_ = zip_listing(info.path)
    assert size == len(data)
    assert compressed < len(data) * 1.001
    assert contents(info.path) == {"random.bin": data}


# --- reproducible by construction -------------------------------------------------------------


def test_same_bytes_whatever_the_order_and_the_worker_count(tree: Path, tmp_path: Path):
    entries = entries_of(tree)
    shuffled = entries[::-1]
    random.Random(5).shuffle(shuffled)

    one = write_zip(entries, tmp_path / "one.zip", workers=1)
    two = write_zip(shuffled, tmp_path / "two.zip", workers=2)
    three = write_zip(iter(shuffled), tmp_path / "three.zip", workers=3)

    assert one.path.read_bytes() == two.path.read_bytes() == three.path.read_bytes()
    assert one.sha256 == two.sha256 == three.sha256


def test_mtimes_and_permissions_do_not_matter_but_the_exec_bit_does(tmp_path: Path):
    def make(root: Path, mode: int, mtime: int) -> list[FileEntry]:
        for name, data in {"a.py": b"a = 1\n", "sub/b.py": text(9, 5000)}.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            path.chmod(mode)
            os.utime(path, (mtime, mtime))
        return entries_of(root)

    first = write_zip(make(tmp_path / "x", 0o644, 1_000_000_000), tmp_path / "x.zip")
    second = write_zip(make(tmp_path / "y", 0o600, 1_700_000_000), tmp_path / "y.zip")
    entries = make(tmp_path / "z", 0o600, 1_700_000_000)
    third = write_zip(
        [FileEntry(e.name, e.path, executable=e.name == "a.py") for e in entries],
        tmp_path / "z.zip",
    )

    assert first.sha256 == second.sha256
    assert third.sha256 != first.sha256


def test_a_big_file_gives_the_same_bytes_as_the_same_bytes_in_memory(tmp_path: Path):
    data = text(11, 2 * CHUNK_SIZE + 5)
    (tmp_path / "big").write_bytes(data)

    from_file = write_zip([FileEntry("big", tmp_path / "big")], tmp_path / "f.zip")
    from_memory = write_zip([BytesEntry("big", data)], tmp_path / "m.zip")

    assert from_file.path.read_bytes() == from_memory.path.read_bytes()


GOLDEN_ID = "zlib-ng 2.3.3, raw deflate in 1048576-byte pieces"
GOLDEN_SHA256 = "57587adec43e75bda2492e355ae73ffe59d219b39b16b4e5f9c8d2ee991f8070"


def test_the_bytes_are_pinned_for_this_deflate(tmp_path: Path):
    """GIVEN fixed entries WHEN written THEN a known digest: the format cannot drift silently.

    A new zlib-ng may deflate differently: then update GOLDEN_* (DEFLATE_ID changes with it,
    which invalidates cached archives through their keys).
    """
    entries = [
        BytesEntry("pkg/__init__.py", text(21, 1000)),
        BytesEntry("pkg/big.so", text(22, CHUNK_SIZE + CHUNK_SIZE // 2)),
        BytesEntry("pkg/data.bin", noise(23, 100_000)),
        BytesEntry("bin/run", b"#!/bin/sh\n", executable=True),
        BytesEntry("empty", b""),
    ]

    info = write_zip(entries, tmp_path / "golden.zip")

    assert (DEFLATE_ID, info.sha256) == (GOLDEN_ID, GOLDEN_SHA256)


# --- errors -----------------------------------------------------------------------------------


def test_duplicate_names_are_an_error_naming_both_sources(tmp_path: Path):
    (tmp_path / "app.py").write_text("x = 1\n")

    with pytest.raises(BuildError) as caught:
        write_zip(
            [FileEntry("app.py", tmp_path / "app.py"), BytesEntry("app.py", b"y = 2\n")],
            tmp_path / "out.zip",
        )

    assert "'app.py'" in caught.value.message
    assert str(tmp_path / "app.py") in caught.value.message
    assert "6 bytes built in memory" in caught.value.message
    assert not (tmp_path / "out.zip").exists()


def test_a_name_cannot_be_a_file_and_a_folder(tmp_path: Path):
    with pytest.raises(BuildError, match="both a file"):
        write_zip([BytesEntry("a/b", b""), BytesEntry("a/b/c.py", b"")], tmp_path / "out.zip")


@pytest.mark.parametrize("name", ["", "/etc/passwd", "../up", "a/../b", "a//b", "dir/", "a\\b"])
def test_names_must_be_relative_posix_file_paths(tmp_path: Path, name: str):
    with pytest.raises(BuildError):
        write_zip([BytesEntry(name, b"")], tmp_path / "out.zip")


def test_a_missing_file_is_an_error_and_nothing_is_written(tmp_path: Path):
    with pytest.raises(BuildError, match="cannot read"):
        write_zip([FileEntry("gone.py", tmp_path / "gone.py")], tmp_path / "out.zip")

    assert list(tmp_path.iterdir()) == []


def test_a_folder_is_not_a_file_entry(tmp_path: Path):
    with pytest.raises(BuildError, match="not a regular file"):
        write_zip([FileEntry("dir", tmp_path)], tmp_path / "out.zip")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_failure_mid_way_leaves_no_archive_and_no_temporary_file(tmp_path: Path):
    """GIVEN many entries, the last a file that changes under us (a /proc file: its size says 0,
    reading it gives more) WHEN writing THEN an error, after data was written to the temporary
    file; the previous archive stays as it was and no temporary file remains."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "app.zip").write_bytes(b"previous build")
    entries: list[FileEntry | BytesEntry] = [
        BytesEntry(f"m{i:03}.py", text(i, 100_000)) for i in range(200)
    ]
    entries.append(FileEntry("zz/status", Path("/proc/self/status")))

    with pytest.raises(BuildError, match="changed while it was being archived"):
        write_zip(entries, out / "app.zip", workers=2)

    assert sorted(p.name for p in out.iterdir()) == ["app.zip"]
    assert (out / "app.zip").read_bytes() == b"previous build"


def test_a_file_that_disappears_mid_way_leaves_no_archive_and_no_temporary_file(tmp_path: Path):
    """GIVEN 40 MiB of entries, then a file that is deleted as soon as the temporary archive
    appears (the writer reads at most a few MiB ahead of what it has written, so the last file
    is read well after that) WHEN writing THEN an error naming the file, no archive, no
    temporary file."""
    out = tmp_path / "out"
    out.mkdir()
    doomed = tmp_path / "zz.py"
    doomed.write_text("x = 1\n")
    entries: list[FileEntry | BytesEntry] = [
        BytesEntry(f"m{i:02}.bin", text(i, CHUNK_SIZE)) for i in range(40)
    ]
    entries.append(FileEntry("zz.py", doomed))

    def delete_when_writing_starts() -> None:
        deadline = time.monotonic() + 30
        while not any(out.glob("*.tmp")) and time.monotonic() < deadline:
            time.sleep(0.0005)
        doomed.unlink()

    deleter = threading.Thread(target=delete_when_writing_starts)
    deleter.start()
    try:
        with pytest.raises(BuildError, match=r"cannot read .*zz\.py"):
            write_zip(entries, out / "app.zip", workers=1)
    finally:
        deleter.join()

    assert list(out.iterdir()) == []


def test_bad_arguments(tmp_path: Path):
    with pytest.raises(ValueError, match="level"):
        write_zip([], tmp_path / "a.zip", level=10)
    with pytest.raises(ValueError, match="workers"):
        write_zip([], tmp_path / "a.zip", workers=0)


# --- ZipEntryRef: copy without recompressing --------------------------------------------------


def raw_data(path: Path, name: str) -> bytes:
    """The stored (compressed) bytes of one entry, found through zipfile's own parsing."""
    with zipfile.ZipFile(path) as archive:
        zinfo = archive.getinfo(name)
    with path.open("rb") as file:
        file.seek(zinfo.header_offset)
        header = file.read(30)
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        file.seek(name_length + extra_length, os.SEEK_CUR)
        return file.read(zinfo.compress_size)


def test_zip_entry_refs_copy_the_stored_bytes(tree: Path, tmp_path: Path):
    deps = write_zip(entries_of(tree), tmp_path / "deps.zip")
    refs = [ZipEntryRef(name, deps.path, name) for name, *_ in zip_listing(deps.path)]

    app = write_zip(
        [*refs, BytesEntry("handler.py", b"def handler(e, c):\n    return 1\n")],
        tmp_path / "app.zip",
    )

    with zipfile.ZipFile(app.path) as archive:
        assert archive.testzip() is None
        assert archive.getinfo("bin/tool").external_attr >> 16 == 0o100755
    for name, *_ in zip_listing(deps.path):
        assert raw_data(app.path, name) == raw_data(deps.path, name)
    listed = {name: rest for name, *rest in zip_listing(app.path)}
    assert all(listed[name] == rest for name, *rest in zip_listing(deps.path))
    assert contents(app.path) == {
        **contents(deps.path),
        "handler.py": contents(app.path)["handler.py"],
    }


def test_copying_every_entry_reproduces_the_archive(tree: Path, tmp_path: Path):
    deps = write_zip(entries_of(tree), tmp_path / "deps.zip")
    refs = [ZipEntryRef(name, deps.path, name) for name, *_ in zip_listing(deps.path)]
    random.Random(3).shuffle(refs)

    copy = write_zip(refs, tmp_path / "copy.zip")

    assert copy.path.read_bytes() == deps.path.read_bytes()


def test_zip_entry_refs_can_rename(tmp_path: Path):
    deps = write_zip([BytesEntry("six/__init__.py", b"x = 6\n")], tmp_path / "deps.zip")

    app = write_zip(
        [ZipEntryRef("python/six/__init__.py", deps.path, "six/__init__.py")], tmp_path / "l.zip"
    )

    assert contents(app.path) == {"python/six/__init__.py": b"x = 6\n"}


def test_zip_entry_refs_copy_from_zipfile_archives_too(tmp_path: Path):
    source = tmp_path / "other.zip"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("stored.txt", b"kept as is", compress_type=zipfile.ZIP_STORED)
        archive.writestr("deflated.txt", text(1, 4000), compress_type=zipfile.ZIP_DEFLATED)

    out = write_zip(
        [ZipEntryRef(n, source, n) for n in ("stored.txt", "deflated.txt")], tmp_path / "out.zip"
    )

    assert contents(out.path) == contents(source)


def test_a_missing_source_entry_is_an_error(tmp_path: Path):
    deps = write_zip([BytesEntry("a.py", b"")], tmp_path / "deps.zip")

    with pytest.raises(BuildError, match=r"has no entry 'b\.py'"):
        write_zip([ZipEntryRef("b.py", deps.path, "b.py")], tmp_path / "out.zip")
    with pytest.raises(BuildError, match="cannot read"):
        write_zip([ZipEntryRef("a.py", tmp_path / "nowhere.zip", "a.py")], tmp_path / "o.zip")


def test_a_source_that_is_not_a_zip_is_an_error(tmp_path: Path):
    (tmp_path / "fake.zip").write_bytes(b"not a zip at all" * 10)

    with pytest.raises(BuildError, match="not a zip archive"):
        write_zip([ZipEntryRef("a.py", tmp_path / "fake.zip", "a.py")], tmp_path / "out.zip")


# --- ZIP64 ------------------------------------------------------------------------------------


def test_zip64_when_there_are_more_than_65535_entries(tmp_path: Path):
    count = 0x10000 + 1
    entries = [BytesEntry(f"d{i % 64:02}/f{i:05}", b"x" if i % 2 else b"") for i in range(count)]

    info = write_zip(entries, tmp_path / "many.zip")

    data = info.path.read_bytes()
    assert struct.unpack("<HH", data[-14:-10]) == (0xFFFF, 0xFFFF)
    assert b"PK\x06\x06" in data[-100:]
    assert b"PK\x06\x07" in data[-100:]
    with zipfile.ZipFile(info.path) as archive:
        assert len(archive.infolist()) == count
        assert archive.read("d01/f00001") == b"x"
    assert len(zip_listing(info.path)) == count
    refs = [ZipEntryRef(e.name, info.path, e.name) for e in entries[:3]]
    assert contents(write_zip(refs, tmp_path / "few.zip").path) == {
        "d00/f00000": b"",
        "d01/f00001": b"x",
        "d02/f00002": b"",
    }


def test_zip64_fields_for_sizes_and_offsets_of_4_gib_and_more(tmp_path: Path):
    """GIVEN central records past 4 GiB (built directly: no test writes 5 GiB) WHEN read by
    zipfile and by zip_listing THEN both see the true sizes and offsets."""
    from lambdakit.packaging.zip_format import Written, central_header, end_records

    huge = Written(b"huge.so", 0, 8, 0x1234, 5 << 30, 6 << 30, 7 << 30, False, 45)
    edge = Written(b"edge.so", 0, 8, 0x5678, 3, 0xFFFFFFFF, 9, True, 45)
    directory = central_header(edge) + central_header(huge)
    path = tmp_path / "headers.zip"
    path.write_bytes(directory + end_records(2, 0, len(directory), len(directory)))

    with zipfile.ZipFile(path) as archive:
        infos = {i.filename: i for i in archive.infolist()}
    assert (infos["huge.so"].file_size, infos["huge.so"].compress_size) == (6 << 30, 5 << 30)
    assert infos["huge.so"].header_offset == 7 << 30
    assert (infos["edge.so"].file_size, infos["edge.so"].compress_size) == (0xFFFFFFFF, 3)
    assert zip_listing(path) == [
        ("edge.so", 0x5678, 3, 0xFFFFFFFF),
        ("huge.so", 0x1234, 5 << 30, 6 << 30),
    ]


def test_a_zip64_local_header_carries_both_sizes():
    from lambdakit.packaging.zip_format import Written, local_header

    entry = Written(b"big.so", 0, 8, 0xABCD, 0xF100_0000, 0xF200_0000, 0, False, 45)

    header = local_header(entry, zip64=True)

    fixed = struct.unpack("<IHHHHHIIIHH", header[:30])
    assert fixed[1] == 45
    assert fixed[7:] == (0xFFFFFFFF, 0xFFFFFFFF, 6, 20)
    assert header[30:36] == b"big.so"
    assert struct.unpack("<HHQQ", header[36:]) == (1, 16, 0xF200_0000, 0xF100_0000)
