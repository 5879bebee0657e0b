"""The lab's Avro files: their schema as columns, how the raw table's schema follows them, their rows as Arrow."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import uuid
from decimal import Decimal

import duckdb
import fastavro
import pyarrow as pa
import pytest

from pipelines.schema import (
    SCHEMAS_DIR,
    Column,
    TableSchema,
    arrow_schema,
    arrow_type,
    bigquery_field,
    decimal_column,
    duckdb_type,
    from_bigquery_json,
    quote_ident,
)
from pipelines.sources.avro import IncompatibleSchema, SchemaChange, evolve, table_schema, to_arrow

UTC = dt.timezone.utc


def contract(version: int) -> dict:
    return json.loads((SCHEMAS_DIR / "vendor" / f"rock_quality_sample.v{version}.avsc").read_text())


def record_schema(*fields: dict, name: str = "T") -> dict:
    return {"type": "record", "name": name, "fields": list(fields)}


def written_and_read(schema: dict, records: list[dict]) -> tuple[dict, list[dict]]:
    """Records through a real Avro file: its writer schema and the records fastavro reads back."""
    buf = io.BytesIO()
    fastavro.writer(buf, fastavro.parse_schema(schema), records)
    buf.seek(0)
    reader = fastavro.reader(buf)
    return reader.writer_schema, list(reader)


def req(name: str, type_: str, source_type: str, **kw) -> Column:
    return Column(name, type_, "REQUIRED", source_type=source_type, **kw)


def opt(name: str, type_: str, source_type: str, **kw) -> Column:
    return Column(name, type_, "NULLABLE", source_type=source_type, **kw)


# -- the vocabulary: RECORD columns ------------------------------------------------------

LAB = Column("lab", "RECORD", "REQUIRED", fields=(
    Column("code", "STRING", "REQUIRED"),
    Column("accreditation", "STRING"),
    Column("fee", "NUMERIC", precision=9, scale=2),
    Column("huge", "BIGNUMERIC", precision=45, scale=10),
    Column("tags", "STRING", "REPEATED"),
))
READINGS = Column("readings", "RECORD", "REPEATED", fields=(
    Column("at", "TIMESTAMP", "REQUIRED"), Column("Value", "FLOAT64"),
))


def test_record_column_needs_fields_and_only_records_have_them():
    with pytest.raises(ValueError, match="RECORD needs at least one field"):
        Column("lab", "RECORD")
    with pytest.raises(ValueError, match="only a RECORD has fields"):
        Column("code", "STRING", fields=(Column("x", "STRING"),))
    assert Column("lab", "RECORD", fields=[Column("x", "STRING")]).fields == (Column("x", "STRING"),)


def test_record_renders_for_arrow_duckdb_and_bigquery():
    struct = pa.struct([pa.field("code", pa.string()), pa.field("accreditation", pa.string()),
                        pa.field("fee", pa.decimal128(9, 2)), pa.field("huge", pa.decimal256(45, 10)),
                        pa.field("tags", pa.list_(pa.string()))])
    assert arrow_type(LAB) == struct
    # nested decimals follow the top-level rule: wider than the warehouse holds -> exact text
    assert arrow_type(LAB, 38).field("huge").type == pa.string()
    assert arrow_type(READINGS) == pa.list_(pa.struct([pa.field("at", pa.timestamp("us", tz="UTC")),
                                                       pa.field("Value", pa.float64())]))
    assert duckdb_type(LAB) == ('STRUCT("code" VARCHAR, "accreditation" VARCHAR, "fee" DECIMAL(9,2), '
                                '"huge" VARCHAR, "tags" VARCHAR[])')
    assert duckdb_type(READINGS) == 'STRUCT("at" TIMESTAMPTZ, "Value" DOUBLE)[]'
    assert bigquery_field(LAB) == {"name": "lab", "type": "RECORD", "mode": "REQUIRED", "fields": [
        {"name": "code", "type": "STRING", "mode": "REQUIRED"},
        {"name": "accreditation", "type": "STRING", "mode": "NULLABLE"},
        {"name": "fee", "type": "NUMERIC", "mode": "NULLABLE", "precision": "9", "scale": "2"},
        {"name": "huge", "type": "BIGNUMERIC", "mode": "NULLABLE", "precision": "45", "scale": "10"},
        {"name": "tags", "type": "STRING", "mode": "REPEATED"},
    ]}


def test_record_bigquery_json_round_trips():
    schema = TableSchema((Column("id", "INT64", "REQUIRED"), LAB, READINGS))
    fields = [bigquery_field(c) for c in schema.columns]
    assert from_bigquery_json(json.loads(json.dumps(fields))) == schema
    nested = Column("outer", "RECORD", fields=(Column("inner", "RECORD", "REPEATED", fields=(LAB,)),))
    assert from_bigquery_json([bigquery_field(nested)]).columns == (nested,)


# -- Avro schema -> columns ------------------------------------------------------------------

def test_every_avro_type_maps():
    avro = record_schema(
        {"name": "b", "type": "boolean"},
        {"name": "i", "type": "int"},
        {"name": "l", "type": "long"},
        {"name": "f", "type": "float"},
        {"name": "d", "type": "double"},
        {"name": "s", "type": "string"},
        {"name": "raw", "type": "bytes"},
        {"name": "colour", "type": {"type": "enum", "name": "Colour", "symbols": ["RED", "GREEN"]}},
        {"name": "md5", "type": {"type": "fixed", "name": "Md5", "size": 16}},
        {"name": "money", "type": {"type": "bytes", "logicalType": "decimal", "precision": 7, "scale": 2}},
        {"name": "fine", "type": {"type": "fixed", "name": "Fine", "size": 16, "logicalType": "decimal",
                                  "precision": 30, "scale": 12}},
        {"name": "big_int", "type": {"type": "bytes", "logicalType": "decimal", "precision": 35}},
        {"name": "too_wide", "type": {"type": "bytes", "logicalType": "decimal", "precision": 80, "scale": 2}},
        {"name": "ts_ms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "ts_us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "local_ms", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
        {"name": "local_us", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "t_ms", "type": {"type": "int", "logicalType": "time-millis"}},
        {"name": "t_us", "type": {"type": "long", "logicalType": "time-micros"}},
        {"name": "uid", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "odd_logical", "type": {"type": "string", "logicalType": "varchar"}},
        {"name": "point", "type": {"type": "record", "name": "Point", "fields": [
            {"name": "x", "type": "double"}, {"name": "label", "type": ["null", "string"]}]}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "path", "type": {"type": "array", "items": "Point"}},  # a named type used again
        {"name": "counts", "type": {"type": "map", "values": "long"}},
        {"name": "notes", "type": {"type": "map", "values": ["null", "string"]}},
        {"name": "null_first", "type": ["null", "long"]},
        {"name": "null_last", "type": ["long", "null"]},
        {"name": "maybe_point", "type": ["null", "Point"]},
        {"name": "maybe_colour", "type": ["null", "Colour"]},
    )
    point = (req("x", "FLOAT64", "double"), opt("label", "STRING", "string"))
    assert table_schema(avro).columns == (
        req("b", "BOOL", "boolean"),
        req("i", "INT64", "int"),
        req("l", "INT64", "long"),
        req("f", "FLOAT64", "float"),
        req("d", "FLOAT64", "double"),
        req("s", "STRING", "string"),
        req("raw", "BYTES", "bytes"),
        req("colour", "STRING", "enum Colour"),
        req("md5", "BYTES", "fixed Md5(16)"),
        req("money", "NUMERIC", "bytes decimal(7,2)", precision=7, scale=2),
        req("fine", "BIGNUMERIC", "fixed Fine(16) decimal(30,12)", precision=30, scale=12),
        req("big_int", "BIGNUMERIC", "bytes decimal(35,0)", precision=35, scale=0),  # 35 integer digits
        req("too_wide", "STRING", "bytes decimal(80,2)"),  # wider than BIGNUMERIC: exact text
        req("ts_ms", "TIMESTAMP", "long timestamp-millis"),
        req("ts_us", "TIMESTAMP", "long timestamp-micros"),
        req("local_ms", "DATETIME", "long local-timestamp-millis"),
        req("local_us", "DATETIME", "long local-timestamp-micros"),
        req("day", "DATE", "int date"),
        req("t_ms", "TIME", "int time-millis"),
        req("t_us", "TIME", "long time-micros"),
        req("uid", "STRING", "string uuid"),
        req("odd_logical", "STRING", "string varchar"),  # a logical type fastavro ignores: its base type
        req("point", "RECORD", "record Point", fields=point),
        Column("tags", "STRING", "REPEATED", source_type="array<string>"),
        Column("path", "RECORD", "REPEATED", source_type="array<record Point>", fields=point),
        Column("counts", "RECORD", "REPEATED", source_type="map<long>", fields=(
            req("key", "STRING", "string"), req("value", "INT64", "long"))),
        Column("notes", "RECORD", "REPEATED", source_type="map<string>", fields=(
            req("key", "STRING", "string"), opt("value", "STRING", "string"))),
        opt("null_first", "INT64", "long"),
        opt("null_last", "INT64", "long"),
        opt("maybe_point", "RECORD", "record Point", fields=point),
        opt("maybe_colour", "STRING", "enum Colour"),
    )


def test_the_labs_v1_contract_as_columns():
    measurement = (req("test", "STRING", "string"), req("value_mpa", "FLOAT64", "double"),
                   req("measured_at", "TIMESTAMP", "long timestamp-millis"))
    decimal = "bytes decimal({},{})".format
    expected = (
        req("sample_id", "STRING", "string uuid"),
        req("sample_code", "STRING", "string"),
        req("drill_hole_id", "STRING", "string"),
        req("from_m", "NUMERIC", decimal(7, 2), precision=7, scale=2),
        req("to_m", "NUMERIC", decimal(7, 2), precision=7, scale=2),
        req("rock_type", "STRING", "enum RockType"),
        opt("rqd_pct", "FLOAT64", "double"),
        opt("ucs_mpa", "FLOAT64", "double"),
        opt("point_load_is50_mpa", "FLOAT64", "float"),
        opt("density_g_cm3", "NUMERIC", decimal(5, 3), precision=5, scale=3),
        opt("cu_pct", "NUMERIC", decimal(9, 4), precision=9, scale=4),
        opt("au_g_t", "NUMERIC", decimal(9, 3), precision=9, scale=3),
        opt("mo_ppm", "NUMERIC", decimal(9, 1), precision=9, scale=1),
        opt("cu_equivalent_pct", "BIGNUMERIC", "fixed CuEq(16) decimal(30,12)", precision=30, scale=12),
        Column("qa_flags", "STRING", "REPEATED", source_type="array<string>"),
        Column("repeat_measurements", "RECORD", "REPEATED", source_type="array<record RepeatMeasurement>",
               fields=measurement),
        req("analysed_at", "TIMESTAMP", "long timestamp-micros"),
        req("received_on", "DATE", "int date"),
        req("reported_at", "TIMESTAMP", "long timestamp-millis"),
        req("lab", "RECORD", "record Lab", fields=(
            req("code", "STRING", "string"), req("name", "STRING", "string"),
            opt("accreditation", "STRING", "string"))),
        req("method", "RECORD", "record Method", fields=(
            req("code", "STRING", "string"), req("name", "STRING", "string"),
            opt("instrument", "STRING", "string"))),
    )
    assert table_schema(contract(1)).columns == expected
    # the JSON text and a file's own writer schema read the same
    assert table_schema(json.dumps(contract(1))).columns == expected
    writer_schema, _ = written_and_read(contract(1), [])
    assert table_schema(writer_schema).columns == expected
    # BigQuery's column description shows the Avro type
    assert bigquery_field(expected[13])["description"] == "source type: fixed CuEq(16) decimal(30,12)"


@pytest.mark.parametrize(("field_type", "why"), [
    ({"type": "array", "items": {"type": "array", "items": "long"}},
     "field grid: array of array is not loadable: BigQuery has no arrays of arrays"),
    ({"type": "array", "items": ["null", "long"]},
     "field grid: array of nullable items is not loadable: BigQuery has no arrays of arrays"),
    ({"type": "array", "items": {"type": "map", "values": "long"}},
     "field grid: array of map is not loadable: BigQuery has no arrays of arrays"),
    (["string", "long"], "field grid: union of string and long is not loadable"),
    (["null", "string", "long"], "field grid: union of null, string and long is not loadable"),
    ({"type": "record", "name": "Cell", "fields": [{"name": "next", "type": ["null", "Cell"]}]},
     "field grid.next: record Cell contains itself: BigQuery has no recursive records"),
    ({"type": "record", "name": "Cell", "fields": [{"name": "v", "type": {"type": "map", "values": {
        "type": "array", "items": ["long", "string"]}}}]},
     "field grid.v.value: array of nullable items is not loadable"),
])
def test_what_bigquery_cannot_hold_is_refused(field_type, why):
    with pytest.raises(IncompatibleSchema, match="^" + why.replace(".", r"\.").replace("(", r"\(")) as info:
        table_schema(record_schema({"name": "id", "type": "long"}, {"name": "grid", "type": field_type}))
    assert "\n" not in str(info.value)


def test_the_writer_schema_must_be_a_record():
    with pytest.raises(IncompatibleSchema, match="not a record"):
        table_schema('"string"')


def test_fields_differing_only_by_case_are_refused():
    with pytest.raises(IncompatibleSchema, match="field lab.Code: same name as lab.code"):
        table_schema(record_schema({"name": "lab", "type": record_schema(
            {"name": "code", "type": "string"}, {"name": "Code", "type": "string"}, name="Lab")}))


# -- schema evolution ------------------------------------------------------------------------

def test_first_file_makes_the_table():
    v1 = table_schema(contract(1))
    assert evolve(None, v1) == (v1, [])


def test_v1_to_v2_adds_three_columns_and_widens_mo():
    v1, v2 = table_schema(contract(1)), table_schema(contract(2))
    schema, changes = evolve(v1, v2)
    ag, moisture, weathering = v2.column("ag_g_t"), v2.column("moisture_pct"), v2.column("weathering")
    mo_before, mo_after = v1.column("mo_ppm"), v2.column("mo_ppm")
    assert changes == [
        SchemaChange("widen", ("mo_ppm",), mo_before, mo_after),
        SchemaChange("add", ("ag_g_t",), None, ag),
        SchemaChange("add", ("moisture_pct",), None, moisture),
        SchemaChange("add", ("weathering",), None, weathering),
    ]
    assert [c.describe() for c in changes] == [
        "mo_ppm widened NUMERIC(9,1) -> NUMERIC(12,1)", "new column ag_g_t NUMERIC(9,3)",
        "new column moisture_pct FLOAT64", "new column weathering STRING",
    ]
    # the table keeps its order; new columns at the end, in the file's order
    assert schema.names == v1.names + ["ag_g_t", "moisture_pct", "weathering"]
    assert schema.column("mo_ppm") == decimal_column("mo_ppm", 12, 1, source_type="bytes decimal(12,1)")
    # float -> double is the same FLOAT64: no change, the column stays as it was
    assert schema.column("point_load_is50_mpa") == v1.column("point_load_is50_mpa")
    # and the v2 files after it change nothing more
    assert evolve(schema, v2) == (schema, [])


def test_a_v1_file_after_v2_changes_nothing():
    """Narrower: NUMERIC(9,1) values fit the table's NUMERIC(12,1); v2's columns read NULL."""
    table, _ = evolve(table_schema(contract(1)), table_schema(contract(2)))
    assert evolve(table, table_schema(contract(1))) == (table, [])


def test_incompatible_file_names_the_field():
    avro = contract(1)
    next(f for f in avro["fields"] if f["name"] == "rqd_pct")["type"] = ["null", "string"]
    with pytest.raises(IncompatibleSchema, match=r"^field rqd_pct: FLOAT64 in the table, STRING in this file$"):
        evolve(table_schema(contract(1)), table_schema(avro))


def test_dropped_required_field_relaxes():
    avro = contract(1)
    avro["fields"] = [f for f in avro["fields"] if f["name"] != "drill_hole_id"]
    lab = next(f for f in avro["fields"] if f["name"] == "lab")["type"]
    lab["fields"][1]["type"] = ["null", "string"]  # lab.name now optional in the file
    v1 = table_schema(contract(1))
    schema, changes = evolve(v1, table_schema(avro))
    assert [(c.kind, c.path, c.describe()) for c in changes] == [
        ("relax", ("drill_hole_id",), "drill_hole_id now NULLABLE"),
        ("relax", ("lab", "name"), "lab.name now NULLABLE"),
    ]
    assert schema.names == v1.names  # the dropped column stays, where it was
    assert schema.column("drill_hole_id").mode == "NULLABLE"
    assert schema.column("lab").mode == "REQUIRED" and schema.column("lab").fields[1].mode == "NULLABLE"
    # a NULLABLE column the file lacks is no change
    avro["fields"] = [f for f in avro["fields"] if f["name"] != "rqd_pct"]
    assert evolve(schema, table_schema(avro)) == (schema, [])


def test_nested_field_added_at_any_depth():
    avro = contract(1)
    lab = next(f for f in avro["fields"] if f["name"] == "lab")["type"]
    lab["fields"].append({"name": "city", "type": "string"})  # REQUIRED in the file
    lab["fields"].append({"name": "address", "type": record_schema(
        {"name": "street", "type": "string"}, {"name": "lines", "type": {"type": "array", "items": "string"}},
        name="Address")})
    repeat = next(f for f in avro["fields"] if f["name"] == "repeat_measurements")["type"]["items"]
    repeat["fields"].append({"name": "operator", "type": ["null", "string"]})
    v1 = table_schema(contract(1))
    schema, changes = evolve(v1, table_schema(avro))
    city = opt("city", "STRING", "string")
    address = opt("address", "RECORD", "record Address", fields=(
        opt("street", "STRING", "string"), Column("lines", "STRING", "REPEATED", source_type="array<string>")))
    operator = opt("operator", "STRING", "string")
    assert changes == [SchemaChange("add", ("repeat_measurements", "operator"), None, operator),
                       SchemaChange("add", ("lab", "city"), None, city),
                       SchemaChange("add", ("lab", "address"), None, address)]
    assert [c.describe() for c in changes] == ["new field repeat_measurements.operator STRING",
                                               "new field lab.city STRING", "new field lab.address RECORD"]
    assert [f.name for f in schema.column("lab").fields] == ["code", "name", "accreditation", "city", "address"]
    assert schema.column("lab").mode == "REQUIRED"
    assert schema.names == v1.names


def test_new_columns_are_nullable_arrays_stay_repeated():
    table = TableSchema((Column("id", "INT64", "REQUIRED"),))
    incoming = table_schema(record_schema(
        {"name": "id", "type": "long"},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "site", "type": record_schema({"name": "code", "type": "string"}, name="Site")},
    ))
    schema, changes = evolve(table, incoming)
    assert schema.columns[1:] == (
        Column("tags", "STRING", "REPEATED", source_type="array<string>"),
        opt("site", "RECORD", "record Site", fields=(opt("code", "STRING", "string"),)),
    )
    assert [c.describe() for c in changes] == ["new column tags STRING REPEATED", "new column site RECORD"]


@pytest.mark.parametrize(("before", "after", "result"), [
    (Column("v", "INT64"), Column("v", "FLOAT64"), Column("v", "FLOAT64")),
    # the decimal keeps room for every INT64 (19 digits) before the point
    (Column("v", "INT64"), Column("v", "NUMERIC", precision=9, scale=1), Column("v", "NUMERIC", precision=20, scale=1)),
    (Column("v", "INT64"), Column("v", "BIGNUMERIC"), Column("v", "BIGNUMERIC", precision=76, scale=38)),
    (Column("v", "NUMERIC", precision=9, scale=1), Column("v", "NUMERIC", precision=12, scale=1),
     Column("v", "NUMERIC", precision=12, scale=1)),
    # NUMERIC -> BIGNUMERIC: more decimals than NUMERIC holds
    (Column("v", "NUMERIC", precision=9, scale=1), Column("v", "BIGNUMERIC", precision=30, scale=12),
     Column("v", "BIGNUMERIC", precision=30, scale=12)),
    # more decimals and fewer integer digits: the decimal holding both
    (Column("v", "NUMERIC", precision=9, scale=1), Column("v", "NUMERIC", precision=9, scale=3),
     Column("v", "NUMERIC", precision=11, scale=3)),
    # a decimal table taking integers
    (Column("v", "NUMERIC", precision=9, scale=1), Column("v", "INT64"), Column("v", "NUMERIC", precision=20, scale=1)),
])
def test_widenings(before, after, result):
    schema, changes = evolve(TableSchema((before,)), TableSchema((after,)))
    assert schema.columns == (result,)
    assert changes == [SchemaChange("widen", ("v",), before, result)]


@pytest.mark.parametrize(("before", "after"), [
    (Column("v", "NUMERIC", precision=12, scale=1), Column("v", "NUMERIC", precision=9, scale=1)),
    (Column("v", "BIGNUMERIC", precision=30, scale=12), Column("v", "NUMERIC", precision=9, scale=4)),
    (Column("v", "BIGNUMERIC"), Column("v", "NUMERIC", precision=38, scale=9)),
    (Column("v", "NUMERIC", precision=25, scale=2), Column("v", "INT64")),
    (Column("v", "FLOAT64"), Column("v", "INT64")),
    (Column("v", "FLOAT64", source_type="float"), Column("v", "FLOAT64", source_type="double")),
    (Column("v", "STRING"), Column("v", "STRING", "REQUIRED")),  # a REQUIRED file column fits a NULLABLE one
])
def test_narrower_file_types_change_nothing(before, after):
    assert evolve(TableSchema((before,)), TableSchema((after,))) == (TableSchema((before,)), [])


@pytest.mark.parametrize(("before", "after", "why"), [
    (Column("v", "STRING"), Column("v", "INT64"), "field v: STRING in the table, INT64 in this file"),
    (Column("v", "FLOAT64"), Column("v", "NUMERIC", precision=9, scale=1),
     "field v: FLOAT64 in the table, NUMERIC(9,1) in this file"),
    (Column("v", "NUMERIC", precision=9, scale=1), Column("v", "FLOAT64"),
     "field v: NUMERIC(9,1) in the table, FLOAT64 in this file"),
    (Column("v", "RECORD", fields=(Column("x", "STRING"),)), Column("v", "STRING"),
     "field v: RECORD in the table, STRING in this file"),
    (Column("v", "STRING", "REPEATED"), Column("v", "STRING"),
     "field v: STRING REPEATED in the table, STRING in this file: an array in the table"),
    (Column("v", "STRING"), Column("v", "STRING", "REPEATED"),
     "field v: STRING in the table, STRING REPEATED in this file: not an array in the table"),
    (Column("v", "RECORD", fields=(Column("x", "DATE"),)), Column("v", "RECORD", fields=(Column("X", "TIMESTAMP"),)),
     "field v.x: DATE in the table, TIMESTAMP in this file"),
])
def test_other_changes_are_refused(before, after, why):
    with pytest.raises(IncompatibleSchema, match="^" + why.replace("(", r"\(").replace(")", r"\)") + "$"):
        evolve(TableSchema((before,)), TableSchema((after,)))


def test_names_compare_case_insensitively():
    table = TableSchema((Column("Rqd_Pct", "FLOAT64", "REQUIRED"), Column("id", "INT64")))
    incoming = TableSchema((Column("rqd_pct", "FLOAT64"), Column("ID", "INT64")))
    schema, changes = evolve(table, incoming)
    assert schema.names == ["Rqd_Pct", "id"]  # the table keeps its spelling
    assert [c.describe() for c in changes] == ["Rqd_Pct now NULLABLE"]
    clash = TableSchema((Column("rqd_pct", "FLOAT64"), Column("RQD_PCT", "FLOAT64")))
    with pytest.raises(IncompatibleSchema, match="^field RQD_PCT: same name as rqd_pct in BigQuery"):
        evolve(table, clash)
    with pytest.raises(IncompatibleSchema, match="^field RQD_PCT: same name"):
        evolve(None, clash)


# -- records -> Arrow -----------------------------------------------------------------------

SAMPLE_ID = uuid.UUID("6f1c2a52-8a8e-4a6f-9a53-1c1c7f1f2b10")


def v1_record(**overrides) -> dict:
    record = {
        "sample_id": str(SAMPLE_ID),
        "sample_code": "N3-0042-015",
        "drill_hole_id": "DH-N3-0042",
        "from_m": Decimal("12.50"),
        "to_m": Decimal("14.00"),
        "rock_type": "DIORITE_PORPHYRY",
        "rqd_pct": 87.5,
        "ucs_mpa": None,
        "point_load_is50_mpa": 3.25,
        "density_g_cm3": Decimal("2.710"),
        "cu_pct": Decimal("0.8125"),
        "au_g_t": None,
        "mo_ppm": Decimal("12345678.9"),
        "cu_equivalent_pct": Decimal("123456789012345678.123456789012"),
        "qa_flags": ["DUPLICATE", "REASSAY"],
        "repeat_measurements": [
            {"test": "UCS", "value_mpa": 152.5, "measured_at": dt.datetime(2026, 3, 2, 9, 30, 1, 250000, tzinfo=UTC)},
            {"test": "IS50", "value_mpa": 3.25, "measured_at": dt.datetime(2026, 3, 2, 9, 45, tzinfo=UTC)},
        ],
        "analysed_at": dt.datetime(2026, 3, 2, 10, 15, 3, 250123, tzinfo=UTC),
        "received_on": dt.date(2026, 2, 27),
        "reported_at": dt.datetime(2026, 3, 3, 8, 0, 0, 125000, tzinfo=UTC),
        "lab": {"code": "ANDES-01", "name": "Andes Lab", "accreditation": None},
        "method": {"code": "ISRM-UCS-2007", "name": "UCS", "instrument": "MTS 815"},
    }
    record.update(overrides)
    return record


def second_record() -> dict:
    return v1_record(sample_id="0b9ab0f4-8a1e-4c53-b2a1-3d8f0f6f9c2e", from_m=Decimal("-0.05"), rqd_pct=None,
                     point_load_is50_mpa=None, cu_equivalent_pct=None, mo_ppm=Decimal("0.0"), qa_flags=[],
                     repeat_measurements=[], lab={"code": "ANDES-02", "name": "Norte", "accreditation": "ISO 17025"})


def test_v1_records_round_trip_into_the_exact_arrow_schema():
    records = [v1_record(), second_record()]
    writer_schema, read = written_and_read(contract(1), records)
    assert isinstance(read[0]["sample_id"], uuid.UUID)  # fastavro decodes uuid as UUID
    schema = table_schema(writer_schema)
    table = to_arrow(read, schema)
    assert table.schema == arrow_schema(schema)
    assert table.to_pylist() == records  # uuid as its text, everything else as written


def test_a_v1_file_under_the_v2_table_reads_null_for_the_new_columns():
    table_v2, _ = evolve(table_schema(contract(1)), table_schema(contract(2)))
    _, read = written_and_read(contract(1), [v1_record()])
    table = to_arrow(read, table_v2)
    assert table.schema == arrow_schema(table_v2)
    row = table.to_pylist()[0]
    assert row["ag_g_t"] is None and row["moisture_pct"] is None and row["weathering"] is None
    assert table.schema.field("mo_ppm").type == pa.decimal128(12, 1) and row["mo_ppm"] == Decimal("12345678.9")
    assert {k: v for k, v in row.items() if k not in ("ag_g_t", "moisture_pct", "weathering")} == v1_record()
    # and a v2 file's record under the same table schema
    v2 = v1_record(ag_g_t=Decimal("1.250"), moisture_pct=2.5, weathering="FRESH", mo_ppm=Decimal("12345678901.2"))
    _, read2 = written_and_read(contract(2), [v2])
    assert to_arrow(read2, table_v2).to_pylist() == [v2]


def test_every_avro_type_round_trips_to_arrow():
    avro = record_schema(
        {"name": "b", "type": "boolean"}, {"name": "i", "type": "int"}, {"name": "f", "type": "float"},
        {"name": "raw", "type": "bytes"},
        {"name": "colour", "type": {"type": "enum", "name": "Colour", "symbols": ["RED", "GREEN"]}},
        {"name": "md5", "type": {"type": "fixed", "name": "Md5", "size": 4}},
        {"name": "too_wide", "type": {"type": "bytes", "logicalType": "decimal", "precision": 80, "scale": 2}},
        {"name": "wide", "type": {"type": "bytes", "logicalType": "decimal", "precision": 45, "scale": 10}},
        {"name": "local_ms", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
        {"name": "local_us", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
        {"name": "t_ms", "type": {"type": "int", "logicalType": "time-millis"}},
        {"name": "t_us", "type": {"type": "long", "logicalType": "time-micros"}},
        {"name": "uid", "type": ["null", {"type": "string", "logicalType": "uuid"}]},
        {"name": "counts", "type": {"type": "map", "values": "long"}},
        {"name": "where", "type": ["null", record_schema(
            {"name": "fee", "type": {"type": "bytes", "logicalType": "decimal", "precision": 45, "scale": 10}},
            {"name": "sites", "type": {"type": "array", "items": "string"}}, name="Where")]},
    )
    record = {
        "b": True, "i": -7, "f": 1.5, "raw": b"\x00\xff", "colour": "GREEN", "md5": b"abcd",
        "too_wide": Decimal("1" * 70 + ".25"), "wide": Decimal("1234567890.0123456789"),
        "local_ms": dt.datetime(2026, 3, 2, 10, 15, 3, 250000), "local_us": dt.datetime(2026, 3, 2, 10, 15, 3, 250123),
        "t_ms": dt.time(23, 59, 59, 999000), "t_us": dt.time(23, 59, 59, 999999),
        "uid": SAMPLE_ID, "counts": {"a": 1, "b": 2},
        "where": {"fee": Decimal("-0.0000000001"), "sites": ["N3"]},
    }
    empty = {**record, "uid": None, "counts": {}, "where": None}
    writer_schema, read = written_and_read(avro, [record, empty])
    schema = table_schema(writer_schema)
    table = to_arrow(read, schema)
    assert table.schema == arrow_schema(schema)
    expected = {**record, "too_wide": "1" * 70 + ".25", "uid": str(SAMPLE_ID),
                "counts": [{"key": "a", "value": 1}, {"key": "b", "value": 2}]}
    assert table.to_pylist() == [expected, {**expected, "uid": None, "counts": [], "where": None}]
    # DuckDB holds 38 digits: the 45-digit decimals are staged as their exact text, nested ones too
    narrow = to_arrow(read, schema, max_decimal_precision=38)
    assert narrow.schema == arrow_schema(schema, 38)
    row = narrow.to_pylist()[0]
    assert row["wide"] == "1234567890.0123456789" and row["where"]["fee"] == "-0.0000000001"


def test_values_that_do_not_fit_name_the_column():
    schema = table_schema(contract(1))
    with pytest.raises(ValueError, match=r"column from_m: 123456\.78 has more than 5 digits before the point"):
        to_arrow([v1_record(from_m=Decimal("123456.78"))], schema)
    with pytest.raises(ValueError, match=r"column cu_pct: 0\.81255 has more than 4 decimals"):
        to_arrow([v1_record(cu_pct=Decimal("0.81255"))], schema)
    with pytest.raises(ValueError, match=r"column lab\.city is not in the table's schema"):
        to_arrow([v1_record(lab={"code": "X", "name": "Y", "accreditation": None, "city": "Lima"})], schema)
    with pytest.raises(ValueError, match="column rqd_pct"):
        to_arrow([v1_record(rqd_pct="high")], schema)
    # trailing zeros beyond the scale are the same value: they fit
    assert to_arrow([v1_record(cu_pct=Decimal("0.812500"))], schema).column("cu_pct")[0].as_py() == Decimal("0.8125")


# -- DuckDB takes the rendered schema and the Arrow rows -----------------------------------

@pytest.mark.parametrize("version", [1, 2])
def test_duckdb_creates_the_table_and_reads_the_rows_back(version):
    table_v2, _ = evolve(table_schema(contract(1)), table_schema(contract(2)))
    schema = table_schema(contract(1)) if version == 1 else table_v2
    records = [v1_record(), second_record()]
    _, read = written_and_read(contract(1), records)
    arrow = to_arrow(read, schema, max_decimal_precision=38)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    columns = ", ".join(f"{quote_ident(c.name)} {duckdb_type(c)}" for c in schema.columns)
    con.execute(f"CREATE TABLE samples ({columns})")
    con.register("staged", arrow)
    con.execute("INSERT INTO samples SELECT * FROM staged")
    rows = con.execute("SELECT * FROM samples ORDER BY sample_code, from_m").fetchall()
    names = [d[0] for d in con.description]
    got = sorted((dict(zip(names, row, strict=True)) for row in rows), key=lambda r: r["from_m"])
    new = {"ag_g_t": None, "moisture_pct": None, "weathering": None} if version == 2 else {}
    assert got == sorted(({**r, **new} for r in copy.deepcopy(records)), key=lambda r: r["from_m"])
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'samples'").fetchall())
    assert types["lab"] == "STRUCT(code VARCHAR, \"name\" VARCHAR, accreditation VARCHAR)"
    assert types["repeat_measurements"] == \
        "STRUCT(test VARCHAR, value_mpa DOUBLE, measured_at TIMESTAMP WITH TIME ZONE)[]"
    assert types["cu_equivalent_pct"] == "DECIMAL(30,12)"
