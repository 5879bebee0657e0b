"""The launcher's side of the Oracle source: one SCN every partition reads as of, the clock,
catalog look-ups, and the partitions' plan."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pyarrow as pa

from pipelines.bounds import Bound
from pipelines.errors import ConfigError, SourceError, one_line
from pipelines.schema import quote_ident
from pipelines.sources.base import Partition, RowFilter, SourceTable, Window
from pipelines.sources.oracle.connection import OracleConnection
from pipelines.sources.oracle.errors import error_code
from pipelines.sources.oracle.partitions import partition_count, plan_partitions
from pipelines.sources.oracle.reader import OraclePartitionReader
from pipelines.sources.oracle.sql import (
    CLOCK_SQL,
    COLUMNS_SQL,
    EXTENTS_SQL,
    PRIMARY_KEY_SQL,
    SAP_KEY_INDEX_SQL,
    SCN_FALLBACK_SQL,
    SCN_SQL,
    SIZE_SQL,
)
from pipelines.sources.oracle.types import describe_table

log = logging.getLogger(__name__)

DEFAULT_OWNER = "SAPSR3"


def _dict_rows(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def split_name(qualified: str, default_owner: str = DEFAULT_OWNER) -> tuple[str, str]:
    """``"SAPSR3.EQUI"`` -> ("SAPSR3", "EQUI"); a bare ``"EQUI"`` is in the default owner."""
    owner, _, name = qualified.strip().rpartition(".")
    return (owner or default_owner), name


class OracleSnapshot:
    """The launcher's side: the SCN every partition reads as of, the clock, catalog look-ups."""

    def __init__(self, connection: OracleConnection, default_owner: str = DEFAULT_OWNER):
        self.connection = connection
        self.default_owner = default_owner
        self.conn = None
        self.scn: int | None = None
        self.started_at: datetime | None = None

    def __enter__(self) -> OracleSnapshot:
        import oracledb

        self.conn = self.connection.connect()
        try:
            # the clock first: every row committed before it is visible at the SCN taken after it
            self.started_at = datetime.fromisoformat(self._one(CLOCK_SQL)[0])
            try:
                self.scn = int(self._one(SCN_SQL)[0])
            except oracledb.DatabaseError as exc:
                log.info("V$DATABASE not readable (%s): SCN from DBMS_FLASHBACK", error_code(exc))
                try:
                    self.scn = int(self._one(SCN_FALLBACK_SQL)[0])
                except oracledb.DatabaseError as exc2:
                    raise SourceError(f"cannot read the database's SCN: {one_line(exc2)} (grant SELECT on "
                                      "V_$DATABASE or EXECUTE on DBMS_FLASHBACK)") from exc2
        except BaseException:
            self.__exit__()
            raise
        log.info("source SCN %s taken at %s", self.scn, self.started_at.isoformat())
        return self

    def __exit__(self, *exc) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None

    def _one(self, sql: str, params: dict | None = None):
        with self.conn.cursor() as cur:
            cur.execute(sql, params or {})
            return cur.fetchone()

    def _rows(self, sql: str, params: dict) -> list[dict]:
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return _dict_rows(cur)

    def _probe(self, table: SourceTable, condition: str = "1 = 1") -> bool:
        """Whether one row at the run's SCN meets ``condition`` (stops at the first)."""
        source = f"{quote_ident(table.schema_name)}.{quote_ident(table.name)}"
        return self._one(f"SELECT 1 FROM {source} AS OF SCN :scn WHERE {condition} AND ROWNUM = 1",
                         {"scn": self.scn}) is not None

    def is_empty(self, table: SourceTable) -> bool:
        return not self._probe(table)

    def has_row(self, table: SourceTable, condition: str) -> bool:
        """Whether any row at the run's SCN meets the SQL ``condition``."""
        return self._probe(table, condition)

    def table(self, qualified: str) -> SourceTable:
        """Describe ``OWNER.TABLE`` (default owner SAPSR3) from ALL_TAB_COLUMNS and friends."""
        owner, name = split_name(qualified, self.default_owner)
        binds = {"owner": owner, "table_name": name}
        columns = self._rows(COLUMNS_SQL, binds)
        if not columns and (owner, name) != (owner.upper(), name.upper()):  # unquoted names are upper case
            owner, name = owner.upper(), name.upper()
            binds = {"owner": owner, "table_name": name}
            columns = self._rows(COLUMNS_SQL, binds)
        if not columns:
            raise ConfigError(f"unknown table {owner}.{name}: not in the source database's catalog")
        primary_key = [r["COLUMN_NAME"] for r in self._rows(PRIMARY_KEY_SQL, binds)]
        sap_key = [] if primary_key else [r["COLUMN_NAME"] for r in self._rows(SAP_KEY_INDEX_SQL, binds)]
        size = self._rows(SIZE_SQL, binds)
        return describe_table(owner, name, columns, primary_key, sap_key, size[0] if size else None)

    def extents(self, table: SourceTable) -> list[dict] | None:
        """The table's extents, or None when DBA_EXTENTS is not granted (hash buckets then)."""
        import oracledb

        try:
            return self._rows(EXTENTS_SQL, {"owner": table.schema_name, "table_name": table.name})
        except oracledb.DatabaseError as exc:
            log.warning("%s: extents not readable (%s); partitions by ORA_HASH(ROWID), each a full scan",
                        table.qualified, one_line(exc))
            return None

    def plan(self, table: SourceTable, window: Window, arrow_schema: pa.Schema, stage_prefix: str,
             rows_per_partition: int, max_partitions: int, multiple: int = 1, *,
             filters: tuple[RowFilter, ...] = ()) -> list[Partition]:
        multi = partition_count(table, rows_per_partition, max_partitions, multiple) > 1
        return plan_partitions(table, window, arrow_schema, stage_prefix, rows_per_partition, max_partitions,
                               multiple, scn=self.scn, extents=self.extents(table) if multi else None,
                               filters=filters)

    def reader(self) -> OraclePartitionReader:
        return OraclePartitionReader(self.connection, self.scn)

    def window_end(self, table: SourceTable, cursor: str, cursor_type: str, lag: timedelta) -> Bound:
        """Where this run's window ends: the database clock minus the lag, or max(id) + 1.

        A date cursor (a SAP date's text ``YYYYMMDD``) ends at the database's local date; DATE and
        TIMESTAMP(n) cursors at its local wall-clock time; WITH TIME ZONE cursors at the UTC instant.
        """
        end = self.started_at - lag
        if cursor_type == "timestamp":
            return Bound.at(cursor_type, end.astimezone(timezone.utc))
        if cursor_type == "integer":
            row = self._one(f"SELECT MAX({quote_ident(cursor)}) FROM {quote_ident(table.schema_name)}."
                            f"{quote_ident(table.name)} AS OF SCN :scn", {"scn": self.scn})
            return Bound(cursor_type, int(row[0] or 0) + 1)
        return Bound.at(cursor_type, end)


