"""serving.sensor_minute_metrics: the batch layer's rows for the days it has closed, the speed layer's
(one row per sensor-minute, its panes combined) for the other days: never a gap, never an overlap.

Hand-made cases: metric rows made by the writer itself (``minute_metrics``, tagged with a source and a
pane index) from hand-made readings, appended to the speed table as its DuckDB sink appends them; the
batch layer's days written as its commit writes them (the day's rows replaced, its ``ops.batch_days``
row replaced). Expected values are worked out by hand in the comments. Then the real thing: late panes
from Beam's streaming windows (TestStream), and a replay through ``pipelines.streaming.sensors`` run
twice, closed by ``pipelines.batch.sensor_recompute``, built by ``pipelines.transform.build``.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone

import apache_beam as beam
import duckdb
import pyarrow as pa
import pytest
import sqlglot
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_stream import TestStream as BeamTestStream
from apache_beam.transforms.window import TimestampedValue
from test_marts_vibration import batch_layer, replay, rows, speed_layer

from pipelines.models import apply_models
from pipelines.schema import load_schema_file
from pipelines.sensor_metrics import (
    BATCH_SOURCE,
    METRICS_SCHEMA_FILE,
    SensorMinuteMetrics,
    minute_metrics,
    minute_partials,
)
from pipelines.streaming.sinks import WriteToWarehouse
from pipelines.transform.build import build
from pipelines.warehouse.duckdb_tables import create_table_sql

pytestmark = pytest.mark.slow  # builds the models in DuckDB, replays

UTC = timezone.utc
DAY1 = date(2026, 11, 20)
DAY2 = DAY1 + timedelta(days=1)
DAY3 = DAY2 + timedelta(days=1)
VIEW = "serving.sensor_minute_metrics"
U = 2.0 ** -53  # unit roundoff of a double
METRIC_COLUMNS = [c.name for c in load_schema_file(METRICS_SCHEMA_FILE).columns]
DAY_COLUMNS = [c.name for c in load_schema_file("ops/batch_days.json").columns]


def at(day: date, hour: int, minute: int, second: float = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) + timedelta(seconds=second)


def readings(start: datetime, rows_: list[tuple], sensor: str = "VIB-N1-001") -> pa.Table:
    """(second after ``start``, ppv mm/s, frequency Hz, battery V) as a table of readings."""
    return pa.table({
        "sensor_id": [sensor] * len(rows_), "zone": ["north-pit-1"] * len(rows_),
        "event_time": pa.array([start + timedelta(seconds=r[0]) for r in rows_], pa.timestamp("us", tz="UTC")),
        "ppv_mm_s": [float(r[1]) for r in rows_], "frequency_hz": [float(r[2]) for r in rows_],
        "battery_v": [float(r[3]) for r in rows_]})


def pane(start: datetime, rows_: list[tuple], source: str, index: int, computed_at: datetime,
         sensor: str = "VIB-N1-001") -> pa.Table:
    """The metric row the writer makes of one pane of readings of the minute ``start``."""
    table = minute_metrics((int(start.timestamp()), [minute_partials(readings(start, rows_, sensor))]), source, index)
    return table.set_column(table.schema.get_field_index("computed_at"), "computed_at",
                            pa.array([computed_at] * table.num_rows, pa.timestamp("us", tz="UTC")))


def connect(warehouse_url: str):
    con = duckdb.connect(warehouse_url.removeprefix("duckdb://"))
    con.execute("SET TimeZone = 'UTC'")
    return con


@pytest.fixture
def layers(warehouse_url) -> str:
    """The speed and batch tables and ops.batch_days as their writers make them, empty; the view built."""
    with connect(warehouse_url) as con:
        for dataset in ("speed", "batch", "ops"):
            con.execute(f"CREATE SCHEMA {dataset}")
        for table in ("speed.sensor_minute_metrics", "batch.sensor_minute_metrics"):
            con.execute(create_table_sql(table, load_schema_file(METRICS_SCHEMA_FILE)))
        con.execute(create_table_sql("ops.batch_days", load_schema_file("ops/batch_days.json")))
    assert apply_models(warehouse_url, select=VIEW) == [VIEW]
    return warehouse_url


def append(warehouse_url: str, *tables: pa.Table) -> None:
    """Rows appended to speed.sensor_minute_metrics, as the speed layer's DuckDB sink appends them."""
    with connect(warehouse_url) as con:
        con.register("incoming", pa.concat_tables(tables))
        con.execute(f"INSERT INTO speed.sensor_minute_metrics ({', '.join(METRIC_COLUMNS)}) "
                    f"SELECT {', '.join(METRIC_COLUMNS)} FROM incoming")


def close_day(warehouse_url: str, day: date, recomputed_at: datetime, *minutes: tuple[datetime, list[tuple]]) -> None:
    """The batch layer's commit of a day: its rows (one pane of every reading of each minute) and its
    ops.batch_days row replace the day's earlier ones (pipelines/warehouse/duckdb_warehouse.py)."""
    tables = [pane(start, rows_, BATCH_SOURCE, 0, recomputed_at) for start, rows_ in minutes]
    with connect(warehouse_url) as con:
        con.execute("DELETE FROM batch.sensor_minute_metrics WHERE CAST(window_start AS DATE) = ?", [day])
        con.register("incoming", pa.concat_tables(tables))
        con.execute(f"INSERT INTO batch.sensor_minute_metrics ({', '.join(METRIC_COLUMNS)}) "
                    f"SELECT {', '.join(METRIC_COLUMNS)} FROM incoming")
        con.execute("DELETE FROM ops.batch_days WHERE target_table = 'batch.sensor_minute_metrics' AND day = ?", [day])
        con.execute(f"INSERT INTO ops.batch_days ({', '.join(DAY_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    ["batch.sensor_minute_metrics", day, len(tables), sum(len(m[1]) for m in minutes), 1,
                     f"run-{recomputed_at:%H%M}", recomputed_at])


def served(warehouse_url: str) -> dict[datetime, dict]:
    """The view's rows by minute (one sensor unless said), each minute once."""
    got = rows(warehouse_url, f"SELECT * FROM {VIEW}")
    by_minute = {(r["window_start"] if r["sensor_id"] == "VIB-N1-001" else (r["sensor_id"], r["window_start"])): r
                 for r in got}
    assert len(by_minute) == len(got)
    return by_minute


def values(row: dict) -> tuple:
    return (row["reading_count"], row["max_ppv_mm_s"], row["dominant_frequency_hz"], row["min_battery_v"],
            row["layer"], row["panes"])


M = at(DAY2, 10, 15)  # a minute of the open day
T = at(DAY2, 10, 16)  # when its on-time pane was computed


def test_a_minute_with_two_late_panes_is_combined_exactly(layers):
    """Three panes of one subscription run: on time, then two late ones, each with only its own readings."""
    append(layers,
           pane(M, [(5, 3.0, 20.0, 3.7), (10, 4.0, 30.0, 3.8)], "run-a", 0, T),
           pane(M, [(2, 4.0, 40.0, 3.6)], "run-a", 1, T + timedelta(minutes=20)),
           pane(M, [(30, 1.0, 10.0, 3.9), (40, 2.0, 50.0, 3.65)], "run-a", 2, T + timedelta(minutes=50)))
    row = served(layers)[M]
    # 5 readings; max 4.0 twice: at 10 s (pane 0) and at 2 s (pane 1): the earliest, 40 Hz; battery 3.6
    assert values(row) == (5, 4.0, 40.0, 3.6, "speed", 3)
    assert row["dominant_at"] == M + timedelta(seconds=2)
    # rms: sqrt((9 + 16 + 16 + 1 + 4) / 5) = sqrt(9.2); mean frequency (20 + 30 + 40 + 10 + 50) / 5 = 30
    assert row["rms_ppv_mm_s"] == pytest.approx(math.sqrt(46 / 5), rel=8 * 5 * U)
    assert row["mean_frequency_hz"] == pytest.approx(30.0, rel=8 * 5 * U)
    assert row["computed_at"] == T + timedelta(minutes=50)  # the last pane's


def test_a_pane_written_again_counts_once_and_a_rerun_replaces_it(layers):
    """A replay run twice writes its rows twice; run a third time after a bad reading was taken out of
    the file, its rows are the replay's: the row of each (source, pane) computed last is served."""
    first = [(0, 2.0, 15.0, 3.7), (20, 9.0, 25.0, 3.6)]
    append(layers, pane(M, first, "replay-f", 0, T), pane(M, first, "replay-f", 0, T + timedelta(hours=1)))
    assert values(served(layers)[M]) == (2, 9.0, 25.0, 3.6, "speed", 1)  # not 4 readings
    append(layers, pane(M, first[:1], "replay-f", 0, T + timedelta(hours=2)))  # 9.0 at 20 s removed
    assert values(served(layers)[M]) == (1, 2.0, 15.0, 3.7, "speed", 1)


def test_two_sources_for_one_minute_are_both_counted(layers):
    """Two replay files with readings of the same minute (one of them replayed twice): both are real."""
    append(layers, pane(M, [(0, 2.0, 15.0, 3.7)], "replay-a", 0, T),
           pane(M, [(30, 5.0, 25.0, 3.5)], "replay-b", 0, T),
           pane(M, [(30, 5.0, 25.0, 3.5)], "replay-b", 0, T + timedelta(hours=1)))
    row = served(layers)[M]
    assert values(row) == (2, 5.0, 25.0, 3.5, "speed", 2)
    # rms sqrt((4 + 25) / 2) = sqrt(14.5); mean (15 + 25) / 2 = 20
    assert row["rms_ppv_mm_s"] == pytest.approx(math.sqrt(14.5), rel=8 * 2 * U)
    assert row["mean_frequency_hz"] == pytest.approx(20.0, rel=8 * 2 * U)


LAST = at(DAY1, 23, 59)  # the closed day's last minute
FIRST = at(DAY2, 0, 0)  # the open day's first


def test_a_closed_day_is_served_from_the_batch_layer_and_its_speed_rows_not_again(layers):
    """The speed rows of a day the batch layer closed stay in the speed table: the view serves the day
    once, from the batch rows; the next day, still open, from the speed rows."""
    append(layers,
           pane(LAST, [(10, 3.0, 20.0, 3.7)], "run-a", 0, at(DAY2, 0, 1)),
           pane(LAST, [(50, 6.0, 30.0, 3.6)], "run-a", 1, at(DAY2, 0, 30)),  # late: 00:30 for 23:59:50
           pane(FIRST, [(5, 1.0, 12.0, 3.8)], "run-a", 0, at(DAY2, 0, 2)))
    before = served(layers)
    assert (values(before[LAST]), values(before[FIRST])) == ((2, 6.0, 30.0, 3.6, "speed", 2),
                                                             (1, 1.0, 12.0, 3.8, "speed", 1))
    close_day(layers, DAY1, at(DAY2, 3, 0), (LAST, [(10, 3.0, 20.0, 3.7), (50, 6.0, 30.0, 3.6)]))
    after = served(layers)
    assert sorted(after) == [LAST, FIRST]  # no gap at midnight, no minute twice
    assert values(after[LAST]) == (2, 6.0, 30.0, 3.6, "batch", 1)
    assert values(after[FIRST]) == (1, 1.0, 12.0, 3.8, "speed", 1)
    # the combined speed row and the batch row of the same readings: equal (the sums to the last bits)
    assert after[LAST]["rms_ppv_mm_s"] == pytest.approx(before[LAST]["rms_ppv_mm_s"], rel=8 * 2 * U)
    assert after[LAST]["dominant_at"] == before[LAST]["dominant_at"] == LAST + timedelta(seconds=50)


def test_a_day_recomputed_twice_is_served_from_its_last_recomputation(layers):
    """Recomputed again (a lake file came in after the first run), the day's rows are replaced whole."""
    append(layers, pane(LAST, [(10, 3.0, 20.0, 3.7)], "run-a", 0, at(DAY2, 0, 1)))
    close_day(layers, DAY1, at(DAY2, 3, 0), (LAST, [(10, 3.0, 20.0, 3.7)]))
    assert values(served(layers)[LAST]) == (1, 3.0, 20.0, 3.7, "batch", 1)
    close_day(layers, DAY1, at(DAY2, 9, 0), (LAST, [(10, 3.0, 20.0, 3.7), (40, 8.0, 45.0, 3.4)]),
              (at(DAY1, 23, 58), [(0, 1.0, 10.0, 3.9)]))
    got = served(layers)
    assert sorted(got) == [at(DAY1, 23, 58), LAST]
    assert values(got[LAST]) == (2, 8.0, 45.0, 3.4, "batch", 1)
    assert values(got[at(DAY1, 23, 58)]) == (1, 1.0, 10.0, 3.9, "batch", 1)


def test_a_day_closed_late_and_out_of_order_switches_when_it_is_closed(layers):
    """DAY2 is closed first, DAY1 days later: each day switches to the batch layer when its own
    ops.batch_days row lands, whatever the watermark (DAY1 open holds it back) and the order."""
    noon1, noon2, noon3 = at(DAY1, 12, 0), at(DAY2, 12, 0), at(DAY3, 12, 0)
    append(layers, *(pane(m, [(0, 2.0, 20.0, 3.7)], "run-a", 0, m + timedelta(minutes=1))
                     for m in (noon1, noon2, noon3)))
    close_day(layers, DAY2, at(DAY3, 3, 0), (noon2, [(0, 2.0, 20.0, 3.7), (30, 2.5, 25.0, 3.7)]))
    got = served(layers)
    assert [got[m]["layer"] for m in (noon1, noon2, noon3)] == ["speed", "batch", "speed"]
    assert got[noon2]["reading_count"] == 2  # the batch layer's, with a reading the speed table lacks
    close_day(layers, DAY1, at(DAY3 + timedelta(days=5), 3, 0), (noon1, [(0, 2.0, 20.0, 3.7)]))
    got = served(layers)
    assert [(got[m]["layer"], got[m]["reading_count"]) for m in (noon1, noon2, noon3)] == [
        ("batch", 1), ("batch", 2), ("speed", 1)]


def test_a_speed_row_after_its_day_was_closed_is_named_and_served_when_the_day_is_recomputed(layers):
    """A late pane (or an old replay) writes a speed row for a closed day: the day stays the batch
    layer's, a warning names the day to recompute; recomputed, the day has the reading."""
    ten = at(DAY1, 10, 0)
    close_day(layers, DAY1, at(DAY2, 3, 0), (ten, [(0, 2.0, 20.0, 3.7)]))
    append(layers, pane(ten, [(0, 2.0, 20.0, 3.7)], "run-a", 0, at(DAY1, 10, 1)),  # before the close: fine
           pane(ten, [(45, 7.0, 35.0, 3.5)], "replay-old", 0, at(DAY2, 5, 0)),
           pane(at(DAY1, 10, 5), [(3, 1.0, 10.0, 3.6)], "replay-old", 0, at(DAY2, 5, 0)))
    assert {m: values(r) for m, r in served(layers).items()} == {ten: (1, 2.0, 20.0, 3.7, "batch", 1)}
    report = build(layers, select=VIEW)
    (late,) = report.warnings
    assert (late.model, late.check, late.rows) == (VIEW, "speed_rows_after_their_day_closed()", 2)
    assert sorted(late.examples) == [
        f"day_to_recompute=2026-11-20 00:00:00, sensor_id=VIB-N1-001, window_start={ten}, source=replay-old",
        f"day_to_recompute=2026-11-20 00:00:00, sensor_id=VIB-N1-001, window_start={at(DAY1, 10, 5)}, "
        "source=replay-old"]
    close_day(layers, DAY1, at(DAY2, 6, 0), (ten, [(0, 2.0, 20.0, 3.7), (45, 7.0, 35.0, 3.5)]),
              (at(DAY1, 10, 5), [(3, 1.0, 10.0, 3.6)]))
    assert {m: values(r) for m, r in served(layers).items()} == {
        ten: (2, 7.0, 35.0, 3.5, "batch", 1), at(DAY1, 10, 5): (1, 1.0, 10.0, 3.6, "batch", 1)}
    assert build(layers, select=VIEW).warnings == []


def test_rows_written_before_source_and_pane_existed_count_as_one_pane(layers):
    """A local speed table older than the columns: its rows read NULL there and cannot be told apart
    (a late pane or a repeat): per minute the row computed last is served, as one pane."""
    old = pane(M, [(0, 2.0, 20.0, 3.7)], "x", 0, T).drop_columns(["source", "pane_index"])
    newer = pane(M, [(0, 2.0, 20.0, 3.7), (9, 3.0, 30.0, 3.6)], "x", 0, T + timedelta(hours=1))
    with connect(layers) as con:
        for table in (old, newer.drop_columns(["source", "pane_index"])):
            con.register("incoming", table)
            con.execute("INSERT INTO speed.sensor_minute_metrics BY NAME SELECT * FROM incoming")
    assert values(served(layers)[M]) == (2, 3.0, 30.0, 3.6, "speed", 1)


# -- the real layers ---------------------------------------------------------------------------------

def test_late_panes_of_the_streaming_windows_are_served_as_one_minute(layers, tmp_path):
    """Beam's streaming minute windows (DirectRunner, TestStream): the on-time pane, then two late
    panes; the DuckDB sink writes each with its pane index; the view combines them."""
    def batch(rows_: list[tuple]) -> TimestampedValue:
        return TimestampedValue(readings(M, rows_), M.timestamp())

    end = (M + timedelta(minutes=1)).timestamp()
    stream = (BeamTestStream()
              .advance_watermark_to(M.timestamp())
              .add_elements([batch([(5, 3.0, 20.0, 3.7), (10, 4.0, 30.0, 3.8)])])
              .advance_watermark_to(end + 60)  # the minute fires on time
              .add_elements([batch([(2, 4.0, 40.0, 3.6)])])  # late: a pane of its own
              .advance_watermark_to(end + 120)
              .add_elements([batch([(30, 1.0, 10.0, 3.9), (40, 2.0, 50.0, 3.65)])])  # late again
              .advance_watermark_to_infinity())
    options = PipelineOptions(["--runner=BundleBasedDirectRunner"])
    options.view_as(StandardOptions).streaming = True
    with beam.Pipeline(options=options) as p:
        _ = (p | stream
             | SensorMinuteMetrics(timedelta(hours=2), streaming=True, source="run-t")
             | WriteToWarehouse(layers, "speed.sensor_minute_metrics", METRICS_SCHEMA_FILE))

    written = rows(layers, "SELECT source, pane_index, reading_count FROM speed.sensor_minute_metrics ORDER BY 2")
    assert written == [{"source": "run-t", "pane_index": 0, "reading_count": 2},
                       {"source": "run-t", "pane_index": 1, "reading_count": 1},
                       {"source": "run-t", "pane_index": 2, "reading_count": 2}]
    row = served(layers)[M]
    assert values(row) == (5, 4.0, 40.0, 3.6, "speed", 3)  # as in the hand-made case above
    assert row["rms_ppv_mm_s"] == pytest.approx(math.sqrt(46 / 5), rel=8 * 5 * U)


def simulated(start: datetime, minutes: int) -> list[tuple]:
    """Two sensors, a reading every 20 s from ``start``: (sensor, zone, time, ppv, frequency, battery)."""
    out = []
    for i in range(minutes * 3):
        for s, sensor in enumerate(("VIB-N1-001", "VIB-N1-002")):
            out.append((sensor, "north-pit-1", start + timedelta(seconds=20 * i), 1.0 + (7 * i + 3 * s) % 11,
                        10.0 + (5 * i + s) % 40, 3.9 - 0.001 * i))
    return out


def test_a_replay_run_twice_then_closed_is_served_as_the_batch_layer_computes_it(tmp_path, warehouse_url):
    """Through the real layers: the last 5 minutes of DAY1 and the first 5 of DAY2 replayed, run twice
    (every metric row written twice), then a second replay file with two more readings of DAY1 23:58
    (another source for that minute). Served from the speed layer: each minute once, its readings
    counted once. Then sensor_recompute closes DAY1: DAY1 is served exactly as the batch table holds it,
    with the same counts and maxima as before (the same readings), DAY2 still from the speed layer."""
    lake = tmp_path / "lake"
    start = at(DAY1, 23, 55)
    first = replay(tmp_path / "first.jsonl", simulated(start, 10))
    speed_layer(first, lake, warehouse_url)
    speed_layer(first, lake, warehouse_url)
    extra = [("VIB-N1-001", "north-pit-1", at(DAY1, 23, 58, 10), 30.0, 44.0, 3.5),
             ("VIB-N1-001", "north-pit-1", at(DAY1, 23, 58, 50), 0.5, 11.0, 3.95)]
    speed_layer(replay(tmp_path / "second.jsonl", extra), lake, warehouse_url)
    with connect(warehouse_url) as con:  # no day closed yet: the tables the batch layer's first run makes
        con.execute("CREATE SCHEMA IF NOT EXISTS ops")
        con.execute("CREATE SCHEMA IF NOT EXISTS batch")
        con.execute(create_table_sql("ops.batch_days", load_schema_file("ops/batch_days.json")))
        con.execute(create_table_sql("batch.sensor_minute_metrics", load_schema_file(METRICS_SCHEMA_FILE)))
    build(warehouse_url, select=VIEW)

    def counts() -> dict[tuple, tuple]:
        return {(r["sensor_id"], r["window_start"]): (r["reading_count"], r["max_ppv_mm_s"], r["layer"])
                for r in rows(warehouse_url, f"SELECT * FROM {VIEW}")}

    speed_rows = rows(warehouse_url, "SELECT count(*) AS n FROM speed.sensor_minute_metrics")[0]["n"]
    assert speed_rows == 2 * 2 * 10 + 1  # 2 sensors x 10 minutes, twice; VIB-N1-001 23:58 of the second file
    before = counts()
    # 3 readings a minute (every 20 s); 23:58 of VIB-N1-001: 3 + 2, and its max the 30.0 of the second file
    assert len(before) == 20 and {v[0] for k, v in before.items() if k != ("VIB-N1-001", at(DAY1, 23, 58))} == {3}
    assert before[("VIB-N1-001", at(DAY1, 23, 58))][:2] == (5, 30.0)
    assert {v[2] for v in before.values()} == {"speed"}

    batch_layer(DAY1, lake, warehouse_url, tmp_path)
    batch_layer(DAY1, lake, warehouse_url, tmp_path)  # recomputed twice: still once
    after = counts()
    assert after == {k: (v[0], v[1], "batch" if k[1].date() == DAY1 else "speed") for k, v in before.items()}
    served_day = rows(warehouse_url, f"SELECT * EXCLUDE (layer, panes) FROM {VIEW} WHERE window_start < "
                                     f"TIMESTAMPTZ '{at(DAY2, 0, 0).isoformat()}' ORDER BY sensor_id, window_start")
    batch_day = rows(warehouse_url, "SELECT * EXCLUDE (source, pane_index) FROM batch.sensor_minute_metrics "
                                    "ORDER BY sensor_id, window_start")
    assert served_day == batch_day and len(batch_day) == 10


def test_the_view_renders_for_duckdb_and_bigquery(rendering):
    view = rendering.render(VIEW)
    bigquery, duck = view.sql(dialect="bigquery"), view.sql(dialect="duckdb")
    tables = {t.sql("bigquery").split(" AS ")[0]
              for t in sqlglot.parse_one(bigquery, read="bigquery").find_all(sqlglot.exp.Table) if t.db}
    assert tables == {"`minera-prod`.`batch`.`sensor_minute_metrics`",
                                                    "`minera-prod`.`speed`.`sensor_minute_metrics`",
                                                    "`minera-prod`.`ops`.`batch_days`"}
    assert ("PARTITION BY `sensor_id`, `zone`, `window_start`, `source`, `pane_index` ORDER BY `computed_at` DESC"
            in bigquery)
    # a UTC day on both, whatever the session's time zone: whole days since the epoch of the microseconds
    assert "DIV(UNIX_MICROS(`window_start`), 86400000000)" in bigquery
    assert sqlglot.parse_one(duck, read="duckdb") and "86400000000" in duck
