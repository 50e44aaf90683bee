# The help desk's tasks. `make help` lists them; `make run` and `make test` are all a new
# user needs: each installs what it needs into .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# uv installs the pinned requirements in seconds instead of half a minute; never let it
# fetch an interpreter of its own.
export UV_PYTHON_DOWNLOADS := never

# Test services: PostgreSQL and Redis on this machine (see .ci/run for starting them).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/helpdesk
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
# Benchmark size and options (see bench/run.py --help); needs wrk, PostgreSQL and Redis.
TICKETS ?= 1000000
BENCH_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test bench lint check fmt lock upgrade clean

#: list the targets
help:
	@awk '/^#:/ { text = substr($$0, 4); getline; sub(/:.*/, ""); printf "  make %-6s %s\n", $$0, text }' $(MAKEFILE_LIST)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
		{ echo "Python 3.11 is needed; '$(PYTHON)' is $$($(PYTHON) --version 2>&1). Set PYTHON=..." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "uv>=0.9,<1"

$(VENV)/.base-installed: requirements/base.txt | $(BIN)/python
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements/base.txt
	@touch $@

$(VENV)/.dev-installed: requirements/dev.txt | $(BIN)/python
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements/dev.txt
	@touch $@

#: install, migrate SQLite, load the demo desk, serve the app and its worker (PORT=8000)
run: $(VENV)/.base-installed
	DEBUG=true $(BIN)/python manage.py migrate --no-input -v 0
	DEBUG=true $(BIN)/python manage.py load_demo
	DEBUG=true EMAIL_FILE_PATH=var/mail PORT=$(PORT) scripts/run-dev

#: install dev tools, lint, check, then run the whole suite on PostgreSQL and Redis
test: $(VENV)/.dev-installed lint check
	DEBUG=true DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(BIN)/pytest $(PYTEST_ARGS)

#: benchmark on PostgreSQL with TICKETS=1000000; writes bench/results/ (needs wrk)
bench: $(VENV)/.dev-installed
	$(BIN)/python bench/run.py --tickets $(TICKETS) $(BENCH_ARGS)

#: ruff, and the compose file against the compose specification
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

#: Django's system checks and "no model change without a migration"
check: $(VENV)/.dev-installed
	DEBUG=true $(BIN)/python manage.py check --fail-level WARNING
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

#: format the code and apply ruff's safe fixes
fmt: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

#: pin requirements/*.txt to pyproject.toml (keeps existing pins; for any Python 3.11.x)
lock: | $(BIN)/python
	$(BIN)/uv pip compile --quiet $(LOCK_FLAGS) --python-version 3.11 pyproject.toml \
		-o requirements/base.txt
	$(BIN)/uv pip compile --quiet $(LOCK_FLAGS) --python-version 3.11 pyproject.toml --extra dev \
		-o requirements/dev.txt

#: like lock, but move every pin to the newest allowed release
upgrade: | $(BIN)/python
	$(MAKE) lock LOCK_FLAGS=--upgrade

#: delete the embedded database, broker files, uploads and mail (keeps .venv)
clean:
	rm -rf var
