"""DuckDB's stream writer: the local stand-in for BigQuery's streaming inserts
(``DuckDBWarehouse.write_stream``; BigQuery's is ``bigquery_streams.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import apache_beam as beam
import duckdb
import pyarrow as pa

from pipelines.schema import arrow_schema, load_schema_file
from pipelines.streaming.messages import DeadLetter
from pipelines.warehouse.duckdb_tables import add_missing_columns, create_table_sql


@contextmanager
def writer_lock(path: str) -> Iterator[None]:
    """DuckDB takes one writer process at a time: the local runner's threads *and* worker
    processes queue on a lock file next to the database (``flock`` is per open file)."""
    import fcntl
    import os

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)  # a fresh local home
    with open(f"{path}.writer.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class AppendToDuckDBFn(beam.DoFn):
    """Appends Arrow tables (or dead-letter rows) to a DuckDB table: a short transaction per bundle or 32 MB.

    The local stand-in for BigQuery's streaming writes; writers take turns (``writer_lock``).
    Appends run on a background thread (DuckDB works without the GIL) while the bundle goes on;
    one append at most is in flight, and ``finish_bundle`` returns only once all are committed,
    so a bundle is never reported done before its rows are in.
    """

    FLUSH_BYTES = 32 << 20  # a local bundle can be a whole replay; flush before it piles up

    def __init__(self, path: str, table: str, schema_file: str):
        self.path, self.table, self.schema_file = path, table, schema_file

    def setup(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.schema = load_schema_file(self.schema_file)
        self.appender = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"append-{self.table}")
        self.in_flight = None

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
            self._flush()

    def finish_bundle(self) -> None:
        self._flush()
        self._wait()

    def teardown(self) -> None:
        if getattr(self, "appender", None) is not None:
            self.appender.shutdown(wait=True)

    def _flush(self) -> None:
        if self.letters:  # typed by the schema: a bundle whose publish times are all NULL is still a TIMESTAMP
            self.pending.append(pa.Table.from_pylist(self.letters, schema=arrow_schema(self.schema)))
            self.letters = []
        self.pending_bytes = 0
        if not self.pending:
            return
        names = [c.name for c in self.schema.columns]
        batch = pa.concat_tables([t.select(names) for t in self.pending], promote_options="permissive")
        self.pending = []
        self._wait()  # one append in flight at most: memory stays bounded
        self.in_flight = self.appender.submit(self._append, batch)

    def _wait(self) -> None:
        if self.in_flight is not None:
            in_flight, self.in_flight = self.in_flight, None
            in_flight.result()  # an append that failed fails the bundle

    def _append(self, batch: pa.Table) -> None:
        names = ", ".join(f'"{c.name}"' for c in self.schema.columns)
        dataset, table = self.table.split(".")
        with writer_lock(self.path):
            con = duckdb.connect(self.path)
            try:
                con.execute("SET TimeZone = 'UTC'")
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {dataset}")
                con.execute(create_table_sql(self.table, self.schema))
                add_missing_columns(con, dataset, table, self.schema)  # e.g. ops.alerts gained machine_id
                con.register("incoming", batch)
                con.execute(f"INSERT INTO {self.table} ({names}) SELECT {names} FROM incoming")
            finally:
                con.close()
