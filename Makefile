# The two quick-start commands set up their own virtual environment (.venv) on first use.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: compare test benchmark docs lint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## The main job: the three regimes compared on common random numbers, with a report and figures.
compare: $(STAMP)
	$(VENV)/bin/mutual-state batch scenarios/compare_regimes.toml --rerun-if-model-changed --report

## The whole test suite.
test: $(STAMP)
	$(PY) -m pytest

benchmark: $(STAMP)
	$(PY) benchmarks/model_benchmark.py

docs: $(STAMP)
	$(PY) -m sim.docs

lint: $(STAMP)
	$(VENV)/bin/ruff check sim tests benchmarks
