"""Table schemas in one vocabulary: BigQuery's types, rendered for Arrow, DuckDB and BigQuery.

A source maps its catalog into :class:`Column` once; every consumer (the staged Parquet
files, DuckDB's ``CREATE TABLE``, BigQuery's load-job schema, Terraform's table JSON in
``schemas/``) renders from that same object, so a type is decided in one place.

Nested records are columns too: a ``RECORD`` column holds its ``fields`` (columns, to any
depth), and with mode ``REPEATED`` it is an array of records. They render as an Arrow struct
(list of structs), a DuckDB ``STRUCT(...)`` (``STRUCT(...)[]``) and a BigQuery ``RECORD``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyarrow as pa

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"

# BigQuery NUMERIC holds 38 digits with at most 9 after the point (29 before it).
NUMERIC_MAX_SCALE = 9
NUMERIC_MAX_INTEGER_DIGITS = 29
# BIGNUMERIC holds 76 digits with at most 38 after the point; unparameterised it is (76, 38).
BIGNUMERIC_PRECISION = 76
BIGNUMERIC_SCALE = 38

TYPES = {
    "INT64", "FLOAT64", "NUMERIC", "BIGNUMERIC", "BOOL", "STRING", "BYTES",
    "DATE", "TIME", "DATETIME", "TIMESTAMP", "JSON", "RECORD",
}

RUN_ID = "_run_id"
LOADED_AT = "_loaded_at"


@dataclass(frozen=True)
class Column:
    """One column: BigQuery type name, mode (NULLABLE, REQUIRED or REPEATED), decimal
    precision/scale; a ``RECORD`` column has its nested ``fields`` (and no others do)."""

    name: str
    type: str
    mode: str = "NULLABLE"
    precision: int | None = None
    scale: int | None = None
    source_type: str = ""
    source_name: str = ""  # the source's own name, when the warehouse cannot hold it (see warehouse_name)
    fields: tuple[Column, ...] = ()  # a RECORD's columns, in order

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"column {self.name!r}: unknown type {self.type!r}")
        if self.mode not in ("NULLABLE", "REQUIRED", "REPEATED"):
            raise ValueError(f"column {self.name!r}: unknown mode {self.mode!r}")
        if not isinstance(self.fields, tuple):
            object.__setattr__(self, "fields", tuple(self.fields))  # a list would make the column unhashable
        if self.type == "RECORD" and not self.fields:
            raise ValueError(f"column {self.name!r}: a RECORD needs at least one field")
        if self.type != "RECORD" and self.fields:
            raise ValueError(f"column {self.name!r}: only a RECORD has fields, not {self.type}")
        if not all(isinstance(f, Column) for f in self.fields):
            raise ValueError(f"column {self.name!r}: fields must be columns")


@dataclass(frozen=True)
class TableSchema:
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    metadata_columns: tuple[Column, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def with_load_metadata(self) -> TableSchema:
        """The raw table's schema: the source columns plus ``_run_id`` and ``_loaded_at``."""
        return replace(self, metadata_columns=(
            Column(RUN_ID, "STRING", "REQUIRED"), Column(LOADED_AT, "TIMESTAMP", "REQUIRED"),
        ))

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return self.columns + self.metadata_columns


def warehouse_name(name: str) -> str:
    """A source column name BigQuery can hold: letters, digits and underscores, not starting
    with a digit. SAP's namespace fields (``/MINE/SHIFT``) become ``_MINE_SHIFT``; the source
    name stays on the column (``source_name``, BigQuery's column description)."""
    safe = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return f"_{safe}" if safe[:1].isdigit() else safe


def with_warehouse_names(schema: TableSchema, table: str) -> TableSchema:
    """The schema with every column under a name the warehouse can hold (see ``warehouse_name``)."""
    renamed = {c.name: warehouse_name(c.name) for c in schema.columns}
    if all(old == new for old, new in renamed.items()):
        return schema
    clashes = sorted({n for n in renamed.values() if list(renamed.values()).count(n) > 1})
    if clashes:
        raise ValueError(f"{table}: columns {', '.join(clashes)} would share a name in the warehouse")
    columns = tuple(replace(c, name=renamed[c.name], source_name=c.name) if renamed[c.name] != c.name else c
                    for c in schema.columns)
    return replace(schema, columns=columns, primary_key=tuple(renamed.get(k, k) for k in schema.primary_key))


def decimal_column(name: str, precision: int | None, scale: int | None, **kw) -> Column:
    """NUMERIC where it fits (scale <= 9, integer digits <= 29), else BIGNUMERIC; never a float.

    ``precision=None`` is an unconstrained decimal (PostgreSQL ``numeric``, Oracle ``NUMBER``):
    it becomes BIGNUMERIC(76, 38), the widest exact type BigQuery has. A declared type wider
    than BIGNUMERIC (more than 38 digits before or after the point) is kept as exact text.
    """
    if precision is None:
        return Column(name, "BIGNUMERIC", precision=None, scale=None, **kw)
    scale = scale or 0
    if scale <= NUMERIC_MAX_SCALE and precision - scale <= NUMERIC_MAX_INTEGER_DIGITS:
        return Column(name, "NUMERIC", precision=precision, scale=scale, **kw)
    if scale <= BIGNUMERIC_SCALE and precision - scale <= BIGNUMERIC_SCALE:
        return Column(name, "BIGNUMERIC", precision=precision, scale=scale, **kw)
    return Column(name, "STRING", **kw)


def decimal_digits(column: Column) -> tuple[int, int]:
    """(precision, scale) a decimal column actually holds."""
    if column.precision is None:
        return BIGNUMERIC_PRECISION, BIGNUMERIC_SCALE
    return column.precision, column.scale or 0


# -- Arrow (the staged Parquet files) ------------------------------------------------

_ARROW_SCALARS = {
    "INT64": pa.int64(), "FLOAT64": pa.float64(), "BOOL": pa.bool_(), "STRING": pa.string(),
    "BYTES": pa.binary(), "DATE": pa.date32(), "TIME": pa.time64("us"),
    "DATETIME": pa.timestamp("us"), "TIMESTAMP": pa.timestamp("us", tz="UTC"),
    "JSON": pa.string(),
}


def arrow_type(column: Column, max_decimal_precision: int = BIGNUMERIC_PRECISION) -> pa.DataType:
    """The Arrow type a column is staged as.

    Decimals wider than the warehouse holds (``max_decimal_precision``: 38 for DuckDB) are
    staged as their exact decimal text instead of being rounded, inside records too. A RECORD
    is a struct of its fields.
    """
    if column.type == "RECORD":
        base = pa.struct([pa.field(f.name, arrow_type(f, max_decimal_precision)) for f in column.fields])
    elif column.type in ("NUMERIC", "BIGNUMERIC"):
        precision, scale = decimal_digits(column)
        if precision > max_decimal_precision:
            base = pa.string()
        elif precision <= 38:
            base = pa.decimal128(precision, scale)
        else:
            base = pa.decimal256(precision, scale)
    else:
        base = _ARROW_SCALARS[column.type]
    return pa.list_(base) if column.mode == "REPEATED" else base


def arrow_schema(schema: TableSchema, max_decimal_precision: int = BIGNUMERIC_PRECISION) -> pa.Schema:
    return pa.schema([pa.field(c.name, arrow_type(c, max_decimal_precision)) for c in schema.columns])


# -- DuckDB -------------------------------------------------------------------------

_DUCKDB_SCALARS = {
    "INT64": "BIGINT", "FLOAT64": "DOUBLE", "BOOL": "BOOLEAN", "STRING": "VARCHAR",
    "BYTES": "BLOB", "DATE": "DATE", "TIME": "TIME", "DATETIME": "TIMESTAMP",
    "TIMESTAMP": "TIMESTAMPTZ", "JSON": "JSON",
}
DUCKDB_MAX_DECIMAL_PRECISION = 38


def duckdb_type(column: Column) -> str:
    """DuckDB's type for a column; decimals beyond 38 digits are exact text (VARCHAR).

    A RECORD is ``STRUCT("name" TYPE, ...)`` (field names quoted), REPEATED ``STRUCT(...)[]``.
    """
    if column.type == "RECORD":
        base = "STRUCT(" + ", ".join(f"{quote_ident(f.name)} {duckdb_type(f)}" for f in column.fields) + ")"
    elif column.type in ("NUMERIC", "BIGNUMERIC"):
        precision, scale = decimal_digits(column)
        base = "VARCHAR" if precision > DUCKDB_MAX_DECIMAL_PRECISION else f"DECIMAL({precision},{scale})"
    else:
        base = _DUCKDB_SCALARS[column.type]
    return f"{base}[]" if column.mode == "REPEATED" else base


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB/PostgreSQL (reserved words and mixed case survive)."""
    return '"' + name.replace('"', '""') + '"'


# -- BigQuery -------------------------------------------------------------------------

def bigquery_field(column: Column) -> dict:
    """The column as BigQuery's JSON schema (the shape Terraform and load jobs take); a RECORD
    carries its ``fields`` the same way."""
    out: dict = {"name": column.name, "type": column.type, "mode": column.mode}
    if column.type in ("NUMERIC", "BIGNUMERIC") and column.precision is not None:
        out["precision"] = str(column.precision)
        out["scale"] = str(column.scale or 0)
    notes = [f"source column: {column.source_name}"] if column.source_name else []
    if column.source_type:
        notes.append(f"source type: {column.source_type}")
    if notes:
        out["description"] = "; ".join(notes)
    if column.fields:
        out["fields"] = [bigquery_field(f) for f in column.fields]
    return out


def bigquery_schema_json(schema: TableSchema) -> list[dict]:
    return [bigquery_field(c) for c in schema.all_columns]


def _from_bigquery_field(f: dict) -> Column:
    type_ = f["type"].upper()
    return Column(
        f["name"], "RECORD" if type_ == "STRUCT" else type_, (f.get("mode") or "NULLABLE").upper(),
        int(f["precision"]) if "precision" in f else None,
        int(f["scale"]) if "scale" in f else None,
        fields=tuple(_from_bigquery_field(sub) for sub in f.get("fields") or ()),
    )


def from_bigquery_json(fields: list[dict], primary_key: tuple[str, ...] = ()) -> TableSchema:
    """Columns from BigQuery's JSON schema, nested ``fields`` of RECORD columns included."""
    return TableSchema(tuple(_from_bigquery_field(f) for f in fields), primary_key)


def load_schema_file(relative: str) -> TableSchema:
    """A schema from ``schemas/`` (BigQuery JSON schema), e.g. ``ops/load_runs.json``."""
    return from_bigquery_json(json.loads((SCHEMAS_DIR / relative).read_text()))
