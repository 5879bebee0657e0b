"""The ERP loader on the local SAP stand-in: SAP names, client filter, change-date windows."""

from __future__ import annotations

import duckdb
import psycopg
import pytest

from pipelines.batch import erp
from pipelines.errors import ConfigError

CATALOGUE = """
pipeline: batch.erp
dataset: raw_erp
lag_seconds: 0
client_column: MANDT
cursor_type: sap_date
tables:
  SAPSR3.EQUI:
    key: [MANDT, EQUNR]
    cursor: [AEDAT, ERDAT]
  SAPSR3.ZMINE_SHIFTLOG:
    key: [MANDT, LOGID]
"""

# (client, equipment, created, changed): AEDAT '00000000' = never changed, ERDAT counts then
EQUIPMENT = [
    ("100", "000000000010000001", "20260105", "00000000"),  # window 1 by ERDAT
    ("100", "000000000010000002", "20260110", "20260301"),  # window 1 by AEDAT
    ("100", "000000000010000003", "20260110", "20260715"),  # window 2 by AEDAT
    ("100", "000000000010000004", "20260801", "00000000"),  # window 2 by ERDAT
    ("200", "000000000020000001", "20260105", "00000000"),  # another company: never with --sap_client 100
]


@pytest.fixture
def sap_url(production_url, tmp_path):
    with psycopg.connect(production_url, autocommit=True) as conn:
        conn.execute('CREATE SCHEMA sapsr3')
        conn.execute('CREATE TABLE sapsr3."EQUI" ("MANDT" varchar(3), "EQUNR" varchar(18), "ERDAT" varchar(8), '
                     '"AEDAT" varchar(8), "HERST" varchar(30), PRIMARY KEY ("MANDT", "EQUNR"))')
        for client, equnr, erdat, aedat in EQUIPMENT:
            conn.execute('INSERT INTO sapsr3."EQUI" VALUES (%s, %s, %s, %s, %s)',
                         (client, equnr, erdat, aedat, "CATERPILLAR "))
        conn.execute('CREATE TABLE sapsr3."ZMINE_SHIFTLOG" ("MANDT" varchar(3), "LOGID" varchar(10), '
                     '"/MINE/SHIFT" varchar(2), PRIMARY KEY ("MANDT", "LOGID"))')
        conn.execute("""INSERT INTO sapsr3."ZMINE_SHIFTLOG" VALUES ('100', '0000000001', 'A '), """
                     """('100', '0000000002', 'B ')""")
        conn.execute('CREATE TABLE sapsr3."T001W" ("WERKS" varchar(4), "NAME1" varchar(30))')  # no MANDT
    catalogue = tmp_path / "erp.yaml"
    catalogue.write_text(CATALOGUE)
    return production_url, str(catalogue)


def load(sap_url, warehouse_url, *extra: str):
    url, catalogue = sap_url
    return erp.run(["--source_url", url, "--catalogue", catalogue, "--warehouse", warehouse_url, *extra])


def equipment(warehouse_url: str) -> list[str]:
    con = duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True)
    try:
        return sorted(r[0] for r in con.execute('SELECT "EQUNR" FROM raw_erp.equi').fetchall())
    finally:
        con.close()


def test_change_date_windows_follow_aedat_then_erdat_for_one_client(sap_url, warehouse_url, minera_home):
    (first,) = load(sap_url, warehouse_url, "--tables", "EQUI", "--sap_client", "100", "--end", "20260601")
    assert first.target == "raw_erp.equi" and first.rows == 2
    assert equipment(warehouse_url) == ["000000000010000001", "000000000010000002"]
    (second,) = load(sap_url, warehouse_url, "--tables", "EQUI", "--sap_client", "100", "--end", "20261001")
    assert second.rows == 2  # [20260601, 20261001): one by AEDAT, one by ERDAT
    assert equipment(warehouse_url) == [f"00000000001000000{i}" for i in range(1, 5)]
    # the same window again replaces what it loaded, by the same change-date expression: no duplicates
    (again,) = load(sap_url, warehouse_url, "--tables", "EQUI", "--sap_client", "100",
                    "--start", "2026-06-01", "--end", "20261001")
    assert again.rows == 2 and len(equipment(warehouse_url)) == 4

    con = duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True)
    watermark = con.execute("SELECT cursor_column, watermark FROM ops.watermarks WHERE pipeline = 'batch.erp'"
                            ).fetchone()
    values = con.execute('SELECT "MANDT", "AEDAT", "HERST" FROM raw_erp.equi WHERE "EQUNR" = '
                         "'000000000010000001'").fetchone()
    assert watermark == ("AEDAT", "20261001")
    assert values == ("100", "00000000", "CATERPILLAR ")  # SAP's values as stored: empty date, padding


def test_every_client_without_sap_client_and_namespace_columns_survive(sap_url, warehouse_url, minera_home):
    outcomes = load(sap_url, warehouse_url, "--tables", "EQUI,SAPSR3.ZMINE_SHIFTLOG")
    assert [(o.target, o.rows) for o in outcomes] == [("raw_erp.equi", 5), ("raw_erp.zmine_shiftlog", 2)]
    con = duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True)
    # BigQuery holds no '/' in a column name: /MINE/SHIFT lands as _MINE_SHIFT, values as stored
    assert con.execute('SELECT "_MINE_SHIFT" FROM raw_erp.zmine_shiftlog ORDER BY "LOGID"').fetchall() == [
        ("A ",), ("B ",)]


def test_namespace_names_keep_their_source_name_on_the_warehouse_column():
    from pipelines.schema import Column, TableSchema, bigquery_field, with_warehouse_names

    schema = TableSchema((Column("MANDT", "STRING"), Column("/MINE/SHIFT", "STRING", source_type="varchar(2)")),
                         primary_key=("MANDT", "/MINE/SHIFT"))
    renamed = with_warehouse_names(schema, "SAPSR3.ZMINE_SHIFTLOG")
    assert renamed.names == ["MANDT", "_MINE_SHIFT"] and renamed.primary_key == ("MANDT", "_MINE_SHIFT")
    assert bigquery_field(renamed.column("_MINE_SHIFT"))["description"] == \
        "source column: /MINE/SHIFT; source type: varchar(2)"  # the way back to SAP's name
    assert with_warehouse_names(TableSchema((Column("MANDT", "STRING"),)), "T").names == ["MANDT"]
    with pytest.raises(ValueError, match="_MINE_SHIFT would share a name"):
        with_warehouse_names(TableSchema((Column("/MINE/SHIFT", "STRING"), Column("_MINE_SHIFT", "STRING"))), "T")


def test_bad_client_and_tables_are_one_line_config_errors(sap_url, warehouse_url, minera_home):
    with pytest.raises(ConfigError, match="T001W has no MANDT column"):
        load(sap_url, warehouse_url, "--tables", "T001W", "--sap_client", "100")
    with pytest.raises(ConfigError, match="an SAP client is three digits"):
        load(sap_url, warehouse_url, "--tables", "EQUI", "--sap_client", "1x")
    with pytest.raises(ConfigError, match="unknown table SAPSR3.MSEG"):
        load(sap_url, warehouse_url, "--tables", "MSEG")
    with pytest.raises(ConfigError, match="expected YYYYMMDD"):
        load(sap_url, warehouse_url, "--tables", "EQUI", "--end", "next week")


def test_a_change_date_cursor_without_any_date_is_refused(sap_url, warehouse_url, minera_home):
    url, _ = sap_url
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("""UPDATE sapsr3."EQUI" SET "AEDAT" = '00000000', "ERDAT" = '00000000'""")
    with pytest.raises(ConfigError, match="holds no date in any row"):
        load(sap_url, warehouse_url, "--tables", "EQUI")
    con = duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True)
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw_erp'"
                       ).fetchone() == (0,)  # nothing half-loaded


def test_an_oracle_url_builds_the_oracle_snapshot_with_oracles_password_variable(monkeypatch):
    from pipelines.options import BatchLoadOptions
    from pipelines.sources.oracle.snapshot import OracleSnapshot

    opts = BatchLoadOptions([])
    snapshot = erp.open_snapshot("oracle://LOADER@sap-db.minera.internal:1521/PRD", opts)
    assert isinstance(snapshot, OracleSnapshot)
    assert snapshot.connection.dsn == "sap-db.minera.internal:1521/PRD" and snapshot.connection.user == "LOADER"
    assert snapshot.connection.credentials.env_var == "ORACLE_PASSWORD"
    with pytest.raises(ConfigError, match="must not contain a password"):
        erp.open_snapshot("oracle://LOADER:s3cret@sap-db:1521/PRD", opts)
    with pytest.raises(ConfigError, match="expected oracle://USER@HOST:PORT/SERVICE"):
        erp.open_snapshot("mysql://sap-db/PRD", opts)


def deleted(warehouse_url: str) -> list[tuple[str, str]]:
    con = duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True)
    try:
        return sorted(con.execute('SELECT "MANDT", "EQUNR" FROM raw_erp.equi__deleted').fetchall())
    finally:
        con.close()


def test_detect_deletes_records_keys_the_source_lost_once_and_only_in_the_client_read(sap_url, warehouse_url,
                                                                                       minera_home):
    url, _ = sap_url
    load(sap_url, warehouse_url, "--tables", "EQUI", "--end", "20261001")  # every client
    assert deleted(warehouse_url) == []  # the ERP keeps the table even before any detection
    with psycopg.connect(url, autocommit=True) as conn:  # SAP archives one truck and the other company's row
        conn.execute("""DELETE FROM sapsr3."EQUI" WHERE "EQUNR" IN ('000000000010000002', '000000000020000001')""")
    (outcome,) = load(sap_url, warehouse_url, "--tables", "EQUI", "--sap_client", "100", "--detect_deletes",
                      "--start", "20261001", "--end", "20261101")
    assert outcome.rows == 0  # nothing changed in the window; the keys were still compared
    assert deleted(warehouse_url) == [("100", "000000000010000002")]  # client 200 was not read: not judged
    load(sap_url, warehouse_url, "--tables", "EQUI", "--detect_deletes", "--start", "20261101", "--end", "20261102")
    assert deleted(warehouse_url) == [("100", "000000000010000002"), ("200", "000000000020000001")]  # once each


def test_a_window_applies_to_tables_with_a_cursor_and_the_others_load_whole(sap_url, warehouse_url, minera_home):
    """A scheduled run passes --start/--end for the whole catalogue: the tables SAP keeps no change
    date for (here ZMINE_SHIFTLOG) load their current snapshot instead of failing the run."""
    equi, shiftlog = load(sap_url, warehouse_url, "--tables", "EQUI,ZMINE_SHIFTLOG", "--sap_client", "100",
                          "--start", "2026-06-01T00:00:00Z", "--end", "2026-10-01T00:00:00Z")
    assert (equi.target, equi.rows) == ("raw_erp.equi", 2)
    assert equipment(warehouse_url) == ["000000000010000003", "000000000010000004"]
    assert (shiftlog.target, shiftlog.rows) == ("raw_erp.zmine_shiftlog", 2)
    con = duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True)
    try:
        marks = dict(con.execute("SELECT table_name, watermark FROM ops.watermarks "
                                 "WHERE pipeline = 'batch.erp'").fetchall())
    finally:
        con.close()
    assert marks == {"sapsr3.EQUI": "20261001"}  # the stand-in's schema; no watermark without a cursor


def test_a_window_over_tables_without_any_cursor_is_refused(sap_url, warehouse_url, minera_home):
    with pytest.raises(ConfigError, match="none of SAPSR3.ZMINE_SHIFTLOG has a cursor column"):
        load(sap_url, warehouse_url, "--tables", "ZMINE_SHIFTLOG", "--start", "20260601")


def test_an_end_later_than_the_lag_allows_is_loaded_and_warned_about(sap_url, warehouse_url, minera_home,
                                                                      caplog):
    """An explicit --end is trusted (backfills, the DAGs, which wait out the lag first), but one
    beyond what the lag allows now is named: rows committed late before it may be missed."""
    with caplog.at_level("WARNING", logger="pipelines.batch.loader"):
        (equi,) = load(sap_url, warehouse_url, "--tables", "EQUI", "--sap_client", "100",
                       "--end", "29991231", "--lag_seconds", "86400")
    assert equi.rows == 4
    (warning,) = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert "sapsr3.EQUI: --end 29991231 is later than the lag allows now" in warning
    caplog.clear()
    with caplog.at_level("WARNING", logger="pipelines.batch.loader"):
        load(sap_url, warehouse_url, "--tables", "EQUI", "--sap_client", "100", "--start", "20260101",
             "--end", "20260601")
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
