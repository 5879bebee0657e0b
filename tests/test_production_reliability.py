"""Batch loads that must not exit 0 with wrong data (issue 12, points 2 and 6), on a real PostgreSQL and DuckDB.

Names that meet, rows without a cursor value, infinite times, a source type that changes between
runs, arrays of arrays, domains and money; and the run bookkeeping a dashboard of run health reads:
a locked warehouse waited for, a failure recorded, a dead run's rows marked abandoned.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import psycopg
import pytest
from test_production_failures import assert_one_line_error, start_cli

from pipelines.batch import production
from pipelines.errors import ConfigError, SourceError
from pipelines.schema import bigquery_field
from pipelines.sources.postgres import PostgresConnection, PostgresSnapshot

UTC = dt.timezone.utc
LATEST = dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)  # what 'infinity' lands as
EARLIEST = dt.datetime(1, 1, 1, tzinfo=UTC)  # what '-infinity' lands as


def sql(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def load(url: str, warehouse_url: str, tables: str, *extra: str):
    return production.run(["--source_url", url, "--warehouse", warehouse_url, "--tables", tables,
                           "--lag_seconds", "0", *extra])


def query(warehouse_url: str, text: str) -> list[tuple]:
    with duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(text).fetchall()


def raw_tables(warehouse_url: str) -> list[str]:
    path = Path(warehouse_url.removeprefix("duckdb://"))
    if not path.exists():
        return []
    return [r[0] for r in query(warehouse_url, "SELECT table_name FROM information_schema.tables "
                                               "WHERE table_schema = 'raw_production' ORDER BY 1")]


# -- 2a. distinct source tables land in distinct raw tables ----------------------------------------

def test_tables_in_two_schemas_land_apart_and_names_that_meet_are_refused(production_url, warehouse_url,
                                                                           minera_home, tmp_path):
    sql(production_url, "CREATE SCHEMA c1", "CREATE SCHEMA c1b",
        "CREATE TABLE c1.nopk (v text)", "INSERT INTO c1.nopk VALUES ('c1-a'), ('c1-b')",
        "CREATE TABLE c1b.nopk (v text)", "INSERT INTO c1b.nopk VALUES ('c1b-a')",
        'CREATE TABLE c1."UPPER" (v text)', """INSERT INTO c1."UPPER" VALUES ('caps')""",
        "CREATE TABLE c1.upper (v text)", "INSERT INTO c1.upper VALUES ('lower-1'), ('lower-2')",
        'CREATE TABLE public."Truck Loads" (v text)', """INSERT INTO public."Truck Loads" VALUES ('spaced')""")

    outcomes = load(production_url, warehouse_url, "c1.nopk,c1b.nopk,public.Truck Loads")
    assert [(o.source_table, o.target, o.rows) for o in outcomes] == [
        ("c1.nopk", "raw_production.c1__nopk", 2), ("c1b.nopk", "raw_production.c1b__nopk", 1),
        ("public.Truck Loads", "raw_production.truck_loads", 1)]
    assert query(warehouse_url, "SELECT v FROM raw_production.c1__nopk ORDER BY v") == [("c1-a",), ("c1-b",)]
    assert query(warehouse_url, "SELECT v FROM raw_production.c1b__nopk") == [("c1b-a",)]

    # "UPPER" and upper meet in the warehouse (lower-cased): refused before anything is read, naming both
    with pytest.raises(ConfigError, match=r"c1\.UPPER and c1\.upper would both load into raw_production\.c1__upper"):
        load(production_url, warehouse_url, "c1.UPPER,c1.upper")
    assert "c1__upper" not in raw_tables(warehouse_url)
    assert query(warehouse_url, "SELECT count(*) FROM ops.load_runs WHERE table_name LIKE 'c1.%pper'") == [(0,)]

    # ... also one run after another: the raw table belongs to the table that filled it
    load(production_url, warehouse_url, "c1.upper")
    with pytest.raises(ConfigError, match=r"raw_production\.c1__upper holds the rows of c1\.upper; c1\.UPPER would"):
        load(production_url, warehouse_url, "c1.UPPER")
    assert query(warehouse_url, "SELECT v FROM raw_production.c1__upper ORDER BY v") == [("lower-1",), ("lower-2",)]

    # the catalogue names a raw table for one of them: both load, each into its own
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text("pipeline: batch.production\ndataset: raw_production\ntables:\n"
                         "  c1.UPPER:\n    target: c1__upper_caps\n")
    outcomes = load(production_url, warehouse_url, "c1.UPPER,c1.upper", "--catalogue", str(catalogue))
    assert [(o.target, o.rows) for o in outcomes] == [("raw_production.c1__upper_caps", 1),
                                                      ("raw_production.c1__upper", 2)]
    assert query(warehouse_url, "SELECT v FROM raw_production.c1__upper_caps") == [("caps",)]


# -- 2b / 2c. rows without a cursor value, and infinite times --------------------------------------

def test_rows_without_a_cursor_value_are_read_by_every_run_and_counted(production_url, warehouse_url, minera_home):
    sql(production_url,
        "CREATE TABLE public.contracts (id int PRIMARY KEY, v int, updated_at timestamptz)",
        "INSERT INTO public.contracts VALUES (1, 10, now() - interval '1 hour'), (2, 20, NULL), "
        "(3, 30, 'infinity'), (4, 40, '-infinity')")
    catalogue = Path(warehouse_url.removeprefix("duckdb://")).parent / "catalogue.yaml"
    catalogue.write_text("pipeline: batch.production\ndataset: raw_production\ntables:\n"
                         "  public.contracts:\n    cursor: updated_at\n")
    (first,) = load(production_url, warehouse_url, "public.contracts", "--catalogue", str(catalogue),
                    "--run_id", "first")
    assert first.rows == 4
    assert query(warehouse_url, "SELECT id, updated_at FROM raw_production.contracts ORDER BY id")[1:] == [
        (2, None), (3, LATEST), (4, EARLIEST)]

    sql(production_url, "UPDATE public.contracts SET v = 21 WHERE id = 2",
        "INSERT INTO public.contracts VALUES (5, 50, NULL)")
    (second,) = load(production_url, warehouse_url, "public.contracts", "--catalogue", str(catalogue),
                     "--run_id", "second")
    assert second.rows == 4  # the four rows no window reaches; row 1 has not changed
    assert query(warehouse_url, "SELECT id, v, _run_id FROM raw_production.contracts ORDER BY id") == [
        (1, 10, "first"), (2, 21, "second"), (3, 30, "second"), (4, 40, "second"), (5, 50, "second")]
    assert query(warehouse_url, "SELECT run_id, rows_read, rows_without_cursor FROM ops.load_runs "
                                "ORDER BY started_at") == [("first", 4, 3), ("second", 4, 4)]


def test_infinite_times_keep_their_meaning_in_the_warehouse(production_url, warehouse_url, minera_home):
    sql(production_url,
        "CREATE TABLE public.validity (id int PRIMARY KEY, valid_to timestamptz, local_to timestamp, "
        "until date, history timestamptz[])",
        "INSERT INTO public.validity VALUES "
        "(1, 'infinity', 'infinity', 'infinity', '{2026-01-01 00:00+00,infinity}'), "
        "(2, '-infinity', '-infinity', '-infinity', '{-infinity}'), "
        "(3, '2020-01-01 00:00+00', '2020-01-01 00:00', '2020-01-01', NULL)")
    load(production_url, warehouse_url, "public.validity")
    rows = query(warehouse_url, "SELECT id, valid_to, local_to, until, history, valid_to > now(), "
                                "until > current_date FROM raw_production.validity ORDER BY id")
    latest, earliest = LATEST.replace(tzinfo=None), EARLIEST.replace(tzinfo=None)
    assert rows[0] == (1, LATEST, latest, dt.date(9999, 12, 31), [dt.datetime(2026, 1, 1, tzinfo=UTC), LATEST],
                       True, True)
    assert rows[1] == (2, EARLIEST, earliest, dt.date(1, 1, 1), [EARLIEST], False, False)
    assert rows[2][5:] == (False, False)
    # the same staged values go to BigQuery, whose TIMESTAMP, DATETIME and DATE end exactly there
    with PostgresSnapshot(PostgresConnection(production_url)) as snapshot:
        table = snapshot.table("public.validity")
    assert [bigquery_field(c)["type"] for c in table.schema.columns] == ["INT64", "TIMESTAMP", "DATETIME", "DATE",
                                                                        "TIMESTAMP"]


# -- 2d. a source type that changes between runs ---------------------------------------------------

def test_a_changed_type_widens_the_raw_column_or_fails_naming_column_and_types(production_url, warehouse_url,
                                                                                minera_home):
    sql(production_url, "CREATE TABLE public.readings (id int PRIMARY KEY, qty integer, code integer)",
        "INSERT INTO public.readings VALUES (1, 5, 100), (2, 7, 200)")
    load(production_url, warehouse_url, "public.readings")

    sql(production_url, "ALTER TABLE public.readings ALTER qty TYPE numeric(12,2)",
        "UPDATE public.readings SET qty = 1.75 WHERE id = 2")
    load(production_url, warehouse_url, "public.readings")  # no cursor: a full snapshot replaces the rows
    assert query(warehouse_url, "SELECT id, qty FROM raw_production.readings ORDER BY id") == [
        (1, Decimal("5.00")), (2, Decimal("1.75"))]
    types = dict(query(warehouse_url, "SELECT column_name, data_type FROM information_schema.columns "
                                      "WHERE table_name = 'readings'"))
    assert types["qty"] == "DECIMAL(21,2)"  # every BIGINT and every numeric(12,2) value fits

    sql(production_url, "ALTER TABLE public.readings ALTER code TYPE text", "UPDATE public.readings SET code = 'abc'")
    with pytest.raises(SourceError, match=r"^public\.readings: column code changed type: INT64 in the raw table, "
                                          r"STRING \(text\) in the source"):
        load(production_url, warehouse_url, "public.readings")
    assert query(warehouse_url, "SELECT id, code FROM raw_production.readings ORDER BY id") == [(1, 100), (2, 200)]


# -- 2e / 2f. arrays of arrays; domains and money ----------------------------------------------------

def test_a_multi_dimensional_array_is_refused_naming_the_column(production_url, warehouse_url, minera_home):
    sql(production_url, "CREATE TABLE public.grids (id int PRIMARY KEY, cells int[])",
        "INSERT INTO public.grids VALUES (1, '{5,6}'), (2, '{{1,2},{3,4}}')")
    with pytest.raises(SourceError, match=r"public\.grids\.cells holds a multi-dimensional array \(\{\{1,2\},"
                                          r"\{3,4\}\}\): only one-dimensional arrays load"):
        load(production_url, warehouse_url, "public.grids")
    assert raw_tables(warehouse_url) == []
    sql(production_url, "UPDATE public.grids SET cells = '{1,2,3,4}' WHERE id = 2")
    load(production_url, warehouse_url, "public.grids")
    assert query(warehouse_url, "SELECT cells FROM raw_production.grids ORDER BY id") == [([5, 6],), ([1, 2, 3, 4],)]


def test_domains_follow_their_base_type_and_money_lands_as_exact_numeric(production_url, warehouse_url,
                                                                         minera_home):
    sql(production_url, "CREATE DOMAIN price AS numeric(12,2) CHECK (VALUE >= 0)",
        "CREATE DOMAIN list_price AS price", "CREATE DOMAIN quantity AS integer",
        "CREATE TABLE public.costs (id int PRIMARY KEY, p price, lp list_price, q quantity, paid money, "
        "prices price[])",
        "INSERT INTO public.costs VALUES (1, 1234.56, 9.99, 3, '1234.56', '{1.10,2.25}'), "
        "(2, NULL, NULL, NULL, '-0.01', NULL)")
    load(production_url, warehouse_url, "public.costs")
    assert query(warehouse_url, "SELECT p, lp, q, paid, prices FROM raw_production.costs ORDER BY id") == [
        (Decimal("1234.56"), Decimal("9.99"), 3, Decimal("1234.56"), [Decimal("1.10"), Decimal("2.25")]),
        (None, None, None, Decimal("-0.01"), None)]
    types = dict(query(warehouse_url, "SELECT column_name, data_type FROM information_schema.columns "
                                      "WHERE table_name = 'costs'"))
    assert (types["p"], types["lp"], types["q"], types["paid"], types["prices"]) == (
        "DECIMAL(12,2)", "DECIMAL(12,2)", "BIGINT", "DECIMAL(19,2)", "DECIMAL(12,2)[]")
    with PostgresSnapshot(PostgresConnection(production_url)) as snapshot:
        fields = {c.name: bigquery_field(c) for c in snapshot.table("public.costs").schema.columns}
    assert (fields["lp"]["type"], fields["lp"]["precision"], fields["lp"]["scale"]) == ("NUMERIC", "12", "2")
    assert (fields["paid"]["type"], fields["paid"]["precision"]) == ("NUMERIC", "19")
    assert fields["lp"]["description"] == "source type: list_price"


# -- 6. run bookkeeping: a locked warehouse, dead runs ---------------------------------------------

HOLD_LOCK = "import duckdb, sys\ncon = duckdb.connect(sys.argv[1])\nprint('locked', flush=True)\nsys.stdin.readline()\n"


class WarehouseLock:
    """Another process holding the DuckDB file open (a person's session, another loader's commit)."""

    def __init__(self, path: Path):
        self.proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline() == "locked\n"

    def release(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=60)


def read_until(proc: subprocess.Popen, needle: str, seen: list[str]) -> None:
    """Read the loader's stderr line by line until ``needle`` (no sleeping, no clock)."""
    for line in proc.stderr:
        seen.append(line)
        if needle in line:
            return
    raise AssertionError(f"{needle!r} never came:\n" + "".join(seen[-30:]))


def finish(proc: subprocess.Popen, seen: list[str]) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "".join(seen) + err)


def test_a_second_loader_waits_for_a_locked_warehouse_instead_of_failing(production_url, minera_home, tmp_path):
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    lock = WarehouseLock(path)
    try:
        proc = start_cli(["--source_url", production_url, "--tables", "public.trucks", "--warehouse", f"duckdb://{path}",
                          "--lag_seconds", "0", "--run_id", "second-loader"], minera_home)
        seen: list[str] = []
        read_until(proc, "is locked by another process", seen)
    finally:
        lock.release()
    done = finish(proc, seen)
    assert done.returncode == 0, done.stderr[-3000:]
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT status FROM ops.load_runs WHERE run_id = 'second-loader'").fetchall() == [
            ("succeeded",)]
        assert con.execute("SELECT count(*) FROM raw_production.trucks").fetchone()[0] > 0


def test_a_run_whose_commit_finds_the_warehouse_locked_records_its_failure(production_url, minera_home, tmp_path):
    """The commit waits for the lock, gives up naming it, and the failure is written once the lock goes."""
    dbname = production_url.split("?")[0].rsplit("/", 1)[1]
    gate = psycopg.connect(production_url, autocommit=True)  # holds the source read until the lock is in place
    gate.execute("SELECT pg_advisory_lock(4242)")
    gate.execute("CREATE VIEW public.gated AS SELECT 1 AS id FROM (SELECT pg_advisory_xact_lock_shared(4242)) g")
    path = tmp_path / "w.duckdb"
    proc = start_cli(["--source_url", production_url, "--tables", "public.gated", "--warehouse",
                      f"duckdb://{path}?lock_timeout=10", "--run_id", "locked-run"], minera_home)
    lock, seen = None, []
    try:
        deadline = time.monotonic() + 120
        while not gate.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event = 'advisory'",
                               (dbname,)).fetchone()[0]:  # the run is extracting: its 'running' row is written
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the loader never reached the gated read"
            time.sleep(0.05)
        lock = WarehouseLock(path)
        gate.execute("SELECT pg_advisory_unlock(4242)")
        read_until(proc, "FAILED, nothing committed", seen)  # the commit waited 10 s for the lock, then gave up
    finally:
        if lock:
            lock.release()
        gate.close()
    done = finish(proc, seen)
    assert_one_line_error(done, 1, "1 of 1 tables failed: public.gated:", "is locked by another process")
    with duckdb.connect(str(path), read_only=True) as con:
        ((status, error),) = con.execute("SELECT status, error FROM ops.load_runs "
                                         "WHERE run_id = 'locked-run'").fetchall()
    assert status == "failed" and "is locked by another process" in error


def test_only_the_rows_of_dead_runs_are_marked_abandoned(production_url, warehouse_url, minera_home):
    from pipelines.warehouse.runs import launcher, process_started_at

    load(production_url, warehouse_url, "public.trucks", "--run_id", "setup")  # makes the ops tables
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that no longer runs
    me = launcher()
    now = dt.datetime.now(UTC)
    mine_started = process_started_at(os.getpid())
    rows = [  # run id, host, pid, started, last heartbeat
        ("alive-here", me["host"], me["pid"], now, now - dt.timedelta(hours=5)),  # a live pid: alive, beats or not
        ("killed-here", me["host"], gone.pid, now, now),
        ("pid-reused", me["host"], me["pid"], mine_started - dt.timedelta(hours=1), now),  # ran before this process
        ("alive-elsewhere", "composer-worker-7", 1234, now - dt.timedelta(hours=3), now - dt.timedelta(minutes=3)),
        ("silent-elsewhere", "composer-worker-8", 1234, now - dt.timedelta(hours=3), now - dt.timedelta(hours=1)),
        ("older-loader", None, None, now - dt.timedelta(days=2), None),
    ]
    with duckdb.connect(warehouse_url.removeprefix("duckdb://")) as con:
        con.executemany("INSERT INTO ops.load_runs (run_id, pipeline, table_name, status, started_at, host, pid, "
                        "heartbeat_at) VALUES (?, 'batch.production', 'public.x', 'running', ?, ?, ?, ?)",
                        [[run, started, host, pid, beat] for run, host, pid, started, beat in rows])
    load(production_url, warehouse_url, "public.trucks", "--run_id", "cleaner")
    found = {r[0]: r[1:] for r in query(warehouse_url, "SELECT run_id, status, abandoned_by, abandoned_at IS NOT NULL, "
                                                       "error FROM ops.load_runs WHERE table_name = 'public.x'")}
    assert {run: status for run, (status, *_) in found.items()} == {
        "alive-here": "running", "killed-here": "abandoned", "pid-reused": "abandoned",
        "alive-elsewhere": "running", "silent-elsewhere": "abandoned", "older-loader": "abandoned"}
    for run in ("killed-here", "pid-reused", "silent-elsewhere", "older-loader"):
        assert found[run][1:3] == ("cleaner", True), run
    assert found["killed-here"][3] == f"abandoned: its launcher (pid {gone.pid} on {me['host']}) is gone"
    assert found["silent-elsewhere"][3].startswith(
        "abandoned: no sign of life from its launcher (pid 1234 on composer-worker-8) since ")


def test_a_warehouse_made_before_gains_the_new_ops_columns_and_its_stuck_rows_are_abandoned(production_url, tmp_path,
                                                                                          minera_home):
    """ops.load_runs as earlier versions made it (no host, pid, heartbeat...): the next run adds the
    columns, and a row left 'running' two days ago by a loader that recorded no launcher is abandoned."""
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA ops")
        con.execute("CREATE TABLE ops.load_runs (run_id VARCHAR, pipeline VARCHAR, table_name VARCHAR, "
                    "target_table VARCHAR, window_start VARCHAR, window_end VARCHAR, partitions BIGINT, "
                    "rows_read BIGINT, rows_loaded BIGINT, bytes_staged BIGINT, status VARCHAR, error VARCHAR, "
                    "started_at TIMESTAMPTZ, ended_at TIMESTAMPTZ)")
        con.execute("INSERT INTO ops.load_runs (run_id, pipeline, table_name, status, started_at) VALUES "
                    "('stuck', 'batch.production', 'public.trucks', 'running', now() - INTERVAL 2 DAY)")
    load(production_url, f"duckdb://{path}", "public.trucks", "--run_id", "upgraded")
    rows = query(f"duckdb://{path}", "SELECT run_id, status, abandoned_by, host IS NOT NULL, pid FROM ops.load_runs "
                                     "ORDER BY run_id")
    assert rows == [("stuck", "abandoned", "upgraded", False, None), ("upgraded", "succeeded", None, True, os.getpid())]
