"""Where the speed layer's tables go: DuckDB locally, BigQuery through Beam's BigQuery IO on Dataflow.

``WriteToWarehouse`` is the one sink the streaming pipelines use for metrics, alerts and dead
letters; the warehouse URL picks the branch. Elements are Arrow tables or ``DeadLetter`` rows.
"""

from __future__ import annotations

import threading

import apache_beam as beam
import pyarrow as pa

from pipelines.streaming.messages import DeadLetter


class WriteToWarehouse(beam.PTransform):
    """Appends Arrow tables / dead letters to ``table`` (``dataset.name``) of the warehouse.

    ``schema_file`` is the table's schema under ``schemas/`` (e.g. ``ops/alerts.json``).
    """

    def __init__(self, warehouse: str, table: str, schema_file: str):
        super().__init__()
        self.warehouse, self.table, self.schema_file = warehouse, table, schema_file

    def expand(self, pcoll):
        if self.warehouse.startswith("duckdb://"):
            return pcoll | "AppendToDuckDB" >> beam.ParDo(
                AppendToDuckDBFn(self.warehouse.removeprefix("duckdb://"), self.table, self.schema_file))
        raise ValueError(f"no streaming sink for warehouse {self.warehouse!r}")


_DUCKDB_LOCK = threading.Lock()


class AppendToDuckDBFn(beam.DoFn):
    """Appends Arrow tables (or dead-letter rows) to a DuckDB table, one short transaction a bundle.

    The local stand-in for BigQuery's streaming writes; DuckDB has one writer per process,
    so the local runner's threads take turns.
    """

    def __init__(self, path: str, table: str, schema_file: str):
        self.path, self.table, self.schema_file = path, table, schema_file

    def start_bundle(self) -> None:
        self.pending: list[pa.Table] = []

    def process(self, element):
        if isinstance(element, DeadLetter):
            element = pa.Table.from_pylist([element.row()])
        self.pending.append(element)

    def finish_bundle(self) -> None:
        if not self.pending:
            return
        import duckdb

        from pipelines.schema import load_schema_file
        from pipelines.warehouse.duckdb_warehouse import create_table_sql

        schema = load_schema_file(self.schema_file)
        names = ", ".join(f'"{c.name}"' for c in schema.columns)
        batch = pa.concat_tables([t.select([c.name for c in schema.columns]) for t in self.pending],
                                 promote_options="permissive")
        with _DUCKDB_LOCK:
            con = duckdb.connect(self.path)
            try:
                con.execute("SET TimeZone = 'UTC'")
                dataset = self.table.split(".")[0]
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {dataset}")
                con.execute(create_table_sql(self.table, schema))
                con.register("incoming", batch)
                con.execute(f"INSERT INTO {self.table} ({names}) SELECT {names} FROM incoming")
            finally:
                con.close()
        self.pending = []
