# Invoice Portal: `make run` serves the portal with demo data, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
PYTEST_ARGS ?=

.PHONY: run test bench-smoke migrate demo browser-deps css clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q -e '.[test]'
	@touch $@ $(VENV)/.installed

## run: install, migrate, load demo data into an empty SQLite portal, serve http://127.0.0.1:8080
run: $(VENV)/.installed
	$(PY) portal.py migrate
	$(PY) portal.py serve --demo

migrate: $(VENV)/.installed
	$(PY) portal.py migrate

## browser-deps: Debian's Chromium for the browser tests, poppler for PDF checks, nginx for the multi-process
## test, faketime for the run under a shifted clock in .ci/run
browser-deps:
	@if [ -x /usr/bin/chromium ] && command -v pdftotext >/dev/null && [ -x /usr/sbin/nginx ] \
		&& command -v faketime >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium, poppler-utils, nginx-light and faketime …"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium poppler-utils nginx-light faketime; \
	else \
		echo "The browser tests need Debian's Chromium (/usr/bin/chromium), poppler-utils, nginx and faketime:"; \
		echo "  sudo apt-get install chromium poppler-utils nginx-light faketime"; \
		echo "or point PORTAL_CHROMIUM at another Chromium binary."; exit 1; \
	fi

## test: install test needs (incl. Chromium), run the whole suite
test: $(VENV)/.installed-test browser-deps
	$(PY) -m pytest $(PYTEST_ARGS)

## bench-smoke: every benchmark at tiny sizes: each must run and print its figures (never a timing check)
bench-smoke: $(VENV)/.installed-test browser-deps
	$(PY) -m benchmarks.smoke

## css: rebuild web/static/tailwind.css from the Tailwind classes in the Python sources (needs Node.js 20
## and npm; the built file is committed, so `make run` and `make test` need neither)
css:
	npm ci --no-audit --no-fund --loglevel=error
	node_modules/.bin/tailwindcss -i web/static/tailwind.input.css -o web/static/tailwind.css --minify

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts *.egg-info node_modules
