"""The Oracle (SAP ERP) dialect, without an Oracle: exact SQL and binds, types from catalog rows.

Oracle cannot run here. What the dialect would send is checked as text and bind values;
what it does with the catalog is checked by feeding it ALL_TAB_COLUMNS / DBA_EXTENTS rows;
connection failures are real python-oracledb errors (a closed local port) where possible.
"""

from __future__ import annotations

import pickle
import re
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import oracledb
import pyarrow as pa
import pytest
from oracledb import errors as ora_errors

from pipelines.bounds import cursor_type_of, parse_bound
from pipelines.errors import ConfigError, SourceError
from pipelines.schema import arrow_schema, arrow_type
from pipelines.secrets import Credentials
from pipelines.sources.base import RowFilter, Window
from pipelines.sources.oracle.connection import OracleConnection
from pipelines.sources.oracle.errors import connection_error
from pipelines.sources.oracle.partitions import MAX_HASH_BUCKETS, plan_partitions, rowid
from pipelines.sources.oracle.reader import OraclePartitionReader
from pipelines.sources.oracle.snapshot import OracleSnapshot
from pipelines.sources.oracle.sql import (
    CLOCK_SQL,
    COLUMNS_SQL,
    EXTENTS_SQL,
    PRIMARY_KEY_SQL,
    SAP_KEY_INDEX_SQL,
    SCN_FALLBACK_SQL,
    SCN_SQL,
    SIZE_SQL,
    filter_predicate,
)
from pipelines.sources.oracle.types import describe_table, map_oracle_column

SCN = 9_876_543_210


def col(name: str, data_type: str, precision: int | None = None, scale: int | None = None,
        char_length: int = 0, data_length: int = 22) -> dict:
    """An ALL_TAB_COLUMNS row."""
    return {"COLUMN_NAME": name, "DATA_TYPE": data_type, "DATA_PRECISION": precision, "DATA_SCALE": scale,
            "CHAR_LENGTH": char_length, "CHAR_USED": "C" if char_length else None,
            "DATA_LENGTH": data_length, "NULLABLE": "N"}


def nvarchar(name: str, length: int) -> dict:
    return col(name, "NVARCHAR2", char_length=length, data_length=2 * length)


MSEG_COLUMNS = [
    nvarchar("MANDT", 3), nvarchar("MBLNR", 10), nvarchar("MJAHR", 4), nvarchar("ZEILE", 4),
    nvarchar("MATNR", 40), col("MENGE", "NUMBER", 13, 3), nvarchar("ERDAT", 8), nvarchar("AEDAT", 8),
    nvarchar("/MINE/SHIFT", 4), col("/MINE/LOADED_AT", "TIMESTAMP(6) WITH TIME ZONE", scale=6, data_length=13),
]
MSEG_KEY = ["MANDT", "MBLNR", "MJAHR", "ZEILE"]


def mseg(rows: int = 4_000_000, blocks: int = 4096):
    return describe_table("SAPSR3", "MSEG", MSEG_COLUMNS, [], MSEG_KEY,
                          {"NUM_ROWS": rows, "BLOCKS": blocks, "IOT_TYPE": None})


# -- types ------------------------------------------------------------------------------------

TYPE_CASES = [
    # row, (type, precision, scale, source_type), SELECT expression
    (col("FREE", "NUMBER"), ("BIGNUMERIC", None, None, "NUMBER"),
     """TO_CHAR("FREE", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''')"""),
    (col("WHOLE", "NUMBER", None, 0), ("BIGNUMERIC", 38, 0, "NUMBER(*,0)"),  # INTEGER
     """TO_CHAR("WHOLE", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''')"""),
    (col("MENGE", "NUMBER", 13, 3), ("NUMERIC", 13, 3, "NUMBER(13,3)"), '"MENGE"'),
    (col("PRICE", "NUMBER", 31, 14), ("BIGNUMERIC", 31, 14, "NUMBER(31,14)"), '"PRICE"'),
    (col("DOCNO", "NUMBER", 10, 0), ("INT64", None, None, "NUMBER(10)"), '"DOCNO"'),
    (col("BIGINT", "NUMBER", 18, 0), ("INT64", None, None, "NUMBER(18)"), '"BIGINT"'),
    (col("HUGEINT", "NUMBER", 19, 0), ("NUMERIC", 19, 0, "NUMBER(19)"), '"HUGEINT"'),
    (col("ID38", "NUMBER", 38, 0), ("BIGNUMERIC", 38, 0, "NUMBER(38)"), '"ID38"'),
    (col("ROUNDED", "NUMBER", 5, -2), ("INT64", None, None, "NUMBER(5,-2)"),
     """TO_CHAR("ROUNDED", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''')"""),
    (col("FLTP", "FLOAT", 126), ("FLOAT64", None, None, "FLOAT(126)"), 'TO_BINARY_DOUBLE("FLTP")'),
    (col("BF", "BINARY_FLOAT"), ("FLOAT64", None, None, "BINARY_FLOAT"), '"BF"'),
    (col("BD", "BINARY_DOUBLE"), ("FLOAT64", None, None, "BINARY_DOUBLE"), '"BD"'),
    (col("CREATED", "DATE"), ("DATETIME", None, None, "DATE"), '"CREATED"'),
    (col("TS", "TIMESTAMP(6)", scale=6), ("DATETIME", None, None, "TIMESTAMP(6)"), '"TS"'),
    (col("TS9", "TIMESTAMP(9)", scale=9), ("DATETIME", None, None, "TIMESTAMP(9)"),
     'CAST("TS9" AS TIMESTAMP(6))'),
    (col("TSTZ", "TIMESTAMP(6) WITH TIME ZONE", scale=6), ("TIMESTAMP", None, None, "TIMESTAMP(6) WITH TIME ZONE"),
     'SYS_EXTRACT_UTC("TSTZ")'),
    (col("TSLTZ", "TIMESTAMP(3) WITH LOCAL TIME ZONE", scale=3),
     ("TIMESTAMP", None, None, "TIMESTAMP(3) WITH LOCAL TIME ZONE"), 'SYS_EXTRACT_UTC("TSLTZ")'),
    (col("TSTZ9", "TIMESTAMP(9) WITH TIME ZONE", scale=9), ("TIMESTAMP", None, None, "TIMESTAMP(9) WITH TIME ZONE"),
     'CAST(SYS_EXTRACT_UTC("TSTZ9") AS TIMESTAMP(6))'),
    (col("CODE", "CHAR", char_length=8, data_length=8), ("STRING", None, None, "CHAR(8)"), '"CODE"'),
    (col("NC", "NCHAR", char_length=2, data_length=4), ("STRING", None, None, "NCHAR(2)"), '"NC"'),
    (col("NAME", "VARCHAR2", char_length=20, data_length=20), ("STRING", None, None, "VARCHAR2(20)"), '"NAME"'),
    (nvarchar("MAKTX", 40), ("STRING", None, None, "NVARCHAR2(40)"), '"MAKTX"'),
    (nvarchar("/MINE/SHIFT", 4), ("STRING", None, None, "NVARCHAR2(4)"), '"/MINE/SHIFT"'),
    (col("GUID", "RAW", data_length=16), ("BYTES", None, None, "RAW(16)"), '"GUID"'),
    (col("LRAW", "LONG RAW"), ("BYTES", None, None, "LONG RAW"), '"LRAW"'),
    (col("DOC", "BLOB", data_length=4000), ("BYTES", None, None, "BLOB"), '"DOC"'),
    (col("TEXT", "CLOB", data_length=4000), ("STRING", None, None, "CLOB"), '"TEXT"'),
    (col("NTEXT", "NCLOB", data_length=4000), ("STRING", None, None, "NCLOB"), '"NTEXT"'),
    (col("OLD", "LONG"), ("STRING", None, None, "LONG"), '"OLD"'),
    (col("SPAN", "INTERVAL DAY(2) TO SECOND(6)"), ("STRING", None, None, "INTERVAL DAY(2) TO SECOND(6)"),
     'TO_CHAR("SPAN")'),
    (col("RID", "ROWID"), ("STRING", None, None, "ROWID"), 'TO_CHAR("RID")'),
    (col("OK", "BOOLEAN"), ("BOOL", None, None, "BOOLEAN"), '"OK"'),
    (col("J", "JSON"), ("JSON", None, None, "JSON"), 'JSON_SERIALIZE("J" RETURNING CLOB)'),
]


@pytest.mark.parametrize(("row", "expected", "expr"), TYPE_CASES, ids=[c[0]["COLUMN_NAME"] for c in TYPE_CASES])
def test_oracle_type_maps_to_warehouse_type_and_select(row, expected, expr):
    column, select = map_oracle_column(row)
    assert (column.type, column.precision, column.scale, column.source_type) == expected
    assert column.name == row["COLUMN_NAME"]  # exactly as Oracle has it, never lower-cased
    assert column.mode == "NULLABLE"
    assert select == expr


def test_unconstrained_number_is_an_exact_decimal_never_a_float():
    column, select = map_oracle_column(col("FREE", "NUMBER"))
    assert arrow_type(column) == pa.decimal256(76, 38)  # BigQuery: BIGNUMERIC
    assert arrow_type(column, 38) == pa.string()  # DuckDB (38 digits): exact text
    assert select.startswith('TO_CHAR("FREE"')  # the driver would fetch it as a double


def test_date_keeps_its_time_and_timestamps_keep_the_instant():
    assert arrow_type(map_oracle_column(col("D", "DATE"))[0]) == pa.timestamp("us")
    tstz, _ = map_oracle_column(col("T", "TIMESTAMP(6) WITH TIME ZONE", scale=6))
    assert arrow_type(tstz) == pa.timestamp("us", tz="UTC")


def test_type_without_a_faithful_mapping_is_refused_by_name():
    with pytest.raises(ConfigError, match="column SHAPE has Oracle type SDO_GEOMETRY"):
        map_oracle_column(col("SHAPE", "SDO_GEOMETRY"))
    with pytest.raises(ConfigError, match=r"^SAPSR3\.ZGEO: column SHAPE"):
        describe_table("SAPSR3", "ZGEO", [nvarchar("MANDT", 3), col("SHAPE", "SDO_GEOMETRY")], [], [], None)


# -- catalog rows -> SourceTable --------------------------------------------------------------

def test_catalog_rows_make_a_source_table_with_sap_key_from_tilde_zero_index():
    table = mseg()
    assert table.qualified == "SAPSR3.MSEG"
    assert table.schema.names == ["MANDT", "MBLNR", "MJAHR", "ZEILE", "MATNR", "MENGE", "ERDAT", "AEDAT",
                                  "/MINE/SHIFT", "/MINE/LOADED_AT"]
    assert table.schema.primary_key == ("MANDT", "MBLNR", "MJAHR", "ZEILE")
    assert table.schema.column("MENGE").type == "NUMERIC"
    assert table.select_exprs[-1] == 'SYS_EXTRACT_UTC("/MINE/LOADED_AT")'
    assert (table.estimated_rows, table.pages) == (4_000_000, 4096)


def test_primary_key_constraint_wins_over_the_sap_index():
    table = describe_table("SAPSR3", "T", [nvarchar("A", 1), nvarchar("B", 1)], ["B"], ["A", "B"],
                           {"NUM_ROWS": 1, "BLOCKS": 1, "IOT_TYPE": None})
    assert table.schema.primary_key == ("B",)


def test_views_iots_and_unanalysed_tables_have_no_pages_to_split():
    cols = [nvarchar("A", 1)]
    assert describe_table("SAPSR3", "V_EQUI", cols, [], [], None).pages == 0
    iot = {"NUM_ROWS": 10**6, "BLOCKS": 900, "IOT_TYPE": "IOT"}
    assert describe_table("SAPSR3", "IOT", cols, [], [], iot).pages == 0
    fresh = describe_table("SAPSR3", "NEW", cols, [], [], {"NUM_ROWS": None, "BLOCKS": None, "IOT_TYPE": None})
    assert (fresh.estimated_rows, fresh.pages) == (0, 0)


def test_unknown_table_from_empty_catalog_rows():
    with pytest.raises(ConfigError, match=r"^unknown table SAPSR3\.X: not in the source database's catalog$"):
        describe_table("SAPSR3", "X", [], [], [], None)


def test_catalog_queries_bind_owner_and_table_name():
    for sql in (COLUMNS_SQL, PRIMARY_KEY_SQL, SAP_KEY_INDEX_SQL, SIZE_SQL, EXTENTS_SQL):
        assert set(re.findall(r":(\w+)", _without_literals(sql))) == {"owner", "table_name"}
    assert "ORDER BY COLUMN_ID" in COLUMNS_SQL
    assert "INDEX_NAME = :table_name || '~0'" in SAP_KEY_INDEX_SQL
    assert "CONSTRAINT_TYPE = 'P'" in PRIMARY_KEY_SQL


# -- SAP filters ------------------------------------------------------------------------------

def test_change_date_over_sap_dates():
    from pipelines.schema import quote_ident
    from pipelines.sources.sap.rules import change_date_sql

    assert change_date_sql(("AEDAT",), quote_ident) == '"AEDAT"'
    assert change_date_sql(("AEDAT", "ERDAT"), quote_ident) == \
        """CASE WHEN "AEDAT" NOT IN ('00000000', ' ') THEN "AEDAT" ELSE "ERDAT" END"""
    assert change_date_sql(("AEDAT", "UDATE", "ERDAT"), quote_ident) == (
        """CASE WHEN "AEDAT" NOT IN ('00000000', ' ') THEN "AEDAT" """
        """WHEN "UDATE" NOT IN ('00000000', ' ') THEN "UDATE" ELSE "ERDAT" END""")
    with pytest.raises(ValueError):
        change_date_sql((), quote_ident)


def test_client_predicate_is_bound_not_rendered():
    assert filter_predicate(RowFilter("MANDT", "100", "client")) == ('"MANDT" = :client', ("client", "100"))


# -- partitions -------------------------------------------------------------------------------

CHANGED = """CASE WHEN "AEDAT" NOT IN ('00000000', ' ') THEN "AEDAT" ELSE "ERDAT" END"""
COLUMNS = ('SELECT "MANDT", "MBLNR", "MJAHR", "ZEILE", "MATNR", "MENGE", "ERDAT", "AEDAT", "/MINE/SHIFT", '
           'SYS_EXTRACT_UTC("/MINE/LOADED_AT") AS "/MINE/LOADED_AT"')
FROM = ' FROM "SAPSR3"."MSEG" AS OF SCN :scn'
# with a window, the statement also says which rows have no change date, for the run to count them
SELECT = COLUMNS + f', CASE WHEN ({CHANGED} IS NULL) THEN 1 ELSE 0 END AS "_without_cursor"' + FROM
# the window, or a change date that is NULL: such rows are in every window (Window.covers_sql)
FILTERS = f' WHERE "MANDT" = :client AND (({CHANGED} >= :w_start AND {CHANGED} < :w_end) OR ({CHANGED} IS NULL))'
BINDS = (("scn", SCN), ("client", "100"), ("w_start", "20260101"), ("w_end", "20261123"))
CLIENT = (RowFilter("MANDT", "100", "client"),)


def sap_window(start: str | None, end: str, **kw) -> Window:
    """A window over MSEG's change dates, its bounds given as on the command line."""
    return Window("AEDAT", start and parse_bound(start, "sap_date"), parse_bound(end, "sap_date"),
                  fallbacks=("ERDAT",), **kw)


WINDOW = sap_window("20260101", "20261123")

# 4096 blocks of data object 87654, given out of order: file 9 (2048 blocks), file 7 (2 x 1024)
EXTENTS = [
    {"DATA_OBJECT_ID": 87654, "RELATIVE_FNO": 9, "BLOCK_ID": 8, "BLOCKS": 2048, "BIGFILE": "NO"},
    {"DATA_OBJECT_ID": 87654, "RELATIVE_FNO": 7, "BLOCK_ID": 128, "BLOCKS": 1024, "BIGFILE": "NO"},
    {"DATA_OBJECT_ID": 87654, "RELATIVE_FNO": 7, "BLOCK_ID": 2048, "BLOCKS": 1024, "BIGFILE": "NO"},
]
# 87654 = AAAVZm; file 7 = AAH, 9 = AAJ; block 2048 = AAAAgA, 8 = AAAAAI, 1032 = AAAAQI; row 0 = AAA
CUT_1 = "AAAVZmAAHAAAAgAAAA"  # file 7 block 2048: after the first 1024 blocks
CUT_2 = "AAAVZmAAJAAAAAIAAA"  # file 9 block 8: after 2048
CUT_3 = "AAAVZmAAJAAAAQIAAA"  # file 9 block 1032: inside the last extent, after 3072


def _plan(extents, **kw):
    table = mseg()
    defaults = dict(window=WINDOW, rows_per_partition=1_000_000, max_partitions=64, filters=CLIENT)
    defaults.update(kw)
    window = defaults.pop("window")
    return table, plan_partitions(table, window, arrow_schema(table.schema), "stage/raw_erp/mseg",
                                  defaults.pop("rows_per_partition"), defaults.pop("max_partitions"),
                                  scn=SCN, extents=extents, **defaults)


def _without_literals(sql: str) -> str:
    return re.sub(r"'[^']*'", "''", sql)


def test_rowid_plan_of_four_partitions_exact_sql_and_binds():
    _, parts = _plan(EXTENTS)
    assert [(p.index, p.count, p.label) for p in parts] == [
        (i, 4, f"SAPSR3.MSEG part {i + 1}/4") for i in range(4)]
    assert [p.sql for p in parts] == [
        SELECT + FILTERS + " AND ROWID < CHARTOROWID(:rowid_hi)",
        SELECT + FILTERS + " AND ROWID >= CHARTOROWID(:rowid_lo) AND ROWID < CHARTOROWID(:rowid_hi)",
        SELECT + FILTERS + " AND ROWID >= CHARTOROWID(:rowid_lo) AND ROWID < CHARTOROWID(:rowid_hi)",
        SELECT + FILTERS + " AND ROWID >= CHARTOROWID(:rowid_lo)",
    ]
    assert [p.params for p in parts] == [
        BINDS + (("rowid_hi", CUT_1),),
        BINDS + (("rowid_lo", CUT_1), ("rowid_hi", CUT_2)),
        BINDS + (("rowid_lo", CUT_2), ("rowid_hi", CUT_3)),
        BINDS + (("rowid_lo", CUT_3),),
    ]


def test_hash_bucket_plan_when_extents_cannot_be_read_exact_sql_and_binds():
    _, parts = _plan(None)
    assert [p.sql for p in parts] == [SELECT + FILTERS + " AND ORA_HASH(ROWID, :buckets - 1) = :bucket"] * 4
    assert [p.params for p in parts] == [BINDS + (("buckets", 4), ("bucket", i)) for i in range(4)]


def test_every_placeholder_has_a_bind_and_no_value_is_rendered_into_the_sql():
    for extents in (EXTENTS, None):
        _, parts = _plan(extents)
        for part in parts:
            assert set(re.findall(r":(\w+)", _without_literals(part.sql))) == {name for name, _ in part.params}
            for _, value in part.params:
                if isinstance(value, str) or value > 9:  # (small bucket numbers occur in "- 1")
                    assert str(value) not in _without_literals(part.sql)


def test_partitions_are_hashable_and_picklable_for_beam():
    _, parts = _plan(EXTENTS)
    again = pickle.loads(pickle.dumps(parts))
    assert [(p.sql, p.params) for p in again] == [(p.sql, p.params) for p in parts]
    assert len({hash(p.params) for p in parts}) == 4


def test_hash_buckets_are_capped_because_each_scans_the_whole_table():
    table = mseg(rows=100_000_000)
    parts = plan_partitions(table, WINDOW, arrow_schema(table.schema), "s", 1_000_000, 64, scn=SCN, extents=None)
    assert len(parts) == MAX_HASH_BUCKETS
    assert dict(parts[0].params)["buckets"] == MAX_HASH_BUCKETS


def test_rowid_ranges_never_outnumber_blocks_and_small_tables_read_in_one_statement():
    table = mseg(rows=4_000_000, blocks=4096)
    one_extent = [{"DATA_OBJECT_ID": 5, "RELATIVE_FNO": 1, "BLOCK_ID": 8, "BLOCKS": 2, "BIGFILE": "NO"}]
    parts = plan_partitions(table, Window(None, None, None), arrow_schema(table.schema), "s", 1_000, 64,
                            scn=SCN, extents=one_extent)
    assert len(parts) == 2 and dict(parts[1].params)["rowid_lo"] == rowid(5, 1, 9)
    small = mseg(rows=10, blocks=1)
    (only,) = plan_partitions(small, Window(None, None, None), arrow_schema(small.schema), "s", 1_000, 64,
                              scn=SCN, extents=None)
    assert only.sql == COLUMNS + FROM
    assert only.params == (("scn", SCN),)


def test_rowid_text_matches_oracles_extended_format():
    # Oracle's documented example: data object AAAPec, file AAF, block AAAABS, row AAA
    assert rowid(63388, 5, 82, 0) == "AAAPecAAFAAAABSAAA"
    assert rowid(258, 1, 2082) == "AAAAECAABAAAAgiAAA"  # object 258, file 1, block 2082, row 0
    # bigfile tablespaces: file and block fields together hold the block number
    assert rowid(1, 1024, 64**6 + 5, 0, bigfile=True) == "AAAAAB" + "AABAAAAAF" + "AAA"


def test_client_filter_needs_a_client_column():
    from pipelines.sources.sap.rules import SapRules

    table = describe_table("SAPSR3", "T000X", [nvarchar("KEY", 3)], [], [], None)
    with pytest.raises(ConfigError, match=r"^--sap_client given but SAPSR3\.T000X has no MANDT column$"):
        SapRules("100").check_table(None, table, Window(None, None, None), CLIENT)


def test_window_fallbacks_and_iso_bounds_for_sap_dates():
    window = sap_window("2026-01-01", "2026-11-23T00:00:00")
    _, parts = _plan(EXTENTS, window=window)
    assert parts[0].sql.startswith(SELECT + FILTERS)
    assert parts[0].params[:4] == BINDS  # ISO bounds arrive as SAP DATS text


def test_full_refresh_reads_everything_before_the_end():
    window = sap_window("20260101", "20261123", full_refresh=True)
    _, parts = _plan(None, window=window, max_partitions=1)
    (only,) = parts
    assert only.sql == SELECT + f' WHERE "MANDT" = :client AND (({CHANGED} < :w_end) OR ({CHANGED} IS NULL))'
    assert only.params == (("scn", SCN), ("client", "100"), ("w_end", "20261123"))


def test_typed_cursors_bind_text_converted_by_oracle():
    table = describe_table("SAPSR3", "ZLOG", [col("ID", "NUMBER", 10, 0), col("CREATED", "DATE"),
                                               col("AT", "TIMESTAMP(6) WITH TIME ZONE", scale=6)], [], [], None)
    schema = arrow_schema(table.schema)
    ts = "TO_TIMESTAMP({}, 'YYYY-MM-DD HH24:MI:SS.FF6')"

    def expected(cursor: str, inside: str, unplaced: str) -> str:
        return (f'SELECT "ID", "CREATED", SYS_EXTRACT_UTC("AT") AS "AT", CASE WHEN {unplaced} THEN 1 ELSE 0 END '
                f'AS "_without_cursor" FROM "SAPSR3"."ZLOG" AS OF SCN :scn WHERE (({inside}) OR {unplaced})')

    # a time cursor: rows before year 1 or at 9999's last microsecond are in every window, as NULLs are
    limits = {"w_min": "0001-01-01 00:00:00.000000", "w_max": "9999-12-31 23:59:59.999999"}
    unplaced = '({0} IS NULL OR {0} <= {1} OR {0} >= {2})'
    (p,) = plan_partitions(table, Window("CREATED", parse_bound("2026-01-01T00:00:00", "datetime"),
                                  parse_bound("2026-11-23T06:30:00.250000", "datetime")),
                           schema, "s", 1, 1, scn=SCN, extents=None)
    assert p.sql == expected('"CREATED"', f'"CREATED" >= {ts.format(":w_start")} AND "CREATED" < {ts.format(":w_end")}',
                             unplaced.format('"CREATED"', ts.format(":w_min"), ts.format(":w_max")))
    assert p.params == (("scn", SCN), ("w_start", "2026-01-01 00:00:00.000000"),
                        ("w_end", "2026-11-23 06:30:00.250000"), *limits.items())
    assert p.counts_without_cursor and p.arrow_schema.names[-1] == "_without_cursor"
    assert p.staged_schema == schema
    (p,) = plan_partitions(table, Window("AT", parse_bound("2026-01-01T00:00:00-03:00", "timestamp"),
                                  parse_bound("2026-11-23T00:00:00+00:00", "timestamp")),
                           schema, "s", 1, 1, scn=SCN, extents=None)
    utc = 'SYS_EXTRACT_UTC("AT")'
    assert p.sql == expected(utc, f'{utc} >= {ts.format(":w_start")} AND {utc} < {ts.format(":w_end")}',
                             unplaced.format(utc, ts.format(":w_min"), ts.format(":w_max")))
    assert p.params == (("scn", SCN), ("w_start", "2026-01-01 03:00:00.000000"),
                        ("w_end", "2026-11-23 00:00:00.000000"), *limits.items())
    ids = Window("ID", parse_bound("100", "integer"), parse_bound("250", "integer"))
    (p,) = plan_partitions(table, ids, schema, "s", 1, 1, scn=SCN, extents=None)
    assert p.sql == expected('"ID"', '"ID" >= :w_start AND "ID" < :w_end', '("ID" IS NULL)')
    assert p.params == (("scn", SCN), ("w_start", 100), ("w_end", 250))
    with pytest.raises(ConfigError, match="several columns needs SAP date"):
        plan_partitions(table, Window("ID", None, parse_bound("5", "integer"), fallbacks=("CREATED",)), schema,
                        "s", 1, 1, scn=SCN, extents=None)
    with pytest.raises(ConfigError, match="'NOPE' is not a column of SAPSR3.ZLOG"):
        plan_partitions(table, Window("NOPE", None, parse_bound("5", "integer")), schema, "s", 1, 1, scn=SCN,
                        extents=None)


# -- the launcher's snapshot, against a fake oracledb connection ------------------------------

def ora_error(code: int, text: str) -> oracledb.DatabaseError:
    """A real oracledb exception, as the driver builds it from a server error."""
    err = ora_errors._Error(f"ORA-{code:05d}: {text}", code=code)
    return err.exc_type(err)


class FakeCursor:
    def __init__(self, conn):
        self.conn = conn
        self.description = None
        self._rows: list[tuple] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql, params=None):
        self.conn.executed.append((sql, dict(params or {})))
        answer = self.conn.answers.get(sql)
        if isinstance(answer, Exception):
            raise answer
        rows = answer(params) if callable(answer) else (answer or [])
        names = list(rows[0]) if rows and isinstance(rows[0], dict) else ["C"]
        self.description = [(n,) for n in names]
        self._rows = [tuple(r.values()) if isinstance(r, dict) else r for r in rows]

    def fetchone(self):
        return self._rows[0] if self._rows else None

    def __iter__(self):
        return iter(self._rows)


class FakeOracle:
    """Just enough of python-oracledb's Connection: cursors answering canned rows per statement."""

    def __init__(self, answers: dict):
        self.answers = answers
        self.executed: list[tuple[str, dict]] = []
        self.closed = False

    def cursor(self):
        return FakeCursor(self)

    def close(self):
        self.closed = True


@dataclass(frozen=True)
class FakeConnection:
    conn: object

    def connect(self):
        return self.conn


CLOCK = [("2026-11-23T00:30:00.000000-03:00",)]


def _catalog_answers(**extra) -> dict:
    def by_table(rows_by_name):
        return lambda params: rows_by_name.get(params["table_name"], [])

    answers = {
        CLOCK_SQL: CLOCK,
        SCN_SQL: [(SCN,)],
        COLUMNS_SQL: by_table({"MSEG": MSEG_COLUMNS}),
        PRIMARY_KEY_SQL: [],
        SAP_KEY_INDEX_SQL: by_table({"MSEG": [{"COLUMN_NAME": c} for c in MSEG_KEY]}),
        SIZE_SQL: by_table({"MSEG": [{"NUM_ROWS": 4_000_000, "BLOCKS": 4096, "IOT_TYPE": None}]}),
        EXTENTS_SQL: EXTENTS,
    }
    answers.update(extra)
    return answers


def test_snapshot_takes_clock_then_scn_and_describes_tables_from_the_catalog():
    fake = FakeOracle(_catalog_answers())
    with OracleSnapshot(FakeConnection(fake)) as snap:
        assert snap.scn == SCN
        assert snap.started_at == datetime(2026, 11, 23, 0, 30, tzinfo=timezone(timedelta(hours=-3)))
        table = snap.table("sapsr3.mseg")  # unquoted names are upper case in Oracle
        assert table.qualified == "SAPSR3.MSEG" and table.schema.primary_key == tuple(MSEG_KEY)
        with pytest.raises(ConfigError, match=r"^unknown table SAPSR3\.X: not in the source database's catalog$"):
            snap.table("SAPSR3.X")
        parts = snap.plan(table, WINDOW, arrow_schema(table.schema), "s", 1_000_000, 64, filters=CLIENT)
        assert [p.sql for p in parts][0] == SELECT + FILTERS + " AND ROWID < CHARTOROWID(:rowid_hi)"
    assert fake.closed
    sqls = [sql for sql, _ in fake.executed]
    assert sqls[:2] == [CLOCK_SQL, SCN_SQL]
    assert (SAP_KEY_INDEX_SQL, {"owner": "SAPSR3", "table_name": "MSEG"}) in fake.executed
    assert (EXTENTS_SQL, {"owner": "SAPSR3", "table_name": "MSEG"}) in fake.executed


def test_snapshot_falls_back_to_dbms_flashback_and_to_hash_buckets_without_grants():
    no_grant = ora_error(942, "table or view does not exist")
    fake = FakeOracle(_catalog_answers(**{SCN_SQL: no_grant, SCN_FALLBACK_SQL: [(SCN + 1,)], EXTENTS_SQL: no_grant}))
    with OracleSnapshot(FakeConnection(fake)) as snap:
        assert snap.scn == SCN + 1
        table = snap.table("MSEG")
        parts = snap.plan(table, Window(None, None, None), arrow_schema(table.schema), "s", 1_000_000, 64)
    assert [p.sql.endswith("ORA_HASH(ROWID, :buckets - 1) = :bucket") for p in parts] == [True] * 4
    assert parts[0].params == (("scn", SCN + 1), ("buckets", 4), ("bucket", 0))


def test_snapshot_without_any_scn_grant_says_what_to_grant():
    no_grant = ora_error(942, "table or view does not exist")
    fake = FakeOracle(_catalog_answers(**{SCN_SQL: no_grant, SCN_FALLBACK_SQL: ora_error(904, "invalid identifier")}))
    with pytest.raises(SourceError, match="cannot read the database's SCN: ORA-00904.*V_\\$DATABASE"):
        OracleSnapshot(FakeConnection(fake)).__enter__()
    assert fake.closed


def test_small_tables_do_not_query_extents():
    fake = FakeOracle(_catalog_answers())
    with OracleSnapshot(FakeConnection(fake)) as snap:
        table = snap.table("MSEG")
        snap.plan(table, Window(None, None, None), arrow_schema(table.schema), "s", 10_000_000, 64)
    assert EXTENTS_SQL not in [sql for sql, _ in fake.executed]


def test_window_end_for_sap_date_cursor_is_the_database_local_date_minus_lag():
    snap = OracleSnapshot(FakeConnection(None))
    snap.started_at = datetime(2026, 11, 23, 0, 30, tzinfo=timezone(timedelta(hours=-3)))  # 03:30 UTC
    table = mseg()
    assert snap.window_end(table, "AEDAT", "sap_date", timedelta(0)).text == "20261123"
    # 23:30 local, not UTC's 02:30 on 23rd
    assert snap.window_end(table, "AEDAT", "sap_date", timedelta(hours=1)).text == "20261122"
    assert snap.window_end(table, "/MINE/LOADED_AT", "timestamp", timedelta(0)).text == "2026-11-23T03:30:00+00:00"
    with pytest.raises(SourceError, match="must be a SAP date"):  # checked before the window is planned
        cursor_type_of("sap_date", table.schema.column("MATNR"), table.qualified)


def test_window_end_for_date_and_integer_cursors():
    fake = FakeOracle({'SELECT MAX("ID") FROM "SAPSR3"."ZLOG" AS OF SCN :scn': [(41,)]})
    snap = OracleSnapshot(FakeConnection(fake))
    snap.conn, snap.scn = fake, SCN
    snap.started_at = datetime(2026, 11, 23, 0, 30, 15, 250000, tzinfo=timezone(timedelta(hours=-3)))
    table = describe_table("SAPSR3", "ZLOG", [col("ID", "NUMBER", 10, 0), col("CREATED", "DATE")], [], [], None)
    assert snap.window_end(table, "CREATED", "datetime", timedelta(minutes=30)).text == "2026-11-23T00:00:15.250000"
    assert snap.window_end(table, "ID", "integer", timedelta(0)).text == "42"
    assert fake.executed == [('SELECT MAX("ID") FROM "SAPSR3"."ZLOG" AS OF SCN :scn', {"scn": SCN})]


# -- connections ------------------------------------------------------------------------------

def test_url_parses_to_an_easy_connect_dsn_and_never_holds_a_password():
    conn = OracleConnection.from_url("oracle://SAPREAD@erp-db.example:1527/PRD")
    assert (conn.dsn, conn.user, conn.credentials) == ("erp-db.example:1527/PRD", "SAPREAD",
                                                       Credentials(env_var="ORACLE_PASSWORD"))
    assert OracleConnection.from_url("oracle://u@h/SVC").dsn == "h:1521/SVC"
    assert pickle.loads(pickle.dumps(conn)) == conn
    with pytest.raises(ConfigError, match="must not contain a password.*ORACLE_PASSWORD") as info:
        OracleConnection.from_url("oracle://SAPREAD:s3cret@h:1521/PRD")
    assert "s3cret" not in str(info.value)
    for bad in ("postgresql://u@h/PRD", "oracle://h:1521/PRD", "oracle://u@h:1521/", "oracle://u@h:port/PRD"):
        with pytest.raises(ConfigError, match="bad --source_url"):
            OracleConnection.from_url(bad)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_database_is_one_line_source_error_from_a_real_dpy_6005(monkeypatch):
    monkeypatch.setenv("ORACLE_PASSWORD", "pw")
    port = _closed_port()
    conn = OracleConnection(f"127.0.0.1:{port}/FREEPDB1", "SAPREAD", connect_timeout_s=1)
    with pytest.raises(SourceError) as info:
        conn.connect()
    message = str(info.value)
    assert message == (f"cannot connect to Oracle at 127.0.0.1:{port}/FREEPDB1 as SAPREAD: database unreachable "
                       "(DPY-6005: is it running? check host, port and network)")
    assert info.value.__cause__.args[0].full_code == "DPY-6005"


def test_missing_password_is_named_by_its_environment_variable(monkeypatch):
    monkeypatch.delenv("ORACLE_PASSWORD", raising=False)
    with pytest.raises(SourceError, match=r"as SAPREAD: no password \(set \$ORACLE_PASSWORD"):
        OracleConnection(f"127.0.0.1:{_closed_port()}/FREEPDB1", "SAPREAD", connect_timeout_s=1).connect()


def test_unknown_host_is_unreachable(monkeypatch):
    monkeypatch.setenv("ORACLE_PASSWORD", "pw")
    with pytest.raises(SourceError, match="database unreachable"):
        OracleConnection("no-such-host.invalid:1521/PRD", "SAPREAD", connect_timeout_s=1).connect()


def test_connection_error_mapping_of_oracle_errors():
    def reason(exc):
        message = str(connection_error("h:1521/PRD", "SAPREAD", exc))
        assert "\n" not in message and message.startswith("cannot connect to Oracle at h:1521/PRD as SAPREAD: ")
        return message.split(": ", 1)[1]

    wrong = ora_error(1017, "invalid credential or not authorized; logon denied")
    assert reason(wrong) == "authentication failed (wrong user or password)"
    assert reason(Exception("ORA-01017: invalid username/password; logon denied")) == \
        "authentication failed (wrong user or password)"
    service = ora_errors._create_exception(ora_errors.ERR_INVALID_SERVICE_NAME, service_name="PRD", host="h", port=1521)
    assert reason(service) == "database unreachable (DPY-6001: the listener does not know this service name)"
    assert reason(Exception("ORA-12541: TNS:no listener")) == \
        "database unreachable (ORA-12541: is it running? check host, port and network)"
    assert reason(TimeoutError("timed out")) == "database unreachable (is it running? check host, port and network)"
    assert reason(ora_error(28000, "The account is locked.")) == "ORA-28000: The account is locked."


# -- the workers' reader ----------------------------------------------------------------------

class FakeDataFrames:
    """python-oracledb's Connection.fetch_df_batches, returning pyarrow tables (PyCapsule too)."""

    def __init__(self, frames, fail: Exception | None = None):
        self.frames = frames
        self.fail = fail
        self.calls: list[dict] = []
        self.closed = False

    def fetch_df_batches(self, **kwargs):
        self.calls.append(kwargs)
        yield from self.frames
        if self.fail is not None:
            raise self.fail

    def close(self):
        self.closed = True


def _reader_partition():
    table = describe_table("SAPSR3", "ZMAT", [nvarchar("MANDT", 3), nvarchar("MAKTX", 40), col("CODE", "CHAR", 0, 0, 8),
                                               col("MENGE", "NUMBER", 13, 3), col("FREE", "NUMBER"),
                                               col("CREATED", "DATE"), col("GUID", "RAW", data_length=16)],
                           [], [], None)
    (part,) = plan_partitions(table, Window(None, None, None), arrow_schema(table.schema), "s", 1, 1, scn=SCN,
                              extents=None, filters=CLIENT)
    return part


def _frame(n: int) -> pa.Table:
    """What the driver returns: large strings, decimal128 (fetch_decimals), timestamp[s] for DATE."""
    return pa.table({
        "MANDT": pa.array(["100"] * n, pa.large_string()),
        "MAKTX": pa.array([" ", "Haul truck tyre"][:n] + ["Haul truck tyre"] * (n - 2), pa.large_string()),
        "CODE": pa.array(["AB      "] * n, pa.large_string()),
        "MENGE": pa.array([Decimal("1234567890.125")] * n, pa.decimal128(13, 3)),
        "FREE": pa.array(["-.5", "12345678901234567890.0000000001"][:n] + ["0"] * (n - 2), pa.large_string()),
        "CREATED": pa.array([datetime(2026, 11, 22, 23, 59, 59)] * n, pa.timestamp("s")),
        "GUID": pa.array([bytes(range(16))] * n, pa.large_binary()),
    })


def test_reader_binds_the_partition_params_and_conforms_batches_exactly():
    part = _reader_partition()
    fake = FakeDataFrames([_frame(2), _frame(1)])
    reader = OraclePartitionReader(FakeConnection(fake), SCN, fetch_rows=500)
    reader.setup()
    batches = list(reader.read(part))
    assert fake.calls == [{"statement": part.sql, "parameters": {"scn": SCN, "client": "100"}, "size": 500,
                           "fetch_decimals": True}]
    assert part.sql == ('SELECT "MANDT", "MAKTX", "CODE", "MENGE", '
                        """TO_CHAR("FREE", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''') AS "FREE", "CREATED", "GUID" """
                        'FROM "SAPSR3"."ZMAT" AS OF SCN :scn WHERE "MANDT" = :client')
    assert [b.num_rows for b in batches] == [2, 1]
    assert all(b.schema.equals(part.arrow_schema) for b in batches)
    rows = pa.Table.from_batches(batches).to_pylist()
    assert rows[0]["MAKTX"] == " " and rows[0]["CODE"] == "AB      "  # as stored: SAP's blank, CHAR's padding
    assert rows[0]["MENGE"] == Decimal("1234567890.125")
    assert rows[0]["FREE"] == Decimal("-0.5") and rows[1]["FREE"] == Decimal("12345678901234567890.0000000001")
    assert rows[0]["CREATED"] == datetime(2026, 11, 22, 23, 59, 59)
    assert rows[0]["GUID"] == bytes(range(16))
    reader.teardown()
    assert fake.closed


def test_reader_yields_one_empty_batch_for_an_empty_partition():
    part = _reader_partition()
    (batch,) = OraclePartitionReader(FakeConnection(FakeDataFrames([_frame(0)])), SCN).read(part)
    assert batch.num_rows == 0 and batch.schema.equals(part.arrow_schema)


def test_reader_names_the_partition_and_the_fix_on_ora_errors():
    part = _reader_partition()
    fake = FakeDataFrames([_frame(1)], fail=ora_error(1555, 'snapshot too old: rollback segment number 12 too small'))
    reader = OraclePartitionReader(FakeConnection(fake), SCN)
    with pytest.raises(SourceError) as info:
        list(reader.read(part))
    assert str(info.value) == ("reading SAPSR3.ZMAT part 1/1 failed: ORA-01555: snapshot too old: rollback segment "
                               "number 12 too small (undo no longer holds the run's SCN: raise UNDO_RETENTION above "
                               f"the run's duration; SCN {SCN})")
    assert fake.closed and reader._conn is None  # the next partition reconnects


def test_reader_refuses_a_partition_planned_at_another_scn():
    with pytest.raises(SourceError, match="planned at SCN 9876543210, the reader is at SCN 1"):
        list(OraclePartitionReader(FakeConnection(FakeDataFrames([])), 1).read(_reader_partition()))


def test_reader_pickles_without_its_connection():
    reader = OraclePartitionReader(OracleConnection("h:1521/PRD", "SAPREAD"), SCN)
    reader._conn = object()
    again = pickle.loads(pickle.dumps(reader))
    assert again._conn is None and again.scn == SCN and again.connection == reader.connection


def test_empty_and_no_date_probes_read_one_row_at_the_runs_scn():
    from pipelines.sources.sap.rules import has_dates

    probe = 'SELECT 1 FROM "SAPSR3"."MSEG" AS OF SCN :scn WHERE {} AND ROWNUM = 1'
    dated = probe.format(f"{CHANGED} NOT IN ('00000000', ' ')")
    fake = FakeOracle(_catalog_answers(**{probe.format("1 = 1"): [(1,)], dated: []}))
    with OracleSnapshot(FakeConnection(fake)) as snap:
        table = snap.table("SAPSR3.MSEG")
        assert snap.is_empty(table) is False
        # every change date empty: the ERP's rules refuse the cursor
        assert has_dates(snap, table, WINDOW) is False
    assert (probe.format("1 = 1"), {"scn": SCN}) in fake.executed
    assert (dated, {"scn": SCN}) in fake.executed
