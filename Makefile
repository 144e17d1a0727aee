# ibigraph — two commands: `make serve` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test setup lint build validate stats bench clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: no python3.11 or python3 on PATH (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

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
	$(BIN)/ibigraph build --skip-if-written
	$(BIN)/ibigraph serve --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest

# Benchmarks (not part of the tests): see bench/README.md
SIZE ?= 100k
bench: setup
	$(BIN)/python bench/run.py --size $(SIZE)

clean:
	rm -rf $(VENV) var/store
