"""Cursor types and typed window bounds (pipelines/bounds.py), and SAP's dates (sources/sap/):
pure functions, no database and no process. The command line's side of a bad bound (exit status 2,
one line, nothing loaded) is tests/test_production_failures.py's."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from pipelines.batch.loader import decide_window
from pipelines.bounds import CURSOR_TYPES, Bound, cursor_type_of, later, parse_bound
from pipelines.catalogue import Catalogue, TableConfig
from pipelines.cursors import first_value_sql
from pipelines.errors import ConfigError, SourceError
from pipelines.schema import Column, TableSchema, quote_ident
from pipelines.sources.base import SourceTable, Window
from pipelines.sources.sap import dates as sap_dates
from pipelines.sources.sap import rules as sap_rules

TRUCKS = SourceTable("public", "trucks", TableSchema((Column("id", "INT64"), Column("updated_at", "TIMESTAMP")),
                                                     ("id",)), ('"id"', '"updated_at"'), 10, 1)


class Clock:
    """A snapshot as far as the window needs one: where the lag lets this run's window end."""

    def __init__(self, end: str):
        self.end = end

    def window_end(self, table, cursor, cursor_type, lag) -> Bound:
        return parse_bound(self.end, cursor_type)


def options(start: str | None = None, end: str | None = None, full_refresh: bool = False) -> SimpleNamespace:
    return SimpleNamespace(start=start, end=end, full_refresh=full_refresh)


@pytest.mark.parametrize("args, needle", [
    (options(start="yesterday"), "bad --start 'yesterday'"),
    (options(end="2026-13-45"), "bad --end '2026-13-45'"),
    (options(start="2026-11-20", end="2026-11-10"), "--start 2026-11-20 is not before"),
])
def test_bad_window_bounds_are_config_errors(args, needle):
    config = TableConfig("public.trucks", "updated_at", cursor_type="timestamp")
    with pytest.raises(ConfigError, match=needle):
        decide_window(config, TRUCKS, args, None, Clock("2026-11-22T10:00:00+00:00"), timedelta(0))


def test_a_window_from_the_watermark_to_the_clock_and_its_texts():
    config = TableConfig("public.trucks", "updated_at", cursor_type="timestamp")
    window, watermark = decide_window(config, TRUCKS, options(), "2026-11-21T10:00:00+01:00",
                                      Clock("2026-11-22T10:00:00+00:00"), timedelta(0))
    assert (window.start_text, window.end_text) == ("2026-11-21T10:00:00+01:00", "2026-11-22T10:00:00+00:00")
    assert watermark.text == "2026-11-22T10:00:00+00:00"
    # a lag that keeps the window shut: an empty run, the watermark stays where it was
    window, watermark = decide_window(config, TRUCKS, options(), "2026-11-23T00:00:00+00:00",
                                      Clock("2026-11-22T10:00:00+00:00"), timedelta(0))
    assert window.start == window.end and watermark.text == "2026-11-23T00:00:00+00:00"


@pytest.mark.parametrize("value, cursor_type, text", [
    ("2026-11-21T12:00:00+02:00", "timestamp", "2026-11-21T10:00:00+00:00"),  # the instant, in UTC
    ("2026-11-21T10:00:00", "timestamp", "2026-11-21T10:00:00+00:00"),  # naive is UTC
    ("2026-11-21T10:00:00Z", "timestamp", "2026-11-21T10:00:00+00:00"),
    ("2026-11-21", "timestamp", "2026-11-21T00:00:00+00:00"),
    ("2026-11-21T06:00:00-03:00", "datetime", "2026-11-21T06:00:00"),  # wall-clock time, zone dropped
    ("2026-11-21T06:30:00", "date", "2026-11-21"),
    ("42", "integer", "42"),
    (" 7", "integer", "7"),
    ("20261121", "sap_date", "20261121"),
    ("2026-11-21", "sap_date", "20261121"),  # an ISO date for a SAP date
])
def test_a_bound_is_parsed_once_into_its_type(value, cursor_type, text):
    bound = parse_bound(value, cursor_type, "--start")
    assert (bound.cursor_type, bound.text, str(bound)) == (cursor_type, text, text)
    assert Bound.stored(text, cursor_type) == bound  # what a run stores reads back as the same bound


@pytest.mark.parametrize("value, cursor_type, needle", [
    ("yesterday", "timestamp", "bad --start 'yesterday': expected an ISO 8601 date or timestamp"),
    ("2026-13-45", "date", "bad --start '2026-13-45': expected an ISO 8601 date or timestamp"),
    ("2026-13-45", "datetime", "bad --start '2026-13-45'"),
    ("4.5", "integer", "bad --start '4.5': the cursor is an integer"),
    ("20261345", "sap_date", "bad --start '20261345': the cursor is an SAP date, expected YYYYMMDD"),
    ("00000000", "sap_date", "the cursor is an SAP date"),  # SAP's empty date is no bound
    ("yesterday", "sap_date", "the cursor is an SAP date"),
])
def test_bad_bounds_name_the_option_and_what_was_expected(value, cursor_type, needle):
    with pytest.raises(ConfigError, match=needle):
        parse_bound(value, cursor_type, "--start")


def test_bounds_compare_as_values_and_stored_texts_are_kept_exactly():
    assert later(parse_bound("9", "integer"), parse_bound("10", "integer")).text == "10"  # not as text
    assert later(None, parse_bound("20260101", "sap_date")).text == "20260101"
    assert later(None, None) is None
    # an instant stored with another offset is kept as written, and compares as the instant
    stored = Bound.stored("2026-11-21T11:00:00.250000+01:00", "timestamp")
    assert stored.text == "2026-11-21T11:00:00.250000+01:00"
    assert stored < parse_bound("2026-11-21T10:00:01", "timestamp")
    assert Bound.stored("0001-01-01", "date").value == date(1, 1, 1)


def test_the_clock_as_a_bound_of_each_time_type():
    clock = datetime(2026, 11, 23, 0, 30, 15, 250000, tzinfo=timezone(timedelta(hours=-3)))
    assert Bound.at("sap_date", clock).text == "20261123"  # the source's local date
    assert Bound.at("date", clock).text == "2026-11-23"
    assert Bound.at("datetime", clock).text == "2026-11-23T00:30:15.250000"
    assert Bound.at("timestamp", clock).text == "2026-11-23T00:30:15.250000-03:00"
    with pytest.raises(ValueError):
        Bound.at("integer", clock)


def test_the_cursor_type_is_checked_against_the_column():
    assert cursor_type_of(None, Column("updated_at", "TIMESTAMP"), "t") == "timestamp"
    assert cursor_type_of(None, Column("id", "INT64"), "t") == "integer"
    assert cursor_type_of("sap_date", Column("AEDAT", "STRING", source_type="NVARCHAR2(8)"), "t") == "sap_date"
    with pytest.raises(ConfigError, match=r"^cursor column t\.AEDAT has type NVARCHAR2\(8\): a text cursor must be "
                                          "declared `cursor_type: sap_date` in the catalogue$"):
        cursor_type_of(None, Column("AEDAT", "STRING", source_type="NVARCHAR2(8)"), "t")
    with pytest.raises(ConfigError, match="not the catalogue's cursor_type date"):
        cursor_type_of("date", Column("updated_at", "TIMESTAMP", source_type="timestamptz"), "t")
    with pytest.raises(SourceError, match="a text cursor must be a SAP date"):
        cursor_type_of("sap_date", Column("MATNR", "STRING", source_type="NVARCHAR2(18)"), "t")
    with pytest.raises(ConfigError, match="use a timestamp, date or integer column"):
        cursor_type_of(None, Column("x", "FLOAT64"), "t")


def test_catalogue_cursor_type_is_validated_on_load(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("pipeline: p\ndataset: d\ncursor_type: sap_date\ntables:\n  S.A:\n    cursor: [AEDAT, ERDAT]\n"
                    "  S.B:\n    cursor: CPUTM\n    cursor_type: integer\n  S.C:\n    key: [K]\n")
    catalogue = Catalogue.load(str(path))
    assert [(t.name, t.cursor_type) for t in catalogue.tables.values()] == [
        ("S.A", "sap_date"), ("S.B", "integer"), ("S.C", None)]  # no cursor, no cursor type
    path.write_text("pipeline: p\ndataset: d\ntables:\n  S.A:\n    cursor: X\n    cursor_type: sap_data\n")
    with pytest.raises(ConfigError, match=r"^catalogue .*: table S\.A: unknown cursor_type 'sap_data': use one of "
                                          "timestamp, datetime, date, integer, sap_date$"):
        Catalogue.load(str(path))
    assert Catalogue.load("erp").tables["SAPSR3.EQUI"].cursor_type == "sap_date"
    assert Catalogue.load("production").tables["public.trucks"].cursor_type == "timestamp"


def test_sap_dates_and_the_client_filter():
    assert sap_dates.parse_dats("20240229") == date(2024, 2, 29)
    assert sap_dates.dats_text(date(2026, 1, 5)) == "20260105"
    with pytest.raises(ConfigError, match="bad SAP date '2026011'"):
        sap_dates.parse_dats("2026011")
    assert sap_rules.SapRules(None).filters(Catalogue.load("erp")) == ()
    (only,) = sap_rules.SapRules("100").filters(Catalogue.load("erp"))
    assert (only.column, only.value, only.name) == ("MANDT", "100", "client")
    with pytest.raises(ConfigError, match="an SAP client is three digits"):
        sap_rules.SapRules("1x").filters(Catalogue.load("erp"))
    with pytest.raises(ConfigError, match="catalogue batch.production names no client column to filter by"):
        sap_rules.SapRules("100").filters(Catalogue.load("production"))


def test_a_cursor_over_several_columns_takes_the_first_with_a_value_as_its_type_defines_one():
    """Generic code asks the cursor type: SAP's empty dates come from SAP_DATE, not from a test of its name."""
    assert first_value_sql(("updated_at",), quote_ident) == '"updated_at"'
    assert first_value_sql(("updated_at", "created_at"), quote_ident) == 'COALESCE("updated_at", "created_at")'
    timestamps = Window("updated_at", None, parse_bound("2026-11-20", "timestamp"), fallbacks=("created_at",))
    assert timestamps.cursor_sql(quote_ident) == 'COALESCE("updated_at", "created_at")'
    change_dates = Window("AEDAT", None, parse_bound("20261120", "sap_date"), fallbacks=("ERDAT",))
    assert change_dates.cursor_sql(quote_ident) == sap_rules.change_date_sql(("AEDAT", "ERDAT"), quote_ident) == \
        """CASE WHEN "AEDAT" NOT IN ('00000000', ' ') THEN "AEDAT" ELSE "ERDAT" END"""
    assert CURSOR_TYPES["sap_date"] is sap_dates.SAP_DATE and sap_dates.SAP_DATE.empty_values == sap_dates.EMPTY_DATES
    assert {name: kind.column_type for name, kind in CURSOR_TYPES.items()} == {
        "timestamp": "TIMESTAMP", "datetime": "DATETIME", "date": "DATE", "integer": "INT64", "sap_date": "STRING"}
    with pytest.raises(ValueError):
        first_value_sql((), quote_ident)
