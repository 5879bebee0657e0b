"""DuckDB tables made from our schemas: created when missing, and given the columns their schema
gained since (older rows read NULL). The warehouse's commits and its stream writer both use them."""

from __future__ import annotations

import logging

from pipelines.schema import TableSchema, duckdb_type, quote_ident

log = logging.getLogger(__name__)


def create_table_sql(target: str, schema: TableSchema) -> str:
    """The table of ``schema`` (load metadata included), unless it exists."""
    cols = ", ".join(f"{quote_ident(c.name)} {duckdb_type(c)}" for c in schema.all_columns)
    return f"CREATE TABLE IF NOT EXISTS {target} ({cols})"


def add_missing_columns(con, dataset: str, table: str, schema: TableSchema) -> None:
    """Columns the table gained in its schema since it was made are added (older rows read NULL)."""
    existing = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
        [dataset, table],
    ).fetchall()}
    for column in schema.all_columns:
        if column.name not in existing:
            log.info("%s.%s: new column %s %s", dataset, table, column.name, duckdb_type(column))
            con.execute(f"ALTER TABLE {quote_ident(dataset)}.{quote_ident(table)} "
                        f"ADD COLUMN {quote_ident(column.name)} {duckdb_type(column)}")
