# Every target creates what it needs itself: a fresh machine needs only python3 and make.
PY ?= python3
VENV := .venv
UV := $(VENV)/bin/uv
RUN := $(UV) run --frozen --no-sync
STAMP := $(VENV)/.synced

.PHONY: demo test lint bench env clean

$(UV):
	$(PY) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv

$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --all-groups --compile-bytecode --quiet
	@touch $(STAMP)

env: $(STAMP)

demo: $(STAMP)
	$(RUN) lambdakit inspect -t examples/object-counter/template.yaml
	$(RUN) lambdakit inspect -t examples/object-counter-cdk/cdk.out
	$(VENV)/bin/python examples/demo_local.py

test: $(STAMP)
	$(RUN) pytest -n 2 --dist loadgroup -q

lint: $(STAMP)
	$(RUN) ruff check src tests examples
	$(RUN) ruff format --check src tests
	$(RUN) mypy
	$(RUN) lint-imports

bench: $(STAMP)
	$(RUN) python bench/packaging/run.py --json bench/.tools/packaging.json
	$(RUN) python bench/local/run.py --json bench/.tools/local.json
	$(RUN) python bench/local-cloud/run.py --json bench/.tools/local-cloud.json
	$(RUN) python bench/deploy/run.py --json bench/.tools/deploy.json

clean:
	rm -rf $(VENV) .lambdakit .pytest_cache .mypy_cache .ruff_cache
