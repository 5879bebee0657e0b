# make demo  -- the platform end to end on the embedded local defaults
# make test  -- lint and the test suite
# Each target builds .venv by itself on a fresh machine.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint bench stack-start stack-stop clean

$(VENV)/.installed: setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(PY) -m pipelines.demo

test: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(PY) -m ruff check .

bench: $(VENV)/.installed
	$(PY) benchmarks/production_loader.py

stack-start: $(VENV)/.installed
	$(PY) -m pipelines.local.stack start

stack-stop: $(VENV)/.installed
	$(PY) -m pipelines.local.stack stop

clean:
	-$(PY) -m pipelines.local.stack stop
	rm -rf .local
