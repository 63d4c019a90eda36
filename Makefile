# The two quick-start commands set up their own virtual environment (.venv) on first use.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOK_STAMP := $(VENV)/.notebooks-installed

.PHONY: compare test notebooks dashboard benchmark odd-table docs docs-serve lint

# pip byte-compiles the dependencies (half of the install's ~70 s): keep it. Where PYTHONDONTWRITEBYTECODE is set
# (some CI and container environments) nothing compiled later is kept, and every test process would compile its
# imports again (importing the model with its libraries: 5 s compiled, 14 s not).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## The main job: the three regimes compared on common random numbers, with a report and figures.
compare: $(STAMP)
	$(VENV)/bin/mutual-state batch scenarios/compare_regimes.toml --rerun-if-changed --report

## The course for students: JupyterLab on notebooks/, with the project and the notebooks extra installed.
$(NOTEBOOK_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,notebooks]"
	touch $(NOTEBOOK_STAMP)

# JUPYTER_ARGS: e.g. --no-browser --port 8890. Jupyter refuses to run as root unless told (containers).
notebooks: $(NOTEBOOK_STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(JUPYTER_ARGS)

## The policymakers' dashboard, served on this machine (offline): open http://127.0.0.1:8765/
dashboard: $(STAMP)
	$(VENV)/bin/mutual-state dashboard --port 8765

## The whole test suite (the dashboard's browser tests need /usr/bin/chromium; they are skipped without it), on
## every core (pytest-xdist): TEST_WORKERS=0 runs it in one process. The ten slowest tests are listed at the end.
TEST_WORKERS ?= auto
test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup --durations=10

benchmark: $(STAMP)
	$(PY) benchmarks/model_benchmark.py

## The generated parts of docs/ODD.md (its parameter table), from the parameter registry.
odd-table: $(STAMP)
	$(PY) -m sim.docs

## The documentation site, into docs/_build/html (open index.html from disk: it needs no network). Warnings are
## errors. The course's notebooks are executed unless the test run's executed copies are still current.
docs: odd-table
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

## The site served on this machine: http://127.0.0.1:8000/
docs-serve: docs
	$(PY) -m http.server 8000 --bind 127.0.0.1 --directory docs/_build/html

lint: $(STAMP)
	$(VENV)/bin/ruff check sim tests benchmarks
