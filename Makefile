# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# uv installs the locked set in seconds; pinned so the lock is read the same way everywhere.
UV_VERSION := 0.13.9
# The default demo company: 500 CRM accounts (~410k source rows, generated in seconds).
SIZE ?= 500
SEED ?= 42
SCALE ?= S
TARGET ?= duckdb
export REVOPS_DUCKDB_PATH ?= $(CURDIR)/data/warehouse/build/revops.duckdb
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
# Tools of the venv first, so dagster, dbt and mf find each other without activating it; `dg`
# also wants to see the project's venv as the active one.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export VIRTUAL_ENV := $(CURDIR)/$(VENV)

.PHONY: install run generate test test-fast test-spark lint format manifest dev validate lock dbt-docs clean bench demo-api

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)

# Bytecode compiled once here: where PYTHONDONTWRITEBYTECODE is set (as on our CI machines),
# every Python process (a test worker, each dbt invocation, each run) would otherwise compile
# every module it imports, about twice the import time.
$(VENV)/.installed: $(BIN)/uv requirements.lock pyproject.toml
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q dagster_project generator bench
	touch $@

install: $(VENV)/.installed

## run: install, generate the default sample data, materialize every asset, publish the warehouse
run: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/revops-generate --size $(SIZE) --seed $(SEED) --out data/landing
	$(BIN)/python -m dagster_project.run_pipeline

generate: install
	$(BIN)/revops-generate --size $(SIZE) --seed $(SEED) --out data/landing

## demo-api: a generated company served by fake HubSpot and Stripe APIs on loopback, synced by the
## connectors and built, a full sync then a daily one (data/demo-api/; SIZE=200 unless given;
## CRM=salesforce serves it as a Salesforce org, through REVOPS_CRM_SOURCE)
demo-api: install
	$(if $(CRM),REVOPS_CRM_SOURCE=$(CRM) )$(BIN)/python -m generator.fake_apis.demo --size $(if $(filter command line,$(origin SIZE)),$(SIZE),200) --seed $(SEED)

## bench: time every phase at SCALE=S|M|L against the plain-SQL baseline and PostgreSQL (data/bench/);
## TARGET=spark: extraction and DuckDB's dbt phase, then the raw handover and dbt build on local Spark
bench: install
	$(BIN)/python -m bench.run --scale $(SCALE) --seed $(SEED) --target $(TARGET)

# One pytest worker per core; a test file stays on one worker, so its module fixtures (a story of
# several runs) are built once (tests/shared_fixtures.py shares the session's across workers).
# --no-loadscope-reorder: files go out in the order tests/conftest.py sorts them (the longest
# stories first); xdist would otherwise send the files with the most tests first and leave the
# long stories, which hold few tests, to the end of the run on one worker.
PYTEST_PARALLEL ?= -n 2 --dist loadfile --no-loadscope-reorder

## test: the whole suite (what CI runs after lint), but the Spark build (`make test-spark`): a
## local Spark session costs minutes of CPU, more than the suite's budget allows
test: install
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not spark"

## test-fast: the inner loop, without the tests that run real pipelines (`e2e`) or Spark
test-fast: install
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not e2e and not spark"

## test-spark: the dbt project built and tested on a local Spark session, its marts against
## DuckDB's (needs Java 17; CI runs it after `make test`)
test-spark: install
	$(BIN)/python -m pytest -m spark

## lint: ruff on Python, sqlfluff on the dbt models, macros and tests
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt/models dbt/macros dbt/tests --processes 2

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

manifest: install
	$(BIN)/python -c "from dagster_project.transformation.project import prepare_manifest; prepare_manifest()"

## dev: the Dagster UI and daemon on http://127.0.0.1:3000 (`dg dev`: the project is [tool.dg])
dev: manifest $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dg dev

# The instance settings (run queue: one warehouse writer at a time) are committed; written again
# when the template is newer than the copy, with the run history's storage (cli/instance.py).
$(DAGSTER_HOME)/dagster.yaml: dagster_project/automation/dagster.yaml | install
	$(BIN)/python -m dagster_project.cli.instance

validate: manifest
	$(BIN)/dg check defs

dbt-docs: install
	cd dbt && ../$(BIN)/dbt docs generate --profiles-dir . && ../$(BIN)/dbt docs serve --profiles-dir .

## lock: re-resolve requirements.lock from pyproject.toml (hashes, no index URLs)
lock: $(BIN)/uv
	$(BIN)/uv pip compile --quiet pyproject.toml --group dev --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf data/warehouse/build dbt/target dbt/logs $(DAGSTER_HOME)
