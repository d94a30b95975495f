# Two commands on a fresh clone: `make synth` and `make test`. Both install what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
JOBS ?= jobs

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# The app synthesizes offline: no account lookups, no version reporting.
export CDK_DISABLE_VERSION_CHECK := true

.PHONY: install synth plan test lint typecheck unit bench readme schema clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements.txt requirements-dev.txt pyproject.toml
	$(BIN)/python -m pip install -q -r requirements-dev.txt -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

synth: install
	PATH="$(CURDIR)/$(BIN):$$PATH" npx cdk synth --quiet -c jobs=$(JOBS)
	$(BIN)/python -m cdk_sagemaker_training plan $(JOBS)
	@echo "Templates written to cdk.out/"

plan: install
	$(BIN)/python -m cdk_sagemaker_training plan $(JOBS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

unit: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -q

test: lint typecheck unit

bench: install
	$(BIN)/python benchmarks/synth_scale.py
	$(BIN)/python benchmarks/synth_e2e.py
	$(BIN)/python benchmarks/quota_check_calls.py
	$(BIN)/python benchmarks/plan_speed.py
	$(BIN)/python benchmarks/feature_cost.py

readme: install
	PYTHONPATH=$(CURDIR) $(BIN)/python tools/update_readme.py

# The job-file JSON Schema the package ships (a test keeps it equal to the generated one).
schema: install
	$(BIN)/python -m cdk_sagemaker_training schema > constructs/cdk_sagemaker_training/job.schema.json

clean:
	rm -rf cdk.out .mypy_cache .ruff_cache .pytest_cache
