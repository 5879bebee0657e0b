"""The interface every warehouse offers the pipelines, and the kinds of load they commit."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

from pipelines.lake import LakeTable
from pipelines.schema import Column, TableSchema
from pipelines.sources.base import Window
from pipelines.warehouse.runs import launcher

OPS_DATASET = "ops"
#: the ops tables batch loads write (schemas/ops/<name>.json); the streaming ones have their own sinks
OPS_TABLES = ("load_runs", "watermarks", "loaded_files", "rejected_files")
#: the ops tables a batch recomputation writes
RECOMPUTE_OPS_TABLES = ("load_runs", "watermarks", "batch_days")


@dataclass(frozen=True)
class ClosedDay:
    """A UTC day a batch recomputation replaced whole, and what it read.

    Committed with the day's rows: its ``ops.batch_days`` row (replacing an earlier one) and the
    batch watermark of (pipeline, source table) in ``ops.watermarks``, set to ``watermark`` (the end
    of the last day that, with every earlier day of the lake, is closed) or removed when None.
    """

    day: date
    readings: int
    lake_files: int
    watermark: str | None


@dataclass(frozen=True, kw_only=True)
class TableLoad:
    """What every kind of load commits, atomically: one table's staged files of one run.

    The warehouse inserts the staged files, checks ``rows_read`` against what it inserted and
    records the run in ``ops.load_runs``, in one transaction with what the kind of load adds
    (:data:`COMMIT_STEPS` lists each kind's steps in the order they run). ``schema_changes``
    (``sources.avro.SchemaChange``, or a source column's type change) are applied first.
    """

    #: the target holds ``_run_id``/``_loaded_at`` after the schema's columns
    LOAD_METADATA: ClassVar[bool] = True

    pipeline: str
    run_id: str
    source_table: str
    dataset: str
    table: str
    schema: TableSchema
    files: tuple[str, ...]
    rows_read: int
    bytes_staged: int
    partitions: int
    started_at: datetime
    loaded_at: datetime
    partition_by: str | None = None
    cluster_by: tuple[str, ...] = ()
    schema_changes: tuple = ()

    @property
    def target(self) -> str:
        return f"{self.dataset}.{self.table}"

    @property
    def stored_schema(self) -> TableSchema:
        """The target table's columns: the schema's, with ``_run_id``/``_loaded_at`` when the kind keeps them."""
        return self.schema.with_load_metadata() if self.LOAD_METADATA else self.schema

    @property
    def deleted_table(self) -> str:
        return f"{self.table}__deleted"


@dataclass(frozen=True, kw_only=True)
class SnapshotLoad(TableLoad):
    """A source table's rows read over ``window``: they replace what the window covers (everything
    for a full refresh) and the watermark moves to ``new_watermark``.

    Deletes: ``tracks_deletes`` keeps ``<table>__deleted`` (the key columns, _run_id, _deleted_at);
    with ``key_files`` (every key the source has now, staged) the raw keys it lacks are recorded
    there; ``key_filter`` (e.g. ``(("MANDT", "100"),)``) says the keys read covered only that.
    """

    window: Window
    new_watermark: str | None
    tracks_deletes: bool = False
    key_files: tuple[str, ...] | None = None
    key_filter: tuple[tuple[str, str], ...] = ()
    # rows read whose cursor is NULL or at a limit (sources.base.Window.unplaced_sql); None: no cursor
    rows_without_cursor: int | None = None


def keeps_deleted(request: TableLoad) -> bool:
    """Whether the commit keeps ``<table>__deleted``: a snapshot load that tracks deletes, of a
    table with a key (a keyless table has nothing to name a deleted row by)."""
    return isinstance(request, SnapshotLoad) and request.tracks_deletes and bool(request.schema.primary_key)


@dataclass(frozen=True, kw_only=True)
class FileLoad(TableLoad):
    """Files landed by a vendor (raw_vendor): their rows are appended, never replaced, and each
    file's ``ops.loaded_files`` row (``loaded_files``) is written in the same transaction, which is
    refused if another run loaded the same content meanwhile. A ``full_refresh`` replaces the
    table's rows and its ``ops.loaded_files`` rows by this run's instead."""

    loaded_files: tuple[dict, ...] = ()
    full_refresh: bool = False

    @property
    def window(self) -> Window:
        """No cursor: everything when the load replaces the table (its ops.load_runs bounds are NULL)."""
        return Window(None, None, None, full_refresh=self.full_refresh)

    new_watermark: ClassVar[None] = None
    rows_without_cursor: ClassVar[None] = None


@dataclass(frozen=True, kw_only=True)
class DayRecompute(TableLoad):
    """A batch recomputation of one UTC day from the lake: its rows replace the day's
    (``window``), and ``closes_day`` is recorded with them. The table holds exactly the schema's
    columns (no _run_id/_loaded_at: a serving view unions it with the speed table by the same
    columns)."""

    LOAD_METADATA: ClassVar[bool] = False

    window: Window
    closes_day: ClosedDay

    new_watermark: ClassVar[None] = None
    rows_without_cursor: ClassVar[None] = None


#: what a warehouse's ``load()`` takes: one type per kind of load
LoadRequest = SnapshotLoad | FileLoad | DayRecompute

#: The named steps of each kind of load's commit, in the order BigQuery's commit script runs them
#: (DuckDB runs the same steps, its ``check_rows_read`` right after the insert it counts). A step
#: that does not apply to a request (no watermark to move, no deletes tracked) does nothing.
COMMIT_STEPS: dict[type[TableLoad], tuple[str, ...]] = {
    SnapshotLoad: ("keep_deleted_table", "check_rows_read", "delete_window", "insert_staged", "record_run",
                   "move_watermark", "record_deletes"),
    FileLoad: ("replace_manifest", "refuse_loaded_twice", "check_rows_read", "delete_window", "insert_staged",
               "record_run", "record_files"),
    DayRecompute: ("check_rows_read", "delete_window", "insert_staged", "record_run", "close_day"),
}


def commit_steps(request: LoadRequest) -> tuple[str, ...]:
    """The steps of ``request``'s kind of load, in order (:data:`COMMIT_STEPS`)."""
    try:
        return COMMIT_STEPS[type(request)]
    except KeyError:
        raise TypeError(f"not a kind of load: {type(request).__name__}") from None


class Warehouse(ABC):
    """A place tables land: DuckDB locally, BigQuery on Google Cloud."""

    #: widest decimal the warehouse stores exactly; wider values are staged as text
    max_decimal_precision: int = 76

    @abstractmethod
    def describe(self) -> str:
        """Where it is, for logs: a file path or a project."""

    @abstractmethod
    def check(self) -> None:
        """Open it once, so a bad URL fails before any work is done."""

    @abstractmethod
    def ensure_ops(self, tables: tuple[str, ...] = OPS_TABLES) -> None:
        """Create the ``ops`` tables the runs write to (or ``tables``), if missing."""

    @abstractmethod
    def watermark(self, pipeline: str, source_table: str) -> str | None:
        """End of the last committed window of ``source_table``, or None."""

    @abstractmethod
    def record_runs(self, rows: list[dict]) -> None:
        """Write rows to ``ops.load_runs``, replacing the same (run_id, table_name)."""

    @abstractmethod
    def heartbeat(self, run_id: str, at: datetime) -> None:
        """Set ``heartbeat_at`` of the run's ``running`` rows (see ``warehouse/runs.py``)."""

    @abstractmethod
    def mark_abandoned(self, rows: list[dict], by_run: str, at: datetime) -> None:
        """Set the given (run_id, table_name) rows, if still ``running``, to ``abandoned`` with
        ``abandoned_at``, ``abandoned_by`` and each row's ``error``."""

    def running_runs(self) -> list[dict]:
        """The ``ops.load_runs`` rows still ``running``, with what tells whether their launcher lives."""
        names = ("run_id", "table_name", "host", "pid", "started_at", "heartbeat_at")
        rows = self.query(f"SELECT {', '.join(names)} FROM {OPS_DATASET}.load_runs WHERE status = 'running' "
                          "ORDER BY started_at, run_id, table_name")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def loaded_into(self, dataset: str) -> list[tuple[str, str]]:
        """(target table, source table) pairs of every committed load into ``dataset``: a raw table
        belongs to the one source table that has filled it."""
        if not re.fullmatch(r"[a-z0-9_]+", dataset):
            raise ValueError(f"bad dataset {dataset!r}")
        return [tuple(row) for row in self.query(
            f"SELECT DISTINCT target_table, table_name FROM {OPS_DATASET}.load_runs WHERE status = 'succeeded' "
            f"AND STARTS_WITH(target_table, '{dataset}.') ORDER BY target_table, table_name")]

    @abstractmethod
    def raw_schema(self, dataset: str, table: str) -> TableSchema | None:
        """The raw table's columns as they are now (None if there is no such table); a column of a
        type no source maps to is left out."""

    @abstractmethod
    def stored_type(self, column: Column) -> str:
        """How the warehouse stores ``column``: two columns stored alike hold the same values."""

    @abstractmethod
    def load(self, request: LoadRequest) -> int:
        """Commit one table's staged files; returns rows loaded. Nothing is visible on failure."""

    @abstractmethod
    def has_dataset(self, dataset: str) -> bool:
        """Whether the dataset (DuckDB schema) exists: has this source ever been loaded?"""

    @abstractmethod
    def query(self, sql: str) -> list[tuple]:
        """Run a query in the warehouse's own dialect and return its rows."""

    @abstractmethod
    def insert_ops_rows(self, table: str, rows: list[dict]) -> None:
        """Append rows to ``ops.<table>`` (its schema is ``schemas/ops/<table>.json``)."""

    #: the SQL dialect of ``query`` and of the models here (SQLMesh transpiles them from BigQuery's)
    sql_dialect: str = "duckdb"
    #: whether it lives on this machine (a file) rather than in a cloud project: what a tool that
    #: talks to the cloud beside it (a Pub/Sub topic) must know
    local: bool = True

    def table_sql(self, dataset: str, table: str) -> str:
        """A table's name in this warehouse's SQL."""
        return f"{dataset}.{table}"

    def json_text_sql(self, column: str) -> str:
        """SQL that renders a JSON column as text."""
        return f"CAST({column} AS VARCHAR)"

    @abstractmethod
    def sqlmesh_gateway(self, project_dir: Path) -> tuple[str, Any, Path]:
        """The SQLMesh gateway the models build on here: (its name, its ``GatewayConfig``, the
        model cache folder used unless the caller gives one)."""

    def offline_catalog(self) -> str | None:
        """The catalog the models are rendered in offline (no credentials), or None when they are
        rendered on the warehouse itself."""
        return None

    def openlineage_dataset(self, table: str) -> dict:
        """``dataset.table`` named as OpenLineage names this warehouse's datasets."""
        return {"namespace": self.describe(), "name": table}

    @abstractmethod
    def write_stream(self, rows: Any, table: str, schema_file: str) -> Any:
        """Append a Beam PCollection of Arrow tables / dead letters to ``table`` (``dataset.name``,
        its schema ``schemas/<schema_file>``); returns what the writer outputs. The steps are
        applied to ``rows`` under the caller's label, with the names they always had: a running
        Dataflow job is updated by step name. Building them asks no cloud service."""

    @abstractmethod
    def define_lake_table(self, lake: LakeTable, location: str) -> None:
        """Make ``lake.name`` read the lake's files under ``location``, Hive partitions and all: a
        view locally, an external table on BigQuery."""

    def closed_days(self, target: str) -> list[date]:
        """The days ``ops.batch_days`` records as recomputed whole into ``target``, in order."""
        return [row["day"] for row in self._ops_rows("batch_days", target, ("day",), "day")]

    def loaded_files(self, target: str) -> list[dict]:
        """The ``ops.loaded_files`` rows of one target table, oldest first: what a file load skips."""
        return self._ops_rows("loaded_files", target, ("path", "size_bytes", "modified_at", "content_sha256",
                                                       "version", "file_schema", "run_id"), "loaded_at, path")

    def rejected_files(self, target: str) -> list[dict]:
        """The ``ops.rejected_files`` rows of one target table: a rejection is recorded once."""
        return self._ops_rows("rejected_files", target, ("path", "content_sha256", "run_id"), "rejected_at, path")

    def _ops_rows(self, table: str, target: str, names: tuple[str, ...], order: str) -> list[dict]:
        if not re.fullmatch(r"[a-z0-9_]+\.[a-z0-9_]+", target):
            raise ValueError(f"bad target table {target!r}")
        rows = self.query(f"SELECT {', '.join(names)} FROM {OPS_DATASET}.{table} "
                          f"WHERE target_table = '{target}' ORDER BY {order}")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def close(self) -> None:  # noqa: B027 - optional hook: most warehouses hold nothing open
        """Release connections, if the warehouse keeps any."""


def batch_day_row(request: DayRecompute, rows: int) -> dict:
    """The ``ops.batch_days`` row of a recomputation that closes a day (``request.closes_day``)."""
    closed = request.closes_day
    return {"target_table": request.target, "day": closed.day, "rows_loaded": rows, "readings": closed.readings,
            "lake_files": closed.lake_files, "run_id": request.run_id, "recomputed_at": request.loaded_at}


def succeeded_run_row(request: LoadRequest, rows_loaded: int) -> dict:
    """A committed run's ops.load_runs row: the same fields in every warehouse."""
    return {
        "run_id": request.run_id, "pipeline": request.pipeline, "table_name": request.source_table,
        "target_table": request.target,
        "window_start": request.window.start_text, "window_end": request.window.end_text,
        "partitions": request.partitions, "rows_read": request.rows_read, "rows_loaded": rows_loaded,
        "bytes_staged": request.bytes_staged, "status": "succeeded", "error": None,
        "started_at": request.started_at, "ended_at": request.loaded_at,
        "rows_without_cursor": request.rows_without_cursor, **launcher(),
    }
