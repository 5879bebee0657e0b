"""Oracle's column types -> the warehouse's (``ALL_TAB_COLUMNS`` -> Column, :func:`map_oracle_column`).


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

import re
from collections.abc import Sequence

from pipelines.errors import ConfigError
from pipelines.schema import Column, TableSchema, decimal_column, quote_ident
from pipelines.sources.base import SourceTable

INT64_MAX_DIGITS = 18

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

