# Appion: `make run` serves the app (pages and WebSockets), `make test` checks it. Both set
# everything up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup setup-test migrate seed e2e fuzz fuzz-api bench lint format messages clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when the dependencies change.
$(VENV)/.installed: pyproject.toml $(VENV)/bin/activate
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@

setup: $(VENV)/.installed
	@mkdir -p var

setup-test: $(VENV)/.installed-test
	@mkdir -p var

migrate: setup
	$(PY) manage.py migrate --noinput -v 0

seed: migrate
	$(PY) manage.py seed_locations
	@if $(PY) manage.py help seed_demo >/dev/null 2>&1; then $(PY) manage.py seed_demo --once; fi

run: seed
	@echo ""
	@echo "  Appion is running at http://$(HOST):$(PORT)/"
	@$(PY) manage.py demo_logins 2>/dev/null || true
	@echo ""
	@# The notification worker beside the server: it prints the emails and SMS (console).
	DEBUG=1 $(PY) manage.py send_notifications --sleep 2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 CONN_MAX_AGE=0 $(PY) manage.py serve $(HOST):$(PORT)

lint: setup-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: setup-test
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

messages: setup
	$(PY) manage.py makemessages -l bn --no-obsolete --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages -l bn --ignore=.venv

clean:
	rm -rf $(VENV) var

# Benchmark on PostgreSQL (BENCH_DATABASE_URL); not part of `make test`.
bench: setup
	$(PY) bench/run.py

# Only the browser tests (Debian's Chromium at /usr/bin/chromium, or $CHROMIUM).
e2e: setup-test
	$(PY) -m pytest -m e2e $(PYTEST_ARGS)

# A long bad-input run (FUZZ_EXAMPLES per page and role; `make test` runs 4).
FUZZ_EXAMPLES ?= 100
fuzz: setup-test
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -s -q -p no:randomly appion/tests/test_bad_input.py $(PYTEST_ARGS)

# A long Schemathesis run against the API: FUZZ_API_EXAMPLES per operation and role
# (`make test` runs 5), then the responses by operation and status.
FUZZ_API_EXAMPLES ?= 200
fuzz-api: setup-test
	FUZZ_API_EXAMPLES=$(FUZZ_API_EXAMPLES) $(PY) -m pytest -q -p no:randomly appion/tests/test_api_schema.py $(PYTEST_ARGS)
