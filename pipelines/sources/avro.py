"""Avro files: their schema in the project's vocabulary, how a table's schema follows them, their rows as Arrow.

The lab delivers rock-quality analyses as Avro files, and each file carries the schema it was
written with. The raw table's schema therefore follows the files rather than a catalogue:
:func:`table_schema` reads a file's writer schema as columns, :func:`evolve` decides the
table schema that holds both the table's earlier rows and the new file's (new columns, wider
types, relaxed modes; anything else is refused, naming the field), and :func:`to_arrow` turns
the records fastavro decodes into an Arrow table of exactly that schema. :func:`avro_reader`
opens a file (its header) and refuses a codec this machine cannot decode; :func:`fold_schemas`
replays the writer schemas of the files loaded so far into the table's schema.

The mapping is BigQuery's own for Avro loads: a nullable union is a NULLABLE column, any other
field REQUIRED; an array is REPEATED; a map is a REPEATED RECORD of ``key`` and ``value``;
logical types become the matching BigQuery type, decimals NUMERIC where they fit, else
BIGNUMERIC (see :func:`pipelines.schema.decimal_column`). The Avro type stays on each column as
``source_type`` (BigQuery's column description).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from decimal import Context, Decimal
from typing import Any

import fastavro
import pyarrow as pa

from pipelines.errors import one_line
from pipelines.schema import (
    BIGNUMERIC_PRECISION,
    Column,
    SchemaChange,
    TableSchema,
    TypeNotWidened,
    arrow_schema,
    arrow_type,
    decimal_column,
    decimal_digits,
    widened_type,
)
from pipelines.schema import type_text as _type_text

_DECIMALS = ("NUMERIC", "BIGNUMERIC")


class IncompatibleSchema(ValueError):
    """A file the table cannot take: the message names the field and why, on one line."""


#: the codecs the Avro specification names (null and deflate required, the rest optional);
#: setup.py installs what fastavro needs to read each one
CODECS = ("null", "deflate", "snappy", "bzip2", "xz", "zstandard")
_PROBE = {"type": "record", "name": "probe", "fields": [{"name": "n", "type": "long"}]}
AVRO_MAGIC = b"Obj\x01"


@functools.cache
def codec_problem(codec: str) -> str | None:
    """Why this machine cannot decode Avro blocks written with ``codec``; None when it can.

    fastavro decodes null, deflate, bzip2 and xz itself, snappy and zstandard only with their
    libraries; without one it still reads the header and fails on the first block, which looks
    like a corrupt file. A one-record round trip asks fastavro itself, whatever its version.
    """
    buffer = io.BytesIO()
    try:
        fastavro.writer(buffer, _PROBE, [{"n": 1}], codec=codec)
        buffer.seek(0)
        if list(fastavro.reader(buffer)) != [{"n": 1}]:
            return "fastavro does not read back what it wrote"
    except Exception as exc:  # noqa: BLE001 - fastavro raises ValueError, a library its own errors
        return one_line(exc)
    return None


class UnsupportedCodec(ValueError):
    """A valid Avro file in a codec this machine cannot decode."""


def avro_reader(f) -> fastavro.reader:
    """fastavro's reader over ``f`` (it reads the header), refusing a codec this machine cannot decode:
    without its library fastavro would fail on the first block, as if the file were corrupt."""
    reader = fastavro.reader(f)
    problem = codec_problem(reader.codec)
    if problem is not None:
        raise UnsupportedCodec(f"Avro codec {reader.codec!r} is not supported on this machine: {problem}")
    return reader


def _field_error(path: tuple[str, ...], why: str) -> IncompatibleSchema:
    return IncompatibleSchema(f"field {'.'.join(path)}: {why}")


# -- Avro schema -> columns -------------------------------------------------------------

_PRIMITIVES = {
    "boolean": "BOOL", "int": "INT64", "long": "INT64", "float": "FLOAT64", "double": "FLOAT64",
    "string": "STRING", "bytes": "BYTES",
}
# (base type, logical type) -> BigQuery type: exactly the logical types fastavro decodes;
# any other logical type is read as its base type, and so is mapped as one.
_LOGICAL = {
    ("long", "timestamp-millis"): "TIMESTAMP", ("long", "timestamp-micros"): "TIMESTAMP",
    ("long", "local-timestamp-millis"): "DATETIME", ("long", "local-timestamp-micros"): "DATETIME",
    ("int", "date"): "DATE", ("int", "time-millis"): "TIME", ("long", "time-micros"): "TIME",
    ("string", "uuid"): "STRING",
}


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


class _Mapper:
    """Walks one parsed writer schema; named types are resolved by their full name."""

    def __init__(self) -> None:
        self.named: dict[str, Any] = {}
        self.defining: set[str] = set()

    def column(self, name: str, avro: Any, path: tuple[str, ...]) -> Column:
        """A record field as a column: REQUIRED unless it is a ``["null", X]`` union."""
        if isinstance(avro, list):
            branches = [b for b in avro if b != "null"]
            if len(branches) != 1:
                kinds = [self._kind(b) for b in avro]
                listed = ", ".join(kinds[:-1]) + " and " + kinds[-1] if len(kinds) > 1 else "".join(kinds)
                raise _field_error(path, f"union of {listed} is not loadable")
            mode = "NULLABLE" if len(avro) == 2 else "REQUIRED"  # a one-branch union is that branch
            return self._typed(name, branches[0], path, mode)
        return self._typed(name, avro, path, "REQUIRED")

    def _kind(self, avro: Any) -> str:
        """A union branch's name for a message: ``string``, ``record Lab``, ``array``."""
        if isinstance(avro, str):
            return _short(avro) if avro not in _PRIMITIVES and avro != "null" else avro
        if isinstance(avro, dict):
            kind = avro.get("type")
            if kind in ("record", "enum", "fixed"):
                return f"{kind} {_short(avro['name'])}"
            return str(kind)
        return "union"

    def _resolve(self, avro: Any, path: tuple[str, ...]) -> Any:
        if isinstance(avro, str) and avro not in _PRIMITIVES:
            if avro == "null":
                raise _field_error(path, "type null is not loadable")
            if avro in self.defining:
                raise _field_error(path, f"record {_short(avro)} contains itself: BigQuery has no recursive records")
            if avro not in self.named:
                raise _field_error(path, f"unknown type {avro}")
            return self.named[avro]
        return avro

    def _typed(self, name: str, avro: Any, path: tuple[str, ...], mode: str) -> Column:
        avro = self._resolve(avro, path)
        if isinstance(avro, list):
            raise _field_error(path, "a union inside a union is not loadable")
        if isinstance(avro, str):
            return Column(name, _PRIMITIVES[avro], mode, source_type=avro)
        kind = avro["type"]
        if isinstance(kind, (dict, list)):  # {"type": {"type": "string"}}: a wrapped schema
            return self._typed(name, kind, path, mode)
        if kind not in ("record", "enum", "fixed", "array", "map"):
            # a primitive, maybe with a logical type: {"type": "long", "logicalType": ...}
            return self._logical(name, avro, kind, path, mode)
        if kind == "record":
            full = avro["name"]
            self.named[full] = avro
            self.defining.add(full)
            try:
                fields = self.record_fields(avro["fields"], path)
            finally:
                self.defining.discard(full)
            return Column(name, "RECORD", mode, source_type=f"record {_short(full)}", fields=fields)
        if kind == "enum":
            self.named[avro["name"]] = avro
            return Column(name, "STRING", mode, source_type=f"enum {_short(avro['name'])}")
        if kind == "fixed":
            self.named[avro["name"]] = avro
            fixed = f"fixed {_short(avro['name'])}({avro['size']})"
            if avro.get("logicalType") == "decimal":
                return self._decimal(name, avro, fixed, mode)
            return Column(name, "BYTES", mode, source_type=fixed)
        if kind == "array":
            items = self._resolve(avro["items"], path)
            if isinstance(items, list):
                raise _field_error(path, "array of nullable items is not loadable: "
                                         "BigQuery has no arrays of arrays, nor NULLs in arrays")
            item = self._typed(name, items, path, "REQUIRED")
            if item.mode == "REPEATED":
                raise _field_error(path, f"{'array of map' if item.source_type.startswith('map') else 'array of array'}"
                                         " is not loadable: BigQuery has no arrays of arrays")
            return replace(item, mode="REPEATED", source_type=f"array<{item.source_type}>")
        # map: BigQuery's own Avro mapping, an array of (key, value) records
        value = self.column("value", avro["values"], (*path, "value"))
        return Column(name, "RECORD", "REPEATED", source_type=f"map<{value.source_type}>",
                      fields=(Column("key", "STRING", "REQUIRED", source_type="string"), value))

    def _logical(self, name: str, avro: dict, kind: str, path: tuple[str, ...], mode: str) -> Column:
        if kind not in _PRIMITIVES:
            raise _field_error(path, f"type {kind} is not loadable")
        logical = avro.get("logicalType")
        if kind == "bytes" and logical == "decimal":
            return self._decimal(name, avro, "bytes", mode)
        type_ = _LOGICAL.get((kind, logical))
        if type_ is None:  # no logical type, or one fastavro does not decode: the base type
            return Column(name, _PRIMITIVES[kind], mode, source_type=f"{kind} {logical}" if logical else kind)
        return Column(name, type_, mode, source_type=f"{kind} {logical}")

    @staticmethod
    def _decimal(name: str, avro: dict, base: str, mode: str) -> Column:
        precision, scale = int(avro["precision"]), int(avro.get("scale", 0))
        return decimal_column(name, precision, scale, mode=mode, source_type=f"{base} decimal({precision},{scale})")

    def record_fields(self, fields: list[dict], path: tuple[str, ...]) -> tuple[Column, ...]:
        columns = tuple(self.column(f["name"], f["type"], (*path, f["name"])) for f in fields)
        _refuse_case_clashes(columns, path)
        return columns


def _refuse_case_clashes(columns: Iterable[Column], path: tuple[str, ...]) -> None:
    """BigQuery's column names are case-insensitive: ``Cu_pct`` and ``cu_pct`` are one column."""
    seen: dict[str, str] = {}
    for c in columns:
        earlier = seen.setdefault(c.name.lower(), c.name)
        if earlier != c.name:
            raise _field_error((*path, c.name), f"same name as {'.'.join((*path, earlier))} in BigQuery, "
                                                "whose column names are case-insensitive")
        if c.fields:
            _refuse_case_clashes(c.fields, (*path, c.name))


def table_schema(avro: dict | str) -> TableSchema:
    """A file's writer schema (an Avro record, as a dict or its JSON text) as the table's columns, in field order.

    Raises :class:`IncompatibleSchema` for what BigQuery cannot hold (unions other than
    ``["null", X]``, arrays of arrays or of nullable items, recursive records, two fields whose
    names differ only by case).
    """
    if isinstance(avro, str):
        avro = json.loads(avro)
    parsed = fastavro.parse_schema(avro)
    if not isinstance(parsed, dict) or parsed.get("type") != "record":
        raise IncompatibleSchema("the file's schema is not a record: it has no columns")
    mapper = _Mapper()
    mapper.named[parsed["name"]] = parsed
    mapper.defining.add(parsed["name"])
    return TableSchema(mapper.record_fields(parsed["fields"], ()))


# -- schema evolution -----------------------------------------------------------------

def _as_added(column: Column) -> Column:
    """A column new to the table: NULLABLE (older rows read NULL), and so is everything in it;
    arrays stay REPEATED (older rows read an empty array)."""
    fields = tuple(_as_added(f) for f in column.fields)
    mode = "REPEATED" if column.mode == "REPEATED" else "NULLABLE"
    return replace(column, mode=mode, fields=fields)


def _evolve_type(old: Column, new: Column, path: tuple[str, ...]) -> Column | None:
    """The wider column type holding both (None: the table's type already holds the file's)."""
    try:
        return widened_type(old, new)
    except TypeNotWidened as exc:
        why = f": {exc.why}" if exc.why else ""
        raise _field_error(path, f"{_type_text(old)} in the table, {_type_text(new)} in this file{why}") from exc


def _evolve_column(old: Column, new: Column, path: tuple[str, ...], changes: list[SchemaChange]) -> Column:
    if (old.mode == "REPEATED") != (new.mode == "REPEATED"):
        raise _field_error(path, f"{_type_text(old)} in the table, {_type_text(new)} in this file: "
                                 f"{'an array' if old.mode == 'REPEATED' else 'not an array'} in the table")
    if old.type == "RECORD" or new.type == "RECORD":
        if old.type != new.type:
            raise _field_error(path, f"{_type_text(old)} in the table, {_type_text(new)} in this file")
        result = replace(old, fields=_evolve_fields(old.fields, new.fields, path, changes))
    else:
        wider = _evolve_type(old, new, path)
        result = old
        if wider is not None:
            changes.append(SchemaChange("widen", path, old, wider))
            result = wider
    if old.mode == "REQUIRED" and new.mode == "NULLABLE":
        result = replace(result, mode="NULLABLE")
        changes.append(SchemaChange("relax", path, old, result))
    return result


def _evolve_fields(current: tuple[Column, ...], incoming: tuple[Column, ...], path: tuple[str, ...],
                   changes: list[SchemaChange]) -> tuple[Column, ...]:
    by_name = {c.name.lower(): c for c in incoming}
    out = []
    for old in current:
        new = by_name.pop(old.name.lower(), None)
        where = (*path, old.name)
        if new is None:  # not in this file: its rows read NULL there
            if old.mode == "REQUIRED":
                relaxed = replace(old, mode="NULLABLE")
                changes.append(SchemaChange("relax", where, old, relaxed))
                old = relaxed
            out.append(old)
        else:
            out.append(_evolve_column(old, new, where, changes))
    for new in incoming:
        if new.name.lower() in by_name:  # in incoming order
            added = _as_added(new)
            changes.append(SchemaChange("add", (*path, new.name), None, added))
            out.append(added)
    return tuple(out)


def evolve(current: TableSchema | None, incoming: TableSchema) -> tuple[TableSchema, list[SchemaChange]]:
    """The table schema holding both the table's rows and the incoming file's, and what changed.

    Backward compatible: every earlier row still fits and reads the same. Columns keep their
    order; new ones (at any depth) are appended, NULLABLE; a REQUIRED column the file lacks or
    has as nullable is relaxed; numbers widen (INT64 -> FLOAT64 or a decimal holding 19 integer
    digits, a decimal to one holding both); a narrower file type is no change. Anything else
    (another type, an array against a non-array) raises :class:`IncompatibleSchema`. Names
    compare case-insensitively, as BigQuery's do; the table keeps its own spelling.
    """
    _refuse_case_clashes(incoming.columns, ())
    if current is None:
        return incoming, []
    changes: list[SchemaChange] = []
    columns = _evolve_fields(current.columns, incoming.columns, (), changes)
    return replace(current, columns=columns), changes


def writer_schema_json(schema: dict) -> str:
    return json.dumps(schema, sort_keys=True, separators=(",", ":"))


def fold_schemas(file_schemas: Iterable[str]) -> tuple[TableSchema | None, list[SchemaChange]]:
    """The table schema that holds every given writer schema, in order (the manifest's history)."""
    current: TableSchema | None = None
    changes: list[SchemaChange] = []
    seen: set[str] = set()
    for text in file_schemas:
        if not text or text in seen:
            continue
        seen.add(text)
        current, step = evolve(current, table_schema(json.loads(text)))
        changes += step
    return current, changes


# -- records -> Arrow -------------------------------------------------------------------

_MISSING = object()
_WIDE = Context(prec=1000)


def _get(record: dict, name: str) -> Any:
    """A record's field by the column's name; case-insensitively when the spelling differs."""
    value = record.get(name, _MISSING)
    if value is not _MISSING:
        return value
    lower = name.lower()
    for key, found in record.items():
        if key.lower() == lower:
            return found
    return None  # a field an older file version does not have: NULL


def _decimal_converter(column: Column, where: str, as_text: bool) -> Callable[[Any], Any]:
    precision, scale = decimal_digits(column)
    quantum = Decimal(1).scaleb(-scale)

    def convert(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise ValueError(f"column {where}: {value!r} is not a decimal")
        number = Decimal(value)
        if not number.is_finite():
            raise ValueError(f"column {where}: {number} does not fit {_type_text(column)}")
        exact = number.quantize(quantum, context=_WIDE)
        if exact != number:
            raise ValueError(f"column {where}: {number} has more than {scale} decimals ({_type_text(column)})")
        if exact and exact.adjusted() + 1 > precision - scale:
            raise ValueError(f"column {where}: {number} has more than {precision - scale} digits "
                             f"before the point ({_type_text(column)})")
        return format(exact, "f") if as_text else exact
    return convert


def _scalar_converter(column: Column, where: str, max_decimal_precision: int) -> Callable[[Any], Any]:
    if column.type in _DECIMALS:
        return _decimal_converter(column, where, decimal_digits(column)[0] > max_decimal_precision)
    if column.type == "STRING":
        def text(value: Any) -> Any:
            if isinstance(value, uuid.UUID):
                return str(value)
            if isinstance(value, Decimal):  # a decimal wider than BIGNUMERIC: its exact text
                return format(value, "f")
            return value
        return text
    if column.type == "FLOAT64":
        return lambda value: float(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if column.type == "TIMESTAMP":
        return lambda value: value.replace(tzinfo=dt.timezone.utc) \
            if isinstance(value, dt.datetime) and value.tzinfo is None else value
    return lambda value: value


def _converter(column: Column, where: str, max_decimal_precision: int) -> Callable[[Any], Any]:
    """Turns one value as fastavro decodes it into what ``pa.array`` takes for the column's type."""
    if column.type == "RECORD":
        names = [f.name for f in column.fields]
        known = set(names) | {n.lower() for n in names}
        converters = [_converter(f, f"{where}.{f.name}", max_decimal_precision) for f in column.fields]

        def record(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, dict):
                raise ValueError(f"column {where}: {value!r} is not a record")
            for key in value:
                if key not in known and key.lower() not in known:
                    raise ValueError(f"column {where}.{key} is not in the table's schema")
            return {name: convert(_get(value, name)) for name, convert in zip(names, converters, strict=True)}
        item = record
    else:
        item = _scalar_converter(column, where, max_decimal_precision)
    if column.mode != "REPEATED":
        return item

    def repeated(value: Any) -> Any:
        if value is None:
            return []  # BigQuery reads a NULL array as empty: so does the staged table
        if isinstance(value, dict) and column.type == "RECORD":  # an Avro map
            value = [{"key": k, "value": v} for k, v in value.items()]
        return [item(v) for v in value]
    return repeated


def to_arrow(records: Iterable[dict], schema: TableSchema,
             max_decimal_precision: int = BIGNUMERIC_PRECISION) -> pa.Table:
    """Records as fastavro yields them, as an Arrow table of exactly ``arrow_schema(schema, max_decimal_precision)``.

    Fields a record lacks (an older file version) are NULL (an empty array for REPEATED
    columns); a UUID becomes its text, a map a list of ``{key, value}``; decimals wider than
    ``max_decimal_precision`` are staged as their exact text. A value that does not fit its
    column (more digits than declared, a field the schema does not have) raises ValueError
    naming the column.
    """
    columns = schema.columns
    names = [c.name for c in columns]
    known = set(names) | {n.lower() for n in names}
    converters = [_converter(c, c.name, max_decimal_precision) for c in columns]
    values: list[list[Any]] = [[] for _ in columns]
    for record in records:
        for key in record:
            if key not in known and key.lower() not in known:
                raise ValueError(f"column {key} is not in the table's schema")
        for out, name, convert in zip(values, names, converters, strict=True):
            out.append(convert(_get(record, name)))
    target = arrow_schema(schema, max_decimal_precision)
    arrays = []
    for column, out in zip(columns, values, strict=True):
        try:
            arrays.append(pa.array(out, type=arrow_type(column, max_decimal_precision), from_pandas=False))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as exc:
            raise ValueError(f"column {column.name}: {str(exc).splitlines()[0]}") from exc
    return pa.Table.from_arrays(arrays, schema=target)
