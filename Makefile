# rapport: `make demo` builds the virtual environment and writes demo/report.html;
# `make test` runs the whole test suite (lint and type checks included).
# EXTRAS=dev,spark installs the Spark engine's extra too (as .ci/run does).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
EXTRAS ?= dev
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: demo test lint docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[$(EXTRAS)]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/rapport demo --workspace demo
	$(BIN)/rapport plan --workspace demo
	$(BIN)/rapport whatif --workspace demo --runs 4 --months 6
	$(BIN)/rapport report --workspace demo
	@echo "Open the demo in the browser: $(BIN)/rapport serve --root . (the demo workspace is listed)"

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/python -m rapport.docs

bench: $(STAMP)
	$(BIN)/python bench/simulate.py

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
