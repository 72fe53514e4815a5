"""The build pipeline end to end on a small real app: real uv, real wheels, real zips.

GIVEN a SAM app with an x86_64 function (a pure-Python dependency) and an arm64 function (a native
wheel), THEN the artifacts hold the right files for the right architecture, rebuilds reuse what
did not change, clean builds are byte-identical, and mistakes are reported by name.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import lambdakit
from lambdakit.cli.main import cli
from lambdakit.errors import DependencyResolutionError
from lambdakit.packaging.elf import elf_machine
from lambdakit.packaging.interpreters import find_interpreter

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent.parent / "fixtures"

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: api/
      Handler: app.handler
  Native:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: native/
      Handler: app.handler
      Architectures: [arm64]
"""


def make_app(root: Path) -> Path:
    (root / "api").mkdir(parents=True)
    (root / "native").mkdir()
    (root / "template.yaml").write_text(TEMPLATE)
    (root / "api" / "app.py").write_text(
        "import attrs\n\ndef handler(event, context):\n    return 1\n"
    )
    (root / "api" / "requirements.txt").write_text("attrs==24.2.0\nsix\n")
    (root / "api" / "tests").mkdir()
    (root / "api" / "tests" / "test_app.py").write_text("def test():\n    pass\n")
    (root / "api" / ".env").write_text("SECRET=1\n")
    (root / "native" / "app.py").write_text(
        "import markupsafe\n\ndef handler(e, c):\n    return 2\n"
    )
    (root / "native" / "requirements.txt").write_text("markupsafe==3.0.2\n")
    return root


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMBDAKIT_CACHE_DIR", str(tmp_path / "lambdakit-cache"))
    return tmp_path / "lambdakit-cache"


def build(root: Path, *names: str, no_cache: bool = False) -> lambdakit.BuildResult:
    app = lambdakit.load_app(root)
    return lambdakit.build(app, lambdakit.BuildOptions(names=names, no_cache=no_cache))


def names_in(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return z.namelist()


def test_build_reuse_and_rebuild(tmp_path, isolated_cache):
    root = make_app(tmp_path / "app")
    result = build(root)
    api, native = result.artifact("Api"), result.artifact("Native")

    # WHEN built THEN the api zip has its code, its dependency, no tests, no secrets
    api_names = names_in(api.path)
    assert "app.py" in api_names
    assert any(n.startswith("attrs/") for n in api_names)
    assert not any(n.startswith("tests/") or n == ".env" for n in api_names)
    # six is provided by the Lambda runtime (FIDELITY 6.8): pruned
    assert not any(n.startswith("six") for n in api_names)
    if find_interpreter((3, 12)) is not None:
        assert "__pycache__/app.cpython-312.pyc" in api_names
        assert any(n.startswith("attrs/__pycache__/") for n in api_names)
    # the arm64 function's native library is for arm64, built on this x86_64 host
    with zipfile.ZipFile(native.path) as z:
        libraries = [n for n in z.namelist() if n.endswith(".so")]
        assert libraries
        z.extract(libraries[0], tmp_path / "x")
    assert elf_machine(tmp_path / "x" / libraries[0]) == "aarch64"
    assert (root / ".lambdakit" / "locks" / "Api.txt").read_text().count("attrs==24.2.0") == 1
    manifest = json.loads(result.manifest.read_text())
    assert {a["id"] for a in manifest["artifacts"]} == {"Api", "Native"}

    # WHEN nothing changed THEN nothing is rebuilt
    again = build(root)
    assert all(a.reused for a in again.artifacts)
    assert again.artifact("Api").sha256 == api.sha256

    # WHEN one function's code changes THEN only it is rebuilt, from cached dependencies
    (root / "api" / "app.py").write_text(
        "import attrs\n\ndef handler(event, context):\n    return 2\n"
    )
    edited = build(root)
    assert not edited.artifact("Api").reused
    assert edited.artifact("Native").reused
    assert edited.artifact("Api").sha256 != api.sha256

    # WHEN the dependency cache entry is corrupted THEN it is detected and rebuilt
    for zip_path in (isolated_cache / "deps").glob("*/deps.zip"):
        data = bytearray(zip_path.read_bytes())
        data[100] ^= 0xFF
        zip_path.write_bytes(bytes(data))
    (root / "api" / "app.py").write_text(
        "import attrs\n\ndef handler(event, context):\n    return 3\n"
    )
    repaired = build(root, "Api")
    with zipfile.ZipFile(repaired.artifact("Api").path) as z:
        assert z.testzip() is None


def test_two_clean_builds_are_byte_identical(tmp_path, isolated_cache):
    first = build(make_app(tmp_path / "one"))
    shutil.rmtree(isolated_cache)
    second = build(make_app(tmp_path / "two"))
    for unit in ("Api", "Native"):
        assert first.artifact(unit).sha256 == second.artifact(unit).sha256


def test_an_unresolvable_requirement_names_the_function_file(tmp_path, isolated_cache):
    root = make_app(tmp_path / "app")
    (root / "api" / "requirements.txt").write_text("attrs==0.0.0.404\n")
    with pytest.raises(DependencyResolutionError, match=r"requirements\.txt"):
        build(root, "Api")
    assert not (root / ".lambdakit" / "build" / "Api.zip").exists()


def test_cli_build_size_and_why(tmp_path, isolated_cache):
    root = make_app(tmp_path / "app")
    runner = CliRunner()
    built = runner.invoke(cli, ["build", "-t", str(root), "--json"])
    assert built.exit_code == 0, built.stderr
    assert {a["id"] for a in json.loads(built.stdout)["artifacts"]} == {"Api", "Native"}

    size = runner.invoke(cli, ["size", "-t", str(root), "--json"])
    assert size.exit_code == 0, size.stderr
    rows = {r["id"]: r for r in json.loads(size.stdout)}
    assert rows["Api"]["unzipped"] > rows["Api"]["zipped"] > 0
    assert not rows["Native"]["overLimit"]

    why = runner.invoke(cli, ["why", "markupsafe", "-t", str(root), "--json"])
    assert why.exit_code == 0, why.stderr
    (answer,) = json.loads(why.stdout)
    assert (answer["function"], answer["paths"]) == ("Native", [["markupsafe"]])

    missing = runner.invoke(cli, ["why", "numpy", "-t", str(root)])
    assert missing.exit_code == 1
    assert "numpy is not a dependency" in missing.stderr


def test_local_copies_run_on_this_machine(tmp_path, isolated_cache):
    # GIVEN an x86_64 function and an arm64 one WHEN local copies are made on this x86_64 host
    root = make_app(tmp_path / "app")
    app = lambdakit.load_app(root)
    for function, expected in (("Api", 1), ("Native", 2)):
        copy = lambdakit.local_copy(app, function)
        interpreter = copy.interpreter or Path(sys.executable)
        # THEN each imports its dependencies and runs its handler with this machine's Python
        run = subprocess.run(
            [
                str(interpreter),
                "-c",
                "import sys; sys.path.insert(0, sys.argv[1]); import app; "
                "print(app.handler({}, None))",
                str(copy.task_root),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == str(expected)
    native = lambdakit.local_copy(app, "Native")
    assert not native.exact  # arm64 code cannot run here: same pins, built for x86_64
    libraries = list(native.task_root.rglob("*.so"))
    assert libraries
    assert {elf_machine(lib) for lib in libraries} == {"x86_64"}
    pins = (root / ".lambdakit" / "locks" / "Native.txt").read_text()
    assert "markupsafe==3.0.2" in pins.lower()
    assert any("markupsafe-3.0.2" in p.name.lower() for p in native.task_root.iterdir())


def test_auto_layers_share_what_functions_of_one_target_have_in_common(tmp_path, isolated_cache):
    # GIVEN two x86_64 functions that both need attrs, and layers = "auto"
    root = make_app(tmp_path / "app")
    (root / "other").mkdir()
    (root / "other" / "app.py").write_text("import attrs\n\ndef handler(e, c):\n    return 3\n")
    (root / "other" / "requirements.txt").write_text("attrs==24.2.0\n")
    (root / "template.yaml").write_text(
        TEMPLATE
        + "  Other:\n    Type: AWS::Serverless::Function\n"
        + "    Properties:\n      CodeUri: other/\n      Handler: app.handler\n"
    )
    (root / "lambdakit.toml").write_text('layers = "auto"\n')
    result = build(root)

    layers = [a for a in result.artifacts if a.kind == "layer"]
    assert len(layers) == 1
    layer = layers[0]
    layer_names = names_in(layer.path)
    assert any(n.startswith("python/attrs/") for n in layer_names)
    assert [p.name for p in layer.packages] == ["attrs"]
    for function in ("Api", "Other"):
        artifact = result.artifact(function)
        assert artifact.layers == (layer.id,)
        assert not any(n.startswith("attrs/") for n in names_in(artifact.path))
        assert "app.py" in names_in(artifact.path)
    # the arm64 function shares no target with them: it keeps its own dependencies
    assert result.artifact("Native").layers == ()
    # WHEN nothing changed THEN the layer and the functions are reused
    assert all(a.reused for a in build(root).artifacts)


def test_an_explicit_layer_is_built_into_the_python_layout(tmp_path, isolated_cache):
    # GIVEN the SAM layer fixture: a layer folder with python/ and a requirements.txt
    root = Path(shutil.copytree(FIXTURES / "sam" / "layers_policies", tmp_path / "app"))
    (root / "layer" / "requirements.txt").write_text("attrs==24.2.0\n")
    result = build(root)
    layer = result.artifact("SharedLayer")
    assert layer.kind == "layer"
    names = names_in(layer.path)
    # THEN its own files keep their python/ folder and its requirements go under python/ too
    assert "python/shared.py" in names
    assert any(n.startswith("python/attrs/") for n in names)
    assert "requirements.txt" not in names
    reader = result.artifact("Reader")
    assert reader.layers == ("SharedLayer",)
    # the function's size against the limit counts its layer (FIDELITY 6.1)
    rows = {r.id: r for r in lambdakit.size_report(lambdakit.load_app(root))}
    assert rows["Reader"].unzipped_with_layers == reader.uncompressed_size + layer.uncompressed_size
