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
