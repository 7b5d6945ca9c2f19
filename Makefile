# archplan's set-up and checks. Every target installs what it needs into .venv itself.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SPEC   ?= specs/tutorial-convnet.json

.PHONY: run test lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The light install: trace and params need only pydantic, typer and rich.
$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# Everything the tests use: Keras (TensorFlow backend), Pillow, matplotlib, pytest, hypothesis, linters.
$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[keras,dev]"
	touch $@ $(VENV)/.core

run: $(VENV)/.core  ## trace the tutorial's network
	$(BIN)/archplan trace $(SPEC)

test: $(VENV)/.dev  ## the whole test suite, then the linter and the type checker
	$(BIN)/python -m pytest
	$(BIN)/ruff check archplan tests benchmarks examples
	$(BIN)/mypy

bench: $(VENV)/.dev
	$(BIN)/python benchmarks/trace_speed.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
