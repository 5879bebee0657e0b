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


def raw_table_name(schema_name: str, table: str, default_schema: str) -> str:
    """The raw table a source table loads into: its name lower-cased, every character other than a
    letter, digit or underscore made ``_`` (``"Truck Loads"`` -> ``truck_loads``); a table outside the
    pipeline's default schema is prefixed by its schema and ``__`` (``c1b.nopk`` -> ``c1b__nopk``).
    Names that still meet (``"UPPER"`` and ``upper``) are refused by the loader, never merged."""
    name = warehouse_name(table).lower()
    if schema_name.lower() != default_schema.lower():
        name = f"{warehouse_name(schema_name).lower()}__{name}"
    return name


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


# -- types that change: the wider type holding both ----------------------------------

_DECIMALS = ("NUMERIC", "BIGNUMERIC")
# An INT64 holds up to 19 digits: joined with a decimal, the decimal keeps that many before the point.
_INT64_DIGITS = 19


def type_text(column: Column) -> str:
    """``NUMERIC(9,1)``, ``STRING``, ``RECORD``; `` REPEATED`` for arrays."""
    text = column.type
    if column.type in _DECIMALS and column.precision is not None:
        text += f"({column.precision},{column.scale or 0})"
    return f"{text} REPEATED" if column.mode == "REPEATED" else text


@dataclass(frozen=True)
class SchemaChange:
    """One change to a raw table's schema (see ``sources.avro.evolve`` and ``fit_raw_table``)."""

    kind: str  # "add" | "widen" | "relax"
    path: tuple[str, ...]  # ("lab", "city") for a nested field
    before: Column | None
    after: Column

    def describe(self) -> str:
        """``new column ag_g_t NUMERIC(9,3)``, ``mo_ppm widened NUMERIC(9,1) -> NUMERIC(12,1)``,
        ``lab.accreditation now NULLABLE``."""
        where = ".".join(self.path)
        if self.kind == "add":
            return f"new {'column' if len(self.path) == 1 else 'field'} {where} {type_text(self.after)}"
        if self.kind == "widen":
            assert self.before is not None
            return f"{where} widened {type_text(self.before)} -> {type_text(self.after)}"
        return f"{where} now {self.after.mode}"


class TypeNotWidened(ValueError):
    """Neither type holds the other's values, and no wider type holds both (``why`` may say more)."""

    def __init__(self, why: str = ""):
        super().__init__(why)
        self.why = why


def _decimal_join(old: Column, new: Column) -> tuple[int, int]:
    """(precision, scale) of the narrowest decimal holding every value of both."""
    def digits(c: Column) -> tuple[int, int]:  # (integer digits, scale)
        if c.type == "INT64":
            return _INT64_DIGITS, 0
        precision, scale = decimal_digits(c)
        return precision - scale, scale
    (old_int, old_scale), (new_int, new_scale) = digits(old), digits(new)
    scale = max(old_scale, new_scale)
    return max(old_int, new_int) + scale, scale


def widened_type(old: Column, new: Column) -> Column | None:
    """The column type holding every value of both: None when ``old`` already holds ``new``'s
    values (a narrower decimal, an integer in a FLOAT64), else the wider column; numbers widen
    (INT64 -> FLOAT64, or a decimal keeping 19 integer digits; a decimal to one holding both).
    Anything else raises :class:`TypeNotWidened`. Modes and nested fields are the caller's."""
    if old.type == new.type and old.type not in _DECIMALS:
        return None
    numeric = {"INT64", *_DECIMALS}
    if old.type in numeric and new.type in numeric:
        precision, scale = _decimal_join(old, new)
        if old.type in _DECIMALS and (precision, scale) == decimal_digits(old):
            return None  # narrower (or the same) decimals fit the table's
        wider = decimal_column(old.name, precision, scale, mode=old.mode, source_type=new.source_type,
                               source_name=old.source_name)
        if wider.type not in _DECIMALS:  # more digits than BIGNUMERIC holds: cannot hold both
            raise TypeNotWidened("no decimal type holds both")
        return wider
    if old.type == "INT64" and new.type == "FLOAT64":
        return replace(old, type="FLOAT64", source_type=new.source_type)
    if old.type == "FLOAT64" and new.type == "INT64":
        return None  # integers fit a FLOAT64 column (Avro's own int -> double promotion)
    raise TypeNotWidened()


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


_DUCKDB_TO_TYPE = {v: k for k, v in _DUCKDB_SCALARS.items()} | {"TIMESTAMP WITH TIME ZONE": "TIMESTAMP"}


def column_from_duckdb(name: str, data_type: str) -> Column | None:
    """A DuckDB column (``information_schema.columns.data_type``) in this vocabulary, or None for
    a type no source maps to (a STRUCT, a MAP). VARCHAR reads as STRING, also where it holds the
    exact text of a decimal wider than DuckDB's 38 digits."""
    mode = "NULLABLE"
    if data_type.endswith("[]"):
        mode, data_type = "REPEATED", data_type[:-2]
    found = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", data_type)
    if found:
        return decimal_column(name, int(found[1]), int(found[2]), mode=mode)
    type_ = _DUCKDB_TO_TYPE.get(data_type)
    return Column(name, type_, mode) if type_ else None


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


# the legacy names BigQuery's API answers with for tables made with the standard ones
_BIGQUERY_LEGACY = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL", "STRUCT": "RECORD",
                    "DECIMAL": "NUMERIC", "BIGDECIMAL": "BIGNUMERIC"}


def _from_bigquery_field(f: dict) -> Column:
    type_ = f["type"].upper()
    return Column(
        f["name"], _BIGQUERY_LEGACY.get(type_, type_), (f.get("mode") or "NULLABLE").upper(),
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
