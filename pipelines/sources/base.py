"""What every SQL source gives the batch loader: tables, a frozen snapshot, partitions.

A source (PostgreSQL now, Oracle for the ERP) plans work in the launcher and reads it on
the workers. Everything here is plain data so Beam can ship it to Dataflow workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import pyarrow as pa

from pipelines.errors import ConfigError
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


SAP_EMPTY_DATES = ("00000000", " ")


def dats(value: str) -> str:
    """A window bound as SAP date text ``YYYYMMDD`` (given as that or as an ISO date), a real date."""
    text = (value or "").strip().replace("Z", "+00:00")
    try:
        if len(text) == 8 and text.isdigit():
            return datetime.strptime(text, "%Y%m%d").strftime("%Y%m%d")
        return datetime.fromisoformat(text).strftime("%Y%m%d")
    except ValueError as exc:
        raise ConfigError(f"bad SAP date {value!r}: expected YYYYMMDD") from exc


def change_date_sql(columns: tuple[str, ...], quote) -> str:
    """A row's change date from SAP's date columns: the first that is not SAP's empty date.

    SAP writes '00000000' (or a blank) into a date it has not set, e.g. AEDAT of a record never
    changed; the next column (ERDAT, the creation date) counts then. One column is just itself.
    Plain SQL that Oracle, PostgreSQL, DuckDB and BigQuery read alike, given their quoting.
    """
    if not columns:
        raise ValueError("a change date needs at least one column")
    idents = [quote(c) for c in columns]
    if len(idents) == 1:
        return idents[0]
    empty = ", ".join(f"'{d}'" for d in SAP_EMPTY_DATES)
    whens = " ".join(f"WHEN {i} NOT IN ({empty}) THEN {i}" for i in idents[:-1])
    return f"CASE {whens} ELSE {idents[-1]} END"  # a NULL falls through too


@dataclass(frozen=True)
class Window:
    """The cursor window [start, end) a run reads; ``start=None`` reads from the beginning.

    ``column=None`` means the table has no cursor: the whole snapshot is read and replaces
    the raw table.
    """

    column: str | None
    start: str | None
    end: str | None
    full_refresh: bool = False
    # SAP change dates: columns that count, in order, where ``column`` holds SAP's empty date
    fallbacks: tuple[str, ...] = ()

    def cursor_sql(self, quote) -> str:
        """The cursor as SQL, with ``quote`` the dialect's identifier quoting (see ``change_date_sql``)."""
        return change_date_sql((self.column, *self.fallbacks), quote)

    def dated_sql(self, quote) -> str:
        """True for a row whose change date is a date, not SAP's empty one."""
        empty = ", ".join(f"'{d}'" for d in SAP_EMPTY_DATES)
        return f"{self.cursor_sql(quote)} NOT IN ({empty})"

    @property
    def replaces_everything(self) -> bool:
        return self.column is None or self.full_refresh

    def describe(self) -> str:
        if self.column is None:
            return "full snapshot (no cursor column)"
        if self.full_refresh:
            return f"full refresh, {self.column} < {self.end}"
        return f"{self.column} in [{self.start or '-inf'}, {self.end})"


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
    # PostgreSQL renders its few literals into the text; Oracle binds everything (sources/oracle.py).
    params: tuple[tuple[str, object], ...] = ()

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
