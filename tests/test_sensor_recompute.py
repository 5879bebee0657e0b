"""The batch layer: a day of minute metrics recomputed from the lake the real speed layer wrote.

The lake comes from ``python -m pipelines.streaming.sensors --replay`` on a small simulated mine
(``pipelines.simulate.sensors``): once with every message in one replay, once with the late
messages held back and replayed after the rest, so that they land as a later pane file of the hours
they belong to, as on a subscription. Real DuckDB, real Beam; BigQuery by the exact requests.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from pipelines.batch import sensor_recompute
from pipelines.batch.sensor_recompute import batch_watermark, choose_day
from pipelines.bounds import parse_bound
from pipelines.errors import ConfigError, PipelineError, SourceError
from pipelines.lake import LakeTable
from pipelines.sensor_metrics import MinutePartialsFn, minute_metrics, minute_metrics_sql, minute_partials
from pipelines.simulate.sensors import write_replay
from pipelines.streaming import sensors
from pipelines.streaming.messages import MessageSpec
from pipelines.streaming.transforms import write_parquet_atomically

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 22)
NEXT = DAY + timedelta(days=1)
START = datetime(2026, 11, 22, 23, 0, tzinfo=timezone.utc)  # 70 minutes: 23:00 on DAY to 00:10 on NEXT
U = 2.0 ** -53  # unit roundoff of a double
KEY = ("sensor_id", "zone", "window_start")
EXACT = ("reading_count", "max_ppv_mm_s", "dominant_frequency_hz", "min_battery_v", "dominant_at")
SUMS = ("rms_ppv_mm_s", "mean_frequency_hz")


# -- comparing metric rows -----------------------------------------------------------------

def assert_same_metrics(got: dict, expected: dict) -> None:
    """Rows keyed by (sensor, zone, minute), ``computed_at`` (wall clock) aside: the same keys; count,
    max PPV, dominant frequency and min battery bit for bit; RMS PPV and mean frequency within
    (2n + 4) units of 2^-53, relatively, for a minute of n readings.

    Why that bound: both are a sum of n terms >= 0 (the reading spec refuses a negative PPV or
    frequency) divided by n (RMS: then a square root). Added in any order or tree, n-1 additions of
    non-negative terms land within (n-1)u of the exact sum, relatively (u = 2^-53; Higham, *Accuracy
    and Stability of Numerical Algorithms*, 2nd ed., section 4.2: the bound holds for every
    ordering), so two orders are within 2(n-1)u of each other (plus O(u²)); the division adds one
    rounding on each side, 2u; a square root halves a relative error and adds one rounding. The
    speed layer adds partials batch by batch, DuckDB in its own order, the batch layer per row group:
    only these last bits may differ, and only these two columns carry sums.
    """
    assert sorted(got) == sorted(expected)
    for key, row in got.items():
        other = expected[key]
        assert [row[c] for c in EXACT] == [other[c] for c in EXACT], (key, row, other)
        bound = (2 * row["reading_count"] + 4) * U
        for column in SUMS:
            assert abs(row[column] - other[column]) <= bound * abs(other[column]), (key, column, row, other)


def metric_rows(warehouse: Path, table: str, day: date | None = None) -> dict:
    """The rows of a metric table (of one UTC day), keyed by (sensor, zone, minute)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        where = (f"WHERE window_start >= TIMESTAMPTZ '{day}' "
                 f"AND window_start < TIMESTAMPTZ '{day + timedelta(days=1)}'") if day else ""
        cursor = con.execute(f"SELECT * FROM {table} {where}")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()
    keyed = {tuple(r[k] for k in KEY): r for r in rows}
    assert len(keyed) == len(rows), "one row per sensor, zone and minute"
    return keyed


def query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql).fetchall()
    finally:
        con.close()


def without_computed_at(rows: dict) -> dict:
    return {key: {c: v for c, v in row.items() if c != "computed_at"} for key, row in rows.items()}


# -- a small mine through the real speed layer ------------------------------------------------------

@dataclass
class Mine:
    whole_lake: Path  # every message in one replay
    whole_warehouse: Path
    split_lake: Path  # on-time messages, then the late ones: a later pane file in their hours
    split_warehouse: Path
    on_time_lake: Path  # the split lake before the late file landed
    late_files: list[Path]  # in split_lake


def lake_files(lake: Path) -> list[Path]:
    return sorted(lake.glob("sensor_readings/*/*/*.parquet"))


def lake_readings(lake: Path, day: date) -> list[tuple]:
    """(sensor, event time) of every reading of a day in a lake's files."""
    rows = []
    for path in lake.glob(f"sensor_readings/dt={day}/*/*.parquet"):
        table = pq.read_table(path, columns=["sensor_id", "event_time"])
        rows += zip(table["sensor_id"].to_pylist(), table["event_time"].to_pylist(), strict=True)
    return sorted(rows)


def speed(replay: Path, lake: Path, warehouse: Path) -> None:
    summary = sensors.run(["--replay", str(replay), "--lake_location", str(lake), "--warehouse", f"duckdb://{warehouse}"])
    assert summary.balanced


@pytest.fixture(scope="module")
def mine(tmp_path_factory) -> Mine:
    root = tmp_path_factory.mktemp("mine")
    replay = root / "mine.jsonl"
    write_replay(str(replay), sensors=4, rate_hz=1, minutes=70, start=START, late_rate=0.05,
                 duplicate_rate=0.01, malformed_rate=0.002, dropout_sensors=1)
    on_time, late = root / "on-time.jsonl", root / "late.jsonl"
    with replay.open() as lines, on_time.open("w") as early, late.open("w") as held_back:
        for line in lines:
            envelope = json.loads(line)
            lag = (datetime.fromisoformat(envelope["publish_time"].replace("Z", "+00:00"))
                   - datetime.fromisoformat(envelope["attributes"]["event_time"].replace("Z", "+00:00")))
            (held_back if lag > timedelta(minutes=4) else early).write(line)
    mine = Mine(root / "whole-lake", root / "whole.duckdb", root / "split-lake", root / "split.duckdb",
                root / "on-time-lake", [])
    speed(replay, mine.whole_lake, mine.whole_warehouse)
    speed(on_time, mine.split_lake, mine.split_warehouse)
    shutil.copytree(mine.split_lake, mine.on_time_lake)
    before = set(lake_files(mine.split_lake))
    speed(late, mine.split_lake, mine.split_warehouse)
    mine.late_files = sorted(set(lake_files(mine.split_lake)) - before)
    return mine


@pytest.fixture
def warehouse(tmp_path) -> Path:
    return tmp_path / "warehouse.duckdb"


def recompute(lake: Path, warehouse: Path, tmp_path: Path, day: date | None = DAY, *more: str):
    return sensor_recompute.run(["--lake_location", str(lake), "--warehouse", f"duckdb://{warehouse}",
                                 "--staging_location", str(tmp_path / "staging"),
                                 *(["--date", day.isoformat()] if day else []), *more])


def copy_lake(lake: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(lake, tmp_path / "lake"))


# -- the metrics are the readings', whatever the batching ----------------------------------------

T0 = datetime(2026, 11, 22, 10, 15, tzinfo=timezone.utc)


def readings(rows: list[tuple]) -> pa.Table:
    """(sensor, second after T0, ppv, frequency, battery) as a table of readings."""
    return pa.table({
        "sensor_id": [r[0] for r in rows], "zone": ["north-pit-1"] * len(rows),
        "event_time": pa.array([T0 + timedelta(seconds=r[1]) for r in rows], pa.timestamp("us", tz="UTC")),
        "ppv_mm_s": [float(r[2]) for r in rows], "frequency_hz": [float(r[3]) for r in rows],
        "battery_v": [float(r[4]) for r in rows]})


def test_a_minute_is_defined_by_its_readings_ties_included():
    """Hand-worked: the dominant frequency is the strongest reading's; of equally strong ones the
    earliest, then the highest frequency; the same rows in any order give the same partials."""
    rows = [("A", 5, 3.0, 20.0, 3.7), ("A", 2, 6.0, 30.0, 3.6), ("A", 9, 6.0, 45.0, 3.5),  # 6.0 twice: 2 s wins
            ("A", 61, 9.0, 50.0, 3.4),  # the next minute
            ("B", 7, 4.0, 10.0, 3.9), ("B", 7, 4.0, 12.0, 3.8)]  # same time and PPV: the higher frequency
    partials = minute_partials(readings(rows))
    again = minute_partials(readings(list(reversed(rows))))
    by_key = {(p["minute"], p["sensor_id"]): p for p in partials.to_pylist()}
    assert len(by_key) == partials.num_rows == 3  # one partial per minute and sensor
    assert {(p["minute"], p["sensor_id"]): p for p in again.to_pylist()} == by_key
    minute = int(T0.timestamp())
    a = by_key[(minute, "A")]
    assert (a["count"], a["max_ppv"], a["dominant"], a["min_battery"]) == (3, 6.0, 30.0, 3.5)
    assert a["dominant_at"] == int((T0 + timedelta(seconds=2)).timestamp() * 1_000_000)
    assert (a["sum_ppv_sq"], a["sum_frequency"]) == (9.0 + 36.0 + 36.0, 20.0 + 30.0 + 45.0)  # exact in binary
    assert by_key[(minute, "B")]["dominant"] == 12.0
    assert by_key[(minute + 60, "A")]["count"] == 1

    (row_a, row_b) = sorted(minute_metrics((minute, [partials.filter(pc.equal(partials["minute"], minute))]),
                                           "batch", 0)
                            .to_pylist(), key=lambda r: r["sensor_id"])
    assert row_a["reading_count"] == 3 and row_a["dominant_frequency_hz"] == 30.0
    assert row_a["rms_ppv_mm_s"] == math.sqrt(81.0 / 3) and row_a["mean_frequency_hz"] == 95.0 / 3
    assert row_b["reading_count"] == 2 and row_b["min_battery_v"] == 3.8
    # the strongest reading's time (the serving view's tie-break between panes), and where the row comes from
    assert (row_a["dominant_at"], row_b["dominant_at"]) == (T0 + timedelta(seconds=2), T0 + timedelta(seconds=7))
    assert {(r["source"], r["pane_index"]) for r in (row_a, row_b)} == {("batch", 0)}


def test_partials_split_across_batches_add_up_to_the_same_minute_in_any_order():
    """The dominant reading survives a split (the strongest of one batch ties the other's); the same
    partials in another order give the same bits."""
    first = readings([("A", 9, 6.0, 45.0, 3.5), ("A", 1, 0.1, 20.0, 3.7)])
    second = readings([("A", 2, 6.0, 30.0, 3.6), ("A", 3, 0.2, 10.0, 3.9)])
    minute = int(T0.timestamp())
    pieces = [stamped.value[1] for table in (first, second) for stamped in MinutePartialsFn().process(table)]
    forward, backward = minute_metrics((minute, pieces), "batch", 0), minute_metrics((minute, pieces[::-1]), "batch", 0)
    (row,) = forward.to_pylist()
    assert row["reading_count"] == 4 and row["max_ppv_mm_s"] == 6.0 and row["min_battery_v"] == 3.5
    assert row["dominant_frequency_hz"] == 30.0  # 6.0 at 2 s, in the second batch, is earlier than 6.0 at 9 s
    assert forward.drop_columns(["computed_at"]).equals(backward.drop_columns(["computed_at"]))


# -- the batch layer against the speed layer and DuckDB -------------------------------------------------

@pytest.mark.slow
def test_the_recomputed_day_is_what_the_speed_layer_computes_when_every_reading_is_on_time(mine, warehouse,
                                                                                           tmp_path):
    """Late readings arrived as a later pane file: the speed layer then wrote a second, partial row
    for their minutes; the batch layer has one row per sensor and minute, the late readings included."""
    assert mine.late_files and all(f.name.startswith("replay-") for f in mine.late_files)
    for late in mine.late_files:  # a second file in an hour that already had one
        assert len(list(late.parent.glob("*.parquet"))) == 2
    assert lake_readings(mine.split_lake, DAY) == lake_readings(mine.whole_lake, DAY)  # the same readings

    done = recompute(mine.split_lake, warehouse, tmp_path)
    batch = metric_rows(warehouse, "batch.sensor_minute_metrics")
    whole = metric_rows(mine.whole_warehouse, "speed.sensor_minute_metrics", DAY)
    assert_same_metrics(batch, whole)
    assert {key[2].date() for key in batch} == {DAY}  # NEXT's ten minutes are another day
    assert done.readings == len(lake_readings(mine.split_lake, DAY)) == sum(r["reading_count"] for r in batch.values())
    assert done.rows == len(batch)
    assert done.lake_files == len(list(mine.split_lake.glob(f"sensor_readings/dt={DAY}/*/*")))

    con = duckdb.connect(str(mine.split_warehouse), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    split = con.execute("SELECT sensor_id, zone, window_start, reading_count, max_ppv_mm_s FROM "
                        f"speed.sensor_minute_metrics WHERE window_start < TIMESTAMPTZ '{NEXT}'").fetchall()
    con.close()
    assert len(split) > len(batch)  # the late panes' rows
    per_key: dict = {}
    for sensor, zone, start, count, top in split:
        seen = per_key.setdefault((sensor, zone, start), [0, 0.0])
        seen[0] += count
        seen[1] = max(seen[1], top)
    assert per_key == {key: [row["reading_count"], row["max_ppv_mm_s"]] for key, row in batch.items()}


@pytest.mark.slow
def test_every_metric_is_what_one_duckdb_query_over_the_same_files_gives(mine, warehouse, tmp_path):
    recompute(mine.split_lake, warehouse, tmp_path)
    con = duckdb.connect(str(warehouse))
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE reference AS "
                + minute_metrics_sql(f"batch.sensor_readings WHERE dt = DATE '{DAY}'"))  # the lake as a table
    con.close()
    assert_same_metrics(metric_rows(warehouse, "batch.sensor_minute_metrics"), metric_rows(warehouse, "reference"))


@pytest.mark.slow
def test_a_rerun_gives_the_same_rows_and_one_record_of_the_day(mine, warehouse, tmp_path):
    first = recompute(mine.split_lake, warehouse, tmp_path, DAY, "--run_id", "run-1")
    rows = without_computed_at(metric_rows(warehouse, "batch.sensor_minute_metrics"))
    second = recompute(mine.split_lake, warehouse, tmp_path, DAY, "--run_id", "run-2")
    assert without_computed_at(metric_rows(warehouse, "batch.sensor_minute_metrics")) == rows  # bit for bit
    assert (first.rows, first.readings) == (second.rows, second.readings)
    assert query(warehouse, "SELECT target_table, day, rows_loaded, readings, lake_files, run_id "
                 "FROM ops.batch_days") == [
        ("batch.sensor_minute_metrics", DAY, len(rows), first.readings, first.lake_files, "run-2")]
    assert query(warehouse, "SELECT run_id, pipeline, table_name, target_table, window_start, window_end, status, "
                 "rows_read, rows_loaded FROM ops.load_runs ORDER BY run_id") == [
        (run, "batch.sensor_recompute", "batch.sensor_readings", "batch.sensor_minute_metrics",
         "2026-11-22T00:00:00+00:00", "2026-11-23T00:00:00+00:00", "succeeded", len(rows), len(rows))
        for run in ("run-1", "run-2")]
    # NEXT has lake files and is not closed: the batch layer covers DAY only
    assert query(warehouse, "SELECT pipeline, table_name, cursor_column, watermark, run_id FROM ops.watermarks") == [
        ("batch.sensor_recompute", "batch.sensor_readings", "window_start", "2026-11-23T00:00:00+00:00", "run-2")]
    columns = [r[0] for r in query(warehouse, "DESCRIBE batch.sensor_minute_metrics")]
    assert columns == [r[0] for r in query(mine.whole_warehouse, "DESCRIBE speed.sensor_minute_metrics")]


@pytest.mark.slow
def test_a_day_recomputed_after_a_late_file_landed_counts_its_readings_once(mine, warehouse, tmp_path):
    lake = copy_lake(mine.on_time_lake, tmp_path)
    before = recompute(lake, warehouse, tmp_path)
    for late in mine.late_files:  # the speed layer's late pane lands after the day was closed
        target = lake / late.relative_to(mine.split_lake)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(late, target)
    after = recompute(lake, warehouse, tmp_path)
    late_readings = sum(pq.ParquetFile(f).metadata.num_rows for f in mine.late_files if f"dt={DAY}" in str(f))
    assert late_readings > 0 and after.readings == before.readings + late_readings
    assert after.lake_files > before.lake_files
    assert_same_metrics(metric_rows(warehouse, "batch.sensor_minute_metrics"),
                        metric_rows(mine.whole_warehouse, "speed.sensor_minute_metrics", DAY))
    assert query(warehouse, "SELECT readings, lake_files FROM ops.batch_days") == [(after.readings, after.lake_files)]


@pytest.mark.slow
def test_the_watermark_is_the_end_of_the_last_day_closed_with_every_earlier_one(mine, warehouse, tmp_path):
    """The lake has DAY and NEXT: closing NEXT first leaves no watermark (DAY is open); closing DAY
    then covers both."""
    first = recompute(mine.split_lake, warehouse, tmp_path, NEXT)
    assert first.watermark is None
    assert query(warehouse, "SELECT count(*) FROM ops.watermarks") == [(0,)]
    assert query(warehouse, "SELECT day FROM ops.batch_days") == [(NEXT,)]
    second = recompute(mine.split_lake, warehouse, tmp_path, DAY)
    assert second.watermark == "2026-11-24T00:00:00+00:00"
    assert query(warehouse, "SELECT watermark FROM ops.watermarks") == [("2026-11-24T00:00:00+00:00",)]
    assert query(warehouse, "SELECT day FROM ops.batch_days ORDER BY day") == [(DAY,), (NEXT,)]
    days = query(warehouse, "SELECT DISTINCT CAST(window_start AS DATE) FROM batch.sensor_minute_metrics ORDER BY 1")
    assert days == [(DAY,), (NEXT,)]


@pytest.mark.parametrize("lake_days, closed, expected", [
    ([], set(), None),
    ([DAY], set(), None),
    ([DAY, NEXT], {NEXT}, None),  # the lake's first day is open
    ([DAY, NEXT], {DAY}, "2026-11-23T00:00:00+00:00"),
    ([DAY, NEXT, NEXT + timedelta(days=2)], {DAY, NEXT + timedelta(days=2)}, "2026-11-23T00:00:00+00:00"),
    ([DAY, NEXT + timedelta(days=2)], {DAY, NEXT + timedelta(days=2)}, "2026-11-26T00:00:00+00:00"),  # no files
    ([NEXT], {DAY, NEXT}, "2026-11-24T00:00:00+00:00"),  # DAY's files gone since it was closed
    ([NEXT], {DAY}, "2026-11-23T00:00:00+00:00"),
])
def test_batch_watermark_counts_only_days_with_lake_files(lake_days, closed, expected):
    assert batch_watermark(lake_days, closed) == expected


@pytest.mark.slow
def test_without_a_date_the_last_day_that_is_over_is_recomputed(mine, tmp_path, minera_home):
    """No arguments: the local lake and warehouse; of DAY and NEXT, the last that is over."""
    shutil.copytree(mine.split_lake, minera_home / "lake")
    done = sensor_recompute.run([])
    assert done.day == NEXT
    rows = query(minera_home / "warehouse.duckdb", "SELECT DISTINCT CAST(window_start AS DATE) FROM "
                 "batch.sensor_minute_metrics")
    assert rows == [(NEXT,)]


def test_choose_day_waits_for_the_late_readings_of_a_day():
    lateness = timedelta(minutes=120)
    at_two = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)  # NEXT ended two hours ago
    assert choose_day(None, [DAY, NEXT], at_two, lateness) == NEXT
    assert choose_day(None, [DAY, NEXT], at_two - timedelta(seconds=1), lateness) == DAY
    assert choose_day("2026-11-22", [DAY, NEXT], at_two, lateness) == DAY
    with pytest.raises(ConfigError, match=r"--date 2026-11-23 is not over: readings of it are taken until "
                                          r"2026-11-24T02:00:00\+00:00"):
        choose_day("2026-11-23", [DAY, NEXT], at_two - timedelta(seconds=1), lateness)
    with pytest.raises(ConfigError, match="no day of the lake is over yet"):
        choose_day(None, [NEXT], at_two - timedelta(seconds=1), lateness)
    with pytest.raises(ConfigError, match="bad --date '22/11/2026'"):
        choose_day("22/11/2026", [DAY], at_two, lateness)


# -- what is refused -------------------------------------------------------------------------

def recompute_cli(args: list[str], home: Path) -> subprocess.CompletedProcess:
    from test_production_failures import cli_env

    return subprocess.run([sys.executable, "-m", "pipelines.batch.sensor_recompute", *args], cwd=ROOT,
                          env=cli_env(home), capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_a_missing_lake_or_a_day_without_files_is_one_line_and_replaces_nothing(mine, tmp_path):
    from test_production_failures import assert_one_line_error

    warehouse = tmp_path / "w.duckdb"
    proc = recompute_cli(["--lake_location", str(tmp_path / "no-lake"), "--warehouse", f"duckdb://{warehouse}"],
                         tmp_path / "home")
    assert_one_line_error(proc, 2, f"no lake at {tmp_path / 'no-lake'}: {tmp_path / 'no-lake'}/sensor_readings "
                          "is not a folder")
    proc = recompute_cli(["--lake_location", str(mine.split_lake), "--warehouse", f"duckdb://{warehouse}",
                          "--date", "2026-11-20"], tmp_path / "home")
    assert_one_line_error(proc, 1, "no lake files for 2026-11-20", "nothing replaced",
                          "Days with files: 2026-11-22 .. 2026-11-23 (2)")
    assert not warehouse.exists() or not query(warehouse, "SELECT * FROM information_schema.tables "
                                                          "WHERE table_schema = 'batch'")


def write_lake_file(lake: Path, hour: datetime, table: pa.Table, name: str = "replay-bad-00000") -> Path:
    """A file where the speed layer's writer puts an hour's readings (its folders, its writer)."""
    path = Path(LakeTable.load("sensor_readings").folder(str(lake), hour)) / f"{name}.parquet"
    write_parquet_atomically([table], str(path))
    return path


def good_readings(when: datetime) -> pa.Table:
    return pa.Table.from_pylist([{"sensor_id": "VIB-X-001", "zone": "north-pit-1", "event_time": when,
                                  "ppv_mm_s": 1.0, "frequency_hz": 12.0, "battery_v": 3.6, "message_id": "m1",
                                  "publish_time": when}], schema=MessageSpec.load("sensor_reading").arrow_schema)


HOUR23 = datetime(2026, 11, 22, 23, tzinfo=timezone.utc)


def damage(lake: Path, kind: str) -> Path:
    if kind == "truncated":
        (path,) = sorted(lake.glob(f"sensor_readings/dt={DAY}/hour=23/*.parquet"))[:1]
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        return path
    table = good_readings(HOUR23 + timedelta(minutes=5))
    if kind == "no column":
        table = table.drop_columns(["battery_v"])
    elif kind == "null":
        table = table.set_column(3, "ppv_mm_s", pa.array([None], pa.float64()))
    elif kind == "wrong hour":
        table = good_readings(HOUR23 - timedelta(minutes=5))
    return write_lake_file(lake, HOUR23, table)


@pytest.mark.parametrize("kind, says", [
    ("truncated", "not a readable Parquet file"),
    ("no column", "no column battery_v"),
    ("null", "1 null value(s) in ppv_mm_s"),
    ("wrong hour", "readings from 2026-11-22T22:55:00+00:00 to 2026-11-22T22:55:00+00:00 in the folder of "
                   "2026-11-22 23:00 UTC"),
])
@pytest.mark.slow
def test_a_bad_lake_file_fails_the_run_naming_it_and_the_day_stays_as_it_was(mine, warehouse, tmp_path, kind, says):
    lake = copy_lake(mine.split_lake, tmp_path)
    recompute(lake, warehouse, tmp_path, DAY, "--run_id", "good")
    rows = without_computed_at(metric_rows(warehouse, "batch.sensor_minute_metrics"))
    bad = damage(lake, kind)
    with pytest.raises(PipelineError) as failed:
        recompute(lake, warehouse, tmp_path, DAY, "--run_id", "bad")
    message = str(failed.value)
    assert message.startswith("2026-11-22: recomputation failed, nothing replaced: ")
    assert f"{bad}: {says}" in message and "\n" not in message
    assert without_computed_at(metric_rows(warehouse, "batch.sensor_minute_metrics")) == rows
    assert query(warehouse, "SELECT run_id FROM ops.batch_days") == [("good",)]
    assert query(warehouse, "SELECT run_id FROM ops.watermarks") == [("good",)]
    runs = query(warehouse, "SELECT run_id, status, error FROM ops.load_runs ORDER BY run_id")
    assert [(run, status) for run, status, _ in runs] == [("bad", "failed"), ("good", "succeeded")]
    assert f"{bad}: {says}" in runs[0][2]


@pytest.mark.slow
def test_a_day_not_over_is_refused(mine, warehouse, tmp_path):
    today = datetime.now(timezone.utc).date()
    with pytest.raises(ConfigError, match=f"--date {today} is not over"):
        recompute(mine.split_lake, warehouse, tmp_path, today)
    with pytest.raises(SourceError, match="no lake files for 2026-11-21"):
        recompute(mine.split_lake, warehouse, tmp_path, DAY - timedelta(days=1))
    assert not warehouse.exists()


@pytest.mark.slow
def test_progress_and_one_summary_line_are_logged(mine, warehouse, tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(sensor_recompute, "PROGRESS_EVERY", 1000)
    with caplog.at_level("INFO", logger="pipelines.batch.sensor_recompute"):
        done = recompute(mine.split_lake, warehouse, tmp_path, DAY, "--run_id", "logged")
    lines = [r.getMessage() for r in caplog.records if r.name == "pipelines.batch.sensor_recompute"]
    progress = [line for line in lines if line.startswith("lake: ")]
    assert progress and all(line.endswith("readings/s)") for line in progress)
    (summary,) = [line for line in lines if line.startswith("run logged: batch.sensor_minute_metrics 2026-11-22 "
                                                            "replaced: ")]
    assert f"{done.rows:,} rows from {done.readings:,} readings in {done.lake_files} lake file(s)" in summary
    assert "readings/s); batch watermark 2026-11-23T00:00:00+00:00" in summary


# -- the lake as a table ---------------------------------------------------------------------------

@pytest.mark.slow
def test_the_lake_definition_is_what_the_speed_layer_writes(mine):
    lake = LakeTable.load("sensor_readings")
    (first,) = lake_files(mine.whole_lake)[:1]
    assert pq.read_schema(first).remove_metadata() == MessageSpec.load("sensor_reading").arrow_schema
    assert [c.name for c in lake.schema.columns] == ["sensor_id", "zone", "event_time", "ppv_mm_s", "frequency_hz",
                                                     "battery_v", "message_id", "publish_time"]
    assert [(c.name, c.type) for c in lake.partition_columns] == [("dt", "DATE"), ("hour", "INT64")]
    assert lake.folder("gs://minera-lake/lake/", datetime(2026, 11, 22, 7, tzinfo=timezone.utc)) == \
        "gs://minera-lake/lake/sensor_readings/dt=2026-11-22/hour=07"
    listed = lake.day_files(str(mine.split_lake), DAY)
    assert [f.path for f in listed] == [str(p) for p in lake_files(mine.split_lake) if f"dt={DAY}" in str(p)]
    assert {(f.day, f.hour) for f in listed} == {(DAY, 23)}
    assert lake.days(str(mine.split_lake)) == [DAY, NEXT]


@pytest.mark.slow
def test_the_lake_view_reads_only_the_days_a_query_filters_on(mine, tmp_path):
    """Every file of NEXT made unreadable: a query on DAY still answers (DuckDB skips NEXT's folders
    by their dt=), while a query over the whole lake fails on them."""
    from pipelines.warehouse.duckdb_warehouse import DuckDBWarehouse

    lake = copy_lake(mine.split_lake, tmp_path)
    warehouse = tmp_path / "w.duckdb"
    DuckDBWarehouse(str(warehouse)).define_lake_table(LakeTable.load("sensor_readings"), str(lake))
    described = query(warehouse, "DESCRIBE batch.sensor_readings")
    assert [(r[0], r[1]) for r in described] == [
        ("sensor_id", "VARCHAR"), ("zone", "VARCHAR"), ("event_time", "TIMESTAMP WITH TIME ZONE"),
        ("ppv_mm_s", "DOUBLE"), ("frequency_hz", "DOUBLE"), ("battery_v", "DOUBLE"), ("message_id", "VARCHAR"),
        ("publish_time", "TIMESTAMP WITH TIME ZONE"), ("dt", "DATE"), ("hour", "BIGINT")]
    day_sql = f"SELECT count(*), min(hour), max(hour) FROM batch.sensor_readings WHERE dt = DATE '{DAY}'"
    expected = [(len(lake_readings(lake, DAY)), 23, 23)]
    assert query(warehouse, day_sql) == expected
    next_files = sorted(lake.glob(f"sensor_readings/dt={NEXT}/*/*.parquet"))
    assert next_files
    for path in next_files:
        path.write_bytes(b"not parquet, and never read by a query on another day")
    assert query(warehouse, day_sql) == expected
    with pytest.raises(duckdb.Error, match=f"dt={NEXT}"):
        query(warehouse, "SELECT count(*) FROM batch.sensor_readings")


# -- BigQuery, by the exact requests ----------------------------------------------------------------

def test_the_lake_on_bigquery_is_a_hive_partitioned_external_table_over_the_bucket():
    from pipelines.warehouse.bigquery_requests import lake_table_resource

    table = lake_table_resource(LakeTable.load("sensor_readings"), "gs://minera-lake/lake/", "minera-prod")
    fields = [{"name": n, "type": t, "mode": "NULLABLE"} for n, t in (
        ("sensor_id", "STRING"), ("zone", "STRING"), ("event_time", "TIMESTAMP"), ("ppv_mm_s", "FLOAT64"),
        ("frequency_hz", "FLOAT64"), ("battery_v", "FLOAT64"), ("message_id", "STRING"), ("publish_time", "TIMESTAMP"))]
    assert table.to_api_repr() == {
        "tableReference": {"projectId": "minera-prod", "datasetId": "batch", "tableId": "sensor_readings"},
        "labels": {},
        "schema": {"fields": fields},
        "description": LakeTable.load("sensor_readings").description,
        "externalDataConfiguration": {
            "sourceFormat": "PARQUET",
            "sourceUris": ["gs://minera-lake/lake/sensor_readings/*"],
            "autodetect": False,
            "hivePartitioningOptions": {
                "mode": "CUSTOM",
                "sourceUriPrefix": "gs://minera-lake/lake/sensor_readings/{dt:DATE}/{hour:INTEGER}",
                "requirePartitionFilter": True,
            },
        },
    }
    with pytest.raises(ConfigError, match="reads gs:// only, got --lake_location /data/lake"):
        lake_table_resource(LakeTable.load("sensor_readings"), "/data/lake", "minera-prod")


def test_the_bigquery_lake_table_is_created_once_and_then_left_to_terraform():
    from test_bigquery_warehouse import FakeClient

    from pipelines.warehouse.bigquery_requests import lake_table_resource
    from pipelines.warehouse.bigquery_warehouse import BigQueryWarehouse

    client = FakeClient(datasets={"minera-prod.batch"})
    warehouse = BigQueryWarehouse("minera-prod", "EU", client=client)
    lake = LakeTable.load("sensor_readings")
    warehouse.define_lake_table(lake, "gs://minera-lake/lake")
    warehouse.define_lake_table(lake, "gs://minera-lake/lake")
    assert client.calls == [
        ("get_dataset", "minera-prod.batch"), ("get_table", "minera-prod.batch.sensor_readings"),
        ("create_table", lake_table_resource(lake, "gs://minera-lake/lake", "minera-prod").to_api_repr(), True),
        ("get_dataset", "minera-prod.batch"), ("get_table", "minera-prod.batch.sensor_readings")]


def recompute_request(watermark: str | None = "2026-11-23T00:00:00+00:00"):
    from pipelines.schema import load_schema_file
    from pipelines.sources.base import Window
    from pipelines.warehouse.base import ClosedDay, DayRecompute

    return DayRecompute(
        pipeline="batch.sensor_recompute", run_id="20261123T030000Z-a1b2c3", source_table="batch.sensor_readings",
        dataset="batch", table="sensor_minute_metrics", schema=load_schema_file("speed/sensor_minute_metrics.json"),
        files=("gs://minera-staging/staging/20261123T030000Z-a1b2c3/batch/sensor_minute_metrics/"
               "part-00000-of-00001.parquet",),
        rows_read=172_800, bytes_staged=9_000_000, partitions=24,
        window=Window("window_start", parse_bound("2026-11-22T00:00:00+00:00", "timestamp"),
                      parse_bound("2026-11-23T00:00:00+00:00", "timestamp"), every_row_placed=True),
        started_at=datetime(2026, 11, 23, 3, tzinfo=timezone.utc),
        loaded_at=datetime(2026, 11, 23, 3, 0, 40, tzinfo=timezone.utc), partition_by="window_start",
        cluster_by=("sensor_id",), closes_day=ClosedDay(DAY, 103_680_000, 24, watermark))


METRIC_COLUMNS = ("`sensor_id`, `zone`, `window_start`, `reading_count`, `max_ppv_mm_s`, `rms_ppv_mm_s`, "
                  "`mean_frequency_hz`, `dominant_frequency_hz`, `min_battery_v`, `computed_at`, `dominant_at`, "
                  "`source`, `pane_index`")
OPS = "`minera-prod`.`ops`"


def test_a_recomputed_day_commits_in_one_bigquery_transaction_with_its_record_and_watermark():
    from test_bigquery_warehouse import MERGE_RUNS, PROJECT, params_repr, scalar

    from pipelines.warehouse import bigquery_requests as bqr

    request = recompute_request()
    sql, params = bqr.commit_script(request, "minera-prod")
    raw = "`minera-prod`.`batch`.`sensor_minute_metrics`"
    stage = "`minera-prod`.`batch`.`_stage_sensor_minute_metrics_20261123T030000Z_a1b2c3`"
    days = ("`target_table`, `day`, `rows_loaded`, `readings`, `lake_files`, `run_id`, `recomputed_at`")
    assert sql == (
        "BEGIN TRANSACTION;\n"
        f"ASSERT (SELECT COUNT(*) FROM {stage}) = @rows_read\n"
        "  AS 'staged row count differs from rows read; nothing committed';\n"
        f"DELETE FROM {raw} WHERE (`window_start` >= @window_start AND `window_start` < @window_end);\n"
        f"INSERT INTO {raw} ({METRIC_COLUMNS})\nSELECT {METRIC_COLUMNS}\nFROM {stage};\n"
        f"{MERGE_RUNS.replace(PROJECT, 'minera-prod')};\n"
        f"DELETE FROM {OPS}.`batch_days` WHERE `target_table` = @target_table AND `day` = @day;\n"
        f"INSERT INTO {OPS}.`batch_days` ({days})\nSELECT {days} FROM UNNEST(@batch_days);\n"
        f"DELETE FROM {OPS}.`watermarks` WHERE `pipeline` = @pipeline AND `table_name` = @table_name;\n"
        f"INSERT INTO {OPS}.`watermarks` (`pipeline`, `table_name`, `cursor_column`, `watermark`, `run_id`, "
        "`updated_at`)\nVALUES (@pipeline, @table_name, @cursor_column, @new_watermark, @run_id, @loaded_at);\n"
        "COMMIT TRANSACTION;\n")
    got = params_repr(params)
    assert set(got) == {"rows_read", "window_start", "window_end", "run_id", "loaded_at", "runs", "target_table",
                        "day", "batch_days", "pipeline", "table_name", "cursor_column", "new_watermark"}
    assert got["window_start"] == {**scalar("TIMESTAMP", "2026-11-22 00:00:00+00:00"), "name": "window_start"}
    assert got["window_end"] == {**scalar("TIMESTAMP", "2026-11-23 00:00:00+00:00"), "name": "window_end"}
    assert got["day"] == {**scalar("DATE", "2026-11-22"), "name": "day"}
    assert got["target_table"] == {**scalar("STRING", "batch.sensor_minute_metrics"), "name": "target_table"}
    assert got["table_name"] == {**scalar("STRING", "batch.sensor_readings"), "name": "table_name"}
    assert got["cursor_column"] == {**scalar("STRING", "window_start"), "name": "cursor_column"}
    assert got["new_watermark"] == {**scalar("STRING", "2026-11-23T00:00:00+00:00"), "name": "new_watermark"}
    (day_row,) = got["batch_days"]["parameterValue"]["arrayValues"]
    assert day_row["structValues"] == {
        "target_table": {"value": "batch.sensor_minute_metrics"}, "day": {"value": "2026-11-22"},
        "rows_loaded": {"value": "172800"}, "readings": {"value": "103680000"}, "lake_files": {"value": "24"},
        "run_id": {"value": "20261123T030000Z-a1b2c3"}, "recomputed_at": {"value": "2026-11-23 03:00:40+00:00"}}


def test_without_a_contiguous_closed_day_the_bigquery_commit_removes_the_watermark():
    from pipelines.warehouse import bigquery_requests as bqr

    sql, params = bqr.commit_script(recompute_request(watermark=None), "minera-prod")
    assert sql.endswith(f"DELETE FROM {OPS}.`watermarks` WHERE `pipeline` = @pipeline AND `table_name` = @table_name;\n"
                        "COMMIT TRANSACTION;\n")
    assert "INSERT INTO `minera-prod`.`ops`.`watermarks`" not in sql
    import re

    assert set(re.findall(r"@(\w+)", sql)) == {p.name for p in params}  # every parameter is used, no other


def test_the_bigquery_batch_table_has_the_speed_columns_partitioned_and_clustered_like_it():
    from test_bigquery_warehouse import FakeClient

    from pipelines.warehouse.bigquery_warehouse import BigQueryWarehouse

    client = FakeClient(datasets={"minera-prod.batch"})
    rows = BigQueryWarehouse("minera-prod", "EU", client=client).load(recompute_request())
    assert rows == 172_800
    assert client.names() == ["get_dataset", "get_table", "create_table", "load_table_from_uri", "update_table",
                              "query", "delete_table"]
    created = client.calls[2][1]
    assert [f["name"] for f in created["schema"]["fields"]] == [
        "sensor_id", "zone", "window_start", "reading_count", "max_ppv_mm_s", "rms_ppv_mm_s", "mean_frequency_hz",
        "dominant_frequency_hz", "min_battery_v", "computed_at", "dominant_at", "source",
        "pane_index"]  # no _run_id, no _loaded_at
    assert created["timePartitioning"] == {"type": "DAY", "field": "window_start"}
    assert created["clustering"] == {"fields": ["sensor_id"]}


def test_parquet_of_the_lake_is_read_dictionary_encoded_and_grouped_by_value():
    """A Parquet row group's ids arrive as one dictionary array: grouped by it without decoding."""
    table = pa.table({"sensor_id": pa.array(["B", "A", "B"]).dictionary_encode(),
                      "zone": pa.array(["z", "z", "z"]).dictionary_encode(),
                      "event_time": pa.array([T0, T0, T0 + timedelta(seconds=1)], pa.timestamp("us", tz="UTC")),
                      "ppv_mm_s": [1.0, 2.0, 3.0], "frequency_hz": [5.0, 6.0, 7.0], "battery_v": [3.0, 3.1, 3.2]})
    partials = minute_partials(table).sort_by("sensor_id").to_pylist()
    assert [(p["sensor_id"], p["count"], p["max_ppv"], p["dominant"]) for p in partials] == [
        ("A", 1, 2.0, 6.0), ("B", 2, 3.0, 7.0)]
    assert np.isclose(partials[1]["sum_ppv_sq"], 10.0)
