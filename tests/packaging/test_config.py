"""[tool.lambdakit] build settings: defaults, every key, and clear errors."""

from __future__ import annotations

import pytest

from lambdakit.errors import AppError
from lambdakit.packaging.config import BuildConfig, build_config
from lambdakit.packaging.prune import RUNTIME_PROVIDED


def test_defaults():
    config = build_config({})
    assert config == BuildConfig()
    assert config.compile
    assert config.prune.runtime_provided == RUNTIME_PROVIDED
    assert config.layers == "none"


def test_every_setting_is_read():
    config = build_config(
        {
            "keep": ["boto3"],
            "runtime-provided": ["boto3"],
            "prune-tests": False,
            "prune-stubs": False,
            "prune": ["**/*.md"],
            "exclude": ["docs/"],
            "compile": False,
            "sourceless": True,
            "layers": "auto",
            "stack-name": "shop",
        }
    )
    assert config.prune.keep == ("boto3",)
    assert config.prune.runtime_provided == ("boto3",)
    assert not config.prune.tests
    assert not config.prune.stubs
    assert config.prune.patterns == ("**/*.md",)
    assert config.exclude == ("docs/",)
    assert (config.compile, config.sourceless, config.layers) == (False, True, "auto")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"kep": ["boto3"]}, "unknown setting kep"),
        ({"keep": "boto3"}, "keep must be a list of strings"),
        ({"compile": "yes"}, "compile must be true or false"),
        ({"layers": "all"}, 'layers must be "none" or "auto"'),
    ],
)
def test_mistakes_are_named(table, message):
    with pytest.raises(AppError, match=message):
        build_config(table)


def test_fingerprint_changes_with_what_changes_the_dependency_tree():
    base = build_config({}).fingerprint()
    assert build_config({"keep": ["boto3"]}).fingerprint() != base
    assert build_config({"compile": False}).fingerprint() != base
    # code excludes do not change the dependency tree
    assert build_config({"exclude": ["docs/"]}).fingerprint() == base
