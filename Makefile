# ibigraph — two commands: `make serve` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test setup lint build validate stats bench soak check-fresh clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: no python3.11 or python3 on PATH (set PYTHON=...)"; exit 2; }
	@echo "make: installing ibigraph and its dependencies into $(VENV) (once; about a minute)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Front-end packages the pages use (YASGUI, Cytoscape.js, Swagger UI), from npm with a
# lockfile, copied into the package's static folder; needs Node 20 and npm. Without npm the
# pages still work, without the editor and the graph (their plain HTML forms remain).
ASSETS := src/ibigraph/api/static/vendor/.built
$(ASSETS): web/package-lock.json web/copy.mjs
	@command -v npm >/dev/null || { echo "make: npm not found; the pages will lack their editor and graph views"; exit 0; }
	@echo "make: installing the front-end packages (npm ci in web/) and copying them into the service"
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	node web/copy.mjs

setup: $(STAMP) $(ASSETS)

# JavaScript clients the tests run against the service (Comunica); needs Node 20 and npm
CLIENTS := tests/clients/node_modules/.installed
$(CLIENTS): tests/clients/package-lock.json
	@command -v npm >/dev/null || { echo "make: npm not found; the Comunica tests will be skipped"; exit 0; }
	@echo "make: installing the JavaScript test clients (npm ci in tests/clients)"
	npm ci --prefix tests/clients --no-audit --no-fund --loglevel=error
	@touch $(CLIENTS)

validate: setup
	$(BIN)/ibigraph validate

build: setup
	$(BIN)/ibigraph build

stats: setup
	$(BIN)/ibigraph stats

# Validate and build the store (build refuses invalid data; a store holding HTTP writes is
# kept, see README), then serve it on
# http://127.0.0.1:8000 (HOST/PORT override).
HOST ?= 127.0.0.1
PORT ?= 8000
serve: setup
	@echo "make: building the store in var/store (a store holding HTTP writes is kept)"
	@$(BIN)/ibigraph build --skip-if-written
	@echo "make: starting the service on $(HOST):$(PORT) (make serve PORT=... HOST=... to change)"
	@$(BIN)/ibigraph serve --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# the suite runs on two processes (pytest-xdist; tests of one module stay on one worker):
# much of it waits on servers, Virtuoso and subprocesses. TEST_WORKERS=0 runs it in one.
TEST_WORKERS ?= 2
test: lint $(CLIENTS)
	@echo "make: running the test suite on $(TEST_WORKERS) workers (a few minutes; what was not tested is listed at the end)"
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope

# The kill -9 durability soak at full length (make test runs 3 rounds of it)
soak: setup
	IBIGRAPH_SOAK_ROUNDS=20 $(BIN)/pytest tests/system/test_durability.py

# What a newcomer gets: clone HEAD into an empty temp dir (no ../shared beside it, CI unset)
# and run `make test` there.
check-fresh:
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && \
	echo "check-fresh: cloning HEAD into $$dir/ibigraph (no ../shared there)" && \
	git clone --quiet "$(CURDIR)" "$$dir/ibigraph" && \
	env -u CI $(MAKE) -C "$$dir/ibigraph" test PYTHON="$(PYTHON)"

# Benchmarks (not part of the tests): see bench/README.md
SIZE ?= 100k
bench: setup
	$(BIN)/python bench/run.py --size $(SIZE)

clean:
	rm -rf $(VENV) var/store
