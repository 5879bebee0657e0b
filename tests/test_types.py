"""Exact types: every PostgreSQL type lands with its value, in DuckDB and in BigQuery's schema."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import duckdb
import psycopg
import pytest

from pipelines.batch import production
from pipelines.schema import bigquery_field
from pipelines.sources.postgres import PostgresConnection, PostgresSnapshot

DDL = """
CREATE TYPE mood AS ENUM ('calm', 'shaky');
CREATE TABLE "Odd Schema Test" (id int PRIMARY KEY);
CREATE TABLE all_types (
    id bigint PRIMARY KEY,
    small smallint, i int, f4 real, f8 double precision,
    money_ok numeric(7,2), tiny_scale numeric(38,9), wide_scale numeric(20,12), huge numeric(50,10), big numeric(60,30),
    free numeric,
    ts timestamptz, naive timestamp, d date, t time, flag boolean,
    doc jsonb, doc_text json, ints int[], words text[], amounts numeric(6,2)[],
    blob bytea, uid uuid, feeling mood, fixed char(5), label varchar(10),
    "order" int, "MixedCase" text, "select" text, span interval
);
INSERT INTO all_types VALUES
 (1, -32768, 2147483647, 1.5, 2.25,
  -12345.67, 12345678901234567890123456789.123456789, 12345678.123456789012,
  1234567890123456789012345678901234567890.0123456789, 123456789012345678901234567890.123456789012345678901234567891,
  123456789012345678901234567890.123456789012345678901234567,
  '2026-11-22 10:15:03.250123+02', '2026-11-22 10:15:03.250123', '2026-11-22', '23:59:59.999999', true,
  '{"a": [1, 2, {"b": null}], "c": "ü"}', '{"x":  1}', '{1,2,3}', '{"a","b c",""}', '{1.10,2.25}',
  '\\x00ff10', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'shaky', 'ab', 'label',
  5, 'Mixed', 'sel', '1 day 02:03:04'),
 (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
"""


@pytest.fixture
def typed_db(production_url) -> str:
    with psycopg.connect(production_url, autocommit=True) as conn:
        conn.execute(DDL)
    return production_url


def test_every_type_lands_exactly_in_duckdb(typed_db, warehouse_url, minera_home):
    production.run(["--source_url", typed_db, "--warehouse", warehouse_url, "--tables", "public.all_types"])
    con = duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    rows = con.execute("SELECT * EXCLUDE (_run_id, _loaded_at) FROM raw_production.all_types ORDER BY id").fetchall()
    names = [d[0] for d in con.description]
    first, nulls = dict(zip(names, rows[0], strict=True)), dict(zip(names, rows[1], strict=True))
    assert first["small"] == -32768 and first["i"] == 2147483647 and first["f4"] == 1.5 and first["f8"] == 2.25
    assert first["money_ok"] == Decimal("-12345.67")
    assert first["tiny_scale"] == Decimal("12345678901234567890123456789.123456789")
    assert first["wide_scale"] == Decimal("12345678.123456789012")
    # beyond DuckDB's 38 digits: the exact decimal text, never a float
    assert first["huge"] == "1234567890123456789012345678901234567890.0123456789"
    assert first["big"] == "123456789012345678901234567890.123456789012345678901234567891"
    assert first["free"] == "123456789012345678901234567890.12345678901234567890123456700000000"[:len(first["free"])]
    assert Decimal(first["free"]) == Decimal("123456789012345678901234567890.123456789012345678901234567")
    assert first["ts"] == dt.datetime(2026, 11, 22, 8, 15, 3, 250123, tzinfo=dt.timezone.utc)
    assert first["naive"] == dt.datetime(2026, 11, 22, 10, 15, 3, 250123)
    assert first["d"] == dt.date(2026, 11, 22) and first["t"] == dt.time(23, 59, 59, 999999)
    assert first["flag"] is True
    assert json.loads(first["doc"]) == {"a": [1, 2, {"b": None}], "c": "ü"}
    assert json.loads(first["doc_text"]) == {"x": 1}
    assert first["ints"] == [1, 2, 3] and first["words"] == ["a", "b c", ""]
    assert first["amounts"] == [Decimal("1.10"), Decimal("2.25")]
    assert first["blob"] == b"\x00\xff\x10"
    assert first["uid"] == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    assert first["feeling"] == "shaky" and first["fixed"] == "ab   " and first["label"] == "label"
    assert first["order"] == 5 and first["MixedCase"] == "Mixed" and first["select"] == "sel"
    assert first["span"] == "1 day 02:03:04"
    assert all(value is None for key, value in nulls.items() if key != "id")
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'all_types'").fetchall())
    assert types["money_ok"] == "DECIMAL(7,2)" and types["tiny_scale"] == "DECIMAL(38,9)"
    assert types["huge"] == types["big"] == types["free"] == "VARCHAR"
    assert types["ts"] == "TIMESTAMP WITH TIME ZONE" and types["naive"] == "TIMESTAMP"
    assert types["doc"] == "JSON" and types["ints"] == "BIGINT[]" and types["amounts"] == "DECIMAL(6,2)[]"
    assert types["_run_id"] == "VARCHAR" and types["_loaded_at"] == "TIMESTAMP WITH TIME ZONE"


def test_bigquery_schema_from_the_same_catalog(typed_db):
    with PostgresSnapshot(PostgresConnection(typed_db)) as snapshot:
        table = snapshot.table("public.all_types")
    fields = {c.name: bigquery_field(c) for c in table.schema.columns}
    assert table.schema.primary_key == ("id",)

    def kind(name: str) -> tuple:
        f = fields[name]
        return f["type"], f["mode"], f.get("precision"), f.get("scale")

    assert kind("small") == ("INT64", "NULLABLE", None, None)
    assert kind("money_ok") == ("NUMERIC", "NULLABLE", "7", "2")
    assert kind("tiny_scale") == ("NUMERIC", "NULLABLE", "38", "9")  # 29 integer digits, scale 9: NUMERIC
    assert kind("wide_scale") == ("BIGNUMERIC", "NULLABLE", "20", "12")  # scale > 9
    assert kind("huge") == ("STRING", "NULLABLE", None, None)  # 40 integer digits: wider than BIGNUMERIC
    assert kind("big") == ("BIGNUMERIC", "NULLABLE", "60", "30")  # 30 + 30 digits: BIGNUMERIC holds it
    assert kind("free") == ("BIGNUMERIC", "NULLABLE", None, None)  # unconstrained: widest exact type
    assert kind("ts")[0] == "TIMESTAMP" and kind("naive")[0] == "DATETIME"
    assert kind("d")[0] == "DATE" and kind("t")[0] == "TIME" and kind("flag")[0] == "BOOL"
    assert kind("doc")[0] == kind("doc_text")[0] == "JSON"
    assert kind("ints") == ("INT64", "REPEATED", None, None)
    assert kind("amounts") == ("NUMERIC", "REPEATED", "6", "2")
    assert kind("blob")[0] == "BYTES"
    assert kind("uid")[0] == kind("feeling")[0] == kind("span")[0] == "STRING"
    assert fields["ts"]["description"] == "source type: timestamp with time zone"


def test_a_value_that_does_not_fit_fails_loudly(production_url, warehouse_url, minera_home):
    """NaN has no place in BigQuery NUMERIC: the run fails naming it instead of loading NULL."""
    with psycopg.connect(production_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE odd_numbers (id int PRIMARY KEY, v numeric(7,2)); "
                     "INSERT INTO odd_numbers VALUES (1, 1.5), (2, 'NaN')")
    from pipelines.errors import PipelineError

    with pytest.raises(PipelineError, match="odd_numbers"):
        production.run(["--source_url", production_url, "--warehouse", warehouse_url,
                        "--tables", "public.odd_numbers"])
    con = duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True)
    assert con.execute("SELECT count(*) FROM information_schema.tables "
                       "WHERE table_name = 'odd_numbers'").fetchone()[0] == 0
