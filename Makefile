# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench docs-results clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,dist]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m dynamics run continuous_hopfield --out results

test: $(STAMP)
	$(PY) -m ruff check dynamics tests scenarios benchmarks
	$(PY) -m pytest -q -n 2 --durations=15

lint: $(STAMP)
	$(PY) -m ruff check .

# full runs (seed 0) of the scenarios whose numbers the docs quote -> docs/results/NAME.json
DOCS_SCENARIOS ?= $(basename $(notdir $(wildcard docs/results/*.json)))
docs-results: $(STAMP)
	for s in $(DOCS_SCENARIOS); do \
	  $(PY) -m dynamics run $$s --out results/docs --seed 0 && \
	  cp results/docs/$$s/summary.json docs/results/$$s.json || exit 1; done

$(VENV)/.bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,dist,bench]"
	$(PY) -m pip install --quiet "numbalsoda>=0.3.4" || \
	  echo "numbalsoda did not build (it needs gfortran and cmake): its benchmark rows are skipped"
	touch $(VENV)/.bench

bench: $(VENV)/.bench
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) results .pytest_cache .hypothesis
