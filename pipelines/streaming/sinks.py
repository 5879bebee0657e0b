"""Where the speed layer's tables go: DuckDB locally, BigQuery through Beam's BigQuery IO on Dataflow.

``WriteToWarehouse`` is the one sink the streaming pipelines use for metrics, alerts and dead
letters; the warehouse URL picks the branch. Elements are Arrow tables or ``DeadLetter`` rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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


@contextmanager
def writer_lock(path: str) -> Iterator[None]:
    """DuckDB takes one writer process at a time: the local runner's threads *and* worker
    processes queue on a lock file next to the database (``flock`` is per open file)."""
    import fcntl

    with open(f"{path}.writer.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class AppendToDuckDBFn(beam.DoFn):
    """Appends Arrow tables (or dead-letter rows) to a DuckDB table: a short transaction per bundle or 32 MB.

    The local stand-in for BigQuery's streaming writes; writers take turns (``writer_lock``).
    """

    FLUSH_BYTES = 32 << 20  # a local bundle can be a whole replay; flush before it piles up

    def __init__(self, path: str, table: str, schema_file: str):
        self.path, self.table, self.schema_file = path, table, schema_file

    def start_bundle(self) -> None:
        self.pending: list[pa.Table] = []
        self.letters: list[dict] = []
        self.pending_bytes = 0

    def process(self, element):
        if isinstance(element, DeadLetter):
            self.letters.append(element.row())
            self.pending_bytes += len(element.payload)
        else:
            self.pending.append(element)
            self.pending_bytes += element.nbytes
        if self.pending_bytes >= self.FLUSH_BYTES:
            self.finish_bundle()

    def finish_bundle(self) -> None:
        if self.letters:
            self.pending.append(pa.Table.from_pylist(self.letters))
            self.letters = []
        self.pending_bytes = 0
        if not self.pending:
            return
        import duckdb

        from pipelines.schema import load_schema_file
        from pipelines.warehouse.duckdb_warehouse import create_table_sql

        schema = load_schema_file(self.schema_file)
        names = ", ".join(f'"{c.name}"' for c in schema.columns)
        batch = pa.concat_tables([t.select([c.name for c in schema.columns]) for t in self.pending],
                                 promote_options="permissive")
        with writer_lock(self.path):
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
