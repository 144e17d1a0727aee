# ibigraph — two commands: `make serve` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test setup lint build validate stats clean

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

# For now `serve` validates, builds the store and prints its statistics;
# the HTTP service arrives with issue #3.
serve: setup
	$(BIN)/ibigraph validate
	$(BIN)/ibigraph build
	$(BIN)/ibigraph stats

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) var/store
