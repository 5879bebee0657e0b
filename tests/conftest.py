"""Shared fixtures: a real PostgreSQL (pgserver) seeded once, a fresh database per test.

The seeded database is a template; ``production_url`` clones it (``CREATE DATABASE ...
TEMPLATE``) so every test can change rows without disturbing the others.
"""

from __future__ import annotations

import itertools
import os
import uuid
import warnings
from pathlib import Path

import psycopg
import pytest

# -- the test pyramid: ``pytest -m "not slow"`` is the fast set (make test-fast) ------------------------
#
# A test is slow when it starts something: a service (PostgreSQL, S3, the demo warehouse, Airflow,
# Terraform's tools, a browser), a command-line subprocess, or an entry point's whole run (a load, a
# replay, a model build). Tests that use a fixture of SERVICE_FIXTURES (directly or through another
# fixture) are marked here, once; every other slow test says so itself: ``pytestmark =
# pytest.mark.slow`` for a file, ``@pytest.mark.slow`` for a test. Everything else is a unit test
# (a function, a composite transform on a small Beam pipeline, a rendered model): a function stays
# well under a second, a small TestPipeline one to three (the stateful anomaly detector's, 22 watermark
# steps, the longest); a run names the unmarked tests that
# took longer than FAST_LIMIT_S.

#: fixtures that start a service: every test using one is slow
SERVICE_FIXTURES = frozenset({"pg_server", "demo_warehouse", "s3_server"})
#: an unmarked test whose call takes longer than this is named at the end of the run
FAST_LIMIT_S = 3.0


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def pytest_terminal_summary(terminalreporter) -> None:
    """Name the tests not marked slow that were not fast: mark them, or make them fast."""
    late = sorted(((r.duration, r.nodeid) for r in terminalreporter.stats.get("passed", [])
                   if r.when == "call" and "slow" not in r.keywords and r.duration > FAST_LIMIT_S), reverse=True)
    if late:
        terminalreporter.section(f"unmarked tests slower than {FAST_LIMIT_S:g} s: mark them slow or make them fast")
        for duration, nodeid in late:
            terminalreporter.write_line(f"{duration:6.2f}s {nodeid}")


TEMPLATE_DB = "production_template"
SEED_SCALE = 20_000
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """A PostgreSQL server for the whole session, in its own data folder."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        data = tmp_path_factory.mktemp("pg") / "data"
        server = pgserver.get_server(data, cleanup_mode="stop")
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def pg_admin_url(pg_server) -> str:
    return pg_server.get_uri("postgres")


@pytest.fixture(scope="session")
def production_template(pg_server, pg_admin_url) -> str:
    from pipelines.local.seed_production import seed

    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE_DB}")
        conn.execute(f"CREATE DATABASE {TEMPLATE_DB}")
    seed(pg_server.get_uri(TEMPLATE_DB), scale=SEED_SCALE, seed=7)
    return TEMPLATE_DB


def clone_database(pg_server, admin_url: str, template: str) -> str:
    name = f"t_{next(_counter)}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    return pg_server.get_uri(name)


@pytest.fixture
def production_url(pg_server, pg_admin_url, production_template) -> str:
    """A fresh copy of the seeded production database."""
    return clone_database(pg_server, pg_admin_url, production_template)


@pytest.fixture(scope="session")
def new_empty_sources(pg_server, pg_admin_url):
    """Makes a fresh database with the production app's tables (and the SAP stand-in's schema
    sapsr3), no rows, and returns its URL: a test inserts the rows it reasons about, then loads them
    with the real loaders. Session-scoped, so a module's fixture can use it too."""
    from pipelines.local import seed_erp, seed_production

    def make() -> str:
        name = f"e_{next(_counter)}_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        url = pg_server.get_uri(name)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(seed_production.schema_sql())
            conn.execute(seed_erp.schema_sql())
        return url

    return make


@pytest.fixture
def empty_production_url(new_empty_sources) -> str:
    """A fresh database with the production app's and the SAP stand-in's tables, no rows."""
    return new_empty_sources()


@pytest.fixture
def minera_home(tmp_path, monkeypatch) -> Path:
    """Local defaults (warehouse, staging) under this test's own folder."""
    home = tmp_path / "home"
    monkeypatch.setenv("MINERA_HOME", str(home))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    return home


@pytest.fixture
def warehouse_url(tmp_path) -> str:
    return f"duckdb://{tmp_path / 'warehouse.duckdb'}"


@pytest.fixture(autouse=True)
def _quiet_env(monkeypatch):
    monkeypatch.setenv("MINERA_LOG_LEVEL", os.environ.get("MINERA_LOG_LEVEL", "INFO"))


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 API server (moto's, over HTTP on a free port) standing in for the lab's bucket.

    Yields its endpoint URL. Credentials are any non-empty keys, taken from the environment
    the way a real run takes them (``AWS_ACCESS_KEY_ID`` ...), never from argv.
    """
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_env(s3_server, monkeypatch) -> dict:
    """The AWS settings a pipeline (in-process or a subprocess) needs to reach ``s3_server``."""
    env = {"AWS_ACCESS_KEY_ID": "lab-reader", "AWS_SECRET_ACCESS_KEY": "lab-secret", "AWS_DEFAULT_REGION": "us-east-1"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def s3_client(s3_server, s3_env):
    import boto3

    return boto3.client("s3", endpoint_url=s3_server)


class FakePublisher:
    """A Pub/Sub ``PublisherClient`` that records what it is given: the simulators' topic path."""

    def __init__(self):
        self.sent: list[tuple[str, bytes, dict]] = []

    def publish(self, topic, data, **attributes):
        self.sent.append((topic, data, attributes))

        class Done:
            def result(self):
                return "id"

        return Done()


@pytest.fixture
def publisher() -> FakePublisher:
    return FakePublisher()


@pytest.fixture(scope="session")
def rendering():
    """The SQLMesh project rendered offline for BigQuery project ``minera-prod`` (no credentials, no
    warehouse): ``rendering.render("staging.x").sql(dialect="bigquery" | "duckdb")``."""
    from pipelines.transform.render import offline_context

    return offline_context("minera-prod")


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory, worker_id) -> Path:
    """The warehouse ``make demo`` builds (every source loaded, the speed layer replayed, every model
    built and checked), at a small scale: what the dashboards and the LookML checks read, read-only.
    Built once per test run: under xdist the first worker builds it in the run's shared base folder
    (a lock file serialises them) and the others open the same file. Its local stack is stopped
    again; the DuckDB file stays."""
    import fcntl

    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    home = shared / "demo-warehouse"
    warehouse = home / "warehouse.duckdb"
    with open(shared / "demo-warehouse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes: after the build, or at once
        if not (home / "built").exists():
            _build_demo_warehouse(home)
            (home / "built").touch()
    assert warehouse.exists()
    return warehouse


def _build_demo_warehouse(home: Path) -> None:
    import subprocess
    import sys

    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MINERA_HOME": str(home)}
    try:
        done = subprocess.run([sys.executable, "-m", "pipelines.demo", "--scale", "2000"], env=env,
                              capture_output=True, text=True, timeout=900)
    finally:
        subprocess.run([sys.executable, "-m", "pipelines.local.stack", "stop"], env=env, capture_output=True,
                       timeout=120)
    assert done.returncode == 0, f"the demo failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
