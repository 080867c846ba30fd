# seaice-jax: the two commands are `make demo` and `make test`; both build .venv from scratch.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install test demo lint bench clean notebooks

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

test: install
	JAX_PLATFORMS=cpu $(BIN)/python -m pytest -q -m "not slow" $(PYTEST_ARGS)

demo: install
	JAX_PLATFORMS=cpu $(BIN)/seaice-jax demo --out out/demo

lint: install
	$(BIN)/ruff check seaice_jax tests benchmarks configs
	$(BIN)/ruff format --check seaice_jax tests benchmarks configs

bench: install
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[dev,bench]"
	JAX_PLATFORMS=cpu $(BIN)/seaice-jax bench --out BENCHMARKS.json --markdown BENCHMARKS.md

clean:
	rm -rf $(VENV) out .pytest_cache

# The notebooks with their outputs (small configs; minutes): rebuild after editing their cells.
notebooks: install
	SEAICE_JAX_NB_SMALL=1 JAX_PLATFORMS=cpu $(BIN)/python notebooks/_build.py --execute
