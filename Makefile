# anxin: the two commands are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ANXIN := $(VENV)/bin/anxin
HOST ?= 127.0.0.1
PORT ?= 8000
VENDOR := anxin/static/vendor

.PHONY: demo test install assets keys migrate serve lint typecheck test-sqlite test-postgres test-browser lock messages bench loadtest clean

demo: install keys migrate  ## set up everything, load demo data, serve on 127.0.0.1:8000
	$(ANXIN) load-divisions 440103 320613
	$(ANXIN) load-demo
	$(ANXIN) collectstatic --noinput -v 0
	@$(ANXIN) demo-logins
	$(ANXIN) runserver $(HOST):$(PORT)

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.copied: node_modules/.installed
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap $(VENDOR)/bootstrap-icons $(VENDOR)/htmx $(VENDOR)/echarts
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/bootstrap/
	cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts $(VENDOR)/bootstrap-icons/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	touch $@

install: $(VENV)/.installed node_modules/.installed $(VENDOR)/.copied  ## Python venv, npm packages, static assets

assets: $(VENDOR)/.copied

keys: var/anxin.env  ## generate local secrets once (git ignores var/)

var/anxin.env:
	mkdir -p var
	$(PY) -m anxin.core.keygen > $@.tmp && mv $@.tmp $@
	@echo "Wrote var/anxin.env (secret key, field encryption key, index key). Keep it safe: without it the data cannot be read."

migrate: install keys
	$(ANXIN) migrate --noinput -v 0

serve: install keys
	$(ANXIN) runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy anxin config

messages: install  ## refresh the translation catalogues after changing strings
	cd anxin && ../$(ANXIN) makemessages -l zh_Hans --no-obsolete --no-location -i "*/tests/*"
	cd anxin && ../$(ANXIN) compilemessages -v 0

test: install keys  ## the whole suite (with CI=true also PostgreSQL and Chromium)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy anxin config
	$(ANXIN) makemigrations --check --dry-run -v 0
ifeq ($(CI),true)
	# SQLite and PostgreSQL side by side (each run has its own temporary media and var folders,
	# see anxin/core/testenv.py), then the browser tests alone (their timings need the cores).
	$(MAKE) -j2 --output-sync=target test-sqlite test-postgres
	$(MAKE) test-browser
else
	$(PY) -m pytest -m "not browser"
endif

test-sqlite: install  ## the suite on SQLite (what `make test` runs without CI=true)
	$(PY) -m pytest -m "not browser" -p no:cacheprovider

test-postgres: install  ## the suite on PostgreSQL at ANXIN_TEST_DATABASE_URL (.ci/run starts one)
	DATABASE_URL=$${ANXIN_TEST_DATABASE_URL:?set ANXIN_TEST_DATABASE_URL} $(PY) -m pytest -m "not browser" -p no:cacheprovider

test-browser: install  ## Playwright tests in Debian's Chromium; screenshots of failures go to test-results/
	rm -rf test-results
	$(PY) -m pytest -m browser -p no:cacheprovider

BENCH_SCALE ?= 1.0

bench: install  ## registry hot paths, then the indicator table at city scale on SQLite and PostgreSQL (docs/benchmarks.md)
	$(PY) -m anxin.core.bench
	$(PY) -m anxin.core.bench_indicators --scale $(BENCH_SCALE)

LOADTEST_USERS ?= 50
LOADTEST_TIME ?= 3m

loadtest: install  ## 50 users for 3 minutes through gunicorn on the city-scale data on PostgreSQL (docs/benchmarks.md)
	$(PY) -m loadtest.run --scale $(BENCH_SCALE) --users $(LOADTEST_USERS) --time $(LOADTEST_TIME)

lock:  ## re-pin requirements.lock from a fresh install of pyproject.toml
	rm -rf /tmp/anxin-lock && $(PYTHON) -m venv /tmp/anxin-lock
	/tmp/anxin-lock/bin/pip install -q -e '.[dev]'
	/tmp/anxin-lock/bin/pip freeze --exclude-editable | sed '1i # Every Python package anxin installs, pinned (runtime and development). Regenerate with `make lock`.' > requirements.lock

clean:
	rm -rf $(VENV) node_modules $(VENDOR) staticfiles
