"""Write a new project into a folder from one `lambdakit init` template.

Templates are the folders of ``templates/`` (package data: each file rendered with `render`),
plus ``object-counter``, copied from the example app itself (``examples/object-counter`` in a
source checkout, the copy the wheel carries otherwise) so that it never drifts from the example.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lambdakit.errors import UsageError
from lambdakit.scaffold.render import UnknownPlaceholderError, render

RUNTIMES = ("python3.12", "python3.13")
ARCHITECTURES = ("x86_64", "arm64")

TEMPLATES_DIR = Path(__file__).parent / "templates"
EXAMPLE = "object-counter"
_SOURCE_EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
SKIPPED = frozenset({".lambdakit", "__pycache__", ".pytest_cache", "cdk.out"})
"""Folders never copied: build outputs and caches."""
DOT_PREFIX = "dot-"
"""``dot-gitignore`` in a template becomes ``.gitignore`` (package data keeps no dotfiles)."""
NAME = re.compile(r"[a-z][a-z0-9-]{0,62}")


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    description: str


_DESCRIPTIONS = {
    "api": "SAM app: a REST API (Powertools resolver) on DynamoDB behind a port, with tests",
    EXAMPLE: "SAM app: S3 events counted in DynamoDB, SNS, an SQS worker, GET /count",
}


@dataclass(frozen=True)
class InitOptions:
    template: str
    directory: Path
    name: str | None = None
    runtime: str = "python3.12"
    architecture: str = "x86_64"
    force: bool = False


def templates() -> list[TemplateInfo]:
    """The templates `generate` knows, by name."""
    return [TemplateInfo(name, description) for name, description in sorted(_DESCRIPTIONS.items())]


def project_name(options: InitOptions) -> str:
    """`options.name`, else the folder's name made lower-case with dashes; checked."""
    if options.name is not None:
        name = options.name
    else:
        name = re.sub(r"[^a-z0-9]+", "-", options.directory.resolve().name.lower()).strip("-")
        name = name if name[:1].isalpha() else f"app-{name}".rstrip("-")
    if not NAME.fullmatch(name):
        raise UsageError(
            f"--name: {name!r} is not a valid project name",
            hint="use lower-case letters, digits and dashes, starting with a letter (≤ 63)",
        )
    return name


def generate(options: InitOptions) -> list[Path]:
    """Write the template's files into `options.directory`; the files written, sorted."""
    if options.template not in _DESCRIPTIONS:
        known = ", ".join(_DESCRIPTIONS)
        raise UsageError(f"no template {options.template!r}", hint=f"templates: {known}")
    if options.runtime not in RUNTIMES:
        raise UsageError(f"--runtime: {options.runtime!r} is not one of {', '.join(RUNTIMES)}")
    if options.architecture not in ARCHITECTURES:
        raise UsageError(f"--arch: {options.architecture!r} is not one of x86_64, arm64")
    target = options.directory
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not options.force:
        raise UsageError(
            f"{target} is not empty", hint="choose an empty folder, or pass --force to write over"
        )
    values = {
        "name": project_name(options),
        "runtime": options.runtime,
        "architecture": options.architecture,
    }
    if options.template == EXAMPLE:
        files = dict(_example_files(values))
    else:
        files = dict(_template_files(TEMPLATES_DIR / options.template, values))
    written = []
    for relative, content in sorted(files.items()):
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
    return written


def _walk(root: Path) -> Iterator[Path]:
    for path in sorted(root.iterdir()):
        if path.is_dir():
            if path.name not in SKIPPED:
                yield from _walk(path)
        elif path.suffix != ".pyc":
            yield path


def _output_name(relative: Path) -> Path:
    parts = [
        f".{part.removeprefix(DOT_PREFIX)}" if part.startswith(DOT_PREFIX) else part
        for part in relative.parts
    ]
    return Path(*parts)


def _template_files(root: Path, values: dict[str, str]) -> Iterator[tuple[Path, bytes]]:
    for path in _walk(root):
        relative = path.relative_to(root)
        try:
            text = render(path.read_text(encoding="utf-8"), values)
        except UnknownPlaceholderError as err:
            raise AssertionError(f"template file {path}: unknown placeholder {err}") from None
        yield _output_name(relative), text.encode("utf-8")


def _example_root() -> Path:
    """The example in this source checkout, else the copy packaged with lambdakit."""
    for root in (_SOURCE_EXAMPLES / EXAMPLE, TEMPLATES_DIR / EXAMPLE):
        if (root / "template.yaml").is_file():
            return root
    raise UsageError(
        f"the {EXAMPLE} example is not part of this lambdakit installation",
        hint="install lambdakit from its wheel or a source checkout",
    )


def _example_files(values: dict[str, str]) -> Iterator[tuple[Path, bytes]]:
    """The example's files, its name, runtime and architecture replaced by the options'."""
    root = _example_root()
    for path in _walk(root):
        relative = path.relative_to(root)
        content = path.read_bytes()
        if path.suffix in {".yaml", ".md"}:
            text = content.decode("utf-8").replace(EXAMPLE, values["name"])
            if path.name == "template.yaml":
                text = text.replace("Runtime: python3.12", f"Runtime: {values['runtime']}")
                text = text.replace("- arm64", f"- {values['architecture']}")
            content = text.encode("utf-8")
        yield relative, content
