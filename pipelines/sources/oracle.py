"""Oracle (SAP ERP on Oracle, schema ``SAPSR3``) as a batch source: catalog, one SCN, ROWID ranges.

One point in time
    The launcher reads the database clock (``SYSTIMESTAMP``), then the current SCN. Every
    partition's statement is a flashback query, ``SELECT ... FROM "SAPSR3"."MSEG" AS OF SCN
    :scn``, so all partitions, on any worker, see the database as of that SCN: a row changed
    while the run goes on is read once, in its before-state. Unlike PostgreSQL's exported
    snapshot no session has to stay open, but undo must still hold that SCN when the last
    partition starts (ORA-01555 otherwise: raise ``UNDO_RETENTION`` above the run's
    duration), and the loader's user needs ``FLASHBACK`` on the tables (or ``FLASHBACK ANY
    TABLE``). The SCN comes from ``V$DATABASE``, or ``DBMS_FLASHBACK`` when that is not
    granted.

Partitions
    ROWID ranges planned from the table's extents (``DBA_EXTENTS``; ``ALL_EXTENTS`` does not
    exist and ``USER_EXTENTS`` only covers the connected user's own segments): each range is
    a contiguous run of blocks, read with a ROWID range scan, so N partitions read the
    table once between them. The boundaries are the ROWIDs that
    ``DBMS_ROWID.ROWID_CREATE(1, data_object_id, relative_fno, block_id, 0)`` returns,
    computed here from the extent rows and bound as text. The first range has no lower and
    the last no upper bound, so the ranges cover every row whatever the extents say. When
    the extents cannot be read, rows are dealt to ``ORA_HASH(ROWID, :buckets - 1) = :bucket``
    buckets instead: correct, but every bucket scans the whole table, so N buckets cost the
    ERP database N full scans (capped at ``MAX_HASH_BUCKETS``). Views, index-organised
    tables and tables without optimizer statistics are read as one partition.
    Every value in a statement (SCN, ROWIDs, buckets, SAP client, window bounds) is a bind
    variable: the statement text is the same for every run, and values never need quoting.

SAP specifics
    Tables live in ``SAPSR3``; names (``MSEG``, ``/MINE/SHIFT``) are kept exactly as Oracle
    has them and always double-quoted. SAP keeps its primary keys as unique indexes named
    ``<TABLE>~0`` rather than constraints: the key comes from a ``P`` constraint if there is
    one, else from that index. A client filter (``"MANDT" = :client``) reads one SAP client.
    SAP's dates (``DATS``) are ``NVARCHAR2(8)`` text ``YYYYMMDD`` with ``'00000000'`` (or a
    blank) for "no date"; a change-date cursor over several such columns (``AEDAT``, then
    ``ERDAT``) takes the first one that holds a date (``base.change_date_sql``).

Types (``ALL_TAB_COLUMNS`` -> warehouse, :func:`map_oracle_column`)

    ====================================  ==========================  ==========================================
    Oracle                                warehouse (BigQuery)        selected as / note
    ====================================  ==========================  ==========================================
    NUMBER(p) / NUMBER(p,0), p <= 18      INT64                       as stored
    NUMBER(p,s) otherwise                 NUMERIC(p,s) or             exact decimal (``decimal_column``: NUMERIC
                                          BIGNUMERIC(p,s)             when s <= 9 and p-s <= 29), never a float
    NUMBER(p,-s) (negative scale)         INT64 / NUMERIC(p+s,0)      ``TO_CHAR``: an integer of p+s digits
    NUMBER (no precision), INTEGER        BIGNUMERIC (76,38 / 38,0)   ``TO_CHAR(col, 'TM9')`` parsed as an exact
                                                                      decimal: the driver would return a float
    FLOAT(b), BINARY_FLOAT, BINARY_DOUBLE FLOAT64                     FLOAT via ``TO_BINARY_DOUBLE`` (SAP FLTP)
    DATE                                  DATETIME                    Oracle DATE carries a time: kept, to the second
    TIMESTAMP(n)                          DATETIME                    n > 6 rounded to microseconds in Oracle
    TIMESTAMP(n) WITH [LOCAL] TIME ZONE   TIMESTAMP                   ``SYS_EXTRACT_UTC(col)``: the exact instant
    VARCHAR2, NVARCHAR2, CHAR, NCHAR      STRING                      as stored: CHAR's blank padding and SAP's
                                                                      single-space "empty" values are kept
    CLOB, NCLOB, LONG                     STRING
    RAW, LONG RAW, BLOB                   BYTES
    BOOLEAN (23ai)                        BOOL
    JSON (21c)                            JSON                        ``JSON_SERIALIZE(col RETURNING CLOB)``
    XMLTYPE                               STRING                      ``XMLSERIALIZE(CONTENT col AS CLOB)``
    ROWID, UROWID, INTERVAL ...           STRING                      ``TO_CHAR(col)``
    anything else (object types, BFILE,   -                           ConfigError naming the column: no silent
    VECTOR, SDO_GEOMETRY, ...)                                        guess
    ====================================  ==========================  ==========================================

    Character values are loaded exactly as stored, never trimmed: ``CHAR(8)`` arrives
    blank-padded to 8, and SAP's ``NVARCHAR2`` columns hold a single space ``' '`` for an
    "empty" value (SAP never stores NULL or ''; Oracle itself stores '' as NULL). Trimming,
    if wanted, belongs in the SQL models. Every column lands NULLABLE, as from PostgreSQL.

Reads go through python-oracledb in thin mode (no Oracle client on the workers);
``Connection.fetch_df_batches`` returns Arrow data, conformed to the staged schema.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote, urlsplit

import pyarrow as pa

from pipelines.errors import ConfigError, SourceError, one_line
from pipelines.schema import Column, TableSchema, decimal_column, quote_ident
from pipelines.secrets import Credentials, redact, reject_password_in_url
from pipelines.sources.arrow import conform
from pipelines.sources.base import WITHOUT_CURSOR, Partition, SourceTable, Window, dats

log = logging.getLogger(__name__)

DEFAULT_OWNER = "SAPSR3"
DEFAULT_PORT = 1521
PASSWORD_ENV = "ORACLE_PASSWORD"
PROGRESS_EVERY_S = 5.0
FETCH_ROWS = 20_000  # rows per Arrow batch fetched from Oracle
# Hash buckets each scan the whole table in the ERP's database: keep their number modest.
MAX_HASH_BUCKETS = 16
INT64_MAX_DIGITS = 18

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

# -- types ------------------------------------------------------------------------------------

_TEXT_TYPES = {"VARCHAR2", "NVARCHAR2", "CHAR", "NCHAR", "VARCHAR"}
_LOB_TEXT_TYPES = {"CLOB", "NCLOB", "LONG"}
_BINARY_TYPES = {"RAW", "LONG RAW", "BLOB"}
_TO_CHAR_TYPES = {"ROWID", "UROWID"}
_TIMESTAMP_RE = re.compile(r"^TIMESTAMP(?:\((\d)\))?( WITH (?:LOCAL )?TIME ZONE)?$")
# exact decimal text whatever the session's NLS settings (',' as decimal separator in some)
_NUMBER_AS_TEXT = "TO_CHAR({}, 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''')"


def _int(value: object) -> int | None:
    return None if value is None else int(value)


def _number_type(precision: int | None, scale: int | None) -> str:
    if precision is None:
        return "NUMBER" if scale is None else f"NUMBER(*,{scale})"
    return f"NUMBER({precision})" if not scale else f"NUMBER({precision},{scale})"


def map_oracle_column(row: dict) -> tuple[Column, str]:
    """One ``ALL_TAB_COLUMNS`` row as (warehouse Column, SELECT expression); see the module's table.

    Exact where the warehouse can be exact: decimals stay decimals, instants stay instants,
    text stays as stored. A type with no faithful mapping is refused by name.
    """
    name = row["COLUMN_NAME"]
    data_type = row["DATA_TYPE"]
    ident = quote_ident(name)
    precision, scale = _int(row.get("DATA_PRECISION")), _int(row.get("DATA_SCALE"))
    if data_type == "NUMBER":
        source = _number_type(precision, scale)
        if precision is None:  # NUMBER (38 digits, any scale) or INTEGER = NUMBER(*,0)
            column = decimal_column(name, None if scale is None else 38, scale, source_type=source)
            return column, _NUMBER_AS_TEXT.format(ident)
        if scale is not None and scale < 0:  # NUMBER(5,-2): integers rounded to hundreds
            digits = precision - scale
            column = Column(name, "INT64", source_type=source) if digits <= INT64_MAX_DIGITS \
                else decimal_column(name, digits, 0, source_type=source)
            return column, _NUMBER_AS_TEXT.format(ident)
        if not scale and precision <= INT64_MAX_DIGITS:
            return Column(name, "INT64", source_type=source), ident
        return decimal_column(name, max(precision, scale or 0), scale, source_type=source), ident
    if data_type == "FLOAT":  # a binary-precision NUMBER; SAP stores FLTP doubles in it
        return Column(name, "FLOAT64", source_type=f"FLOAT({precision or 126})"), f"TO_BINARY_DOUBLE({ident})"
    if data_type in ("BINARY_FLOAT", "BINARY_DOUBLE"):
        return Column(name, "FLOAT64", source_type=data_type), ident
    if data_type == "DATE":
        return Column(name, "DATETIME", source_type=data_type), ident
    match = _TIMESTAMP_RE.match(data_type)
    if match:
        fraction = int(match.group(1) or 6)
        if match.group(2):  # WITH [LOCAL] TIME ZONE: the instant, in UTC
            expr = f"SYS_EXTRACT_UTC({ident})"
            bq_type = "TIMESTAMP"
        else:
            expr, bq_type = ident, "DATETIME"
        if fraction > 6:  # the warehouse holds microseconds; Oracle rounds
            expr = f"CAST({expr} AS TIMESTAMP(6))"
        return Column(name, bq_type, source_type=data_type), expr
    if data_type in _TEXT_TYPES:
        length = row.get("CHAR_LENGTH") or row.get("DATA_LENGTH")
        return Column(name, "STRING", source_type=f"{data_type}({length})"), ident
    if data_type in _LOB_TEXT_TYPES:
        return Column(name, "STRING", source_type=data_type), ident
    if data_type in _BINARY_TYPES:
        source = f"RAW({row.get('DATA_LENGTH')})" if data_type == "RAW" else data_type
        return Column(name, "BYTES", source_type=source), ident
    if data_type == "BOOLEAN":
        return Column(name, "BOOL", source_type=data_type), ident
    if data_type == "JSON":
        return Column(name, "JSON", source_type=data_type), f"JSON_SERIALIZE({ident} RETURNING CLOB)"
    if data_type == "XMLTYPE":
        return Column(name, "STRING", source_type=data_type), f"XMLSERIALIZE(CONTENT {ident} AS CLOB)"
    if data_type in _TO_CHAR_TYPES or data_type.startswith("INTERVAL"):
        return Column(name, "STRING", source_type=data_type), f"TO_CHAR({ident})"
    raise ConfigError(f"column {name} has Oracle type {data_type}, which has no warehouse mapping "
                      "(object types, BFILE, VECTOR and spatial types are not loaded)")


def describe_table(owner: str, name: str, columns: Sequence[dict], primary_key: Sequence[str],
                   sap_key: Sequence[str], size: dict | None) -> SourceTable:
    """Catalog rows -> SourceTable. ``size`` is the ``ALL_TABLES`` row, None for a view.

    The key is the primary-key constraint if any, else SAP's ``<TABLE>~0`` unique index.
    Pages are the table's blocks; 0 (one partition) for views, index-organised tables
    (no physical ROWIDs to range over) and tables never analysed.
    """
    if not columns:
        raise ConfigError(f"unknown table {owner}.{name}: not in the source database's catalog")
    mapped, exprs = [], []
    for row in columns:
        try:
            column, expr = map_oracle_column(row)
        except ConfigError as exc:
            raise ConfigError(f"{owner}.{name}: {exc}") from exc
        mapped.append(column)
        exprs.append(expr)
    key = tuple(primary_key) or tuple(sap_key)
    rows = blocks = 0
    if size is not None and size.get("IOT_TYPE") is None:
        rows, blocks = int(size.get("NUM_ROWS") or 0), int(size.get("BLOCKS") or 0)
    return SourceTable(owner, name, TableSchema(tuple(mapped), key), tuple(exprs), rows, blocks)


# -- connection -------------------------------------------------------------------------------

_CODE_RE = re.compile(r"\b(ORA-\d{5}|DPY-\d{4})\b")
_UNKNOWN_SERVICE = {"DPY-6001", "DPY-6003", "ORA-12514", "ORA-12505"}
_UNREACHABLE = {"DPY-6000", "DPY-6005", "DPY-4011", "ORA-12541", "ORA-12170", "ORA-12543", "ORA-12545",
                "ORA-12537", "ORA-12547"} | _UNKNOWN_SERVICE


def error_code(exc: BaseException) -> str | None:
    """``ORA-nnnnn`` / ``DPY-nnnn`` of an oracledb error (its ``_Error.full_code``), else from its text."""
    info = exc.args[0] if exc.args else None
    code = getattr(info, "full_code", None)
    if code:
        return code
    match = _CODE_RE.search(str(exc))
    return match.group(1) if match else None


def connection_error(dsn: str, user: str, exc: BaseException, password_env: str | None = PASSWORD_ENV) -> SourceError:
    """A one-line reason for a failed connection: unreachable, unknown service, bad password."""
    code = error_code(exc)
    lowered = str(exc).lower()
    if code in ("ORA-01017", "ORA-01005") or (code is None and "logon denied" in lowered):
        reason = "authentication failed (wrong user or password)"
    elif code == "DPY-4001":
        reason = f"no password (set ${password_env} or --source_password_secret)" if password_env \
            else "no password given"
    elif code in _UNKNOWN_SERVICE:
        reason = f"database unreachable ({code}: the listener does not know this service name)"
    elif code in _UNREACHABLE or isinstance(exc, OSError) or "timed out" in lowered or "timeout" in lowered:
        detail = f"{code}: " if code else ""
        reason = f"database unreachable ({detail}is it running? check host, port and network)"
    else:
        reason = one_line(exc)
    return SourceError(f"cannot connect to Oracle at {dsn} as {user}: {reason}")


@dataclass(frozen=True)
class OracleConnection:
    """How to reach the database; picklable, the password is resolved where it is used."""

    dsn: str  # Easy Connect: host:port/service
    user: str
    credentials: Credentials = Credentials(env_var=PASSWORD_ENV)
    connect_timeout_s: float = 10.0

    @classmethod
    def from_url(cls, url: str, credentials: Credentials | None = None,
                 connect_timeout_s: float = 10.0) -> OracleConnection:
        """``oracle://USER@HOST[:PORT]/SERVICE`` (never with a password) -> OracleConnection."""
        try:
            parts = urlsplit(url)
            password = parts.password
        except ValueError as exc:
            raise ConfigError(f"bad --source_url {redact(url)!r}: {exc}") from exc
        if password:  # checked here first: the shared message names PostgreSQL's variable
            raise ConfigError("--source_url must not contain a password: set it in an environment variable "
                              f"(--source_password_env, e.g. {PASSWORD_ENV}) or a Secret Manager secret "
                              "(--source_password_secret)")
        reject_password_in_url(url)
        service = unquote(parts.path.lstrip("/"))
        if parts.scheme != "oracle" or not parts.hostname or not parts.username or not service or parts.query:
            raise ConfigError(f"bad --source_url {redact(url)!r}: expected oracle://USER@HOST[:PORT]/SERVICE")
        dsn = f"{parts.hostname}:{parts.port or DEFAULT_PORT}/{service}"
        return cls(dsn, unquote(parts.username), credentials or Credentials(env_var=PASSWORD_ENV),
                   connect_timeout_s)

    def connect(self):
        """A thin-mode python-oracledb connection; failures become one-line SourceErrors."""
        import oracledb

        try:
            conn = oracledb.connect(user=self.user, password=self.credentials.password(), dsn=self.dsn,
                                    tcp_connect_timeout=self.connect_timeout_s)
        except (oracledb.Error, OSError) as exc:  # an unknown host raises socket.gaierror unwrapped
            raise connection_error(self.dsn, self.user, exc, self.credentials.env_var) from exc
        conn.module = "minera-batch-loader"  # shows in V$SESSION for the DBAs
        return conn


def _dict_rows(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


# -- SAP filters and windows ------------------------------------------------------------------

def client_predicate(column: str, client: str) -> tuple[str, tuple[str, str]]:
    """One SAP client: ``"MANDT" = :client`` and its bind."""
    return f"{quote_ident(column)} = :client", ("client", client)


_TS_FORMAT = "YYYY-MM-DD HH24:MI:SS.FF6"
_TS_BIND = f"TO_TIMESTAMP({{}}, '{_TS_FORMAT}')"


def _timestamp_text(value: str, utc: bool) -> str:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
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
        cursor, wrap, value = window.cursor_sql(quote_ident), "{}", dats
    elif kind == "INT64":
        cursor, wrap, value = ident, "{}", int
    elif kind in ("DATETIME", "DATE"):
        cursor, wrap, value = ident, _TS_BIND, lambda v: _timestamp_text(v, False)
    elif kind == "TIMESTAMP":
        cursor, wrap, value = f"SYS_EXTRACT_UTC({ident})", _TS_BIND, lambda v: _timestamp_text(v, True)
    else:
        raise ConfigError(f"cursor column {table.qualified}.{columns[0]} has type "
                          f"{table.schema.column(columns[0]).source_type}: use a SAP date, DATE, TIMESTAMP or integer")
    binds: dict[str, object] = {}

    def bound(name: str, text: str) -> str:
        binds[_BIND_NAMES[name]] = value(text)
        return wrap.format(":" + _BIND_NAMES[name])

    covers = window.covers_sql(cursor, kind, bound, true="1 = 1")
    unplaced = window.unplaced_sql(cursor, kind, bound)
    return covers, unplaced, tuple(binds.items())


# -- partitions -------------------------------------------------------------------------------

_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _base64(value: int, width: int) -> str:
    digits = []
    for _ in range(width):
        value, digit = divmod(value, 64)
        digits.append(_BASE64[digit])
    if value:
        raise ValueError("value too large for a ROWID field")
    return "".join(reversed(digits))


def rowid(data_object_id: int, relative_fno: int, block: int, row: int = 0, bigfile: bool = False) -> str:
    """The extended ROWID text ``OOOOOOFFFBBBBBBRRR``, as ``DBMS_ROWID.ROWID_CREATE(1, ...)`` makes it.

    In a bigfile tablespace the file and block fields together hold the block number.
    """
    place = _base64(block, 9) if bigfile else _base64(relative_fno, 3) + _base64(block, 6)
    return _base64(data_object_id, 6) + place + _base64(row, 3)


def rowid_boundaries(extents: Sequence[dict], count: int) -> list[str]:
    """``count - 1`` ROWIDs cutting the table's blocks into ``count`` runs of about equal size.

    Extents are ``DBA_EXTENTS`` rows (DATA_OBJECT_ID, RELATIVE_FNO, BLOCK_ID, BLOCKS, BIGFILE);
    they are ordered as ROWIDs compare (object, file, block). A boundary may fall inside an
    extent: its blocks are contiguous.
    """
    ordered = sorted(extents, key=lambda e: (int(e["DATA_OBJECT_ID"]), int(e["RELATIVE_FNO"]), int(e["BLOCK_ID"])))
    total = sum(int(e["BLOCKS"]) for e in ordered)
    count = min(count, total)
    cuts, first, boundaries = iter(total * k // count for k in range(1, count)), 0, []
    cut = next(cuts, None)
    for extent in ordered:
        blocks = int(extent["BLOCKS"])
        while cut is not None and cut < first + blocks:
            boundaries.append(rowid(int(extent["DATA_OBJECT_ID"]), int(extent["RELATIVE_FNO"]),
                                    int(extent["BLOCK_ID"]) + cut - first, 0, extent.get("BIGFILE") == "YES"))
            cut = next(cuts, None)
        first += blocks
    return boundaries


def partition_count(table: SourceTable, rows_per_partition: int, max_partitions: int, multiple: int = 1) -> int:
    """About ``rows_per_partition`` rows each, rounded up to a ``multiple`` of the local workers."""
    if table.pages <= 0 or table.estimated_rows <= rows_per_partition:
        return 1
    count = -(-table.estimated_rows // rows_per_partition)
    return max(1, min(max_partitions, -(-count // multiple) * multiple, table.pages))


def plan_partitions(table: SourceTable, window: Window, arrow_schema: pa.Schema, stage_prefix: str,
                    rows_per_partition: int, max_partitions: int, multiple: int = 1, *, scn: int,
                    extents: Sequence[dict] | None, client: str | None = None,
                    client_column: str = "MANDT") -> list[Partition]:
    """The partitions' flashback statements and binds; a pure function of the catalog rows.

    ``extents`` are the table's ``DBA_EXTENTS`` rows (ROWID ranges), or None when they cannot
    be read (``ORA_HASH`` buckets, each a full scan). A window over SAP change dates
    (``window.fallbacks``) reads them through ``base.change_date_sql``.
    """
    where: list[str] = []
    params: list[tuple[str, object]] = [("scn", scn)]
    if client is not None:
        if client_column not in table.schema.names:
            raise ConfigError(f"--sap_client given but {table.qualified} has no {client_column} column")
        fragment, bind = client_predicate(client_column, client)
        where.append(fragment)
        params.append(bind)
    flag = ""
    if window.column is not None:
        covers, unplaced, binds = _window_sql(table, window)
        where.append(covers)
        params += binds
        flag = f", CASE WHEN {unplaced} THEN 1 ELSE 0 END AS {quote_ident(WITHOUT_CURSOR)}"
        arrow_schema = arrow_schema.append(pa.field(WITHOUT_CURSOR, pa.int8()))

    count = partition_count(table, rows_per_partition, max_partitions, multiple)
    boundaries: list[str] = []
    if count > 1 and extents is not None:
        boundaries = rowid_boundaries(extents, count)
        count = len(boundaries) + 1
    elif count > 1:
        count = min(count, MAX_HASH_BUCKETS)

    select = ", ".join(expr if expr == quote_ident(c.name) else f"{expr} AS {quote_ident(c.name)}"
                       for expr, c in zip(table.select_exprs, table.schema.columns, strict=True))
    head = f"SELECT {select}{flag} FROM {quote_ident(table.schema_name)}.{quote_ident(table.name)} AS OF SCN :scn"
    partitions = []
    for index in range(count):
        conditions, binds = list(where), list(params)
        if count > 1 and extents is not None:
            if index > 0:
                conditions.append("ROWID >= CHARTOROWID(:rowid_lo)")
                binds.append(("rowid_lo", boundaries[index - 1]))
            if index < count - 1:
                conditions.append("ROWID < CHARTOROWID(:rowid_hi)")
                binds.append(("rowid_hi", boundaries[index]))
        elif count > 1:
            conditions.append("ORA_HASH(ROWID, :buckets - 1) = :bucket")
            binds += [("buckets", count), ("bucket", index)]
        sql = head + (" WHERE " + " AND ".join(conditions) if conditions else "")
        partitions.append(Partition(table.qualified, index, count, sql, arrow_schema, stage_prefix, tuple(binds),
                                    counts_without_cursor=bool(flag)))
    return partitions


# -- the launcher's side ----------------------------------------------------------------------

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

    def has_dates(self, table: SourceTable, window: Window) -> bool:
        """Whether any row's SAP change date is a date: a cursor of empty dates would miss every change."""
        return self._probe(table, window.dated_sql(quote_ident))

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
             client: str | None = None, client_column: str | None = "MANDT") -> list[Partition]:
        multi = partition_count(table, rows_per_partition, max_partitions, multiple) > 1
        return plan_partitions(table, window, arrow_schema, stage_prefix, rows_per_partition, max_partitions,
                               multiple, scn=self.scn, extents=self.extents(table) if multi else None,
                               client=client, client_column=client_column or "MANDT")

    def reader(self) -> OraclePartitionReader:
        return OraclePartitionReader(self.connection, self.scn)

    def window_end(self, table: SourceTable, cursor: str, lag: timedelta) -> str:
        """Where this run's window ends: the database clock minus the lag, or max(id) + 1.

        A SAP date cursor (text ``YYYYMMDD``) ends at the database's local date; DATE and
        TIMESTAMP(n) cursors at its local wall-clock time; WITH TIME ZONE cursors at the UTC instant.
        """
        column = table.schema.column(cursor)
        end = self.started_at - lag
        if column.type == "STRING":
            if not column.source_type.endswith("(8)"):
                raise SourceError(f"cursor column {table.qualified}.{cursor} has type {column.source_type}: "
                                  "a text cursor must be a SAP date (8 characters, YYYYMMDD)")
            return end.strftime("%Y%m%d")
        if column.type == "TIMESTAMP":
            return end.astimezone(timezone.utc).isoformat()
        if column.type in ("DATETIME", "DATE"):
            return end.replace(tzinfo=None).isoformat()
        if column.type == "INT64":
            row = self._one(f"SELECT MAX({quote_ident(cursor)}) FROM {quote_ident(table.schema_name)}."
                            f"{quote_ident(table.name)} AS OF SCN :scn", {"scn": self.scn})
            return str(int(row[0] or 0) + 1)
        raise SourceError(f"cursor column {table.qualified}.{cursor} has type {column.source_type}: "
                          "use a SAP date, DATE, TIMESTAMP or integer column")


# -- the workers' side ------------------------------------------------------------------------

_READ_HINTS = {
    "ORA-01555": "undo no longer holds the run's SCN: raise UNDO_RETENTION above the run's duration",
    "ORA-08181": "the run's SCN is not valid here",
    "ORA-01466": "the table's definition changed after the run's SCN; rerun",
    "ORA-01031": "the loader's user needs FLASHBACK on the table (or FLASHBACK ANY TABLE)",
}


def read_error(partition: Partition, scn: int | None, exc: BaseException) -> SourceError:
    """An ORA error while reading, naming the partition (and what to do, for the usual ones)."""
    hint = _READ_HINTS.get(error_code(exc) or "")
    suffix = f" ({hint}; SCN {scn})" if hint else ""
    return SourceError(f"reading {partition.label} failed: {one_line(exc)}{suffix}")


class OraclePartitionReader:
    """The workers' side: one connection per worker, each partition read as of the run's SCN."""

    def __init__(self, connection: OracleConnection, scn: int | None, fetch_rows: int = FETCH_ROWS):
        self.connection = connection
        self.scn = scn
        self.fetch_rows = fetch_rows
        self._conn = None

    def __getstate__(self) -> dict:  # a live connection never travels with the pickled reader
        return {**self.__dict__, "_conn": None}

    def setup(self) -> None:
        pass  # connect on the first read: a worker that gets no partition never logs in

    def teardown(self) -> None:
        self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - a dead session cannot be closed cleanly, nor needs to be
                pass

    def read(self, partition: Partition) -> Iterator[pa.RecordBatch]:
        params = dict(partition.params)
        if params.get("scn") != self.scn:
            raise SourceError(f"{partition.label} was planned at SCN {params.get('scn')}, "
                              f"the reader is at SCN {self.scn}")
        if self._conn is None:
            self._conn = self.connection.connect()
        rows, started, last_report = 0, time.monotonic(), time.monotonic()
        emitted = False
        try:
            frames = self._conn.fetch_df_batches(statement=partition.sql, parameters=params,
                                                 size=self.fetch_rows, fetch_decimals=True)
            for frame in frames:
                for batch in pa.table(frame).to_batches():
                    if batch.num_rows == 0:
                        continue
                    try:
                        batch = conform(batch, partition.arrow_schema)
                    except ValueError as exc:
                        raise SourceError(f"{partition.label}: {exc}") from exc
                    rows += batch.num_rows
                    emitted = True
                    yield batch
                now = time.monotonic()
                if now - last_report >= PROGRESS_EVERY_S:
                    log.info("%s: %s rows read (%s rows/s)", partition.label, f"{rows:,}",
                             f"{rows / (now - started):,.0f}")
                    last_report = now
        except SourceError:
            raise
        except Exception as exc:  # noqa: BLE001 - oracledb.Error, or Arrow failing on a frame
            self._drop()  # the session may be dead; the next partition reconnects
            raise read_error(partition, self.scn, exc) from exc
        if not emitted:  # an empty partition still stages a file, so the launcher sees it done
            yield pa.RecordBatch.from_pylist([], schema=partition.arrow_schema)
