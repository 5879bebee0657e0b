"""The ERP's staging models over what the real loader landed from the local SAP stand-in.

Raw keeps SAP's values as stored ('YYYYMMDD', '00000000', NUMC with leading zeros, ' ');
``staging.stg_erp__<table>`` keeps those columns and adds readable ones: DATE, TIME, numbers
without leading zeros, trimmed texts, BOOL flags, one row per SAP key, deleted keys left out.
"""

from __future__ import annotations

import re
from datetime import date

import duckdb
import psycopg
import pytest
import sqlglot

from pipelines import models
from pipelines.batch import erp, production
from pipelines.catalogue import Catalogue
from pipelines.local.seed_erp import seed
from pipelines.models import discover

CATALOGUE = Catalogue.load("erp").tables.values()
KEYS = {cfg.name.split(".")[1].lower(): cfg.key for cfg in CATALOGUE}
WINDOWED = ",".join(cfg.name for cfg in CATALOGUE if cfg.cursor)  # loaded by change-date windows
SNAPSHOTS = ",".join(cfg.name for cfg in CATALOGUE if not cfg.cursor)  # no change date: whole table each run
FIRST_END, SECOND_END = "20261001", "20261101"  # load windows, fixed so the test does not follow the clock
# SAP number fields (NUMC, or CHAR with SAP's ALPHA conversion): shown without leading zeros
NUMBERS = {"EQUNR", "HEQUI", "EQLFN", "ILOAN", "AUFNR", "AUTYP", "QMNUM", "MATNR", "MBLNR", "ZEILE", "EBELN",
           "EBELP", "LIFNR", "KOSTL", "KOSTV", "LOGID"}


def query(warehouse_url: str, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def execute(warehouse_url: str, *statements: str) -> None:
    con = duckdb.connect(warehouse_url.removeprefix("duckdb://"))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def load_erp(url: str, warehouse_url: str, *extra: str) -> None:
    erp.run(["--source_url", url, "--warehouse", warehouse_url, *extra])


def load_all(url: str, warehouse_url: str, end: str) -> None:
    """One ERP load of every table: windows up to ``end``, the tables without a change date whole."""
    load_erp(url, warehouse_url, "--tables", WINDOWED, "--end", end)
    load_erp(url, warehouse_url, "--tables", SNAPSHOTS)


def staging_rows(warehouse_url: str, table: str) -> int:
    return query(warehouse_url, f"SELECT count(*) FROM staging.stg_erp__{table}")[0][0]


def raw_keys(warehouse_url: str, table: str) -> int:
    key = ", ".join(KEYS[table])
    return query(warehouse_url, f"SELECT count(*) FROM (SELECT DISTINCT {key} FROM raw_erp.{table})")[0][0]


@pytest.fixture
def erp_warehouse(production_url, warehouse_url, minera_home):
    """The SAP stand-in seeded into a fresh database, loaded by the ERP loader up to FIRST_END, and
    every staging model applied with ``python -m pipelines.models --select staging``."""
    seed(production_url, scale=1_000)  # the smallest scale the seeder takes
    load_all(production_url, warehouse_url, FIRST_END)
    # the production models are staging models too: their raw tables must exist as well
    production.run(["--source_url", production_url, "--warehouse", warehouse_url, "--lag_seconds", "0"])
    applied = models.run(["--warehouse", warehouse_url, "--select", "staging"])
    assert sorted(m for m in applied if m.startswith("staging.stg_erp__")) == \
        sorted(f"staging.stg_erp__{t}" for t in KEYS)
    return production_url, warehouse_url


def test_every_sap_table_has_a_model_with_one_row_per_key(erp_warehouse):
    _, warehouse_url = erp_warehouse
    assert len(KEYS) == 19
    assert sorted(m.name for m in discover() if m.path.parent.name == "erp") == \
        sorted(f"stg_erp__{t}" for t in KEYS)
    for table, key in KEYS.items():
        # the loader keeps raw_erp.<table>__deleted for every keyed table, empty until --detect_deletes
        # finds a key SAP lost; the models read it, so it must exist after any load
        assert query(warehouse_url, f"SELECT count(*) FROM raw_erp.{table}__deleted") == [(0,)], table
        rows, keys = query(warehouse_url, f"SELECT count(*), count(DISTINCT ({', '.join(key)})) "
                                          f"FROM staging.stg_erp__{table}")[0]
        assert rows == keys == raw_keys(warehouse_url, table) > 0, table


def column_pairs(warehouse_url: str, table: str) -> list[tuple[str, str, str]]:
    """(SAP column, readable column, readable type): each SAP column is followed by its readable one."""
    columns = query(warehouse_url, "SELECT column_name, data_type FROM information_schema.columns "
                                   "WHERE table_schema = 'staging' AND table_name = ? ORDER BY ordinal_position",
                    [f"stg_erp__{table}"])
    return [(sap, name, kind) for (sap, _), (name, kind) in zip(columns, columns[1:], strict=False)
            if sap.upper() == sap and name.lower() == name]


def test_sap_values_become_dates_times_numbers_texts_and_flags(erp_warehouse):
    """Every converted column of every model against the SAP value it came from, row by row."""
    _, warehouse_url = erp_warehouse
    seen = {"no date": 0, "date": 0, "time": 0, "number": 0, "blank": 0}
    for table in KEYS:
        pairs = column_pairs(warehouse_url, table)
        raw_columns = len(query(warehouse_url, f"DESCRIBE raw_erp.{table}")) - 2  # all but _run_id, _loaded_at
        assert len(pairs) == raw_columns, table
        view = f"staging.stg_erp__{table}"
        for sap, name, kind in pairs:
            if kind == "DATE":  # DATS: '00000000' -> NULL, any other value the same day
                bad = query(warehouse_url, f"SELECT count(*) FROM {view} WHERE NOT coalesce(strftime({name}, "
                                           f"'%Y%m%d') = {sap}, {sap} = '00000000' AND {name} IS NULL)")
                seen["no date"] += query(warehouse_url, f"SELECT count(*) FROM {view} WHERE {name} IS NULL")[0][0]
                seen["date"] += query(warehouse_url, f"SELECT count({name}) FROM {view}")[0][0]
            elif kind == "TIME":  # TIMS: 'HHMMSS' -> the same time of day (NULL only without a date)
                bad = query(warehouse_url, f"SELECT count(*) FROM {view} WHERE {name} IS NOT NULL "
                                           f"AND strftime(DATE '2000-01-01' + {name}, '%H%M%S') <> {sap}")
                seen["time"] += query(warehouse_url, f"SELECT count({name}) FROM {view}")[0][0]
            elif kind == "BOOLEAN":  # flags: 'X' (EKKO/EKPO: 'L') set, ' ' not
                bad = query(warehouse_url, f"SELECT count(*) FROM {view} WHERE {name} IS DISTINCT FROM "
                                           f"({sap} IN ('X', 'L'))")
            elif kind == "BIGINT":  # years
                bad = query(warehouse_url, f"SELECT count(*) FROM {view} WHERE {name} IS DISTINCT FROM "
                                           f"TRY_CAST(NULLIF(TRIM({sap}), '0000') AS BIGINT)")
            elif kind == "VARCHAR" and sap in NUMBERS:  # SAP's ALPHA display: no leading zeros
                bad = query(warehouse_url, f"SELECT count(*) FROM {view} WHERE {name} IS DISTINCT FROM "
                                           f"NULLIF(LTRIM(TRIM({sap}), '0'), '') OR {name} LIKE '0%'")
                seen["number"] += query(warehouse_url, f"SELECT count(*) FROM {view} WHERE {sap} LIKE '0%' "
                                                       f"AND {name} IS NOT NULL")[0][0]
            elif kind == "VARCHAR":  # codes and texts: trimmed, SAP's blank ' ' -> NULL
                bad = query(warehouse_url, f"SELECT count(*) FROM {view} WHERE {name} IS DISTINCT FROM "
                                           f"NULLIF(TRIM({sap}), '')")
                seen["blank"] += query(warehouse_url, f"SELECT count(*) FROM {view} WHERE {sap} = ' '")[0][0]
            else:  # the client and QUAN/CURR decimals: unchanged
                assert sap == "MANDT" or kind.startswith("DECIMAL"), (table, sap, kind)
                bad = query(warehouse_url, f"SELECT count(*) FROM {view} WHERE {name} IS DISTINCT FROM {sap}")
            assert bad == [(0,)], (table, sap, name, kind)
    assert all(seen.values()), seen  # the seed has every case: empty and real dates, zeros, blanks


def test_a_sample_row_against_raw(erp_warehouse):
    _, warehouse_url = erp_warehouse
    # a truck never changed since it was created: AEDAT is SAP's empty date
    raw = query(warehouse_url, "SELECT MANDT, EQUNR, ERDAT, AEDAT, AENAM, HERST, BAUJJ, TIDNR FROM raw_erp.equi "
                               "WHERE AEDAT = '00000000' AND TIDNR LIKE 'HT-%' ORDER BY EQUNR LIMIT 1")[0]
    client, equnr, erdat, aedat, aenam, herst, baujj, tidnr = raw
    assert re.fullmatch(r"0{10}\d{8}", equnr) and aenam == " "
    row = query(warehouse_url, "SELECT EQUNR, equipment_number, ERDAT, created_on, AEDAT, changed_on, changed_by, "
                               "manufacturer, construction_year, technical_id FROM staging.stg_erp__equi "
                               "WHERE MANDT = ? AND EQUNR = ?", [client, equnr])
    assert row == [(equnr, equnr.lstrip("0"), erdat, date(int(erdat[:4]), int(erdat[4:6]), int(erdat[6:])),
                     "00000000", None, None, herst.strip(), int(baujj), tidnr)]
    # a breakdown notification: dates and times of the malfunction; an open one has no end
    breakdowns = query(warehouse_url, "SELECT MANDT, QMNUM, AUSVN, AUZTV, AUSBS, AUZTB FROM raw_erp.qmih "
                                      "WHERE MSAUS = 'X'")
    assert breakdowns and any(b[4] == "00000000" for b in breakdowns) and any(b[4] != "00000000" for b in breakdowns)
    for client, qmnum, ausvn, auztv, ausbs, auztb in breakdowns:  # both clients: the key includes MANDT
        (got,) = query(warehouse_url, "SELECT is_breakdown, malfunction_start_on, malfunction_start_at_time, "
                                      "malfunction_end_on, malfunction_end_at_time FROM staging.stg_erp__qmih "
                                      "WHERE MANDT = ? AND QMNUM = ?", [client, qmnum])
        assert got[0] is True and got[1] == date(int(ausvn[:4]), int(ausvn[4:6]), int(ausvn[6:]))
        assert got[2].strftime("%H%M%S") == auztv
        if ausbs == "00000000":
            assert got[3:] == (None, None)  # TIMS '000000' with no date is "no time", not midnight
        else:
            assert got[4].strftime("%H%M%S") == auztb
    # a cost center with SAP's open end: 99991231 is a real date, 9999-12-31
    assert query(warehouse_url, "SELECT count(*) FROM staging.stg_erp__csks WHERE DATBI = '99991231' AND "
                                "valid_to = DATE '9999-12-31' AND cost_center NOT LIKE '0%'")[0][0] > 0
    # the customer table's namespace fields /MINE/SHIFT and /MINE/CREW arrive as _MINE_SHIFT, _MINE_CREW
    assert set(query(warehouse_url, "SELECT DISTINCT shift FROM staging.stg_erp__zmine_shiftlog")) == {("D",), ("N",)}
    assert query(warehouse_url, "SELECT count(*) FROM staging.stg_erp__zmine_shiftlog "
                                "WHERE crew <> TRIM(_MINE_CREW) OR crew IS NULL") == [(0,)]


def test_goods_movements_are_signed_by_debit_credit(erp_warehouse):
    _, warehouse_url = erp_warehouse
    counts = query(warehouse_url, """
        SELECT count(*) FILTER (WHERE SHKZG = 'H'), count(*) FILTER (WHERE SHKZG = 'S'),
               count(*) FILTER (WHERE quantity_signed < 0),
               count(*) FILTER (WHERE quantity_signed < 0 AND SHKZG <> 'H'),
               count(*) FILTER (WHERE quantity_signed IS DISTINCT FROM IF(SHKZG = 'H', -MENGE, MENGE)),
               count(*) FILTER (WHERE amount_signed IS DISTINCT FROM IF(SHKZG = 'H', -DMBTR, DMBTR)),
               count(*) FILTER (WHERE MENGE <= 0)
        FROM staging.stg_erp__mseg""")[0]
    issues, receipts, negative, negative_not_h, wrong_quantity, wrong_amount, not_positive = counts
    assert issues > 0 and receipts > 0 and not_positive == 0
    assert negative == issues and negative_not_h == 0  # negative exactly for H (credit: stock out)
    assert wrong_quantity == wrong_amount == 0
    # goods issues (261) point at orders, goods receipts (101) at purchase order items, without zeros
    assert query(warehouse_url, "SELECT count(*) FROM staging.stg_erp__mseg WHERE movement_type = '101' AND "
                                "(purchase_order_item IS NULL OR purchase_order_item LIKE '0%')") == [(0,)]
    assert query(warehouse_url, "SELECT count(*) FROM staging.stg_erp__mseg WHERE movement_type = '261' AND "
                                "(purchase_order_item IS NOT NULL OR order_number IS NULL)") == [(0,)]


def test_keys_deleted_in_sap_after_their_load_disappear(erp_warehouse):
    url, warehouse_url = erp_warehouse
    before = {t: staging_rows(warehouse_url, t) for t in ("equi", "qmel")}
    item = query(warehouse_url, "SELECT MANDT, MBLNR, MJAHR, ZEILE FROM raw_erp.mseg ORDER BY ALL LIMIT 1")[0]
    # SAP archives a material document item: the loader's --detect_deletes records it in mseg__deleted
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute('DELETE FROM sapsr3."MSEG" WHERE "MANDT" = %s AND "MBLNR" = %s AND "MJAHR" = %s '
                     'AND "ZEILE" = %s', item)
    load_erp(url, warehouse_url, "--tables", "MSEG", "--detect_deletes", "--start", FIRST_END, "--end", "20261002")
    assert query(warehouse_url, "SELECT MANDT, MBLNR, MJAHR, ZEILE FROM raw_erp.mseg__deleted") == [item]
    assert staging_rows(warehouse_url, "mseg") == raw_keys(warehouse_url, "mseg") - 1  # the day loaded, one gone
    assert query(warehouse_url, "SELECT count(*) FROM staging.stg_erp__mseg WHERE MANDT = ? AND MBLNR = ? "
                                "AND MJAHR = ? AND ZEILE = ?", list(item)) == [(0,)]

    # by hand: one equipment deleted after its load is gone; a notification deleted before its
    # (later) load was created again in SAP and stays
    (equi,) = query(warehouse_url, "SELECT MANDT, EQUNR FROM raw_erp.equi ORDER BY ALL LIMIT 1")
    (qmel,) = query(warehouse_url, "SELECT MANDT, QMNUM FROM raw_erp.qmel ORDER BY ALL LIMIT 1")
    execute(warehouse_url,
            f"INSERT INTO raw_erp.equi__deleted VALUES ('{equi[0]}', '{equi[1]}', 'by-hand', now())",
            f"INSERT INTO raw_erp.qmel__deleted VALUES ('{qmel[0]}', '{qmel[1]}', 'by-hand', "
            "TIMESTAMPTZ '2000-01-01 00:00:00+00')")
    assert staging_rows(warehouse_url, "equi") == before["equi"] - 1
    assert query(warehouse_url, "SELECT count(*) FROM staging.stg_erp__equi WHERE MANDT = ? AND EQUNR = ?",
                 list(equi)) == [(0,)]
    assert staging_rows(warehouse_url, "qmel") == before["qmel"]  # its deletion is older than its load


def test_a_later_load_gives_the_new_version_and_never_a_second_row(erp_warehouse):
    url, warehouse_url = erp_warehouse
    (client, equnr), = query(warehouse_url, "SELECT MANDT, EQUNR FROM raw_erp.equi ORDER BY ALL LIMIT 1")
    with psycopg.connect(url, autocommit=True) as conn:  # the equipment changes after the first window
        conn.execute("""UPDATE sapsr3."EQUI" SET "HERST" = 'LIEBHERR', "AEDAT" = '20261015'
                        WHERE "MANDT" = %s AND "EQUNR" = %s""", (client, equnr))
    load_all(url, warehouse_url, SECOND_END)
    versions = query(warehouse_url, "SELECT HERST FROM raw_erp.equi WHERE MANDT = ? AND EQUNR = ? "
                                    "ORDER BY _loaded_at", [client, equnr])
    assert len(versions) == 2 and versions[1] == ("LIEBHERR",)  # raw keeps both versions ...
    assert query(warehouse_url, "SELECT manufacturer, changed_on FROM staging.stg_erp__equi "
                                "WHERE MANDT = ? AND EQUNR = ?", [client, equnr]) == [
        ("LIEBHERR", date(2026, 10, 15))]  # ... staging shows the new one
    # and every table seen once more by a later run: the same rows with a new _loaded_at
    execute(warehouse_url, *(f"INSERT INTO raw_erp.{t} SELECT * REPLACE (now() + INTERVAL 1 HOUR AS _loaded_at) "
                             f"FROM raw_erp.{t}" for t in KEYS))
    for table in KEYS:
        assert staging_rows(warehouse_url, table) == raw_keys(warehouse_url, table), table
        assert query(warehouse_url, f"SELECT count(*) FROM staging.stg_erp__{table} "
                                    "WHERE loaded_at_warehouse < now()") == [(0,)], table  # the newest version


@pytest.mark.parametrize("table", sorted(KEYS))
def test_bigquery_rendering_qualifies_raw_and_deleted_tables_and_keeps_the_types(rendering, table):
    (model,) = [m for m in discover() if m.name == f"stg_erp__{table}"]
    statement = rendering.render(f"staging.stg_erp__{table}").sql(dialect="bigquery")
    tree = sqlglot.parse_one(statement, read="bigquery")
    tables = sorted(t.sql("bigquery") for t in tree.find_all(sqlglot.exp.Table))
    assert tables == sorted([f"`minera-prod`.`raw_erp`.`{table}` AS `t`",
                             f"`minera-prod`.`raw_erp`.`{table}__deleted` AS `d`"])
    # the conversions reach BigQuery as written (sqlglot would turn SAFE_CAST(x AS TIME FORMAT ...) into a
    # TIMESTAMP, which is why the models parse TIMS with REGEXP_REPLACE and SAFE_CAST(... AS TIME))
    written = model.sql().split(");\n", 1)[1]  # the query, after the MODEL header
    for shape in ("AS DATE FORMAT 'YYYYMMDD')", "AS TIME)", "AS INT64)", "REGEXP_REPLACE("):
        assert statement.count(shape) == written.count(shape), shape
    assert "TIMESTAMP" not in statement and "DATETIME" not in statement
    names = [s.alias_or_name for s in tree.selects]
    assert len({n.lower() for n in names}) == len(names)  # BigQuery names ignore case: no readable name clashes
    assert [n for n in names if n.isupper()] and "MANDT" in names  # SAP's columns as stored, upper case
