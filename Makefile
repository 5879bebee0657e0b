# make demo  -- the platform end to end on the embedded local defaults
# make test  -- lint and the test suite (two pytest workers)
# make test-fast -- lint and the fast set: the tests not marked slow (pytest -m "not slow"; under a minute)
# make test-slow -- only the slow tests: services, command lines, pipelines, Airflow, Terraform, the browser
# make test-terraform -- Terraform: the offline harness, both environments (fmt, validate, plan, checkov), module docs
# make tools -- the offline Terraform checks' tools, each in a venv of its own under .venv-tools/
# make test-dags -- the Composer DAGs on real Airflow 3.3 and 2.11
# make airflow-venvs -- the Airflows the DAG tests run in (.venv-tools/airflow3, .venv-tools/airflow2)
# make dashboard -- the LookML dashboards (looker/) drawn from the local warehouse (after make demo): prints the URL
# make airflow -- the DAGs in a local Airflow 3 (standalone, local mode, local stack): prints where to log in
# Each target builds .venv (and .venv-tools) by itself on a fresh machine.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo dashboard test test-fast test-slow test-terraform tools airflow-venvs airflow-locks airflow test-dags lint bench stack-start stack-stop clean

$(VENV)/.installed: setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# The offline Terraform checks (tests/terraform_offline): the stand-in provider needs PyPI tf, which
# pins protobuf<6 (the project's Google clients need 6.x), and checkov brings pins of its own, so each
# gets its own venv; the cdktn wheels are only read (their .jsii manifests hold the google schemas).
TOOLS := .venv-tools
TOOL_REQS := tests/terraform_offline

$(TOOLS)/tf-provider/.installed: $(TOOL_REQS)/requirements-provider.txt
	rm -rf $(TOOLS)/tf-provider
	$(PYTHON) -m venv $(TOOLS)/tf-provider
	$(TOOLS)/tf-provider/bin/python -m pip install --quiet -r $<
	touch $@

$(TOOLS)/checkov/.installed: $(TOOL_REQS)/requirements-checkov.txt
	rm -rf $(TOOLS)/checkov
	$(PYTHON) -m venv $(TOOLS)/checkov
	$(TOOLS)/checkov/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS)/checkov/bin/python -m pip install --quiet -r $<
	touch $@

$(TOOLS)/wheels/.downloaded: $(TOOL_REQS)/requirements-schemas.txt
	rm -rf $(TOOLS)/wheels
	$(PYTHON) -m pip download --quiet --no-deps -d $(TOOLS)/wheels -r $<
	touch $@

# The DAG tests' Airflows (tests/test_composer_dags.py): Composer's side has neither Beam nor this
# package, so Airflow gets venvs of its own, installed by uv from the compiled locks in tests/airflow/
# (make airflow-locks recompiles them). uv itself comes from PyPI into a small venv.
UV_VERSION := 0.13.8
UV := $(TOOLS)/uv/bin/uv
AIRFLOW_REQS := tests/airflow

$(UV):
	rm -rf $(TOOLS)/uv
	$(PYTHON) -m venv $(TOOLS)/uv
	$(TOOLS)/uv/bin/python -m pip install --quiet uv==$(UV_VERSION)

$(TOOLS)/airflow%/.installed: $(AIRFLOW_REQS)/requirements-airflow%.txt | $(UV)
	rm -rf $(TOOLS)/airflow$*
	$(UV) venv --quiet --python $(PYTHON) $(TOOLS)/airflow$*
	$(UV) pip install --quiet --python $(TOOLS)/airflow$*/bin/python -r $<
	touch $@

airflow-venvs: $(TOOLS)/airflow3/.installed $(TOOLS)/airflow2/.installed

airflow-locks: | $(UV)
	for v in 2 3; do $(UV) pip compile --quiet --python-version 3.11 --no-header \
		$(AIRFLOW_REQS)/requirements-airflow$$v.in -o $(AIRFLOW_REQS)/requirements-airflow$$v.txt; done

#: the DAGs in a local Airflow 3 a person can click (pipelines/local/airflow.py: AIRFLOW_HOME .local/airflow,
#: the local stack started and seeded if needed); Ctrl-C stops it. make airflow AIRFLOW_PORT=8081 AIRFLOW_ARGS=--schedule
AIRFLOW_PORT ?= 8080
AIRFLOW_ARGS ?=
airflow: $(VENV)/.installed $(TOOLS)/airflow3/.installed
	MINERA_TOOLS_DIR=$(abspath $(TOOLS)) $(PY) -m pipelines.local.airflow --port $(AIRFLOW_PORT) $(AIRFLOW_ARGS)

tools: $(TOOLS)/tf-provider/.installed $(TOOLS)/checkov/.installed $(TOOLS)/wheels/.downloaded

demo: $(VENV)/.installed
	$(PY) -m pipelines.demo

#: the dashboards of looker/ (pipelines/dashboards: LookML compiled to DuckDB SQL, Plotly charts) served
#: read-only from the local warehouse at http://127.0.0.1:$(DASHBOARD_PORT)/; no warehouse yet: run make demo
DASHBOARD_PORT ?= 8050
dashboard: $(VENV)/.installed
	$(PY) -m pipelines.dashboards --port $(DASHBOARD_PORT)

# Debian's Chromium for the dashboards' browser tests (Playwright drives it; its own download cannot work here)
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

test: $(VENV)/.installed tools airflow-venvs $(CHROMIUM)
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2

test-terraform: $(VENV)/.installed tools
	$(PY) -m pytest -n 2 tests/test_terraform_offline.py tests/test_terraform_environments.py \
		tests/test_terraform_module_docs.py tests/test_batch_launchers.py

#: the Composer DAGs, read by real Airflow 3.3 and 2.11 (their own venvs), and ruff's Airflow rules; make airflow, through its REST API
test-dags: $(VENV)/.installed airflow-venvs
	$(PY) -m ruff check --select AIR composer_dags
	$(PY) -m pytest -n 2 tests/test_composer_dags.py tests/test_local_airflow.py

#: the fast set: every test not marked slow, i.e. that starts no service, subprocess or pipeline
#: (tests/conftest.py marks the tests using a service's fixture; the rest carry @pytest.mark.slow)
test-fast: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2 -m "not slow"

#: only the slow tests (make test runs both)
test-slow: $(VENV)/.installed tools airflow-venvs $(CHROMIUM)
	$(PY) -m pytest -n 2 -m slow

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
