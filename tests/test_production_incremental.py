"""Incremental windows, watermarks, reruns and the one-snapshot guarantee, on real PostgreSQL."""

from __future__ import annotations

import duckdb
import psycopg

from pipelines.batch import production
from pipelines.schema import arrow_schema
from pipelines.sources.base import Window
from pipelines.sources.postgres import PostgresConnection, PostgresSnapshot


def load(url: str, warehouse_url: str, *extra: str):
    return production.run(["--source_url", url, "--warehouse", warehouse_url, "--tables", "public.truck_loads",
                           "--lag_seconds", "0", *extra])


def warehouse(warehouse_url: str):
    return duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True)


def raw_counts(warehouse_url: str) -> tuple[int, int]:
    with warehouse(warehouse_url) as con:
        return con.execute("SELECT count(*), count(DISTINCT load_id) FROM raw_production.truck_loads").fetchone()


def watermark(warehouse_url: str) -> str | None:
    with warehouse(warehouse_url) as con:
        row = con.execute("SELECT watermark FROM ops.watermarks WHERE table_name = 'public.truck_loads'").fetchone()
    return row[0] if row else None


def touch(url: str, where: str) -> int:
    """Update rows the way the app does: new values, fresh updated_at."""
    with psycopg.connect(url) as conn:
        cur = conn.execute(f"UPDATE truck_loads SET payload_t = payload_t + 1, updated_at = now() WHERE {where}")
        return cur.rowcount


def source_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM truck_loads").fetchone()[0]


def test_second_run_reads_only_changed_rows_and_moves_the_watermark(production_url, warehouse_url, minera_home):
    load(production_url, warehouse_url)
    first_mark = watermark(warehouse_url)
    total = source_count(production_url)
    assert raw_counts(warehouse_url) == (total, total)

    changed = touch(production_url, "load_id % 100 = 0")
    outcome = load(production_url, warehouse_url)[0]
    assert outcome.rows == changed == total // 100
    rows, keys = raw_counts(warehouse_url)
    assert (rows, keys) == (total + changed, total)  # raw keeps both versions
    assert watermark(warehouse_url) > first_mark

    # nothing changed: the next window is empty, nothing is added
    assert load(production_url, warehouse_url)[0].rows == 0
    assert raw_counts(warehouse_url) == (total + changed, total)


def test_rerunning_a_window_never_duplicates(production_url, warehouse_url, minera_home):
    load(production_url, warehouse_url, "--start", "2000-01-01", "--end", "2026-11-10T00:00:00Z")
    once = raw_counts(warehouse_url)
    with psycopg.connect(production_url) as conn:
        expected = conn.execute("SELECT count(*) FROM truck_loads WHERE updated_at < '2026-11-10Z'").fetchone()[0]
    assert once == (expected, expected) and expected > 0
    load(production_url, warehouse_url, "--start", "2000-01-01", "--end", "2026-11-10T00:00:00Z")
    assert raw_counts(warehouse_url) == once
    with warehouse(warehouse_url) as con:
        runs = con.execute("SELECT count(DISTINCT _run_id) FROM raw_production.truck_loads").fetchone()[0]
    assert runs == 1  # the rerun replaced the window, it did not add to it


def test_backfill_does_not_move_the_watermark_backwards(production_url, warehouse_url, minera_home):
    load(production_url, warehouse_url)
    mark = watermark(warehouse_url)
    load(production_url, warehouse_url, "--start", "2026-11-01", "--end", "2026-11-05")
    assert watermark(warehouse_url) == mark
    total = source_count(production_url)
    assert raw_counts(warehouse_url) == (total, total)


def test_full_refresh_replaces_history_with_the_current_rows(production_url, warehouse_url, minera_home):
    load(production_url, warehouse_url)
    touch(production_url, "load_id <= 50")
    load(production_url, warehouse_url)
    total = source_count(production_url)
    assert raw_counts(warehouse_url) == (total + 50, total)
    load(production_url, warehouse_url, "--full_refresh")
    assert raw_counts(warehouse_url) == (total, total)


def test_late_commits_within_the_lag_are_not_lost(production_url, warehouse_url, minera_home):
    """A row stamped before the window end but committed after the run is read by the next run."""
    load(production_url, warehouse_url, "--lag_seconds", "3600")
    mark = watermark(warehouse_url)
    # a transaction that stamped updated_at 10 minutes ago and commits only now
    with psycopg.connect(production_url) as conn:
        conn.execute("UPDATE truck_loads SET payload_t = 1, updated_at = now() - interval '10 minutes' "
                     "WHERE load_id = 7")
    assert load(production_url, warehouse_url, "--lag_seconds", "0")[0].rows == 1
    assert watermark(warehouse_url) > mark
    with warehouse(warehouse_url) as con:
        latest = con.execute("SELECT payload_t FROM raw_production.truck_loads WHERE load_id = 7 "
                             "ORDER BY updated_at DESC LIMIT 1").fetchone()[0]
    assert latest == 1


def _read_all(snapshot: PostgresSnapshot, rows_per_partition: int) -> list[dict]:
    table = snapshot.table("public.truck_loads")
    parts = snapshot.plan(table, Window(None, None, None), arrow_schema(table.schema), "/unused",
                          rows_per_partition, 64)
    assert len(parts) > 1
    reader = snapshot.reader()
    rows = []
    for part in parts:
        for batch in reader.read(part):
            rows.extend(batch.select(["load_id", "payload_t"]).to_pylist())
    return rows


def test_partitions_share_one_snapshot_while_rows_move(production_url):
    """Rows updated mid-run move to other pages (other ctid ranges): each is still read exactly once."""
    connection = PostgresConnection(production_url)
    with psycopg.connect(production_url) as conn:
        before = dict(conn.execute("SELECT load_id, payload_t FROM truck_loads").fetchall())
    with PostgresSnapshot(connection) as snapshot:
        # an update committed after the snapshot: new row versions land in the table's last pages
        with psycopg.connect(production_url) as conn:
            moved = conn.execute("UPDATE truck_loads SET payload_t = payload_t + 100 WHERE load_id <= 5000").rowcount
            conn.execute("INSERT INTO truck_loads SELECT load_id + 1000000, truck_id, shift_id, shovel_id, material, "
                         "loaded_at, dumped_at, payload_t, grade_cu_pct, haul_distance_km, cycle_time_s, "
                         "fuel_used_l, reweighed, gen_random_uuid(), now() FROM truck_loads WHERE load_id <= 100")
        assert moved == 5000
        rows = _read_all(snapshot, rows_per_partition=2000)
    ids = [r["load_id"] for r in rows]
    assert len(ids) == len(set(ids)) == len(before)  # no row lost, none read twice, no new rows
    assert {r["load_id"]: r["payload_t"] for r in rows} == before  # the before-state, everywhere
