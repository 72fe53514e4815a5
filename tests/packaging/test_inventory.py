"""Reading what `uv pip install --target` left in a staging folder."""

from __future__ import annotations

from pathlib import Path

from lambdakit.packaging.inventory import (
    Distribution,
    InstalledFile,
    normalize_record_path,
    read_inventory,
    unowned_files,
)


def write(root: Path, relative: str, content: str | bytes = "x") -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)


def install(
    root: Path,
    dist_info: str,
    metadata: str,
    files: dict[str, str],
    *,
    record_extra: tuple[str, ...] = (),
    top_level: str | None = None,
) -> None:
    """A fake installed distribution: its files, METADATA, RECORD (and top_level.txt)."""
    for relative, content in files.items():
        write(root, relative, content)
    write(root, f"{dist_info}/METADATA", metadata)
    owned = [*files, f"{dist_info}/METADATA", *record_extra]
    if top_level is not None:
        write(root, f"{dist_info}/top_level.txt", top_level)
        owned.append(f"{dist_info}/top_level.txt")
    rows = [f"{path},sha256=abc,1" for path in owned] + [f"{dist_info}/RECORD,,"]
    write(root, f"{dist_info}/RECORD", "\n".join(rows) + "\n")


REQUESTS_METADATA = """\
Metadata-Version: 2.1
Name: Requests
Version: 2.32.3
Requires-Dist: charset_normalizer<4,>=2
Requires-Dist: idna<4,>=2.5
Requires-Dist: urllib3<3,>=1.21.1
Requires-Dist: certifi>=2017.4.17
Requires-Dist: PySocks!=1.5.7,>=1.5.6; extra == "socks"
Requires-Dist: chardet<6,>=3.0.2; extra == "use_chardet_on_py3"
Requires-Dist: colorama; platform_system == "Windows"

Requests is an HTTP library.
"""


def test_reads_name_version_files_and_requirements(tmp_path: Path) -> None:
    # GIVEN a distribution whose RECORD lists a script outside the root and a missing file
    install(
        tmp_path,
        "requests-2.32.3.dist-info",
        REQUESTS_METADATA,
        {"requests/__init__.py": "import os\n", "requests/api.py": "x = 1\n"},
        record_extra=("../../bin/requests-cli", "requests/__pycache__/api.cpython-312.pyc"),
    )

    # WHEN the folder is read
    (requests,) = read_inventory(tmp_path)

    # THEN the name is canonical, extras are ignored, other markers kept (the target decides)
    assert requests.name == "requests"
    assert requests.version == "2.32.3"
    assert requests.dist_info == "requests-2.32.3.dist-info"
    assert requests.requires == ("certifi", "charset-normalizer", "colorama", "idna", "urllib3")
    # AND only files under the root that exist are listed, sorted, with sizes from disk
    assert [f.path for f in requests.files] == [
        "requests-2.32.3.dist-info/METADATA",
        "requests-2.32.3.dist-info/RECORD",
        "requests/__init__.py",
        "requests/api.py",
    ]
    assert requests.files[2] == InstalledFile("requests/__init__.py", len("import os\n"))
    assert requests.size == sum(f.size for f in requests.files)
    assert requests.top_level == ("requests",)


def test_top_level_names_derived_from_record(tmp_path: Path) -> None:
    # GIVEN a wheel without top_level.txt: a package, a single-file module, an extension module,
    # a namespace package, a data folder, a script folder and a .pth file
    install(
        tmp_path,
        "mixed-1.0.dist-info",
        "Name: Mixed\nVersion: 1.0\n",
        {
            "mixed/__init__.py": "",
            "single.py": "",
            "_speedups.cpython-312-x86_64-linux-gnu.so": "ELF",
            "google/cloud/thing.py": "",
            "mixed.libs/libfoo.so.1": "ELF",
            "bin/mixed-cli": "#!python",
            "mixed.pth": "import mixed",
            "__pycache__/single.cpython-312.pyc": "",
        },
    )

    (mixed,) = read_inventory(tmp_path)

    assert mixed.top_level == ("_speedups", "google", "mixed", "single")


def test_top_level_txt_wins(tmp_path: Path) -> None:
    install(
        tmp_path,
        "pyyaml-6.0.dist-info",
        "Name: PyYAML\nVersion: 6.0\n",
        {"yaml/__init__.py": "", "_yaml/__init__.py": ""},
        top_level="_yaml\nyaml\n\n",
    )

    (pyyaml,) = read_inventory(tmp_path)

    assert pyyaml.name == "pyyaml"
    assert pyyaml.top_level == ("_yaml", "yaml")


def test_sorted_by_name_and_unowned_files_reported(tmp_path: Path) -> None:
    install(tmp_path, "zeta-1.dist-info", "Name: Zeta\nVersion: 1\n", {"zeta.py": ""})
    install(tmp_path, "Alpha_Pkg-2.dist-info", "Name: Alpha_Pkg\nVersion: 2\n", {"alpha.py": ""})
    write(tmp_path, "zeta/__pycache__/zeta.cpython-312.pyc", b"\x00" * 7)
    write(tmp_path, ".lock", "")

    inventory = read_inventory(tmp_path)

    assert [d.name for d in inventory] == ["alpha-pkg", "zeta"]
    assert unowned_files(tmp_path, inventory) == (
        InstalledFile(".lock", 0),
        InstalledFile("zeta/__pycache__/zeta.cpython-312.pyc", 7),
    )


def test_without_record_only_the_dist_info_is_owned(tmp_path: Path) -> None:
    write(tmp_path, "odd-1.dist-info/METADATA", "Name: odd\nVersion: 1\n")
    write(tmp_path, "odd/__init__.py", "")

    inventory = read_inventory(tmp_path)

    assert [f.path for f in inventory[0].files] == ["odd-1.dist-info/METADATA"]
    assert [f.path for f in unowned_files(tmp_path, inventory)] == ["odd/__init__.py"]


def test_empty_or_missing_folder(tmp_path: Path) -> None:
    assert read_inventory(tmp_path) == ()
    assert read_inventory(tmp_path / "absent") == ()


def test_record_paths_normalized() -> None:
    assert normalize_record_path("pkg/./sub/../mod.py") == "pkg/mod.py"
    assert normalize_record_path("pkg\\mod.py") == "pkg/mod.py"
    assert normalize_record_path("../../bin/tool") is None
    assert normalize_record_path("/usr/bin/tool") is None
    assert normalize_record_path("C:/tool") is None
    assert normalize_record_path("") is None


def test_distribution_size_is_sum_of_files() -> None:
    distribution = Distribution(
        name="x",
        version="1",
        dist_info="x-1.dist-info",
        top_level=("x",),
        files=(InstalledFile("x/a.py", 3), InstalledFile("x/b.py", 4)),
        requires=(),
    )
    assert distribution.size == 7
