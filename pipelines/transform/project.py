"""The SQLMesh project in ``sql/``: its configuration for a warehouse URL, and a context on it.

Models are written once, in BigQuery SQL (``model_defaults.dialect``). The warehouse the URL opens
gives its one gateway (``Warehouse.sqlmesh_gateway``): a ``duckdb://`` file is a DuckDB gateway
(SQLMesh transpiles each model) whose SQLMesh state lives in the same file; a ``bigquery://``
project is a BigQuery gateway whose state goes to PostgreSQL (Cloud SQL) when
``MINERA_SQLMESH_STATE_URL`` names one, as SQLMesh recommends for production, else into BigQuery's
``sqlmesh`` dataset. Only that gateway is declared: SQLMesh opens every gateway of a config at start.

Thresholds of the checks are configuration (``sql/checks.yaml``), handed to the audits as
SQLMesh variables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent / "sql"
#: BigQuery SQL, identifiers as written: SQLMesh would otherwise lower-case them, and SAP's columns
#: (MANDT, EQUNR) are kept as stored
DIALECT = "bigquery,normalization_strategy=case_sensitive"
#: the earliest interval an incremental model builds (the simulated mine starts in 2026)
START = "2000-01-01"


def load_checks(project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """``checks.yaml``: freshness thresholds per raw dataset (hours), a default for the rest."""
    path = project_dir / "checks.yaml"
    return yaml.safe_load(path.read_text()) if path.exists() else {}


def freshness_variables(checks: dict[str, Any]) -> dict[str, Any]:
    """SQLMesh variables ``freshness_warn_hours`` / ``freshness_error_hours``: a map raw dataset ->
    hours, with the default under ``default``; the ``source_is_fresh`` audit reads them."""
    freshness = checks.get("freshness", {})
    default = freshness.get("default", {})
    warn = {"default": float(default.get("warn_after_hours", 24))}
    error = {"default": float(default.get("error_after_hours", 72))}
    for dataset, limits in (freshness.get("datasets") or {}).items():
        warn[dataset] = float(limits.get("warn_after_hours", warn["default"]))
        error[dataset] = float(limits.get("error_after_hours", error["default"]))
    return {"freshness_warn_hours": warn, "freshness_error_hours": error}


def sqlmesh_config(warehouse_url: str, project_dir: Path = PROJECT_DIR, cache_dir: Path | None = None):
    """The SQLMesh ``Config`` for ``--warehouse``: one gateway, BigQuery SQL, our variables."""
    from sqlmesh.core.config import Config, ModelDefaultsConfig

    from pipelines.warehouse import open_warehouse

    name, gateway, cache = open_warehouse(warehouse_url).sqlmesh_gateway(project_dir)
    cache = cache_dir or cache
    return Config(
        gateways={name: gateway},
        default_gateway=name,
        model_defaults=ModelDefaultsConfig(dialect=DIALECT, start=START),
        variables=freshness_variables(load_checks(project_dir)),
        cache_dir=str(cache / cache_key()),
        disable_anonymized_analytics=True,  # no calls home: this machine, and Composer's workers, stay offline
    )


def cache_key() -> str:
    """The cache's subfolder: SQLMesh keys its model cache by the models' files, not by the dialect's
    settings, so a cache written under other settings (or another SQLMesh) would give stale columns
    (SAP's MANDT lower-cased, and the lineage of every model reading it broken)."""
    import hashlib

    import sqlmesh

    return f"{sqlmesh.__version__}-{hashlib.sha256(f'{DIALECT}|{START}'.encode()).hexdigest()[:12]}"


def open_context(warehouse_url: str, project_dir: Path = PROJECT_DIR, console=None):
    """A SQLMesh ``Context`` on the project for this warehouse. ``console``: where SQLMesh reports
    (SQLMesh keeps one console per process; a context takes the one set when it is made)."""
    return context_for(sqlmesh_config(warehouse_url, project_dir), project_dir, console)


def context_for(config, project_dir: Path = PROJECT_DIR, console=None):
    """A SQLMesh ``Context`` on the project with ``config``: every context of ours is made here."""
    from sqlmesh import Context
    from sqlmesh.core import constants
    from sqlmesh.core.console import NoopConsole, set_console

    # SQLMesh loads the models in forked processes; a fork taken while threads of a Beam run in this
    # process (the demo, the DAG's tasks, tests) hold a lock can hang for ever: load them here instead
    constants.MAX_FORK_WORKERS = 1
    set_console(console or NoopConsole())
    return Context(paths=str(project_dir), config=config)


def close_context(ctx) -> None:
    """Release the context's connections, so that other processes (and this one) can open the
    DuckDB file again; SQLMesh also keeps one adapter per DuckDB file for the whole process."""
    from sqlmesh.core.config.connection import BaseDuckDBConnectionConfig

    ctx.close()
    for key, adapter in list(BaseDuckDBConnectionConfig._data_file_to_adapter.items()):
        adapter.close()
        del BaseDuckDBConnectionConfig._data_file_to_adapter[key]
