"""ROWID ranges planned from the table's extents (or ORA_HASH buckets), and each partition's
flashback statement: a pure function of the catalog rows (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from pipelines.schema import quote_ident
from pipelines.sources.base import WITHOUT_CURSOR, Partition, RowFilter, SourceTable, Window
from pipelines.sources.oracle.sql import _window_sql, filter_predicate

# Hash buckets each scan the whole table in the ERP's database: keep their number modest.
MAX_HASH_BUCKETS = 16

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
                    extents: Sequence[dict] | None, filters: tuple[RowFilter, ...] = ()) -> list[Partition]:
    """The partitions' flashback statements and binds; a pure function of the catalog rows.

    ``extents`` are the table's ``DBA_EXTENTS`` rows (ROWID ranges), or None when they cannot
    be read (``ORA_HASH`` buckets, each a full scan). ``filters`` (SAP's client) are bound
    equalities; a window over SAP change dates reads them through ``sap.change_date_sql``.
    """
    where: list[str] = []
    params: list[tuple[str, object]] = [("scn", scn)]
    for row_filter in filters:
        fragment, bind = filter_predicate(row_filter)
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


