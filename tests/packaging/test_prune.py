"""Pruning a staging folder: pure rules over synthetic inventories, then a real install."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
import uv

from lambdakit.packaging.inventory import (
    Distribution,
    InstalledFile,
    read_inventory,
    unowned_files,
)
from lambdakit.packaging.prune import (
    REASONS,
    RUNTIME_PROVIDED,
    PruneConfig,
    PrunePlan,
    apply_prune,
    plan_prune,
)


def dist(
    name: str,
    files: Mapping[str, int] | Sequence[str] = (),
    *,
    requires: Sequence[str] = (),
    version: str = "1.0",
) -> Distribution:
    """A synthetic distribution; files default to a package named like it, 100 bytes each."""
    module = name.replace("-", "_")
    if not files:
        files = [f"{module}/__init__.py"]
    sizes = dict(files) if isinstance(files, Mapping) else dict.fromkeys(files, 100)
    dist_info = f"{module}-{version}.dist-info"
    sizes.update({f"{dist_info}/METADATA": 10, f"{dist_info}/RECORD": 10})
    return Distribution(
        name=name,
        version=version,
        dist_info=dist_info,
        top_level=(module,),
        files=tuple(InstalledFile(path, size) for path, size in sorted(sizes.items())),
        requires=tuple(sorted(requires)),
    )


AWS_SDK = (
    dist("boto3", requires=["botocore", "jmespath", "s3transfer"]),
    dist("botocore", {"botocore/__init__.py": 1000}, requires=["jmespath", "python-dateutil"]),
    dist("s3transfer", requires=["botocore"]),
    dist("jmespath"),
    dist("python-dateutil", ["dateutil/__init__.py"], requires=["six"]),
    dist("six", ["six.py"]),
    dist("urllib3"),
)


def names_removed(plan: PrunePlan) -> set[str]:
    return {path.split("/")[0].split("-")[0] for path in plan.remove}


# ---------------------------------------------------------------- runtime-provided


def test_runtime_provided_distributions_are_removed_whole() -> None:
    # GIVEN the AWS SDK and its dependencies next to a package that needs none of them
    inventory = (*AWS_SDK, dist("pydantic"))

    # WHEN planned with the defaults
    plan = plan_prune(inventory, PruneConfig())

    # THEN all seven go, dist-info included, and pydantic stays
    assert plan.removed_distributions == tuple(sorted(RUNTIME_PROVIDED))
    assert "botocore-1.0.dist-info/RECORD" in plan.remove
    assert not any(path.startswith("pydantic") for path in plan.remove)
    sdk_bytes = sum(d.size for d in AWS_SDK)
    assert plan.saved["runtime-provided"] == sdk_bytes == plan.saved_bytes


def test_runtime_provided_package_stays_when_a_kept_package_requires_it() -> None:
    # GIVEN requests (not provided) needs urllib3; pandas needs python-dateutil, which needs six
    inventory = (
        *AWS_SDK,
        dist("requests", requires=["urllib3", "idna"]),
        dist("idna"),
        dist("pandas", requires=["python-dateutil", "numpy"]),
        dist("numpy"),
    )

    plan = plan_prune(inventory, PruneConfig())

    # THEN urllib3, python-dateutil and six stay (we cannot know the runtime's versions)
    assert plan.removed_distributions == ("boto3", "botocore", "jmespath", "s3transfer")
    assert names_removed(plan) == {"boto3", "botocore", "jmespath", "s3transfer"}


def test_package_pinning_botocore_keeps_it_and_its_dependencies() -> None:
    # GIVEN aiobotocore, which pins an exact botocore the runtime may not have
    inventory = (*AWS_SDK, dist("aiobotocore", requires=["botocore", "aiohttp"]))

    plan = plan_prune(inventory, PruneConfig())

    # THEN botocore stays, and so does everything botocore requires
    assert plan.removed_distributions == ("boto3", "s3transfer", "urllib3")


def test_keep_keeps_the_sdk_and_what_it_requires() -> None:
    plan = plan_prune(AWS_SDK, PruneConfig(keep=("Boto3",)))

    assert plan.removed_distributions == ("urllib3",)


def test_runtime_provided_list_can_be_changed() -> None:
    plan = plan_prune(AWS_SDK, PruneConfig(runtime_provided=("six", "Urllib3")))

    assert plan.removed_distributions == ("urllib3",)  # six is required by python-dateutil


def test_stray_files_in_a_removed_distributions_folder_go_too() -> None:
    # GIVEN files nobody owns: one in botocore's folder, one in a folder a kept package shares
    inventory = (
        dist("botocore", ["botocore/__init__.py"]),
        dist("google-api", ["google/api/__init__.py"]),
        dist("six", ["six.py", "google/six_shim.py"]),
    )
    unowned = (InstalledFile("botocore/data/cache.json", 50), InstalledFile("google/x.txt", 5))

    plan = plan_prune(inventory, PruneConfig(), unowned=unowned)

    assert "botocore/data/cache.json" in plan.remove
    assert "google/x.txt" not in plan.remove
    assert plan.saved["runtime-provided"] == sum(d.size for d in inventory[::2]) + 50


# ---------------------------------------------------------------- tests


NUMPY = dist(
    "numpy",
    [
        "numpy/__init__.py",
        "numpy/tests/__init__.py",
        "numpy/tests/test_public_api.py",
        "numpy/_core/__init__.py",
        "numpy/_core/tests/test_multiarray.py",
        "numpy/_core/tests/data/umath-validation.csv",
        "numpy/testing/__init__.py",
        "numpy/testing/_private/utils.py",
        "numpy/testing/tests/test_utils.py",
        "numpy/f2py/tests/src/array_from_pyobj/foo.c",
        "numpy/f2py/tests/test_array_from_pyobj.py",
    ],
)


def test_test_suites_inside_packages_are_removed_but_testing_stays() -> None:
    plan = plan_prune([NUMPY], PruneConfig())

    assert plan.remove == (
        "numpy/_core/tests/data/umath-validation.csv",
        "numpy/_core/tests/test_multiarray.py",
        "numpy/f2py/tests/src/array_from_pyobj/foo.c",
        "numpy/f2py/tests/test_array_from_pyobj.py",
        "numpy/testing/tests/test_utils.py",
        "numpy/tests/__init__.py",
        "numpy/tests/test_public_api.py",
    )
    assert plan.saved["tests"] == 700
    assert plan.removed_distributions == ()


def test_test_folders_that_are_not_test_suites_stay() -> None:
    inventory = [
        # a distribution whose own top-level is `tests` (a packaging mistake, but importable)
        dist("sloppy", ["tests/__init__.py", "tests/test_sloppy.py", "sloppy/__init__.py"]),
        # django.test is a public API with no test files in it
        dist("django", ["django/test/__init__.py", "django/test/client.py"]),
        # astropy imports astropy.tests at import time
        dist(
            "astropy", ["astropy/__init__.py", "astropy/tests/runner.py", "astropy/tests/test_x.py"]
        ),
        # a folder called tests that holds only data
        dist("fixtures", ["fixtures/tests/data.json"]),
        # a module file named test.py or tests.py is not a folder
        dist("werkzeug", ["werkzeug/test.py", "werkzeug/tests.py"]),
    ]

    plan = plan_prune(inventory, PruneConfig())

    assert plan.remove == ()


def test_test_suite_recognised_by_conftest_or_suffix_and_in_unowned_files() -> None:
    inventory = [dist("tornado", ["tornado/__init__.py", "tornado/test/web_test.py"])]
    unowned = [InstalledFile("tornado/test/static/robots.txt", 9)]

    plan = plan_prune(inventory, PruneConfig(), unowned=unowned)

    assert plan.remove == ("tornado/test/static/robots.txt", "tornado/test/web_test.py")


def test_tests_option_off_keeps_test_suites() -> None:
    # (the .c file in numpy's f2py test sources is a build file: that rule is switched off too)
    assert plan_prune([NUMPY], PruneConfig(tests=False, build_files=False)).remove == ()


# ---------------------------------------------------------------- stubs


def test_stub_distributions_and_pyi_files_are_removed_py_typed_stays() -> None:
    inventory = [
        dist("types-requests", ["requests-stubs/__init__.pyi", "requests-stubs/api.pyi"]),
        dist("pydantic-core", ["pydantic_core/__init__.py", "pydantic_core/_core.pyi"]),
        dist("numpy", ["numpy/__init__.py", "numpy/__init__.pyi", "numpy/py.typed"]),
        # jedi reads its bundled typeshed as data
        dist("jedi", ["jedi/__init__.py", "jedi/third_party/typeshed/stdlib/os.pyi"]),
    ]

    plan = plan_prune(inventory, PruneConfig())

    assert plan.removed_distributions == ("types-requests",)
    assert "types_requests-1.0.dist-info/METADATA" in plan.remove
    assert "numpy/py.typed" not in plan.remove
    assert [path for path in plan.remove if path.endswith(".pyi")] == [
        "numpy/__init__.pyi",
        "pydantic_core/_core.pyi",
        "requests-stubs/__init__.pyi",
        "requests-stubs/api.pyi",
    ]
    assert plan.saved["stubs"] == 420
    assert plan.saved["runtime-provided"] == 0


def test_removed_stub_distributions_do_not_keep_runtime_provided_ones() -> None:
    # types-requests requires urllib3>=2, but it goes itself
    inventory = [dist("types-requests", ["requests-stubs/api.pyi"], requires=["urllib3"])]
    inventory.append(dist("urllib3"))

    plan = plan_prune(inventory, PruneConfig())

    assert plan.removed_distributions == ("types-requests", "urllib3")
    assert plan.saved["runtime-provided"] == inventory[1].size
    assert plan.saved["stubs"] == inventory[0].size


def test_stubs_option_off_keeps_stubs() -> None:
    inventory = [dist("types-six", ["six-stubs/__init__.pyi"]), NUMPY]

    plan = plan_prune(inventory, PruneConfig(stubs=False, tests=False, build_files=False))

    assert plan.remove == ()


# ---------------------------------------------------------------- bytecode and patterns


def test_stale_bytecode_goes_sourceless_modules_stay() -> None:
    inventory = [
        dist(
            "legacy",
            [
                "legacy/__init__.py",
                "legacy/__pycache__/__init__.cpython-311.pyc",
                "legacy/old.py",
                "legacy/old.pyc",
                "legacy/closed_source.pyc",
            ],
        )
    ]
    unowned = [InstalledFile("__pycache__/six.cpython-311.pyc", 30)]

    plan = plan_prune(inventory, PruneConfig(), unowned=unowned)

    assert plan.remove == (
        "__pycache__/six.cpython-311.pyc",
        "legacy/__pycache__/__init__.cpython-311.pyc",
        "legacy/old.pyc",
    )
    assert plan.saved["bytecode"] == 230


def test_patterns_match_paths_and_whole_folders() -> None:
    inventory = [
        dist("pkg", ["pkg/__init__.py", "pkg/README.md", "pkg/doc/guide.rst", "pkg/doc/x/y.txt"]),
        dist("other", ["other/__init__.py", "other/sub/CHANGES.md"]),
    ]
    unowned = [InstalledFile("NOTES.md", 1), InstalledFile("top.txt", 1)]
    config = PruneConfig(patterns=("**/*.md", "pkg/doc", "*.txt"))

    plan = plan_prune(inventory, config, unowned=unowned)

    assert plan.remove == (
        "NOTES.md",
        "other/sub/CHANGES.md",
        "pkg/README.md",
        "pkg/doc/guide.rst",
        "pkg/doc/x/y.txt",
        "top.txt",
    )
    assert plan.saved["patterns"] == 402


def test_each_file_counted_once_under_the_first_rule_and_plan_is_deterministic() -> None:
    inventory = [
        dist("six", ["six.py", "six.pyi"]),
        dist("pkg", ["pkg/__init__.py", "pkg/tests/test_a.py", "pkg/tests/helpers.pyi"]),
    ]
    config = PruneConfig(patterns=("**/*.py",))

    plan = plan_prune(inventory, config)
    again = plan_prune(list(reversed(inventory)), config)

    assert plan == again
    assert tuple(plan.saved) == REASONS
    assert plan.saved == {
        "runtime-provided": 220,
        "stubs": 0,
        "tests": 200,
        "build-files": 0,
        "symbols": 0,
        "bytecode": 0,
        "patterns": 100,
    }
    assert plan.saved_bytes == sum(
        f.size for d in inventory for f in d.files if f.path in plan.remove
    )


def test_nothing_to_prune() -> None:
    plan = plan_prune([], PruneConfig())

    assert plan == PrunePlan(remove=(), removed_distributions=(), saved=dict.fromkeys(REASONS, 0))


# ---------------------------------------------------------------- apply


def test_apply_deletes_files_then_empty_folders(tmp_path: Path) -> None:
    for relative in ["a/b/c/one.py", "a/b/two.py", "a/keep.py", "solo/x.py"]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("")
    plan = PrunePlan(
        remove=("a/b/c/one.py", "a/b/two.py", "gone/already.py", "solo/x.py"),
        removed_distributions=(),
        saved={},
    )

    apply_prune(tmp_path, plan)

    remaining = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert remaining == ["a", "a/keep.py"]


def test_apply_refuses_paths_outside_the_root(tmp_path: Path) -> None:
    victim = tmp_path / "outside.txt"
    victim.write_text("precious")
    root = tmp_path / "site"
    root.mkdir()

    with pytest.raises(ValueError, match="outside"):
        apply_prune(root, PrunePlan(remove=("../outside.txt",), removed_distributions=(), saved={}))

    assert victim.exists()


# ---------------------------------------------------------------- a real install


REAL_PACKAGES = ("requests", "pydantic", "numpy", "python-dateutil", "jmespath", "six")
EXTRA_IMPORTS = (
    "numpy.testing",
    "numpy.typing",
    "numpy.linalg",
    "numpy.fft",
    "numpy.random",
    "numpy.polynomial",
    "numpy.ma",
    "pydantic.v1",
    "requests.adapters",
)


@pytest.fixture(scope="module")
def pruned_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, PrunePlan]:
    """Real packages installed for this interpreter, then pruned with the defaults."""
    site = tmp_path_factory.mktemp("prune") / "site"
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    command = [uv.find_uv_bin(), "pip", "install", "--quiet", "--target", str(site)]
    command += ["--python", version, "--no-config", *REAL_PACKAGES]
    installed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr
    inventory = read_inventory(site)
    plan = plan_prune(inventory, PruneConfig(), unowned=unowned_files(site, inventory))
    apply_prune(site, plan)
    return site, plan


@pytest.mark.slow
def test_real_install_pruned_as_documented(pruned_site: tuple[Path, PrunePlan]) -> None:
    site, plan = pruned_site
    remaining = {d.name for d in read_inventory(site)}

    # requests needs urllib3: it stays; the other runtime-provided ones go
    assert "urllib3" in remaining
    assert {"python-dateutil", "jmespath", "six"}.isdisjoint(remaining)
    assert set(plan.removed_distributions) == {"python-dateutil", "jmespath", "six"}
    assert not (site / "dateutil").exists()
    # numpy's test suites go, numpy.testing stays, and so does py.typed
    assert not (site / "numpy" / "tests").exists()
    assert not (site / "numpy" / "_core" / "tests").exists()
    assert (site / "numpy" / "testing" / "__init__.py").is_file()
    assert (site / "numpy" / "py.typed").is_file()
    assert not list(site.rglob("*.pyi"))
    assert not list(site.rglob("__pycache__"))
    assert plan.saved["tests"] > 1_000_000
    assert plan.saved["stubs"] > 100_000


@pytest.mark.slow
def test_real_install_still_imports_after_pruning(pruned_site: tuple[Path, PrunePlan]) -> None:
    # GIVEN the pruned folder as the only place packages come from (-S: no site-packages)
    site, _ = pruned_site
    modules = sorted({top for d in read_inventory(site) for top in d.top_level})
    modules += EXTRA_IMPORTS
    script = (
        "import importlib, json, sys\n"
        f"sys.path.insert(0, {str(site)!r})\n"
        "result = {}\n"
        f"for name in {modules!r}:\n"
        "    try:\n"
        "        module = importlib.import_module(name)\n"
        "        result[name] = getattr(module, '__file__', None) or str(module.__path__)\n"
        "    except Exception as error:\n"
        "        result[name] = 'FAILED ' + repr(error)\n"
        "print(json.dumps(result))\n"
    )

    # WHEN every top-level module of every remaining distribution is imported
    run = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, check=True
    )
    result = json.loads(run.stdout)

    # THEN all import, from the pruned folder
    assert "numpy" in result
    assert "urllib3" in result
    failed = {name: where for name, where in result.items() if where.startswith("FAILED")}
    assert failed == {}
    outside = {name: where for name, where in result.items() if str(site) not in where}
    assert outside == {}


def test_files_only_a_compiler_reads_are_pruned_unless_switched_off():
    # GIVEN numpy-like headers and Cython files next to the modules that stay
    dist = Distribution(
        name="numpy",
        version="2.0.0",
        dist_info="numpy-2.0.0.dist-info",
        top_level=("numpy",),
        files=(
            InstalledFile("numpy/__init__.py", 10),
            InstalledFile("numpy/_core/include/numpy/ndarrayobject.h", 400),
            InstalledFile("numpy/random/_bounded_integers.pxd", 30),
            InstalledFile("numpy/random/c_distributions.pxd", 20),
            InstalledFile("numpy/_core/lib/libnpymath.a", 50),
            InstalledFile("numpy/_core/_multiarray_umath.cpython-312-x86_64-linux-gnu.so", 900),
        ),
        requires=(),
    )
    plan = plan_prune([dist], PruneConfig())
    assert set(plan.remove) == {
        "numpy/_core/include/numpy/ndarrayobject.h",
        "numpy/random/_bounded_integers.pxd",
        "numpy/random/c_distributions.pxd",
        "numpy/_core/lib/libnpymath.a",
    }
    assert plan.saved["build-files"] == 500
    assert plan_prune([dist], PruneConfig(build_files=False)).remove == ()


def test_provided_packages_nothing_else_needs_are_not_even_installed():
    from lambdakit.packaging.prune import provided_before_install

    # GIVEN a lock: boto3 (asked for) and its tree, plus requests, which needs urllib3
    pins = [
        ("boto3", [""]),
        ("botocore", ["boto3", "s3transfer"]),
        ("s3transfer", ["boto3"]),
        ("jmespath", ["boto3", "botocore"]),
        ("python-dateutil", ["botocore"]),
        ("six", ["python-dateutil"]),
        ("urllib3", ["botocore", "requests"]),
        ("requests", [""]),
    ]
    skipped = provided_before_install(pins, PruneConfig())
    # THEN all of boto3's tree is left out but urllib3, which requests needs, is installed
    assert skipped == {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six"}
    # WHEN the team keeps boto3 THEN everything it needs is installed too
    assert provided_before_install(pins, PruneConfig(keep=("boto3",))) == frozenset()
