"""What every SQL source gives the batch loader: tables, a frozen snapshot, partitions.

A source (PostgreSQL now, Oracle for the ERP) plans work in the launcher and reads it on
the workers. Everything here is plain data so Beam can ship it to Dataflow workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa

from pipelines.bounds import COLUMN_CURSOR_TYPES, CURSOR_TYPES, Bound
from pipelines.cursors import first_value_sql
from pipelines.schema import TableSchema


@dataclass(frozen=True)
class SourceTable:
    """A source table as its catalog describes it."""

    schema_name: str
    name: str
    schema: TableSchema
    select_exprs: tuple[str, ...]  # one SQL expression per column, in schema order
    estimated_rows: int
    pages: int  # size in storage units the source partitions by (PostgreSQL pages)

    @property
    def qualified(self) -> str:
        return f"{self.schema_name}.{self.name}"


@dataclass(frozen=True)
class RowFilter:
    """Rows whose ``column`` equals ``value`` (SAP's client, ``sources/sap/``); ``name`` labels
    the value where a dialect binds it."""

    column: str
    value: str
    name: str


#: Where a cursor's line ends: BigQuery's least and greatest values, which PostgreSQL's -infinity and
#: infinity become (sources/postgres.py). A cursor at or beyond them, or NULL, has no place in any
#: window: such rows are read by every run and replace their earlier copies (``Window.covers_sql``).
CURSOR_LIMITS = {
    "TIMESTAMP": ("0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59.999999+00:00"),
    "DATETIME": ("0001-01-01T00:00:00", "9999-12-31T23:59:59.999999"),
    "DATE": ("0001-01-01", "9999-12-31"),
}
_LIMIT_BOUNDS = {kind: tuple(Bound.stored(text, COLUMN_CURSOR_TYPES[kind]) for text in limits)
                 for kind, limits in CURSOR_LIMITS.items()}
#: the 0/1 column a partition's statement adds last: 1 for a row without a place on the cursor's line
WITHOUT_CURSOR = "_without_cursor"


@dataclass(frozen=True)
class Window:
    """The cursor window [start, end) a run reads; ``start=None`` reads from the beginning.

    ``column=None`` means the table has no cursor: the whole snapshot is read and replaces
    the raw table.
    """

    column: str | None
    start: Bound | None
    end: Bound | None
    full_refresh: bool = False
    # columns that count, in order, where ``column`` has no value (a type's empty values: SAP's empty date)
    fallbacks: tuple[str, ...] = ()
    # every row has a place on the cursor's line (a REQUIRED column the pipeline computes, e.g. a
    # recomputed minute): the window is [start, end) alone, which lets BigQuery prune partitions
    every_row_placed: bool = False

    @property
    def cursor_type(self) -> str | None:
        """The cursor's type (``bounds.CURSOR_TYPES``), as its bounds carry it."""
        bound = self.end or self.start
        return bound.cursor_type if bound is not None else None

    def cursor_sql(self, quote) -> str:
        """The cursor as SQL, with ``quote`` the dialect's identifier quoting: the first of its
        columns that holds a value, as its type defines one (``CursorType.cursor_sql``)."""
        columns = (self.column, *self.fallbacks)
        if self.cursor_type is None:
            return first_value_sql(columns, quote)
        return CURSOR_TYPES[self.cursor_type].cursor_sql(columns, quote)

    def covers_sql(self, cursor: str, column_type: str, bound: Callable[[str, Bound], str], true: str = "TRUE") -> str:
        """The rows this window reads, and so replaces: ``cursor`` in [start, end), or without a
        place on the cursor's line (``unplaced_sql``), which every window covers.

        ``bound(name, value)`` renders a bound in the dialect (a literal or a parameter): names are
        ``window_start``, ``window_end``, ``cursor_min`` and ``cursor_max``, values typed bounds.
        """
        inside = []
        if self.start is not None and not self.full_refresh:
            inside.append(f"{cursor} >= {bound('window_start', self.start)}")
        if self.end is not None:
            inside.append(f"{cursor} < {bound('window_end', self.end)}")
        if self.every_row_placed:
            return f"({' AND '.join(inside) or true})"
        return f"(({' AND '.join(inside) or true}) OR {self.unplaced_sql(cursor, column_type, bound)})"

    @staticmethod
    def unplaced_sql(cursor: str, column_type: str, bound: Callable[[str, Bound], str]) -> str:
        """True for a row no window reaches: its cursor is NULL, or at or beyond ``CURSOR_LIMITS``
        (PostgreSQL's ±infinity). Such rows are read by every run and counted (``WITHOUT_CURSOR``)."""
        parts = [f"{cursor} IS NULL"]
        if column_type in CURSOR_LIMITS:
            low, high = _LIMIT_BOUNDS[column_type]
            parts += [f"{cursor} <= {bound('cursor_min', low)}", f"{cursor} >= {bound('cursor_max', high)}"]
        return f"({' OR '.join(parts)})"

    @property
    def start_text(self) -> str | None:
        """``start`` as ``ops.load_runs.window_start`` stores it."""
        return None if self.start is None else self.start.text

    @property
    def end_text(self) -> str | None:
        """``end`` as ``ops.load_runs.window_end`` stores it."""
        return None if self.end is None else self.end.text

    @property
    def replaces_everything(self) -> bool:
        return self.column is None or self.full_refresh

    def describe(self) -> str:
        if self.column is None:
            return "full snapshot (no cursor column)"
        if self.full_refresh:
            return f"full refresh, {self.column} < {self.end} or without a value"
        return f"{self.column} in [{self.start or '-inf'}, {self.end}) or without a value"


@dataclass(frozen=True)
class Partition:
    """One unit of parallel reading: a statement every worker runs in the same snapshot."""

    source_table: str
    index: int
    count: int
    sql: str
    arrow_schema: pa.Schema
    stage_prefix: str  # where this table's staged files go: <staging>/<run>/<dataset>/<table>
    # bind variables of ``sql`` as (name, value) pairs: hashable and picklable, unlike a dict.
    # PostgreSQL renders its few literals into the text; Oracle binds everything (sources/oracle/).
    params: tuple[tuple[str, object], ...] = ()
    # the statement's last column is WITHOUT_CURSOR (also last in ``arrow_schema``): counted, not staged
    counts_without_cursor: bool = False

    @property
    def staged_schema(self) -> pa.Schema:
        """The staged file's columns: ``arrow_schema`` without the WITHOUT_CURSOR flag."""
        if not self.counts_without_cursor:
            return self.arrow_schema
        return self.arrow_schema.remove(len(self.arrow_schema) - 1)

    @property
    def label(self) -> str:
        return f"{self.source_table} part {self.index + 1}/{self.count}"

    @property
    def file_stem(self) -> str:
        return f"{self.stage_prefix}/part-{self.index:05d}-of-{self.count:05d}"


class PartitionReader(Protocol):
    """Runs on workers: reads one partition as Arrow record batches."""

    def setup(self) -> None: ...

    def read(self, partition: Partition) -> Iterator[pa.RecordBatch]: ...

    def teardown(self) -> None: ...
