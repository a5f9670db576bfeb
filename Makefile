# The two commands a new machine needs: `make run` serves the product, `make test` runs every test.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
FLASK := $(BIN)/flask --app wsgi

.PHONY: run serve test lint translations test-tools messages bench bench-tools
POSTGRES_TEST_URL ?= postgresql+psycopg://127.0.0.1:5432/postgres

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d feedback/translations 2>&1 | grep -v '^compiling' || true

# `make run PORT=5055 HOST=0.0.0.0` serves elsewhere than 127.0.0.1:5000.
HOST ?= 127.0.0.1
PORT ?= 5000

run: export FEEDBACK_ENV = development
run: $(VENV)/.installed translations
	$(FLASK) feedback init
	$(FLASK) feedback demo-accounts
	$(FLASK) run --host $(HOST) --port $(PORT)

# Production-like: gunicorn with gunicorn.conf.py on DATABASE_URL; needs SECRET_KEY and, with
# several workers, RATELIMIT_STORAGE_URI=redis://… (see DEPLOY.md).
serve: $(VENV)/.installed translations
	$(FLASK) feedback init
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# axe-core, the accessibility checker tests/test_accessibility.py runs inside Chromium: a pinned
# version from the npm registry, into test-tools/ (ignored by git); reinstalled when this file changes.
AXE_VERSION := 4.10.3
AXE := test-tools/axe/node_modules/axe-core/axe.min.js

$(AXE): Makefile
	@command -v npm >/dev/null 2>&1 || { echo "npm is needed to fetch axe-core for the accessibility tests"; exit 1; }
	npm install --prefix test-tools/axe --no-save --no-package-lock --no-audit --no-fund --silent axe-core@$(AXE_VERSION)
	touch $@

# Debian packages the tests drive: Chromium (with Chinese glyphs), and the redis-server and nginx
# (with openssl for its certificate) that the deployment tests start. And axe-core (above).
test-tools: $(AXE)
	@command -v chromium >/dev/null 2>&1 && fc-list | grep -q 'Noto Sans CJK' \
		&& command -v redis-server >/dev/null 2>&1 && test -x /usr/sbin/nginx \
		&& command -v openssl >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium, fonts-noto-cjk, redis-server, nginx and openssl for the tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium fonts-noto-cjk redis-server nginx openssl >/dev/null; }

# Every test on SQLite, then again on PostgreSQL when it answers at POSTGRES_TEST_URL.
test: $(VENV)/.installed translations test-tools
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy feedback
	$(BIN)/pytest
	@if $(BIN)/python -c "import psycopg, sys; psycopg.connect(sys.argv[1].replace('+psycopg', ''), connect_timeout=3).close()" '$(POSTGRES_TEST_URL)' 2>/dev/null; then \
		echo "Running every test again on PostgreSQL ($(POSTGRES_TEST_URL))"; \
		TEST_POSTGRES_URL='$(POSTGRES_TEST_URL)' $(BIN)/pytest -p no:cacheprovider; \
	else \
		echo "PostgreSQL skipped: nothing answers at $(POSTGRES_TEST_URL) (set POSTGRES_TEST_URL to use another server)"; \
	fi

lint: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Extract the messages from the code and templates and merge them into both catalogs. Lines are
# not wrapped and no time is written (the template has no header; the catalog keeps its date):
# run on a clean tree, it changes nothing.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract --no-location --no-wrap --omit-header --sort-output -F babel.cfg -k _l -o feedback/translations/messages.pot .
	$(BIN)/pybabel update --no-wrap --ignore-pot-creation-date -i feedback/translations/messages.pot -d feedback/translations --no-fuzzy-matching --ignore-obsolete 2>&1 | grep -v "^updating" || true

# Benchmarks, not part of `make test`: the service against a bare Flask app with 10 thousand to
# 1 million cases, on SQLite and PostgreSQL (PERFORMANCE.md). Narrow a run with, for example,
# `make bench SIZES=10000,100000 BACKENDS=sqlite`.
SIZES ?= 10000,100000,1000000
BACKENDS ?= sqlite,postgresql
PARTS ?= latency,submissions,public

bench-tools:
	@command -v wrk >/dev/null 2>&1 && command -v redis-server >/dev/null 2>&1 || { \
		echo "Installing Debian's wrk and redis-server for the benchmarks"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk redis-server >/dev/null; }

bench: $(VENV)/.installed translations bench-tools
	$(BIN)/python -m bench --sizes $(SIZES) --backends $(BACKENDS) --parts $(PARTS) --postgres-url '$(POSTGRES_TEST_URL)'
