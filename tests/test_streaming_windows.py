"""Event-time behaviour in streaming mode (TestStream on the BundleBasedDirectRunner)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_stream import TestStream as BeamTestStream
from apache_beam.transforms.window import TimestampedValue

from pipelines.streaming.messages import read_replay
from pipelines.streaming.transforms import (
    HOUR,
    SplitByWindowFn,
    ValidateFn,
    WriteHourlyParquetFn,
    event_windows,
)

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
LATENESS = timedelta(hours=2)


def envelopes(tmp_path, name: str, readings: list[tuple[str, datetime, datetime]]):
    """An envelope batch (as the readers make it) for (sensor, event time, publish time) triples."""
    path = tmp_path / f"{name}.jsonl"
    with path.open("w") as f:
        for i, (sensor, event, published) in enumerate(readings):
            data = json.dumps({"sensor_id": sensor, "zone": "z", "event_time": event.isoformat(),
                               "ppv_mm_s": 1.0, "frequency_hz": 10.0, "battery_v": 3.6}).encode()
            f.write(json.dumps({"message_id": f"{name}-{i}", "publish_time": published.isoformat(),
                                "attributes": {"event_time": event.isoformat()},
                                "data": base64.b64encode(data).decode()}) + "\n")
    (batch,) = list(read_replay(str(path), "streaming.sensors"))
    return batch


def test_hour_boundary_and_late_pane_go_to_the_hour_they_belong_to(tmp_path):
    on_time = envelopes(tmp_path, "a", [
        ("S1", T0 + timedelta(minutes=59, seconds=59, milliseconds=999), T0 + timedelta(minutes=60)),
        ("S1", T0 + timedelta(hours=1), T0 + timedelta(hours=1, seconds=1)),
    ])
    late = envelopes(tmp_path, "b", [("S2", T0 + timedelta(minutes=30), T0 + timedelta(hours=1, minutes=40))])
    stream = (BeamTestStream()
              .advance_watermark_to(T0.timestamp())
              .add_elements([TimestampedValue(on_time, (T0 + timedelta(hours=1)).timestamp())])
              .advance_watermark_to((T0 + timedelta(hours=1, minutes=30)).timestamp())  # hour 10 fires on time
              .add_elements([TimestampedValue(late, (T0 + timedelta(hours=1, minutes=40)).timestamp())])
              .advance_watermark_to_infinity())
    options = PipelineOptions(["--runner=BundleBasedDirectRunner"])
    options.view_as(StandardOptions).streaming = True
    lake = tmp_path / "lake"
    with beam.Pipeline(options=options) as p:
        _ = (p | stream
             | beam.ParDo(ValidateFn("sensor_reading", "test", LATENESS))
             | beam.ParDo(SplitByWindowFn(HOUR))
             | event_windows(HOUR, LATENESS, streaming=True)
             | beam.GroupByKey()
             | beam.ParDo(WriteHourlyParquetFn(str(lake), "sensor_readings", ["sensor_id", "event_time"], "run-t1")))

    hour10 = sorted((lake / "sensor_readings/dt=2026-11-22/hour=10").glob("*.parquet"))
    hour11 = sorted((lake / "sensor_readings/dt=2026-11-22/hour=11").glob("*.parquet"))
    # the on-time pane, then an extra file for the late pane: named by pane, so a retry replaces
    assert [f.name for f in hour10] == ["run-t1-00000.parquet", "run-t1-00001.parquet"]
    assert [f.name for f in hour11] == ["run-t1-00000.parquet"]
    rows10 = sorted((r["sensor_id"], r["event_time"]) for f in hour10 for r in pq.read_table(f).to_pylist())
    assert rows10 == [("S1", T0 + timedelta(minutes=59, seconds=59, milliseconds=999)),
                      ("S2", T0 + timedelta(minutes=30))]
    assert pq.read_table(hour11[0])["event_time"].to_pylist() == [T0 + timedelta(hours=1)]
