"""The local SAP stand-in: Oracle's names, SAP's stored values, keys that hold, one seed one result."""

from __future__ import annotations

import ast
import fnmatch
import uuid
from importlib import resources
from pathlib import Path

import psycopg
import pytest
import yaml

from pipelines.local.seed_erp import SCHEMA, TABLES, main, seed, seeded_erp

SCALE = 20_000


def new_database(pg_server, admin_url: str) -> str:
    name = f"erp_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg_server.get_uri(name)


@pytest.fixture(scope="module")
def erp(pg_server, pg_admin_url):
    """One seeded database for the read-only checks; yields (url, rows per table)."""
    url = new_database(pg_server, pg_admin_url)
    counts = seed(url, scale=SCALE, seed=7)
    return url, counts


def rows(url: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def value(url: str, sql: str, *params):
    return rows(url, sql, *params)[0][0]


def checksum(url: str, table: str, key: str) -> str:
    return value(url, f'SELECT md5(string_agg(t::text, E\'\\n\' ORDER BY {key})) FROM {SCHEMA}."{table}" t')


def catalogue() -> dict:
    return yaml.safe_load(resources.files("pipelines.catalogues").joinpath("erp.yaml").read_text())


def test_names_are_oracle_upper_case_quoted_in_a_lower_case_schema(erp):
    url, counts = erp
    assert set(counts) == set(TABLES) and all(counts.values())
    tables = {r[0] for r in rows(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                                 SCHEMA)}
    assert tables == set(TABLES) and "EQUI" in tables
    columns = rows(url, "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s",
                   SCHEMA)
    assert ("EQUI", "EQUNR") in columns and ("MSEG", "CPUDT_MKPF") in columns
    assert ("ZMINE_SHIFTLOG", "/MINE/SHIFT") in columns and ("ZMINE_SHIFTLOG", "/MINE/CREW") in columns
    assert all(c == c.upper() for _, c in columns)
    assert value(url, 'SELECT count(*) FROM sapsr3."EQUI" WHERE "EQUNR" <> \' \'') == counts["EQUI"]
    with pytest.raises(psycopg.errors.UndefinedTable):  # unquoted, PostgreSQL folds to lower case
        value(url, "SELECT count(*) FROM sapsr3.equi")
    # SAP on Oracle: VARCHAR2 and NUMBER, never CHAR, never NULL
    types = {r[0] for r in rows(url, "SELECT DISTINCT data_type FROM information_schema.columns "
                                     "WHERE table_schema = %s", SCHEMA)}
    assert types == {"character varying", "numeric"}
    assert value(url, "SELECT count(*) FROM information_schema.columns WHERE table_schema = %s "
                      "AND is_nullable = 'YES'", SCHEMA) == 0


def test_primary_keys_are_sap_keys_and_the_catalogue_agrees(erp):
    url, _ = erp
    cat = catalogue()
    assert cat["pipeline"] == "batch.erp" and cat["dataset"] == "raw_erp"
    assert cat["lag_seconds"] == 86400 and cat["client_column"] == "MANDT"
    assert set(cat["tables"]) == {f"SAPSR3.{t}" for t in TABLES}
    for name, cfg in cat["tables"].items():
        table = name.split(".", 1)[1]
        primary = [r[0] for r in rows(url, """
            SELECT a.attname FROM pg_index i
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
            WHERE i.indrelid = format('%%I.%%I', %s::text, %s::text)::regclass AND i.indisprimary
            ORDER BY array_position(i.indkey::int2[], a.attnum)""", SCHEMA, table)]
        assert cfg["key"] == primary and primary[0] == "MANDT", name
        columns = {r[0] for r in rows(url, "SELECT column_name FROM information_schema.columns "
                                           "WHERE table_schema = %s AND table_name = %s", SCHEMA, table)}
        assert set(cfg.get("cursor") or []) <= columns and set(cfg["cluster_by"]) <= columns, name
        assert 1 <= len(cfg["cluster_by"]) <= 4 and "partition_by" not in cfg, name
    cursors = {name.split(".")[1]: cfg.get("cursor") for name, cfg in cat["tables"].items()}
    assert cursors["EQUI"] == ["AEDAT", "ERDAT"] and cursors["MARA"] == ["LAEDA", "ERSDA"]
    assert cursors["MSEG"] == ["CPUDT_MKPF"] and cursors["MKPF"] == ["CPUDT"]
    assert all(cursors[t] is None for t in ("EQKT", "AFIH", "AFKO", "MAKT", "MARD"))
    # the keys hold in the data too (not only by the constraint's word)
    assert value(url, 'SELECT count(*) - count(DISTINCT ("MANDT", "MBLNR", "MJAHR", "ZEILE")) '
                      'FROM sapsr3."MSEG"') == 0


def test_items_reference_existing_headers_materials_orders_and_purchase_orders(erp):
    url, _ = erp
    orphans = {
        "MSEG without MKPF": 'SELECT count(*) FROM sapsr3."MSEG" s WHERE NOT EXISTS (SELECT 1 FROM sapsr3."MKPF" k '
                             'WHERE k."MANDT" = s."MANDT" AND k."MBLNR" = s."MBLNR" AND k."MJAHR" = s."MJAHR")',
        "MKPF without items": 'SELECT count(*) FROM sapsr3."MKPF" k WHERE NOT EXISTS (SELECT 1 FROM sapsr3."MSEG" s '
                              'WHERE k."MANDT" = s."MANDT" AND k."MBLNR" = s."MBLNR" AND k."MJAHR" = s."MJAHR")',
        "MSEG material": 'SELECT count(*) FROM sapsr3."MSEG" s LEFT JOIN sapsr3."MARA" m USING ("MANDT", "MATNR") '
                         'WHERE m."MATNR" IS NULL',
        "MSEG order": 'SELECT count(*) FROM sapsr3."MSEG" s LEFT JOIN sapsr3."AUFK" o USING ("MANDT", "AUFNR") '
                      "WHERE s.\"AUFNR\" <> ' ' AND o.\"AUFNR\" IS NULL",
        "MSEG PO item": 'SELECT count(*) FROM sapsr3."MSEG" s LEFT JOIN sapsr3."EKPO" p '
                        'USING ("MANDT", "EBELN", "EBELP") WHERE s."EBELN" <> \' \' '
                        'AND (p."EBELN" IS NULL OR p."MATNR" <> s."MATNR")',
        "EKPO header": 'SELECT count(*) FROM sapsr3."EKPO" p LEFT JOIN sapsr3."EKKO" k USING ("MANDT", "EBELN") '
                       'WHERE k."EBELN" IS NULL',
        "MSEG entry date": 'SELECT count(*) FROM sapsr3."MSEG" s JOIN sapsr3."MKPF" k USING ("MANDT", "MBLNR", '
                           '"MJAHR") WHERE s."CPUDT_MKPF" <> k."CPUDT" OR s."CPUTM_MKPF" <> k."CPUTM"',
        "AFIH equipment": 'SELECT count(*) FROM sapsr3."AFIH" a LEFT JOIN sapsr3."EQUI" e USING ("MANDT", "EQUNR") '
                          'WHERE e."EQUNR" IS NULL',
        "AFIH location": 'SELECT count(*) FROM sapsr3."AFIH" a LEFT JOIN sapsr3."ILOA" l USING ("MANDT", "ILOAN") '
                         'WHERE l."ILOAN" IS NULL',
        "ILOA functional location": 'SELECT count(*) FROM sapsr3."ILOA" l LEFT JOIN sapsr3."IFLOT" f '
                                    'USING ("MANDT", "TPLNR") WHERE f."TPLNR" IS NULL',
        "notification and order": 'SELECT count(*) FROM sapsr3."QMEL" q JOIN sapsr3."AFIH" a USING ("MANDT", '
                                  '"AUFNR") WHERE a."QMNUM" <> q."QMNUM"',
        "QMIH equipment": 'SELECT count(*) FROM sapsr3."QMIH" q LEFT JOIN sapsr3."EQUI" e USING ("MANDT", "EQUNR") '
                          'WHERE e."EQUNR" IS NULL',
        "order parts": 'SELECT count(*) FROM sapsr3."AUFK" o FULL JOIN sapsr3."AFIH" a USING ("MANDT", "AUFNR") '
                       'FULL JOIN sapsr3."AFKO" k USING ("MANDT", "AUFNR") '
                       'WHERE o."AUFNR" IS NULL OR a."AUFNR" IS NULL OR k."AUFNR" IS NULL',
        "MAKT material": 'SELECT count(*) FROM sapsr3."MAKT" t LEFT JOIN sapsr3."MARA" m USING ("MANDT", "MATNR") '
                         'WHERE m."MATNR" IS NULL',
        "MARD material": 'SELECT count(*) FROM sapsr3."MARD" t LEFT JOIN sapsr3."MARA" m USING ("MANDT", "MATNR") '
                         'WHERE m."MATNR" IS NULL',
    }
    assert {what: value(url, sql) for what, sql in orphans.items()} == dict.fromkeys(orphans, 0)
    movements = rows(url, """
        SELECT "BWART", "SHKZG", count(*) FILTER (WHERE "AUFNR" <> ' '), count(*) FILTER (WHERE "KOSTL" <> ' '),
               count(*) FILTER (WHERE "EBELN" <> ' '), count(*) FROM sapsr3."MSEG" GROUP BY 1, 2 ORDER BY 1""")
    assert [m[:2] for m in movements] == [("101", "S"), ("201", "H"), ("261", "H"), ("262", "S")]
    for bwart, _, to_order, to_cost_center, from_po, n in movements:  # each movement type's account assignment
        assert (to_order, to_cost_center, from_po) == {"101": (0, 0, n), "201": (0, n, 0)}.get(bwart, (n, 0, 0))


def test_values_are_stored_the_way_sap_stores_them(erp):
    url, _ = erp
    columns = rows(url, "SELECT table_name, column_name, character_maximum_length FROM information_schema.columns "
                        "WHERE table_schema = %s AND character_maximum_length IN (6, 8)", SCHEMA)
    for table, column, length in columns:  # every varchar(8) is a DATS, every varchar(6) a TIMS
        assert value(url, f'SELECT count(*) FROM sapsr3."{table}" WHERE "{column}" !~ %s',
                     f"^[0-9]{{{length}}}$") == 0, (table, column)
    assert value(url, 'SELECT count(*) FROM sapsr3."EQUI" WHERE "EQUNR" !~ \'^0000000000[0-9]{8}$\'') == 0
    assert value(url, 'SELECT min("EQUNR") FROM sapsr3."EQUI"') == "000000000010000001"
    assert value(url, 'SELECT count(*) FROM sapsr3."MARA" WHERE "MATNR" !~ \'^0{6}[0-9]{12}$\'') == 0
    assert value(url, 'SELECT count(*) FROM sapsr3."MSEG" WHERE "ZEILE" !~ \'^[0-9]{4}$\' '
                      'OR "EBELP" !~ \'^[0-9]{5}$\' OR "MJAHR" !~ \'^20[0-9]{2}$\'') == 0
    never_changed = value(url, 'SELECT avg(("AEDAT" = \'00000000\')::int) FROM sapsr3."EQUI"')
    assert 0.15 < never_changed < 0.45
    for table, cursor in (("QMEL", "AEDAT"), ("AUFK", "AEDAT"), ("MARA", "LAEDA"), ("ZMINE_SHIFTLOG", "AEDAT")):
        assert value(url, f'SELECT count(*) FROM sapsr3."{table}" WHERE "{cursor}" = \'00000000\'') > 0, table
    # changed on or after created, and nothing changed after the seeded period's end
    assert value(url, 'SELECT count(*) FROM sapsr3."EQUI" WHERE "AEDAT" <> \'00000000\' AND "AEDAT" < "ERDAT"') == 0
    assert value(url, 'SELECT max("CPUDT") FROM sapsr3."MKPF"') < "20261122"
    # empty fields are one blank, flags 'X' (purchasing's deletion indicator 'L')
    for table, column, allowed in (("AUFK", "LOEKZ", {" ", "X"}), ("MARA", "LVORM", {" ", "X"}),
                                   ("EKPO", "LOEKZ", {" ", "L"}), ("QMIH", "MSAUS", {" ", "X"}),
                                   ("MSEG", "SHKZG", {"S", "H"}), ("MSEG", "KOSTL", None)):
        found = {r[0] for r in rows(url, f'SELECT DISTINCT "{column}" FROM sapsr3."{table}"')}
        assert (" " in found and "" not in found) if allowed is None else found == allowed, (table, column)
    empty_strings = " OR ".join(f'"{c}" = \'\'' for t, c in rows(
        url, "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s "
             "AND table_name = 'MSEG' AND data_type = 'character varying'", SCHEMA))
    assert value(url, f'SELECT count(*) FROM sapsr3."MSEG" WHERE {empty_strings}') == 0
    assert {r[0] for r in rows(url, 'SELECT DISTINCT "SPRAS" FROM sapsr3."MAKT"')} == {"E", "S"}
    assert {r[0] for r in rows(url, 'SELECT DISTINCT "AUART" FROM sapsr3."AUFK"')} == {"PM01", "PM02", "PM03"}
    assert {r[0] for r in rows(url, 'SELECT DISTINCT "QMART" FROM sapsr3."QMEL"')} == {"M1", "M2"}
    assert {r[0] for r in rows(url, 'SELECT DISTINCT "WERKS" FROM sapsr3."MSEG"')} == {"1000"}
    assert value(url, 'SELECT count(*) FROM sapsr3."IFLOT" WHERE "TPLNR" = \'MINE-PIT1-HAUL\'') == 2
    models = {r[0] for r in rows(url, 'SELECT DISTINCT "TYPBZ" FROM sapsr3."EQUI"')}
    assert {"793F", "930E-4SE", "4100XPC", "PC8000-6"} <= models


def test_a_breakdown_ends_after_it_starts(erp):
    """QMIH: a malfunction's end (AUSBS, AUZTB) is never before its start (AUSVN, AUZTV); an end on the
    start's day with an earlier time of day once made the equipment marts refuse the seeded mine."""
    url, _ = erp
    ended, backwards = rows(url, 'SELECT count(*), count(*) FILTER (WHERE "AUSBS" || "AUZTB" < "AUSVN" || "AUZTV") '
                                 f'FROM {SCHEMA}."QMIH" WHERE "MSAUS" = \'X\' AND "AUSBS" <> \'00000000\'')[0]
    assert ended > 50 and backwards == 0


def test_two_clients_share_number_ranges_so_the_client_filter_matters(erp):
    url, _ = erp
    for table in TABLES:
        clients = dict(rows(url, f'SELECT "MANDT", count(*) FROM sapsr3."{table}" GROUP BY 1'))
        assert set(clients) == {"100", "200"} and clients["100"] >= clients["200"], table
    assert value(url, 'SELECT count(*) FROM sapsr3."MSEG" WHERE "MANDT" = \'200\'') == SCALE // 20
    for table, key in (("EQUI", "EQUNR"), ("MKPF", "MBLNR"), ("AUFK", "AUFNR"), ("MARA", "MATNR")):
        shared = value(url, f'SELECT count(*) FROM sapsr3."{table}" a JOIN sapsr3."{table}" b USING ("{key}") '
                            'WHERE a."MANDT" = \'100\' AND b."MANDT" = \'200\'')
        assert shared > 0, table  # the same number is another object in the other client


def test_scale_sets_mseg_rows_and_the_same_seed_gives_the_same_rows(pg_server, pg_admin_url, capsys):
    first, second, other = (new_database(pg_server, pg_admin_url) for _ in range(3))
    assert main(["--scale", "3000", "--seed", "11", "--source_url", first]) == 0
    assert "sapsr3.MSEG" in capsys.readouterr().out
    counts = seed(second, scale=3000, seed=11)
    assert counts["MSEG"] == 3000 and counts["MKPF"] == 1000 and counts["EQUI"] > 200
    seed(other, scale=3000, seed=12)
    for table, key in (("MSEG", '"MANDT", "MBLNR", "MJAHR", "ZEILE"'), ("EQUI", '"MANDT", "EQUNR"'),
                       ("ZMINE_SHIFTLOG", '"MANDT", "LOGID"')):
        assert checksum(first, table, key) == checksum(second, table, key), table
    assert checksum(first, "MSEG", '"MANDT", "MBLNR", "MJAHR", "ZEILE"') != checksum(
        other, "MSEG", '"MANDT", "MBLNR", "MJAHR", "ZEILE"')
    # a bigger scale grows the transactions, not the fleet
    bigger = seed(other, scale=12_000, seed=12)
    assert bigger["MSEG"] == 12_000 and bigger["MKPF"] == 4_000 and bigger["EQUI"] == counts["EQUI"]
    with pytest.raises(ValueError, match="scale"):
        seed(other, scale=10)


def test_seeded_next_to_the_production_app_and_seeded_erp_says_when(production_url):
    assert not seeded_erp(production_url)
    production_rows = value(production_url, "SELECT count(*) FROM public.truck_loads")
    seed(production_url, scale=2_000, seed=7)
    assert seeded_erp(production_url)
    assert value(production_url, "SELECT count(*) FROM public.truck_loads") == production_rows
    with psycopg.connect(production_url, autocommit=True) as conn:
        conn.execute('DELETE FROM sapsr3."MSEG"')
    assert not seeded_erp(production_url)  # an emptied or half-made schema is seeded again
    with psycopg.connect(production_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA sapsr3 CASCADE; CREATE SCHEMA sapsr3")
        conn.execute('CREATE TABLE sapsr3."EQUI" ("MANDT" varchar(3))')
    assert not seeded_erp(production_url)


def test_setup_packages_the_schema_and_the_catalogue():
    setup = ast.parse(Path(__file__).parents[1].joinpath("setup.py").read_text())
    package_data = next(ast.literal_eval(k.value) for node in ast.walk(setup) if isinstance(node, ast.Call)
                        for k in node.keywords if k.arg == "package_data")
    for package, name in (("pipelines.local", "erp_schema.sql"), ("pipelines.catalogues", "erp.yaml")):
        assert any(fnmatch.fnmatch(name, pattern) for pattern in package_data[package]), name
        assert resources.files(package).joinpath(name).read_text()
