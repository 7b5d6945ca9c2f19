# archplan's set-up and checks. Every target installs what it needs into .venv itself.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SPEC   ?= specs/tutorial-convnet.json

.PHONY: run serve test test-applications lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `archplan plot` runs Graphviz' dot: install Debian's package (as root) when dot is missing.
INSTALL_DOT = command -v dot >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 \
	&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; } \
	|| echo "note: archplan plot needs Graphviz' dot: install it (apt-get install graphviz)" >&2

# plan --train's test of workers on PostgreSQL starts a throw-away server with initdb and pg_ctl:
# install Debian's package (as root) when they are missing; without them that one test skips.
INSTALL_POSTGRES = command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	|| { command -v apt-get >/dev/null 2>&1 && apt-get update -qq \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } \
	|| echo "note: the PostgreSQL test of plan --train skips without initdb (apt-get install postgresql)" >&2

# archplan serve's browser tests drive Debian's headless Chromium (Selenium, /usr/bin/chromedriver):
# install its packages (as root) when they are missing; without them those tests skip.
INSTALL_CHROMIUM = { test -x /usr/bin/chromium && test -x /usr/bin/chromedriver; } \
	|| { command -v apt-get >/dev/null 2>&1 && apt-get update -qq \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } \
	|| echo "note: archplan serve's browser tests skip without chromium (apt-get install chromium chromium-driver)" >&2

# The light install: trace and params need only pydantic, typer and rich (plot: graphviz and dot).
$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@$(INSTALL_DOT)
	touch $@

# archplan serve: the light install plus Starlette and uvicorn.
$(VENV)/.serve: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[serve]"
	@$(INSTALL_DOT)
	touch $@ $(VENV)/.core

# Everything the tests use: every extra (train, jax, search, postgres, serve, torch: PyTorch and
# torchvision, a CUDA build of about 5.5 GB that runs on the CPU) and dev (pytest, linters, and what
# serve's tests drive it by: httpx2, Selenium).
$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[train,jax,search,postgres,serve,torch,dev]"
	@$(INSTALL_DOT)
	@$(INSTALL_POSTGRES)
	@$(INSTALL_CHROMIUM)
	touch $@ $(VENV)/.core $(VENV)/.serve

run: $(VENV)/.core  ## trace the tutorial's network
	$(BIN)/archplan trace $(SPEC)

serve: $(VENV)/.serve  ## the live page for the tutorial's network, on 127.0.0.1
	$(BIN)/archplan serve $(SPEC)

test: $(VENV)/.dev  ## the whole test suite, then the linters (code, import layers) and the type checker
	$(BIN)/python -m pytest
	$(BIN)/ruff check archplan tests benchmarks examples
	$(BIN)/ruff format --check archplan tests benchmarks examples
	$(BIN)/lint-imports
	$(BIN)/mypy

test-applications: $(VENV)/.dev  ## every Keras Application and torchvision model, imported and checked
	$(BIN)/python -m pytest -m applications tests/interop/test_applications.py \
		tests/pytorch/test_torchvision.py tests/test_examples.py

bench: $(VENV)/.dev
	$(BIN)/python benchmarks/trace_speed.py
	$(BIN)/python benchmarks/plan_speed.py
	$(BIN)/python benchmarks/serve_speed.py
	$(BIN)/python benchmarks/search_overhead.py --data ../shared/data/cifar10-jpeg.tar.xz

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
