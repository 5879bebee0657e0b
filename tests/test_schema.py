"""The type vocabulary's rules (``pipelines/schema.py``) on their own: names the warehouse can hold,
which decimal type a precision gets, which type holds two others, and the DuckDB spelling. The loaders'
tests (tests/test_production_reliability.py, tests/test_types.py) see the same rules through a load."""

from __future__ import annotations

import pytest

from pipelines.schema import (
    Column,
    SchemaChange,
    TypeNotWidened,
    column_from_duckdb,
    decimal_column,
    duckdb_type,
    quote_ident,
    raw_table_name,
    warehouse_name,
    widened_type,
)


def test_a_column_refuses_an_unknown_type_or_mode_and_only_a_record_has_fields():
    for kwargs, reason in [({"type": "VARCHAR"}, "unknown type 'VARCHAR'"), ({"type": "INT64", "mode": "OPTIONAL"},
                                                                              "unknown mode 'OPTIONAL'"),
                           ({"type": "RECORD"}, "a RECORD needs at least one field"),
                           ({"type": "STRING", "fields": (Column("x", "INT64"),)}, "only a RECORD has fields")]:
        with pytest.raises(ValueError, match=reason):
            Column("c", **kwargs)
    record = Column("lab", "RECORD", fields=[Column("city", "STRING")])
    assert record.fields == (Column("city", "STRING"),) and hash(record)  # a list becomes a tuple: hashable


def test_names_the_warehouse_can_hold_and_raw_table_names():
    assert warehouse_name("/MINE/SHIFT") == "_MINE_SHIFT"
    assert warehouse_name("1st pass") == "_1st_pass"
    assert warehouse_name("plain_name") == "plain_name"
    assert raw_table_name("public", "Truck Loads", "public") == "truck_loads"
    assert raw_table_name("c1b", "nopk", "public") == "c1b__nopk"
    assert raw_table_name("PUBLIC", "trucks", "public") == "trucks"  # the default schema in another case


@pytest.mark.parametrize(("precision", "scale", "expected"), [
    (None, None, ("BIGNUMERIC", None, None)),  # unconstrained: the widest exact type
    (38, 9, ("NUMERIC", 38, 9)),  # 29 integer digits, scale 9: NUMERIC's edge
    (39, 9, ("BIGNUMERIC", 39, 9)),
    (12, 10, ("BIGNUMERIC", 12, 10)),  # scale beyond NUMERIC's 9
    (77, 0, ("STRING", None, None)),  # wider than BIGNUMERIC: exact text
    (10, None, ("NUMERIC", 10, 0)),
])
def test_a_decimal_gets_the_narrowest_exact_type_and_never_a_float(precision, scale, expected):
    column = decimal_column("x", precision, scale)
    assert (column.type, column.precision, column.scale) == expected


def test_the_type_holding_both_widens_numbers_and_refuses_the_rest():
    int64, float64 = Column("x", "INT64"), Column("x", "FLOAT64")
    assert widened_type(int64, int64) is None
    assert widened_type(float64, int64) is None  # integers fit a FLOAT64 column
    assert widened_type(int64, float64).type == "FLOAT64"
    narrow, wide = decimal_column("x", 9, 1), decimal_column("x", 12, 3)
    mixed = widened_type(decimal_column("x", 10, 0), decimal_column("x", 5, 4))
    assert (mixed.type, mixed.precision, mixed.scale) == ("NUMERIC", 14, 4)  # 10 integer digits, 4 decimals
    assert widened_type(wide, narrow) is None
    assert (widened_type(narrow, wide).type, widened_type(narrow, wide).precision, widened_type(narrow, wide).scale) \
        == ("NUMERIC", 12, 3)  # the wider one: 9 integer digits and 3 decimals hold both
    joined = widened_type(int64, decimal_column("x", 9, 2))
    assert (joined.type, joined.precision, joined.scale) == ("NUMERIC", 21, 2)  # an INT64's 19 digits kept
    with pytest.raises(TypeNotWidened, match="no decimal type holds both"):
        widened_type(Column("x", "BIGNUMERIC", precision=60, scale=0), decimal_column("x", 38, 38))  # 98 digits
    with pytest.raises(TypeNotWidened):
        widened_type(Column("x", "STRING"), int64)


def test_a_schema_change_describes_itself_in_one_phrase():
    assert SchemaChange("add", ("ag_g_t",), None, decimal_column("ag_g_t", 9, 3)).describe() == \
        "new column ag_g_t NUMERIC(9,3)"
    assert SchemaChange("add", ("lab", "city"), None, Column("city", "STRING", "REPEATED")).describe() == \
        "new field lab.city STRING REPEATED"
    assert SchemaChange("widen", ("mo_ppm",), decimal_column("mo_ppm", 9, 1),
                        decimal_column("mo_ppm", 12, 1)).describe() == "mo_ppm widened NUMERIC(9,1) -> NUMERIC(12,1)"
    assert SchemaChange("relax", ("lab", "accreditation"), None, Column("accreditation", "STRING")).describe() == \
        "lab.accreditation now NULLABLE"


def test_duckdb_types_read_back_as_the_same_columns():
    for column in (Column("a", "INT64"), Column("b", "TIMESTAMP"), Column("c", "STRING", "REPEATED"),
                   decimal_column("d", 12, 3), decimal_column("e", 38, 0)):
        assert column_from_duckdb(column.name, duckdb_type(column)) == column, column
    assert duckdb_type(decimal_column("f", 40, 2)) == "VARCHAR"  # beyond DuckDB's 38 digits: exact text
    assert duckdb_type(Column("r", "RECORD", "REPEATED", fields=(Column("Mixed Case", "INT64"),))) == \
        'STRUCT("Mixed Case" BIGINT)[]'
    assert column_from_duckdb("m", "MAP(VARCHAR, INTEGER)") is None  # no source maps to it
    assert quote_ident('say "hi"') == '"say ""hi"""'
