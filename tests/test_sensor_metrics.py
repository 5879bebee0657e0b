"""``SensorMinuteMetrics`` as a composite, in batch mode, against its SQL definition
(``minute_metrics_sql`` in DuckDB) on readings made here: the batch layer's transform without a lake
or a replay (those: tests/test_sensor_recompute.py; the functions inside it: the same file's first
tests; streaming panes: tests/test_serving_sensor_metrics.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import apache_beam as beam
import duckdb
import pyarrow as pa
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.util import assert_that, equal_to

from pipelines.sensor_metrics import BATCH_SOURCE, SensorMinuteMetrics, minute_metrics_sql

T0 = datetime(2026, 11, 22, 10, 15, tzinfo=timezone.utc)
COLUMNS = ("sensor_id", "zone", "window_start", "reading_count", "max_ppv_mm_s", "rms_ppv_mm_s", "mean_frequency_hz",
           "dominant_frequency_hz", "min_battery_v", "dominant_at", "source", "pane_index")


def readings(rows: list[tuple]) -> pa.Table:
    """(sensor, zone, second after T0, ppv, frequency, battery) as a table of readings."""
    return pa.table({
        "sensor_id": [r[0] for r in rows], "zone": [r[1] for r in rows],
        "event_time": pa.array([T0 + timedelta(seconds=r[2]) for r in rows], pa.timestamp("us", tz="UTC")),
        "ppv_mm_s": [float(r[3]) for r in rows], "frequency_hz": [float(r[4]) for r in rows],
        "battery_v": [float(r[5]) for r in rows]})


# values exact in binary, so every order of adding them gives the same bits
TABLES = [
    readings([("A", "north", 1, 2.0, 20.0, 3.5), ("A", "north", 2, 6.0, 30.0, 3.75),
              ("B", "south", 3, 1.0, 8.0, 3.25)]),
    readings([("A", "north", 9, 6.0, 45.0, 3.0), ("A", "north", 61, 4.0, 10.0, 3.5)]),  # a tie, then the next minute
    readings([("B", "south", 4, 1.0, 12.0, 3.5), ("A", "south", 5, 0.5, 5.0, 4.0)]),  # a tie: the earlier wins
]


def as_rows(table: pa.Table) -> list[tuple]:
    return [tuple(row[c] for c in COLUMNS) for row in table.to_pylist()]


def expected_rows() -> list[tuple]:
    con = duckdb.connect()
    con.register("readings", pa.concat_tables(TABLES))
    return as_rows(con.execute(minute_metrics_sql("readings")).fetch_arrow_table())


def test_the_composite_in_batch_mode_gives_the_sql_definitions_rows_for_readings_split_across_tables():
    expected = expected_rows()
    assert len(expected) == 4  # (A, north) in two minutes, (B, south), and sensor A in another zone
    assert {(r[0], r[1], r[3], r[7]) for r in expected} == {("A", "north", 3, 30.0), ("A", "north", 1, 10.0),
                                                             ("B", "south", 2, 8.0), ("A", "south", 1, 5.0)}
    options = PipelineOptions(["--runner=FnApiRunner", "--direct_num_workers=1"])
    with beam.Pipeline(options=options) as p:
        metrics = (p
                   | beam.Create(TABLES, reshuffle=False)
                   | SensorMinuteMetrics(timedelta(minutes=120), streaming=False, source=BATCH_SOURCE)
                   | beam.FlatMap(as_rows))
        assert_that(metrics, equal_to(expected))
