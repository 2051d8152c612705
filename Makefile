# OVP Assess: `make run` serves the app, `make test` runs every test. Both set up what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
# Django 6 needs Python 3.12 or newer. Try the usual names, then pyenv's installs.
PY_CANDIDATES := python3.13 python3.12 python3 python $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3) $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3) /usr/local/bin/python3.13 /usr/local/bin/python3.12
PYTHON := $(shell for p in $(PY_CANDIDATES); do \
	if $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then command -v $$p || echo $$p; break; fi; done)
# Debian packages: HarfBuzz subsetting for WeasyPrint, fonts for PDFs, poppler for looking at PDFs,
# Chromium for the browser tests, Redis for the two-node check (ops/cluster.py).
RUN_DEBS := libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-noto-core fonts-noto-color-emoji
TEST_DEBS := $(RUN_DEBS) gettext poppler-utils chromium redis-server
# The two-node check runs on PostgreSQL when the tests do (DATABASE_URL), with this server.
PGBIN ?= /usr/lib/postgresql/15/bin
STAMP = $(VENV)/.installed-$(1)-$(shell cat pyproject.toml | md5sum | cut -c1-12)

.PHONY: help run test test-fast checks bench e2e lint format messages migrations-check python sysdeps-run sysdeps-test sysdeps-node clean-db lock

help:
	@echo "make run    - set up and serve the app on http://127.0.0.1:$(PORT) with the report and demo data"
	@echo "make test   - set up and run the whole test suite (SQLite unless DATABASE_URL is set)"
	@echo "make test-fast - the test suite without the browser journeys"
	@echo "make bench  - run the benchmark suite and print its table"
	@echo "make lint   - ruff check and format check"

python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "ERROR: OVP Assess needs Python 3.12 or newer (Django 6), and none was found."; \
		echo "Install one (e.g. 'pyenv install 3.13' or Debian's python3.13) and run make again."; \
		exit 1; fi

$(VENV)/bin/python: | python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(call STAMP,run): $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(call STAMP,test): $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@

# Install missing Debian packages when we are root; otherwise say exactly what to run.
define need_debs
	@missing=""; for pkg in $(1); do \
		dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian packages:$$missing"; \
			(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
		else \
			echo "ERROR: missing Debian packages:$$missing"; \
			echo "Run: sudo apt-get install -y$$missing"; exit 1; \
		fi; \
	fi
endef

sysdeps-run:
	$(call need_debs,$(RUN_DEBS))

sysdeps-test:
	$(call need_debs,$(TEST_DEBS))

run: $(call STAMP,run) sysdeps-run
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py load_report
	DEBUG=1 $(BIN)/python manage.py seed_demo $(if $(DEMO_PASSWORD),--password "$(DEMO_PASSWORD)")
	@echo "Serving OVP Assess on http://127.0.0.1:$(PORT)/ with its task worker (Ctrl-C stops both)"
	@echo "E-mails are printed below by the worker (DEBUG uses the console mail backend)."
	@# The worker (docs/tasks.md) runs in the background; the trap stops it (SIGTERM: it finishes
	@# the task at hand) however the web server ends. It does not reload on code changes:
	@# run make run again after changing a task.
	@DEBUG=1 $(BIN)/python manage.py db_worker --queue-name '*' --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# ruff, the layers contract (import-linter), migrations in step with the models, then pytest.
checks: $(call STAMP,test)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

test: $(call STAMP,test) sysdeps-test checks
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@# Two gunicorn nodes, Redis and the task worker: do they agree (docs/cluster.md)?
	@if command -v redis-server >/dev/null; then \
		$(BIN)/python ops/cluster.py $(if $(DATABASE_URL),--pgbin $(PGBIN)); \
	else echo "SKIPPED ops/cluster.py: redis-server is not installed (sudo apt-get install -y redis-server)"; exit 1; fi

# Everything but the browser journeys, for quick loops.
test-fast: $(call STAMP,test) sysdeps-test checks
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

# Lighthouse (bench/lighthouse.py) runs on Node.js: Debian's, unless a node is already here.
bench: $(call STAMP,test) sysdeps-test
	@if ! command -v npm >/dev/null; then $(MAKE) --no-print-directory sysdeps-node; fi
	$(BIN)/python -m bench

sysdeps-node:
	$(call need_debs,nodejs npm)

lint: $(call STAMP,test)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(call STAMP,test)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh the interface catalogues after changing strings, then translate the new entries.
MESSAGE_IGNORES := --ignore=.venv --ignore=var --ignore=tools --ignore=tests --ignore=bench --ignore=ops
messages: $(call STAMP,test)
	DEBUG=1 $(BIN)/python manage.py makemessages -l es -l pt_BR -l fr --no-obsolete $(MESSAGE_IGNORES)
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv

# Pin every dependency with hashes for the Docker image (requirements.lock).
lock: $(call STAMP,test)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.13 \
		--python-platform x86_64-manylinux_2_28 -o requirements.lock

migrations-check: $(call STAMP,test)
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

clean-db:
	rm -f var/ovp_assess.sqlite3 var/ovp_assess.sqlite3-wal var/ovp_assess.sqlite3-shm
