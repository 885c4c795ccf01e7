# Two commands for a fresh machine:
#   make book   set up everything, verify the catalogue and build the handbook (HTML and PDF)
#   make test   set up everything and run the test suite (lint, format, types, every test)
# For the edit loop: make test-fast (the same without the slow tests: full builds, LaTeX, browser).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= _build

.PHONY: book test test-fast lint system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

system-deps:
	bash scripts/system-deps.sh

book: $(STAMP) system-deps
	$(BIN)/identity-book verify --jobs 0
	$(BIN)/identity-book build all --out $(OUT)

lint: $(STAMP)
	$(BIN)/ruff check identity_book tests bench
	$(BIN)/ruff format --check identity_book tests bench
	$(BIN)/mypy

test: lint system-deps
	$(BIN)/pytest -n 2 -p no:cacheprovider

test-fast: lint
	$(BIN)/pytest -n 2 -p no:cacheprovider -m "not slow"

clean:
	rm -rf $(OUT) .identity-book-cache docs/chapters docs/indexes
