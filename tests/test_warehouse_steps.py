"""The kinds of load a warehouse commits, and the named steps each commits with, in order: the same
list read by BigQuery's commit script and DuckDB's transaction (tests/test_bigquery_warehouse.py
checks the exact scripts)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.bounds import parse_bound
from pipelines.errors import WarehouseError
from pipelines.schema import Column, TableSchema
from pipelines.sources.base import Window
from pipelines.warehouse import bigquery_requests as bqr
from pipelines.warehouse.base import (
    COMMIT_STEPS,
    ClosedDay,
    DayRecompute,
    FileLoad,
    SnapshotLoad,
    TableLoad,
    commit_steps,
)
from pipelines.warehouse.duckdb_warehouse import DuckDBWarehouse

STARTED = datetime(2026, 11, 22, 10, tzinfo=timezone.utc)
LOADED = datetime(2026, 11, 22, 10, 5, tzinfo=timezone.utc)
SCHEMA = TableSchema((Column("id", "INT64"), Column("at", "TIMESTAMP")), primary_key=("id",))


def common(**changes) -> dict:
    return {"pipeline": "batch.test", "run_id": "r1", "source_table": "public.t", "dataset": "raw_test",
            "table": "t", "schema": SCHEMA, "files": (), "rows_read": 0, "bytes_staged": 0, "partitions": 0,
            "started_at": STARTED, "loaded_at": LOADED, **changes}


def test_each_kind_of_load_names_its_steps_in_the_order_they_run():
    assert COMMIT_STEPS == {
        SnapshotLoad: ("keep_deleted_table", "check_rows_read", "delete_window", "insert_staged", "record_run",
                       "move_watermark", "record_deletes"),
        FileLoad: ("replace_manifest", "refuse_loaded_twice", "check_rows_read", "delete_window", "insert_staged",
                   "record_run", "record_files"),
        DayRecompute: ("check_rows_read", "delete_window", "insert_staged", "record_run", "close_day"),
    }
    with pytest.raises(TypeError, match="not a kind of load: TableLoad"):
        commit_steps(TableLoad(**common()))


def test_duckdb_runs_the_same_steps_checking_the_rows_it_inserted_right_after_the_insert():
    snapshot = SnapshotLoad(**common(), window=Window(None, None, None), new_watermark=None)
    assert DuckDBWarehouse.steps(snapshot) == ("keep_deleted_table", "delete_window", "insert_staged",
                                               "check_rows_read", "record_run", "move_watermark", "record_deletes")
    for kind, steps in COMMIT_STEPS.items():
        request = {SnapshotLoad: snapshot, FileLoad: FileLoad(**common()),
                   DayRecompute: DayRecompute(**common(), window=Window(None, None, None),
                                              closes_day=ClosedDay(date(2026, 11, 21), 0, 0, None))}[kind]
        duckdb_steps = DuckDBWarehouse.steps(request)
        assert sorted(duckdb_steps) == sorted(steps)
        assert duckdb_steps.index("check_rows_read") == duckdb_steps.index("insert_staged") + 1
        assert all(hasattr(DuckDBWarehouse, f"_{step}") for step in steps)
        assert set(steps) <= set(bqr._STEPS)


def test_no_kind_carries_a_mode_flag_and_only_a_day_recompute_leaves_out_the_load_metadata():
    names = {f.name for kind in COMMIT_STEPS for f in dataclasses.fields(kind)}
    assert not names & {"append", "replaces_manifest", "load_metadata"}
    assert "closes_day" not in {f.name for f in dataclasses.fields(SnapshotLoad)}
    assert "window" not in {f.name for f in dataclasses.fields(FileLoad)}  # a file load has no cursor
    assert FileLoad(**common()).window == Window(None, None, None)
    assert FileLoad(**common(), full_refresh=True).window.replaces_everything
    assert [c.name for c in FileLoad(**common()).stored_schema.all_columns] == ["id", "at", "_run_id", "_loaded_at"]
    day = DayRecompute(**common(), window=Window(None, None, None),
                       closes_day=ClosedDay(date(2026, 11, 21), 0, 0, None))
    assert day.stored_schema == SCHEMA and day.new_watermark is None and day.rows_without_cursor is None
    with pytest.raises(TypeError):
        SnapshotLoad("batch.test", "r1")  # keywords only: 15 fields are not read by position


def ts(value: str):
    """A timestamp window bound, parsed as the loader parses --start/--end."""
    return parse_bound(value, "timestamp")


def statement_kinds(sql: str) -> list[str]:
    return [s.split(" ", 2)[0] + " " + s.split(" ", 2)[1].split("\n")[0] for s in sql.split(";\n") if s]


def test_bigquerys_script_follows_the_step_list_of_each_kind():
    keys = ("gs://b/keys.parquet",)
    snapshot = SnapshotLoad(**common(), window=Window("at", ts("2026-11-21"), ts("2026-11-22")),
                            new_watermark="2026-11-22", tracks_deletes=True, key_files=keys)
    sql, params = bqr.commit_script(snapshot, "minera-prod")
    assert statement_kinds(sql) == ["CREATE TABLE", "LOAD DATA", "BEGIN TRANSACTION", "ASSERT (SELECT",
                                    "DELETE FROM", "INSERT INTO", "MERGE `minera-prod`.`ops`.`load_runs`",
                                    "MERGE `minera-prod`.`ops`.`watermarks`", "INSERT INTO", "COMMIT TRANSACTION"]
    # parameters in the order the statements first use them
    assert [p.name for p in params] == ["rows_read", "window_start", "window_end", "cursor_min", "cursor_max",
                                        "run_id", "loaded_at", "runs", "pipeline", "table_name", "cursor_column",
                                        "new_watermark"]
    sql, params = bqr.commit_script(FileLoad(**common(), loaded_files=({"content_sha256": "ab"},)), "minera-prod")
    assert statement_kinds(sql) == ["BEGIN TRANSACTION", "ASSERT NOT", "ASSERT (SELECT", "INSERT INTO",
                                    "MERGE `minera-prod`.`ops`.`load_runs`", "INSERT INTO", "COMMIT TRANSACTION"]
    assert [p.name for p in params] == ["target_table", "content_hashes", "rows_read", "run_id", "loaded_at", "runs",
                                        "loaded_files"]
    day = DayRecompute(**common(), window=Window("at", ts("2026-11-21"), ts("2026-11-22"), every_row_placed=True),
                       closes_day=ClosedDay(date(2026, 11, 21), 10, 1, "2026-11-22T00:00:00+00:00"))
    sql, params = bqr.commit_script(day, "minera-prod")
    assert statement_kinds(sql) == ["BEGIN TRANSACTION", "ASSERT (SELECT", "DELETE FROM", "INSERT INTO",
                                    "MERGE `minera-prod`.`ops`.`load_runs`", "DELETE FROM", "INSERT INTO",
                                    "DELETE FROM", "INSERT INTO", "COMMIT TRANSACTION"]
    assert [p.name for p in params] == ["rows_read", "window_start", "window_end", "runs", "target_table", "day",
                                        "batch_days", "pipeline", "table_name", "cursor_column", "new_watermark",
                                        "run_id", "loaded_at"]


def staged(tmp_path, name: str, ids: list[int]) -> str:
    path = tmp_path / f"{name}.parquet"
    pq.write_table(pa.table({"id": pa.array(ids, pa.int64()),
                             "at": pa.array([datetime(2026, 11, 21, 12, tzinfo=timezone.utc)] * len(ids),
                                            pa.timestamp("us", tz="UTC"))}), path)
    return str(path)


def test_duckdb_commits_each_kind_of_load_by_its_steps(tmp_path):
    wh = DuckDBWarehouse(str(tmp_path / "wh.duckdb"))
    wh.ensure_ops(("load_runs", "watermarks", "loaded_files", "batch_days"))
    window = Window("at", ts("2026-11-21T00:00:00+00:00"), ts("2026-11-22T00:00:00+00:00"))
    snapshot = SnapshotLoad(**common(files=(staged(tmp_path, "a", [1, 2, 3]),), rows_read=3), window=window,
                            new_watermark="2026-11-22T00:00:00+00:00", tracks_deletes=True,
                            key_files=(staged(tmp_path, "keys", [1, 2, 3]),))
    assert wh.load(snapshot) == 3
    # the next window reads nothing new, and the source lost key 2: its raw rows stay, the loss is recorded
    later = Window("at", ts("2026-11-22T00:00:00+00:00"), ts("2026-11-23T00:00:00+00:00"))
    again = dataclasses.replace(snapshot, run_id="r2", window=later, files=(), rows_read=0,
                                new_watermark="2026-11-23T00:00:00+00:00",
                                key_files=(staged(tmp_path, "keys2", [1, 3]),))
    assert wh.load(again) == 0
    assert wh.query("SELECT id, _run_id FROM raw_test.t ORDER BY id") == [(1, "r1"), (2, "r1"), (3, "r1")]
    assert wh.query("SELECT id, _run_id FROM raw_test.t__deleted") == [(2, "r2")]
    assert wh.watermark("batch.test", "public.t") == "2026-11-23T00:00:00+00:00"
    # the first window again: replaced whole
    assert wh.load(dataclasses.replace(snapshot, run_id="r3", files=(staged(tmp_path, "b", [1, 3]),),
                                       rows_read=2, tracks_deletes=False, key_files=None)) == 2
    assert wh.query("SELECT id, _run_id FROM raw_test.t ORDER BY id") == [(1, "r3"), (3, "r3")]
    with pytest.raises(WarehouseError, match="read 5 rows but loaded 2; rolled back"):
        wh.load(dataclasses.replace(snapshot, run_id="r3", files=(staged(tmp_path, "b", [1, 3]),), rows_read=5))
    assert wh.query("SELECT count(*) FROM ops.load_runs WHERE run_id = 'r3'") == [(1,)]  # the failed one left none

    row = {"path": "a.avro", "content_sha256": "ab" * 32, "target_table": "raw_test.f", "run_id": "r4"}
    files = FileLoad(**common(table="f", run_id="r4", files=(staged(tmp_path, "c", [7]),), rows_read=1),
                     loaded_files=(row,))
    assert wh.load(files) == 1
    with pytest.raises(WarehouseError, match="a.avro was loaded meanwhile by run r4"):
        wh.load(dataclasses.replace(files, run_id="r5"))
    assert wh.load(dataclasses.replace(files, run_id="r6", full_refresh=True,
                                       loaded_files=({**row, "run_id": "r6"},))) == 1
    assert wh.query("SELECT id, _run_id FROM raw_test.f") == [(7, "r6")]
    assert wh.loaded_files("raw_test.f")[0]["run_id"] == "r6"

    day = DayRecompute(**common(table="d", source_table="batch.lake", files=(staged(tmp_path, "d", [1]),),
                                rows_read=1), window=window,
                       closes_day=ClosedDay(date(2026, 11, 21), 5, 1, "2026-11-22T00:00:00+00:00"))
    assert wh.load(day) == 1
    assert wh.raw_schema("raw_test", "d").names == ["id", "at"]  # no load metadata
    assert wh.closed_days("raw_test.d") == [date(2026, 11, 21)]
    assert wh.watermark("batch.test", "batch.lake") == "2026-11-22T00:00:00+00:00"
