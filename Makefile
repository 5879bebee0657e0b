# make demo  -- the platform end to end on the embedded local defaults
# make test  -- lint and the test suite (two pytest workers)
# make test-fast -- lint and the tests that need no PostgreSQL, Beam run or model build (half a minute)
# Each target builds .venv by itself on a fresh machine.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test test-fast lint bench stack-start stack-stop clean

$(VENV)/.installed: setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(PY) -m pipelines.demo

#: types, schemas, the BigQuery requests, Oracle SQL, message validation, lineage: no services started
FAST_TESTS := tests/test_types.py tests/test_avro_schema.py tests/test_bigquery_warehouse.py \
	tests/test_oracle_source.py tests/test_streaming_validation.py tests/test_lineage.py

test: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2

test-fast: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m pytest $(FAST_TESTS)

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
