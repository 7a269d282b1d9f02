# The two commands of the README:
#   make run    set up, build the graph from seeds/ if it changed, and serve it on http://127.0.0.1:8000/
#   make test   set up (Python packages, Chromium, Virtuoso for the external-store tests), lint, run every test
# Each target is safe to run on a fresh clone; set-up steps are skipped when already done.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run build test setup setup-test lint bench clean

$(BIN)/autoalliance: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/autoalliance
	@command -v java >/dev/null || { apt-get update && apt-get install -y --no-install-recommends default-jre-headless; }

setup-test: setup tests/clients/node_modules/.bin/comunica-sparql
	@test -x /usr/bin/chromium || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }
	@command -v roqet >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends rasqal-utils; }
	@command -v virtuoso-t >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends virtuoso-opensource-7-bin; }

# SPARQL and linked-data clients that the tests run against a live server (versions pinned in package-lock.json).
tests/clients/node_modules/.bin/comunica-sparql: tests/clients/package.json tests/clients/package-lock.json
	@command -v npm >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm; }
	cd tests/clients && npm ci --no-audit --no-fund --loglevel=error
	touch $@

build: setup
	$(BIN)/autoalliance build --if-needed

run: build
	$(BIN)/autoalliance serve --host $(HOST) --port $(PORT)

test: setup-test lint
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check kg server tests bench
	$(BIN)/ruff format --check kg server tests bench
	$(BIN)/mypy

bench: setup
	$(BIN)/pip install --quiet -e '.[bench]'
	@command -v wrk >/dev/null || { apt-get update && apt-get install -y --no-install-recommends wrk; }
	$(BIN)/python -m bench.run

clean:
	rm -rf var
