"""DuckDB as the local stand-in for BigQuery: one DuckDB schema per BigQuery dataset.

Each operation opens the file briefly: DuckDB allows one writing process at a time, so
holding it for a whole pipeline run would lock out a person looking at the data. An
operation that finds the file locked by another process (another loader's commit, a
person's session) waits for it, up to ``lock_timeout`` seconds
(``duckdb:///path/file.duckdb?lock_timeout=60``, the default), then fails naming the lock.
"""

from __future__ import annotations

import logging
import os
import re
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import duckdb

from pipelines.bounds import Bound
from pipelines.errors import ConfigError, WarehouseError, one_line
from pipelines.lake import LakeTable
from pipelines.schema import (
    DUCKDB_MAX_DECIMAL_PRECISION,
    LOADED_AT,
    RUN_ID,
    Column,
    TableSchema,
    column_from_duckdb,
    duckdb_type,
    load_schema_file,
    quote_ident,
)
from pipelines.warehouse.base import (
    OPS_DATASET,
    OPS_TABLES,
    FileLoad,
    LoadRequest,
    SnapshotLoad,
    Warehouse,
    batch_day_row,
    commit_steps,
    keeps_deleted,
    succeeded_run_row,
)
from pipelines.warehouse.duckdb_tables import add_missing_columns, create_table_sql

log = logging.getLogger(__name__)

DEFAULT_LOCK_TIMEOUT_S = 60.0
LOCK_POLL_S = 0.2


def _file_list(paths: tuple[str, ...]) -> str:
    """Staged file paths as a DuckDB list literal for ``read_parquet``."""
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def deleted_keys_sql(target: str, deleted: str, key: tuple[str, ...], files: str,
                     key_filter: tuple[tuple[str, str], ...]) -> str:
    """INSERT the raw keys the source no longer has: not among the staged keys, and not already
    recorded as deleted since their last load. Parameters: the run id, the detection time."""
    cols = ", ".join(quote_ident(k) for k in key)
    same = " AND ".join(f"x.{quote_ident(k)} = r.{quote_ident(k)}" for k in key)
    scope = " AND ".join(f"{quote_ident(c)} = '{v.replace(chr(39), chr(39) * 2)}'" for c, v in key_filter) or "TRUE"
    return (f"INSERT INTO {deleted} ({cols}, {RUN_ID}, _deleted_at) "
            f"SELECT {cols}, ?, CAST(? AS TIMESTAMPTZ) FROM ("
            f"SELECT {cols}, max({LOADED_AT}) AS last_loaded FROM {target} WHERE {scope} GROUP BY {cols}) r "
            f"WHERE NOT EXISTS (SELECT 1 FROM read_parquet({files}) x WHERE {same}) "
            f"AND NOT EXISTS (SELECT 1 FROM {deleted} x WHERE {same} AND x._deleted_at > r.last_loaded)")


def lake_view_sql(lake: LakeTable, location: str) -> str:
    """The lake as a DuckDB view: its files' columns and the Hive partition keys, typed, from
    ``read_parquet``. A filter on the keys reads only the matching folders (DuckDB prunes the file
    list); the view's columns are bound from the lake's first file, which must be readable."""
    files = lake.files_glob(location).replace("'", "''")
    types = ", ".join(f"'{c.name}': {duckdb_type(c)}" for c in lake.partition_columns)
    columns = ", ".join(quote_ident(c.name) for c in lake.schema.columns + lake.partition_columns)
    return (f"CREATE OR REPLACE VIEW {lake.name} AS SELECT {columns}\n"
            f"FROM read_parquet('{files}', hive_partitioning = true, hive_types = {{{types}}})")


def _window_literal_type(column_type: str) -> str:
    return {"TIMESTAMP": "TIMESTAMPTZ", "DATETIME": "TIMESTAMP", "DATE": "DATE", "INT64": "BIGINT",
            "STRING": "VARCHAR"}[column_type]  # STRING: SAP dates, 'YYYYMMDD'



class _Commit:
    """One load's transaction as its steps share it: the connection, the request, the target
    table, and the rows the insert step inserted."""

    def __init__(self, con, request: LoadRequest):
        self.con, self.request = con, request
        self.target = f"{quote_ident(request.dataset)}.{quote_ident(request.table)}"
        self.inserted = 0


def _deleted(request: SnapshotLoad) -> str:
    return f"{quote_ident(request.dataset)}.{quote_ident(request.deleted_table)}"


def _lock_holder(exc: Exception) -> str:
    """`` (PID 1234)`` when DuckDB's lock error names the process holding the file."""
    found = re.search(r"\(PID (\d+)\)", str(exc))
    return f" (pid {found[1]})" if found else ""


class DuckDBWarehouse(Warehouse):
    max_decimal_precision = DUCKDB_MAX_DECIMAL_PRECISION

    def __init__(self, path: str):
        # duckdb:///abs/path -> "/abs/path"; duckdb://rel/path -> "rel/path"; ?lock_timeout=SECONDS
        path, _, query = path.partition("?")
        expected = "expected duckdb:///path/file.duckdb[?lock_timeout=SECONDS]"
        try:
            params = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query))
            unknown = sorted(set(params) - {"lock_timeout"})
            self.lock_timeout = float(params.get("lock_timeout", [DEFAULT_LOCK_TIMEOUT_S])[-1])
        except ValueError as exc:
            raise ConfigError(f"bad --warehouse duckdb://{path}?{query}: {expected}") from exc
        if unknown or self.lock_timeout < 0:
            raise ConfigError(f"bad --warehouse duckdb://{path}?{query}: {expected}")
        self.path = Path(path).expanduser()
        if not path or self.path.is_dir():
            raise ConfigError(f"bad --warehouse duckdb://{path}: {self.path} is a folder, expected a .duckdb file")

    def describe(self) -> str:
        return f"duckdb://{self.path}"

    def _open(self, lock_timeout: float):
        """A connection; a file locked by another process is waited for, up to ``lock_timeout``."""
        deadline = time.monotonic() + lock_timeout
        waiting = False
        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                return duckdb.connect(str(self.path))
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise WarehouseError(f"cannot open warehouse {self.path}: {one_line(exc)}") from exc
                if time.monotonic() >= deadline:
                    raise WarehouseError(f"warehouse {self.path} is locked by another process{_lock_holder(exc)}"
                                         f"{f' (waited {lock_timeout:.0f}s)' if lock_timeout else ''}; "
                                         "close it there and run again") from exc
                if not waiting:
                    log.warning("warehouse %s is locked by another process%s; waiting up to %.0fs", self.path,
                                _lock_holder(exc), lock_timeout)
                    waiting = True
                time.sleep(LOCK_POLL_S)
            except (OSError, duckdb.Error) as exc:
                raise WarehouseError(f"cannot open warehouse {self.path}: {one_line(exc)}") from exc

    @contextmanager
    def connect(self, lock_timeout: float | None = None):
        con = self._open(self.lock_timeout if lock_timeout is None else lock_timeout)
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET preserve_insertion_order = false")  # raw tables have no order; loads go faster
            yield con
        finally:
            con.close()

    def check(self) -> None:
        with self.connect():
            pass

    def ensure_ops(self, tables: tuple[str, ...] = OPS_TABLES) -> None:
        """The ops tables, and the columns their schema files gained since they were made."""
        with self.connect() as con:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {OPS_DATASET}")
            for name in tables:
                schema = load_schema_file(f"ops/{name}.json")
                con.execute(create_table_sql(f"{OPS_DATASET}.{name}", schema))
                add_missing_columns(con, OPS_DATASET, name, schema)

    def watermark(self, pipeline: str, source_table: str) -> str | None:
        with self.connect() as con:
            row = con.execute(
                "SELECT watermark FROM ops.watermarks WHERE pipeline = ? AND table_name = ?",
                [pipeline, source_table],
            ).fetchone()
        return row[0] if row else None

    def record_runs(self, rows: list[dict]) -> None:
        if not rows:
            return
        with self.connect() as con:
            self._upsert_runs(con, rows)

    @staticmethod
    def _upsert_runs(con, rows: list[dict]) -> None:
        """One row per (run_id, table_name): a run's row moves from running to its outcome."""
        names = [c.name for c in load_schema_file("ops/load_runs.json").columns]
        placeholders = ", ".join("?" for _ in names)
        con.executemany("DELETE FROM ops.load_runs WHERE run_id = ? AND table_name = ?",
                        [[row["run_id"], row["table_name"]] for row in rows])
        con.executemany(
            f"INSERT INTO ops.load_runs ({', '.join(names)}) VALUES ({placeholders})",
            [[row.get(n) for n in names] for row in rows],
        )

    def query(self, sql: str) -> list[tuple]:
        with self.connect() as con:
            return con.execute(sql).fetchall()

    def heartbeat(self, run_id: str, at: datetime) -> None:
        with self.connect(lock_timeout=0) as con:  # a beat never waits: the next one comes
            con.execute("UPDATE ops.load_runs SET heartbeat_at = ? WHERE run_id = ? AND status = 'running'",
                        [at, run_id])

    def mark_abandoned(self, rows: list[dict], by_run: str, at: datetime) -> None:
        with self.connect() as con:
            con.executemany(
                "UPDATE ops.load_runs SET status = 'abandoned', abandoned_at = ?, abandoned_by = ?, error = ? "
                "WHERE run_id = ? AND table_name = ? AND status = 'running'",
                [[at, by_run, row["error"], row["run_id"], row["table_name"]] for row in rows])

    def raw_schema(self, dataset: str, table: str) -> TableSchema | None:
        with self.connect() as con:
            found = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position", [dataset, table]).fetchall()
        columns = [column_from_duckdb(name, data_type) for name, data_type in found]
        return TableSchema(tuple(c for c in columns if c is not None)) if found else None

    def stored_type(self, column: Column) -> str:
        return duckdb_type(column)

    def insert_ops_rows(self, table: str, rows: list[dict]) -> None:
        if not rows:
            return
        with self.connect() as con:
            self._insert_ops_rows(con, table, rows)

    @staticmethod
    def _insert_ops_rows(con, table: str, rows: list[dict]) -> None:
        names = [c.name for c in load_schema_file(f"ops/{table}.json").columns]
        con.executemany(
            f"INSERT INTO {OPS_DATASET}.{table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
            [[row.get(n) for n in names] for row in rows],
        )

    def has_dataset(self, dataset: str) -> bool:
        with self.connect() as con:
            return con.execute("SELECT count(*) FROM information_schema.schemata WHERE schema_name = ?",
                               [dataset]).fetchone()[0] > 0

    def sqlmesh_gateway(self, project_dir: Path) -> tuple[str, Any, Path]:
        """Its SQLMesh state in the same file; the session in UTC, so ``DATE(ts)`` is the UTC day as
        on BigQuery; the model cache shared by every local warehouse (``model_state.LOCAL_CACHE``)."""
        from sqlmesh.core.config import DuckDBConnectionConfig, GatewayConfig

        from pipelines.warehouse.model_state import LOCAL_CACHE

        gateway = GatewayConfig(connection=DuckDBConnectionConfig(
            database=str(self.path), connector_config={"TimeZone": "UTC"}))
        return "local", gateway, LOCAL_CACHE

    def write_stream(self, rows, table: str, schema_file: str):
        """Short locked appends, a transaction per bundle (``duckdb_streams.AppendToDuckDBFn``)."""
        import apache_beam as beam

        from pipelines.warehouse.duckdb_streams import AppendToDuckDBFn

        return rows | "AppendToDuckDB" >> beam.ParDo(AppendToDuckDBFn(str(self.path), table, schema_file))

    def define_lake_table(self, lake: LakeTable, location: str) -> None:
        """The view :func:`lake_view_sql` over the lake at ``location`` (made absolute), replacing
        an earlier one; the lake must hold at least one file."""
        if "://" not in location:
            location = os.path.abspath(os.path.expanduser(location))
        with self.connect() as con:
            try:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {lake.name.split('.')[0]}")
                con.execute(lake_view_sql(lake, location))
            except duckdb.Error as exc:
                raise WarehouseError(f"cannot define the view {lake.name} over {lake.root(location)}: "
                                     f"{one_line(exc)}") from exc

    def load(self, request: LoadRequest) -> int:
        """The table prepared, then the steps of the request's kind of load (:meth:`steps`), in
        one transaction."""
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                commit = _Commit(con, request)
                self._prepare_table(commit)
                for step in self.steps(request):
                    getattr(self, f"_{step}")(commit)
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        return commit.inserted

    @staticmethod
    def steps(request: LoadRequest) -> tuple[str, ...]:
        """``base.COMMIT_STEPS`` of the request's kind, with ``check_rows_read`` right after
        ``insert_staged``: DuckDB checks the rows it inserted, not a scratch table."""
        steps = [step for step in commit_steps(request) if step != "check_rows_read"]
        steps.insert(steps.index("insert_staged") + 1, "check_rows_read")
        return tuple(steps)

    def _prepare_table(self, commit: _Commit) -> None:
        request, con = commit.request, commit.con
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(request.dataset)}")
        con.execute(create_table_sql(commit.target, request.stored_schema))
        self._add_new_columns(con, request, commit.target, request.stored_schema)
        self._apply_schema_changes(con, request, commit.target)

    @staticmethod
    def _keep_deleted_table(commit: _Commit) -> None:
        request = commit.request
        if not keeps_deleted(request):
            return
        key = request.schema.primary_key
        cols = ", ".join(f"{quote_ident(k)} {duckdb_type(request.schema.column(k))}" for k in key)
        commit.con.execute(f"CREATE TABLE IF NOT EXISTS {_deleted(request)} ({cols}, {RUN_ID} VARCHAR NOT NULL, "
                           "_deleted_at TIMESTAMPTZ NOT NULL)")

    @staticmethod
    def _replace_manifest(commit: _Commit) -> None:
        """A file load's full refresh: this run's files are the whole history."""
        if commit.request.full_refresh:
            commit.con.execute(f"DELETE FROM {OPS_DATASET}.loaded_files WHERE target_table = ?",
                               [commit.request.target])

    @staticmethod
    def _delete_window(commit: _Commit) -> None:
        """What the window read: its range, and the rows without a cursor value (read by every run);
        a file load replaces only on a full refresh."""
        request, con, target = commit.request, commit.con, commit.target
        if isinstance(request, FileLoad) and not request.full_refresh:
            return
        window = request.window
        if window.replaces_everything:
            con.execute(f"DELETE FROM {target}")
        else:
            cursor = request.schema.column(window.column)
            cast = _window_literal_type(cursor.type)
            params = []

            def bound(_: str, value: Bound) -> str:
                params.append(value.text)
                return f"CAST(? AS {cast})"

            where = window.covers_sql(window.cursor_sql(quote_ident), cursor.type, bound)
            con.execute(f"DELETE FROM {target} WHERE {where}", params)

    @staticmethod
    def _insert_staged(commit: _Commit) -> None:
        request, target = commit.request, commit.target
        columns = ", ".join(quote_ident(c.name) for c in request.schema.columns)
        files = _file_list(request.files)
        if request.LOAD_METADATA:
            insert = (f"INSERT INTO {target} ({columns}, {RUN_ID}, {LOADED_AT}) "
                      f"SELECT {columns}, ?, CAST(? AS TIMESTAMPTZ) FROM read_parquet({files})")
            stamps = [request.run_id, request.loaded_at.isoformat()]
        else:
            insert, stamps = f"INSERT INTO {target} ({columns}) SELECT {columns} FROM read_parquet({files})", []
        commit.inserted = commit.con.execute(insert, stamps).fetchone()[0] if request.files else 0

    @staticmethod
    def _check_rows_read(commit: _Commit) -> None:
        request = commit.request
        if commit.inserted != request.rows_read:
            raise WarehouseError(f"{request.source_table}: read {request.rows_read} rows but loaded "
                                 f"{commit.inserted}; rolled back")

    def _record_run(self, commit: _Commit) -> None:
        self._upsert_runs(commit.con, [succeeded_run_row(commit.request, commit.inserted)])

    def _move_watermark(self, commit: _Commit) -> None:
        if commit.request.new_watermark is not None:
            self._set_watermark(commit.con, commit.request, commit.request.new_watermark)

    @staticmethod
    def _record_deletes(commit: _Commit) -> None:
        """Given the source's keys, the raw keys it no longer has are added to ``<table>__deleted``."""
        request = commit.request
        if not keeps_deleted(request) or request.key_files is None:
            return
        files = _file_list(request.key_files)
        found = commit.con.execute(
            deleted_keys_sql(commit.target, _deleted(request), request.schema.primary_key, files, request.key_filter),
            [request.run_id, request.loaded_at.isoformat()]).fetchone()[0]
        log.info("%s: %s key(s) deleted in the source recorded in %s.%s", request.source_table, f"{found:,}",
                 request.dataset, request.deleted_table)

    def _record_files(self, commit: _Commit) -> None:
        if commit.request.loaded_files:
            self._insert_ops_rows(commit.con, "loaded_files", list(commit.request.loaded_files))

    def _close_day(self, commit: _Commit) -> None:
        """The day's record, and the batch watermark set or removed."""
        request, con = commit.request, commit.con
        con.execute(f"DELETE FROM {OPS_DATASET}.batch_days WHERE target_table = ? AND day = ?",
                    [request.target, request.closes_day.day])
        self._insert_ops_rows(con, "batch_days", [batch_day_row(request, commit.inserted)])
        self._set_watermark(con, request, request.closes_day.watermark)

    @staticmethod
    def _set_watermark(con, request: LoadRequest, watermark: str | None) -> None:
        """The (pipeline, source table) watermark becomes ``watermark``; None removes it."""
        con.execute("DELETE FROM ops.watermarks WHERE pipeline = ? AND table_name = ?",
                    [request.pipeline, request.source_table])
        if watermark is not None:
            con.execute("INSERT INTO ops.watermarks VALUES (?, ?, ?, ?, ?, CAST(? AS TIMESTAMPTZ))",
                        [request.pipeline, request.source_table, request.window.column, watermark,
                         request.run_id, request.loaded_at.isoformat()])

    @staticmethod
    def _refuse_loaded_twice(commit: _Commit) -> None:
        """Two runs racing on the same files: the second to commit finds the first's manifest rows."""
        request = commit.request
        if request.full_refresh or not request.loaded_files:
            return
        hashes = [f["content_sha256"] for f in request.loaded_files]
        found = commit.con.execute(
            f"SELECT path, run_id FROM {OPS_DATASET}.loaded_files WHERE target_table = ? "
            "AND content_sha256 IN (SELECT unnest(?::VARCHAR[])) LIMIT 1", [request.target, hashes],
        ).fetchone()
        if found:
            raise WarehouseError(f"{request.target}: {found[0]} was loaded meanwhile by run {found[1]}; "
                                 "nothing committed, run again to load the rest")

    @staticmethod
    def _apply_schema_changes(con, request: LoadRequest, target: str) -> None:
        """Widened types and fields added inside records: DuckDB casts the column to its new type
        (new struct fields read NULL). Columns added at the top level are ``_add_new_columns``'s."""
        done = set()
        for change in request.schema_changes:
            top = change.path[0]
            if top in done or (change.kind == "add" and len(change.path) == 1) or change.kind == "relax":
                continue  # DuckDB raw columns carry no NOT NULL: relaxing is a no-op here
            done.add(top)
            column = request.schema.column(top)
            log.info("%s: %s; column %s is now %s", request.target, change.describe(), top, duckdb_type(column))
            con.execute(f"ALTER TABLE {target} ALTER {quote_ident(top)} TYPE {duckdb_type(column)}")

    @staticmethod
    def _add_new_columns(con, request: LoadRequest, target: str, schema: TableSchema) -> None:
        add_missing_columns(con, request.dataset, request.table, schema)
