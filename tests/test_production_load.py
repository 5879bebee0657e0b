"""The production loader end to end: real PostgreSQL -> Beam (FnApiRunner) -> DuckDB."""

from __future__ import annotations

import duckdb
import psycopg
import pytest

from pipelines.batch import production

TABLES = ["shifts", "trucks", "truck_loads", "drill_holes", "blasts", "crusher_throughput", "equipment_status"]


def run(production_url: str, warehouse_url: str, *extra: str) -> list:
    return production.run(["--source_url", production_url, "--warehouse", warehouse_url, *extra])


def source_count(url: str, table: str, where: str = "") -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT count(*) FROM {table} {where}").fetchone()[0]


def wh(warehouse_url: str):
    return duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True)


def test_loads_every_catalogue_table_with_run_metadata(production_url, warehouse_url, minera_home):
    outcomes = run(production_url, warehouse_url, "--lag_seconds", "0")
    assert {o.source_table for o in outcomes} == {f"public.{t}" for t in TABLES}
    con = wh(warehouse_url)
    for table in TABLES:
        loaded = con.execute(f"SELECT count(*), count(DISTINCT _run_id), min(_loaded_at) IS NOT NULL "
                             f"FROM raw_production.{table}").fetchone()
        assert loaded[0] == source_count(production_url, table) > 0, table
        assert loaded[1] == 1 and loaded[2], table
    runs = con.execute("SELECT table_name, status, rows_read, rows_loaded FROM ops.load_runs").fetchall()
    assert len(runs) == len(TABLES)
    assert all(status == "succeeded" and read == loaded for _, status, read, loaded in runs)


@pytest.mark.parametrize("rows_per_partition", ["1000", "100000000"])
def test_partitioned_and_single_reads_give_identical_rows(production_url, tmp_path, minera_home,
                                                          rows_per_partition):
    url = f"duckdb://{tmp_path / f'w{rows_per_partition}.duckdb'}"
    run(production_url, url, "--tables", "public.truck_loads", "--rows_per_partition", rows_per_partition)
    con = wh(url)
    parts = con.execute("SELECT partitions FROM ops.load_runs").fetchone()[0]
    assert (parts > 1) == (rows_per_partition == "1000")
    got = con.execute("SELECT count(*), count(DISTINCT load_id), sum(payload_t), sum(load_id) "
                      "FROM raw_production.truck_loads").fetchone()
    with psycopg.connect(production_url) as conn:
        want = conn.execute("SELECT count(*), count(DISTINCT load_id), sum(payload_t), sum(load_id) "
                            "FROM truck_loads").fetchone()
    assert got == want
