"""PostgreSQL as a batch source: catalog, one exported snapshot, ctid partitions, Arrow reads.

The launcher opens a REPEATABLE READ transaction and exports its snapshot
(``pg_export_snapshot()``); every partition reader, on any worker, starts its own
transaction with ``SET TRANSACTION SNAPSHOT`` on that id. All partitions therefore see the
database at one instant: a row updated while the run goes on is read once, in its
before-state, and its new version lands with the next run. The exporting transaction
stays open until the last reader has started, i.e. for the duration of the pipeline.

Reads go through ADBC's PostgreSQL driver (binary COPY decoded in C++ into Arrow).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import pyarrow as pa

from pipelines.bounds import Bound
from pipelines.errors import ConfigError, SourceError, one_line
from pipelines.schema import Column, TableSchema, decimal_column, quote_ident
from pipelines.secrets import Credentials, redact
from pipelines.sources.arrow import conformed_batches
from pipelines.sources.base import CURSOR_LIMITS, WITHOUT_CURSOR, Partition, RowFilter, SourceTable, Window

log = logging.getLogger(__name__)


# PostgreSQL type name -> (BigQuery type, SQL cast applied in the SELECT or "")
_SCALARS: dict[str, tuple[str, str]] = {
    "int2": ("INT64", ""), "int4": ("INT64", ""), "int8": ("INT64", ""), "oid": ("INT64", ""),
    "float4": ("FLOAT64", ""), "float8": ("FLOAT64", ""),
    "bool": ("BOOL", ""),
    "text": ("STRING", ""), "varchar": ("STRING", ""), "bpchar": ("STRING", ""),
    "name": ("STRING", ""), "char": ("STRING", ""), "citext": ("STRING", "::text"),
    "bytea": ("BYTES", ""),
    "date": ("DATE", ""), "time": ("TIME", ""),
    "timestamp": ("DATETIME", ""), "timestamptz": ("TIMESTAMP", ""),
    "json": ("JSON", ""), "jsonb": ("JSON", ""),
    "uuid": ("STRING", ""),  # 16 bytes on the wire, formatted in Arrow (sources/arrow.py)
    # numeric is sent as text and parsed into an exact Arrow decimal: PostgreSQL formats
    # it faster than the driver decodes the binary form.
    "numeric": ("NUMERIC", "::text"),
}
# money is a bigint of cents under the server's currency format ('$1,234.56' as text): read as
# numeric, exact. 19 digits hold every money value with 2 decimals; a locale with 3 fails loudly.
MONEY_PRECISION, MONEY_SCALE = 19, 2
# ±infinity timestamps and dates land as BigQuery's own limits (sources/base.py CURSOR_LIMITS):
# 'infinity' stays later, '-infinity' earlier, than every real value, on DuckDB and BigQuery alike.
_INFINITE = {"timestamptz": "TIMESTAMP", "timestamp": "DATETIME", "date": "DATE"}


def _numeric_typmod(typmod: int) -> tuple[int | None, int | None]:
    if typmod < 0:
        return None, None
    value = typmod - 4
    precision = (value >> 16) & 0xFFFF
    scale = value & 0x7FF
    if scale & 0x400:  # PostgreSQL 15+ allows negative scale, stored as 11-bit two's complement
        scale -= 0x800
    return precision, max(scale, 0)


def map_column(name: str, typname: str, typtype: str, typmod: int, elem_typname: str | None,
               formatted: str) -> tuple[Column, str]:
    """A PostgreSQL column as (warehouse Column, SELECT expression). Unknown types become text.

    ``typname`` is the column's type with domains already resolved to their base type (see
    ``resolve_domain``), ``elem_typname`` an array's element type so resolved.
    """
    ident = quote_ident(name)
    if elem_typname is not None:  # one-dimensional array: REPEATED (deeper ones are refused at planning)
        elem, cast = _scalar(name, elem_typname, "b", typmod, formatted)
        if elem_typname in _INFINITE:
            value = _finite("_e", elem_typname)
            select = (f"CASE WHEN {ident} IS NULL THEN NULL ELSE ARRAY(SELECT {value} FROM unnest({ident}) "
                      "WITH ORDINALITY AS _u(_e, _o) ORDER BY _o) END")
        else:
            select = ident + re.sub(r"(::\w+)", r"\1[]", cast)  # ::text -> ::text[]
        return Column(elem.name, elem.type, "REPEATED", elem.precision, elem.scale, formatted), select
    column, cast = _scalar(name, typname, typtype, typmod, formatted)
    if typname in _INFINITE:
        return column, _finite(ident, typname)
    return column, f"{ident}{cast}"


def _finite(value: str, typname: str) -> str:
    """``value`` with 'infinity' and '-infinity' as the greatest and least values BigQuery holds."""
    low, high = CURSOR_LIMITS[_INFINITE[typname]]
    return (f"CASE {value} WHEN 'infinity' THEN '{high}'::{typname} WHEN '-infinity' THEN '{low}'::{typname} "
            f"ELSE {value} END")


def _scalar(name: str, typname: str, typtype: str, typmod: int, formatted: str) -> tuple[Column, str]:
    if typname == "numeric":
        precision, scale = _numeric_typmod(typmod)
        return decimal_column(name, precision, scale, source_type=formatted), "::text"
    if typname == "money":
        return decimal_column(name, MONEY_PRECISION, MONEY_SCALE, source_type=formatted), "::numeric::text"
    if typtype == "e":  # enums arrive as their label
        return Column(name, "STRING", source_type=formatted), ""
    if typname in _SCALARS:
        bq_type, cast = _SCALARS[typname]
        return Column(name, bq_type, source_type=formatted), cast
    return Column(name, "STRING", source_type=formatted), "::text"


@dataclass(frozen=True)
class PgType:
    """One ``pg_type`` row: what a column's type resolves through (domains, array elements)."""

    name: str
    kind: str  # typtype: b base, d domain, e enum, ...
    base: int  # typbasetype: a domain's underlying type
    typmod: int  # typtypmod: the typmod a domain applies to its base (numeric(12,2))
    category: str  # typcategory: A for arrays
    elem: int  # typelem: an array's element type


def resolve_domain(types: dict[int, PgType], oid: int, typmod: int) -> tuple[PgType, int]:
    """A domain as its base type, to any depth, with the domain's typmod when the column has none:
    a domain over numeric(12,2) loads as that numeric, not as text."""
    found = types[oid]
    while found.kind == "d":
        typmod = typmod if typmod >= 0 else found.typmod
        found = types[found.base]
    return found, typmod


def _with_password(url: str, password: str | None) -> str:
    if not password:
        return url
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["password"] = password
    return parts._replace(query=urlencode(query)).geturl()


def _describe_url(url: str) -> str:
    parts = urlsplit(url)
    host = dict(parse_qsl(parts.query)).get("host") or parts.hostname or "localhost"
    return f"{host}{':' + str(parts.port) if parts.port else ''}/{parts.path.lstrip('/') or '?'}"


def connection_error(url: str, exc: Exception) -> SourceError:
    """A one-line reason for a failed connection: unreachable, refused, bad password."""
    text = str(exc)
    lowered = text.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        reason = "authentication failed (wrong user or password)"
    elif "does not exist" in lowered and "database" in lowered:
        reason = one_line(exc).split("FATAL:")[-1].strip()
    elif "no such file" in lowered or "connection refused" in lowered or "could not connect" in lowered \
            or "could not translate host" in lowered or "timeout" in lowered:
        reason = "database unreachable (is it running? check host, port and network)"
    else:
        reason = one_line(exc)
    return SourceError(f"cannot connect to PostgreSQL at {_describe_url(redact(url))}: {reason}")


@dataclass(frozen=True)
class PostgresConnection:
    """How to reach the database; picklable, the password is resolved where it is used."""

    url: str
    credentials: Credentials = Credentials(env_var="PGPASSWORD")
    connect_timeout_s: int = 10

    def _url(self) -> str:
        url = _with_password(self.url, self.credentials.password())
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        query.setdefault("connect_timeout", str(self.connect_timeout_s))
        query.setdefault("application_name", "minera-batch-loader")
        return parts._replace(query=urlencode(query)).geturl()

    def psycopg(self):
        import psycopg

        try:
            return psycopg.connect(self._url())
        except psycopg.Error as exc:
            raise connection_error(self.url, exc) from exc

    def adbc(self):
        import adbc_driver_postgresql.dbapi as pgdb

        try:
            return pgdb.connect(self._url(), autocommit=True)
        except Exception as exc:  # noqa: BLE001 - ADBC raises its own hierarchy
            raise connection_error(self.url, exc) from exc


_CATALOG_SQL = """
SELECT a.attname, a.atttypid, a.atttypmod, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a
WHERE a.attrelid = %(oid)s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

# every type the columns involve: their own, domains' bases (to any depth), arrays' elements
_TYPES_SQL = """
WITH RECURSIVE involved(oid) AS (
    SELECT atttypid FROM pg_attribute WHERE attrelid = %(oid)s AND attnum > 0 AND NOT attisdropped
    UNION
    SELECT v.next FROM involved i JOIN pg_type t ON t.oid = i.oid,
        LATERAL (VALUES (t.typbasetype), (t.typelem)) AS v(next)
    WHERE v.next <> 0
)
SELECT t.oid, t.typname, t.typtype, t.typbasetype, t.typtypmod, t.typcategory, t.typelem
FROM involved i JOIN pg_type t ON t.oid = i.oid
"""

_PK_SQL = """
SELECT a.attname
FROM pg_index i
JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = %(oid)s AND i.indisprimary
ORDER BY k.ord
"""

_SIZE_SQL = """
SELECT c.relkind, greatest(c.reltuples, 0)::bigint,
       (pg_relation_size(c.oid) / current_setting('block_size')::int)::bigint
FROM pg_class c WHERE c.oid = %(oid)s
"""


class PostgresSnapshot:
    """The launcher's side: catalog look-ups and the exported snapshot every reader imports."""

    def __init__(self, connection: PostgresConnection):
        self.connection = connection
        self.conn = None
        self.snapshot_id: str | None = None
        self.started_at: datetime | None = None

    def __enter__(self) -> PostgresSnapshot:
        self.conn = self.connection.psycopg()
        self.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        self.snapshot_id, self.started_at = self.conn.execute(
            "SELECT pg_export_snapshot(), now()"
        ).fetchone()
        log.info("source snapshot %s taken at %s", self.snapshot_id, self.started_at.isoformat())
        return self

    def __exit__(self, *exc) -> None:
        if self.conn is not None:
            try:
                self.conn.rollback()
            finally:
                self.conn.close()
                self.conn = None

    def table(self, qualified: str) -> SourceTable:
        """Describe ``schema.table`` (default schema ``public``) from the catalog."""
        schema_name, _, name = qualified.rpartition(".")
        schema_name = schema_name or "public"
        found = self.conn.execute(
            "SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE lower(n.nspname) = lower(%s) AND lower(c.relname) = lower(%s) "
            "ORDER BY (n.nspname = %s AND c.relname = %s) DESC",
            (schema_name, name, schema_name, name),
        ).fetchall()
        # the exact name first; else the one table the name matches ignoring case (Oracle's
        # SAPSR3.EQUI is sapsr3."EQUI" here); two that differ only by case need the exact name
        exact = [f for f in found if (f[1], f[2]) == (schema_name, name)]
        if exact or len(found) == 1:
            oid, schema_name, name = (exact or found)[0]
        elif not found:
            raise ConfigError(f"unknown table {schema_name}.{name}: not in the source database's catalog")
        else:
            raise ConfigError(f"table name {schema_name}.{name} is ambiguous: "
                              + ", ".join(f'"{f[1]}"."{f[2]}"' for f in found) + "; give the exact case")
        kind, rows, pages = self.conn.execute(_SIZE_SQL, {"oid": oid}).fetchone()
        types = {row[0]: PgType(*row[1:]) for row in self.conn.execute(_TYPES_SQL, {"oid": oid})}
        columns, exprs = [], []
        for attname, typid, typmod, formatted in self.conn.execute(_CATALOG_SQL, {"oid": oid}):
            found, typmod = resolve_domain(types, typid, typmod)
            elem = None
            if found.category == "A":
                found_elem, typmod = resolve_domain(types, found.elem, typmod)
                elem = found_elem.name
            column, expr = map_column(attname, found.name, found.kind, typmod, elem, formatted)
            columns.append(column)
            exprs.append(expr)
        primary_key = tuple(r[0] for r in self.conn.execute(_PK_SQL, {"oid": oid}))
        if kind not in ("r", "p"):
            pages = 0  # views and foreign tables cannot be split by ctid
        return SourceTable(schema_name, name, TableSchema(tuple(columns), primary_key), tuple(exprs),
                           int(rows), int(pages))

    def plan(self, table: SourceTable, window: Window, arrow_schema: pa.Schema, stage_prefix: str,
             rows_per_partition: int, max_partitions: int, multiple: int = 1, *,
             filters: tuple[RowFilter, ...] = ()) -> list[Partition]:
        partitions = plan_partitions(table, window, arrow_schema, stage_prefix, rows_per_partition, max_partitions,
                                     multiple, filters)
        self.refuse_deep_arrays(table, window, filters)
        return partitions

    def refuse_deep_arrays(self, table: SourceTable, window: Window, filters: tuple[RowFilter, ...] = ()) -> None:
        """Refuse the run, before anything is read, if a row it would read holds an array of two or
        more dimensions (checked in the run's snapshot, so exactly the rows the partitions read)."""
        sql = deep_array_sql(table, row_filter(table, window, filters))
        row = self.conn.execute(sql).fetchone() if sql else None
        if row is None:
            return
        names = [c.source_name or c.name for c in table.schema.columns if c.mode == "REPEATED"]
        name, value = next((n, v) for n, v in zip(names, row, strict=True) if v is not None)
        raise SourceError(f"{table.qualified}.{name} holds a multi-dimensional array ({value}): only "
                          "one-dimensional arrays load (BigQuery has no arrays of arrays); nothing loaded. "
                          f"Load it through a view that turns it into json (to_json({quote_ident(name)}))")

    def reader(self) -> PostgresPartitionReader:
        return PostgresPartitionReader(self.connection, self.snapshot_id)

    def has_row(self, table: SourceTable, condition: str = "TRUE") -> bool:
        """Whether any row meets the SQL ``condition`` (stops at the first one found)."""
        source = f"{quote_ident(table.schema_name)}.{quote_ident(table.name)}"
        return self.conn.execute(f"SELECT 1 FROM {source} WHERE {condition} LIMIT 1").fetchone() is not None

    def is_empty(self, table: SourceTable) -> bool:
        return not self.has_row(table)

    def window_end(self, table: SourceTable, cursor: str, cursor_type: str, lag: timedelta) -> Bound:
        """Where this run's window ends: the snapshot's clock minus the lag (dates: its day), or max(id) + 1."""
        if cursor_type == "integer":
            row = self.conn.execute(
                f"SELECT max({quote_ident(cursor)}) FROM {quote_ident(table.schema_name)}.{quote_ident(table.name)}"
            ).fetchone()
            return Bound(cursor_type, (row[0] or 0) + 1)
        return Bound.at(cursor_type, self.started_at - lag)


def literal(column: Column, value: Bound) -> str:
    """A window bound as a typed SQL literal (from a typed bound: nothing to quote)."""
    if column.type == "INT64":
        return str(int(value.value))
    if column.type == "STRING":
        return f"'{value.text}'"
    cast = {"TIMESTAMP": "timestamptz", "DATETIME": "timestamp", "DATE": "date"}[column.type]
    return f"'{value.text}'::{cast}"


def row_filter(table: SourceTable, window: Window, filters: tuple[RowFilter, ...] = ()) -> list[str]:
    """The SQL conditions of the rows a run reads: its row filters (SAP's client), and its window
    (rows without a cursor value included, see ``Window.covers_sql``)."""
    where = []
    for found in filters:
        value = found.value.replace("'", "''")
        where.append(f"{quote_ident(found.column)} = '{value}'")
    if window.column is not None:
        column = table.schema.column(window.column)
        where.append(window.covers_sql(window.cursor_sql(quote_ident), column.type,
                                       lambda _, value: literal(column, value)))
    return where


def plan_partitions(table: SourceTable, window: Window, arrow_schema: pa.Schema, stage_prefix: str,
                    rows_per_partition: int, max_partitions: int, multiple: int = 1,
                    filters: tuple[RowFilter, ...] = ()) -> list[Partition]:
    """Split a table into ctid ranges (page ranges) of about ``rows_per_partition`` rows.

    The count is rounded up to a ``multiple`` of the local workers, which take their share of
    partitions up front: 5 partitions on 2 threads would leave one thread idle at the end.
    The last range is open-ended, so pages added since planning are still covered. With a
    cursor, each statement also returns WITHOUT_CURSOR last, for the run to count those rows.
    """
    count = 1
    if table.pages > 0 and table.estimated_rows > rows_per_partition:
        count = -(-table.estimated_rows // rows_per_partition)
        count = min(max_partitions, -(-count // multiple) * multiple, table.pages)
    where = row_filter(table, window, filters)
    pairs = zip(table.select_exprs, table.schema.columns, strict=True)
    select = ", ".join(f"{expr} AS {quote_ident(c.name)}" for expr, c in pairs)
    flagged = window.column is not None
    if flagged:
        column = table.schema.column(window.column)
        unplaced = window.unplaced_sql(window.cursor_sql(quote_ident), column.type,
                                       lambda _, value: literal(column, value))
        select += f", CASE WHEN {unplaced} THEN 1 ELSE 0 END AS {quote_ident(WITHOUT_CURSOR)}"
        arrow_schema = arrow_schema.append(pa.field(WITHOUT_CURSOR, pa.int8()))
    source = f"{quote_ident(table.schema_name)}.{quote_ident(table.name)}"
    partitions = []
    for index in range(count):
        conditions = list(where)
        if count > 1:
            low = table.pages * index // count
            conditions.append(f"ctid >= '({low},0)'::tid")
            if index < count - 1:
                conditions.append(f"ctid < '({table.pages * (index + 1) // count},0)'::tid")
        sql = f"SELECT {select} FROM {source}"
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        partitions.append(Partition(table.qualified, index, count, sql, arrow_schema, stage_prefix,
                                    counts_without_cursor=flagged))
    return partitions


def deep_array_sql(table: SourceTable, where: list[str]) -> str | None:
    """A query for the first row whose array column holds more than one dimension, or None when the
    table has no array column. PostgreSQL's ``int[]`` takes ``{{1,2},{3,4}}`` too; the driver
    would flatten it to ``[1,2,3,4]`` and BigQuery has no arrays of arrays: such a value is refused."""
    arrays = [c.source_name or c.name for c in table.schema.columns if c.mode == "REPEATED"]
    if not arrays:
        return None
    found = " OR ".join(f"array_ndims({quote_ident(a)}) > 1" for a in arrays)
    shown = ", ".join(f"CASE WHEN array_ndims({quote_ident(a)}) > 1 THEN left({quote_ident(a)}::text, 60) END"
                      for a in arrays)
    source = f"{quote_ident(table.schema_name)}.{quote_ident(table.name)}"
    return f"SELECT {shown} FROM {source} WHERE " + " AND ".join([*where, f"({found})"]) + " LIMIT 1"


def _stream(reader, partition: Partition) -> Iterator[pa.RecordBatch]:
    """The driver's batches; a query failing mid-stream (e.g. division by zero) names the partition."""
    batches = iter(reader)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - ADBC/Arrow raise OSError and their own types
            raise SourceError(f"reading {partition.label} failed: {one_line(exc)}") from exc
        yield batch


class PostgresPartitionReader:
    """The workers' side: import the launcher's snapshot, stream one partition as Arrow."""

    def __init__(self, connection: PostgresConnection, snapshot_id: str):
        self.connection = connection
        self.snapshot_id = snapshot_id

    def setup(self) -> None:
        pass

    def teardown(self) -> None:
        pass

    def read(self, partition: Partition) -> Iterator[pa.RecordBatch]:
        conn = self.connection.adbc()
        try:
            cur = conn.cursor()
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                cur.execute(f"SET TRANSACTION SNAPSHOT '{self.snapshot_id}'")
            except Exception as exc:  # noqa: BLE001
                raise SourceError(
                    f"cannot import source snapshot {self.snapshot_id} for {partition.label}: "
                    f"{one_line(exc)} (the launcher that exported it must stay connected)"
                ) from exc
            try:
                cur.execute(partition.sql)
                reader = cur.fetch_record_batch()
            except Exception as exc:  # noqa: BLE001
                raise SourceError(f"reading {partition.label} failed: {one_line(exc)}") from exc
            yield from conformed_batches(_stream(reader, partition), partition.label, partition.arrow_schema)
            cur.execute("COMMIT")
            cur.close()
        finally:
            conn.close()
