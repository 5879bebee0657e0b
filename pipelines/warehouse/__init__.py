"""Warehouses the pipelines load into: BigQuery in the cloud, DuckDB on a laptop.

``open_warehouse(url)`` turns ``--warehouse`` into a sink with one interface, so a
pipeline never branches on where it runs.
"""

from __future__ import annotations

from pipelines.errors import ConfigError
from pipelines.warehouse.base import Warehouse

__all__ = ["Warehouse", "open_warehouse"]


def open_warehouse(url: str) -> Warehouse:
    """``duckdb:///path/file.duckdb`` or ``bigquery://PROJECT_ID[?location=EU]``."""
    scheme, sep, rest = url.partition("://")
    if not sep or not rest:
        raise ConfigError(
            f"bad --warehouse {url!r}: expected duckdb:///path/to/file.duckdb or bigquery://PROJECT_ID"
        )
    if scheme == "duckdb":
        from pipelines.warehouse.duckdb_warehouse import DuckDBWarehouse

        return DuckDBWarehouse(rest)
    if scheme == "bigquery":
        from pipelines.warehouse.bigquery_warehouse import BigQueryWarehouse

        return BigQueryWarehouse.from_url_rest(rest)
    raise ConfigError(
        f"bad --warehouse {url!r}: unknown scheme {scheme!r} (use duckdb:// or bigquery://)"
    )
