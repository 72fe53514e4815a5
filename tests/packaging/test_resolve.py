"""Resolve and install with the real uv against PyPI, for targets other than this host.

Small packages only; one uv cache shared by the whole session.
"""

from __future__ import annotations

import pytest
from packaging.utils import canonicalize_name

from lambdakit.errors import DependencyResolutionError, NoCompatibleWheelError
from lambdakit.model import Architecture, Dependencies, DependencyKind
from lambdakit.packaging.elf import native_libraries
from lambdakit.packaging.install import install
from lambdakit.packaging.requirements import requirements_for
from lambdakit.packaging.resolve import Pin, resolve
from lambdakit.packaging.tags import Target

pytestmark = pytest.mark.slow

PY312_X86 = Target((3, 12), Architecture.X86_64)
PY312_ARM = Target((3, 12), Architecture.ARM64)
PY39_X86 = Target((3, 9), Architecture.X86_64)


@pytest.fixture(scope="session")
def uv_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("uv-cache")


@pytest.fixture
def requirements(tmp_path, monkeypatch):
    """Write a requirements.txt under src/api/ and read it the way a build does."""
    monkeypatch.chdir(tmp_path)

    def make(text: str):
        path = tmp_path / "src" / "api" / "requirements.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        reqs = requirements_for(Dependencies(kind=DependencyKind.REQUIREMENTS, file=path))
        assert reqs is not None
        return reqs

    return make


def test_pure_python_package_with_dependencies(requirements, uv_cache, tmp_path):
    # GIVEN a pinned requests (its dependencies are not pinned)
    reqs = requirements("requests==2.32.3\n")

    # WHEN it is resolved and installed for python3.12 x86_64
    lock = resolve(reqs, PY312_X86, cache_dir=uv_cache)
    install(lock, PY312_X86, tmp_path / "site", cache_dir=uv_cache)

    # THEN the dependencies are pinned and say who pulls them in
    pins = {pin.name: pin for pin in lock.pins}
    assert set(pins) == {"requests", "certifi", "charset-normalizer", "idna", "urllib3"}
    assert pins["requests"] == Pin("requests", "2.32.3", ("",))
    assert pins["certifi"].via == ("requests",)
    assert lock.built_from_sdist == ()
    assert lock.older_than_latest == ()  # newer releases exist, but they have wheels
    assert "requests==2.32.3\n" in lock.text
    # AND exactly the pins are installed: no console scripts, no bytecode, no uv lock file
    site = tmp_path / "site"
    assert (site / "requests" / "__init__.py").is_file()
    installed = {
        canonicalize_name(name): version
        for name, version in (p.name.removesuffix(".dist-info").rsplit("-", 1)
                              for p in site.glob("*.dist-info"))
    }  # fmt: skip
    assert installed == {name: pin.version for name, pin in pins.items()}
    assert not (site / "bin").exists()
    assert not (site / ".lock").exists()
    assert not list(site.rglob("*.pyc"))
    # AND nothing is left next to the destination
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "src"]


def test_lock_text_is_deterministic(requirements, uv_cache):
    reqs = requirements("requests==2.32.3\n")

    first = resolve(reqs, PY312_X86, cache_dir=uv_cache)
    second = resolve(reqs, PY312_X86, cache_dir=uv_cache)

    assert first.text == second.text
    assert first.digest == second.digest
    assert str(uv_cache) not in first.text
    assert "/tmp" not in first.text


def test_native_wheel_for_arm64_on_any_host(requirements, uv_cache, tmp_path):
    # GIVEN a package with a C extension
    reqs = requirements("markupsafe\n")

    # WHEN it is built for arm64 (this host may well be x86_64)
    lock = resolve(reqs, PY312_ARM, cache_dir=uv_cache)
    install(lock, PY312_ARM, tmp_path / "site", cache_dir=uv_cache)

    # THEN the extension module is an aarch64 ELF file
    libraries = native_libraries(tmp_path / "site")
    assert libraries
    assert {machine for _path, machine in libraries} == {"aarch64"}
    assert all("aarch64-linux-gnu" in path for path, _machine in libraries)


def test_install_replaces_the_destination(requirements, uv_cache, tmp_path):
    lock = resolve(requirements("idna==3.7\n"), PY312_X86, cache_dir=uv_cache)
    dest = tmp_path / "site"
    dest.mkdir()
    (dest / "stale.py").write_text("")

    install(lock, PY312_X86, dest, cache_dir=uv_cache)

    assert sorted(p.name for p in dest.iterdir()) == ["idna", "idna-3.7.dist-info"]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("reqeusts-nonexistent-lambdakit-test\n", "was not found in the package registry"),
        ("requests==2.32.3\nurllib3<1\n", "requests==2.32.3 depends on urllib3"),
    ],
)
def test_unresolvable_requirements_name_the_file_and_uvs_reason(requirements, uv_cache, text, said):
    reqs = requirements(text)

    with pytest.raises(DependencyResolutionError) as caught:
        resolve(reqs, PY312_X86, cache_dir=uv_cache)

    message = caught.value.message
    assert "src/api/requirements.txt" in message
    assert said in message
    assert "\x1b[" not in message
    assert "warning:" not in message


def test_pure_python_sdist_is_built_into_a_universal_wheel(requirements, uv_cache, tmp_path):
    # GIVEN docopt, published only as an sdist (pure Python)
    reqs = requirements("docopt\n")

    lock = resolve(reqs, PY312_ARM, cache_dir=uv_cache)
    install(lock, PY312_ARM, tmp_path / "site", cache_dir=uv_cache)

    assert lock.built_from_sdist == ("docopt",)
    assert "--no-binary docopt\n" in lock.text
    assert (tmp_path / "site" / "docopt.py").is_file()
    assert native_libraries(tmp_path / "site") == []


@pytest.mark.parametrize(
    ("text", "package"),
    [
        # an old release published only as an sdist with a C extension
        ("ujson==1.35\n", "ujson==1.35"),
        # wheels for Windows only, and no sdist
        ("pywin32\n", "pywin32"),
    ],
)
def test_native_package_without_wheels_for_the_target(requirements, uv_cache, text, package):
    reqs = requirements(text)

    with pytest.raises(NoCompatibleWheelError) as caught:
        resolve(reqs, PY312_ARM, cache_dir=uv_cache)

    error = caught.value
    assert error.message.startswith(
        f"{package} has no wheel for python3.12 arm64 (Amazon Linux 2023, manylinux_2_34_aarch64)"
    )
    assert error.hint is not None
    assert "x86_64" in error.hint
    assert "layer or a container image" in error.hint


def test_version_held_back_by_wheel_availability_is_reported(requirements, uv_cache):
    # GIVEN numpy, whose newest releases have no python3.9 wheels
    reqs = requirements("numpy\n")

    lock = resolve(reqs, PY39_X86, cache_dir=uv_cache)

    (pin,) = lock.pins
    assert pin.version.startswith("2.0.")
    ((name, pinned, latest),) = lock.older_than_latest
    assert (name, pinned) == ("numpy", pin.version)
    assert latest != pinned


def test_a_users_own_pin_is_not_reported_as_held_back(requirements, uv_cache):
    reqs = requirements("numpy==1.26.4\n")

    lock = resolve(reqs, PY39_X86, cache_dir=uv_cache)

    assert [(p.name, p.version) for p in lock.pins] == [("numpy", "1.26.4")]
    assert lock.older_than_latest == ()
