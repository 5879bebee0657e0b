"""The SQL the Oracle source sends: catalog queries, the SCN and clock, and a window's predicate.

Every value in a statement is a bind variable: the text is the same for every run.
"""

from __future__ import annotations

from datetime import datetime, timezone

from pipelines.bounds import Bound
from pipelines.errors import ConfigError
from pipelines.schema import quote_ident
from pipelines.sources.base import RowFilter, SourceTable, Window

# -- catalog queries (bind variables :owner and :table_name) ----------------------------------

COLUMNS_SQL = """
SELECT COLUMN_NAME, DATA_TYPE, DATA_PRECISION, DATA_SCALE, CHAR_LENGTH, CHAR_USED, DATA_LENGTH, NULLABLE
FROM ALL_TAB_COLUMNS
WHERE OWNER = :owner AND TABLE_NAME = :table_name
ORDER BY COLUMN_ID
""".strip()

PRIMARY_KEY_SQL = """
SELECT cc.COLUMN_NAME
FROM ALL_CONSTRAINTS c
JOIN ALL_CONS_COLUMNS cc
  ON cc.OWNER = c.OWNER AND cc.CONSTRAINT_NAME = c.CONSTRAINT_NAME AND cc.TABLE_NAME = c.TABLE_NAME
WHERE c.OWNER = :owner AND c.TABLE_NAME = :table_name AND c.CONSTRAINT_TYPE = 'P'
ORDER BY cc.POSITION
""".strip()

# SAP on Oracle: the primary key is the unique index <TABLE>~0, not a constraint
SAP_KEY_INDEX_SQL = """
SELECT COLUMN_NAME
FROM ALL_IND_COLUMNS
WHERE TABLE_OWNER = :owner AND TABLE_NAME = :table_name AND INDEX_NAME = :table_name || '~0'
ORDER BY COLUMN_POSITION
""".strip()

SIZE_SQL = """
SELECT NUM_ROWS, BLOCKS, IOT_TYPE
FROM ALL_TABLES
WHERE OWNER = :owner AND TABLE_NAME = :table_name
""".strip()

# needs SELECT on DBA_EXTENTS and DBA_TABLESPACES (e.g. SELECT_CATALOG_ROLE); without it: hash buckets
EXTENTS_SQL = """
SELECT o.DATA_OBJECT_ID, e.RELATIVE_FNO, e.BLOCK_ID, e.BLOCKS, t.BIGFILE
FROM DBA_EXTENTS e
JOIN ALL_OBJECTS o
  ON o.OWNER = e.OWNER AND o.OBJECT_NAME = e.SEGMENT_NAME AND o.OBJECT_TYPE = e.SEGMENT_TYPE
 AND NVL(o.SUBOBJECT_NAME, '-') = NVL(e.PARTITION_NAME, '-')
JOIN DBA_TABLESPACES t ON t.TABLESPACE_NAME = e.TABLESPACE_NAME
WHERE e.OWNER = :owner AND e.SEGMENT_NAME = :table_name
  AND e.SEGMENT_TYPE IN ('TABLE', 'TABLE PARTITION', 'TABLE SUBPARTITION')
ORDER BY o.DATA_OBJECT_ID, e.RELATIVE_FNO, e.BLOCK_ID
""".strip()

SCN_SQL = "SELECT CURRENT_SCN FROM V$DATABASE"
SCN_FALLBACK_SQL = "SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER FROM DUAL"
# the clock as text with its offset: the driver drops the zone of TIMESTAMP WITH TIME ZONE values
CLOCK_SQL = """SELECT TO_CHAR(SYSTIMESTAMP, 'YYYY-MM-DD"T"HH24:MI:SS.FF6TZH:TZM') FROM DUAL"""

# -- filters and windows ---------------------------------------------------------------------

def filter_predicate(row_filter: RowFilter) -> tuple[str, tuple[str, str]]:
    """A row filter (SAP's client: ``"MANDT" = :client``) and its bind."""
    return f"{quote_ident(row_filter.column)} = :{row_filter.name}", (row_filter.name, row_filter.value)


_TS_FORMAT = "YYYY-MM-DD HH24:MI:SS.FF6"
_TS_BIND = f"TO_TIMESTAMP({{}}, '{_TS_FORMAT}')"


def _timestamp_text(parsed: datetime, utc: bool) -> str:
    if utc and parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc)
    return parsed.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")  # year 1 as 0001


_BIND_NAMES = {"window_start": "w_start", "window_end": "w_end", "cursor_min": "w_min", "cursor_max": "w_max"}


def _window_sql(table: SourceTable, window: Window) -> tuple[str, str, tuple[tuple[str, object], ...]]:
    """The window over the cursor column(s), typed by the cursor's warehouse type: (its predicate,
    the predicate of rows without a cursor value, their binds). See ``Window.covers_sql``: rows
    whose cursor is NULL or at the limits (BC dates, the last microsecond of 9999) are in every window."""
    columns = (window.column, *window.fallbacks)
    missing = [c for c in columns if c not in table.schema.names]
    if missing:
        raise ConfigError(f"cursor column {missing[0]!r} is not a column of {table.qualified}")
    types = {table.schema.column(c).type for c in columns}
    if len(columns) > 1 and types != {"STRING"}:
        raise ConfigError(f"{table.qualified}: a cursor over several columns needs SAP date (DATS) columns, "
                          f"not {', '.join(sorted(types))}")
    (kind,) = types
    ident = quote_ident(columns[0])
    if kind == "STRING":  # SAP DATS
        cursor, wrap, value = window.cursor_sql(quote_ident), "{}", lambda b: b.text
    elif kind == "INT64":
        cursor, wrap, value = ident, "{}", lambda b: b.value
    elif kind in ("DATETIME", "DATE"):
        cursor, wrap, value = ident, _TS_BIND, lambda b: _timestamp_text(b.value, False)
    elif kind == "TIMESTAMP":
        cursor, wrap, value = f"SYS_EXTRACT_UTC({ident})", _TS_BIND, lambda b: _timestamp_text(b.value, True)
    else:
        raise ConfigError(f"cursor column {table.qualified}.{columns[0]} has type "
                          f"{table.schema.column(columns[0]).source_type}: use a SAP date, DATE, TIMESTAMP or integer")
    binds: dict[str, object] = {}

    def bound(name: str, given: Bound) -> str:
        binds[_BIND_NAMES[name]] = value(given)
        return wrap.format(":" + _BIND_NAMES[name])

    covers = window.covers_sql(cursor, kind, bound, true="1 = 1")
    unplaced = window.unplaced_sql(cursor, kind, bound)
    return covers, unplaced, tuple(binds.items())


