"""The streaming pipelines' composite transforms, one at a time, as Beam's game examples test theirs.

Each test builds the few steps it checks in Beam's ``TestPipeline`` on the DirectRunner, feeds them
hand-made elements (a ``TestStream`` with event-time watermarks where windows, triggers or late data
matter) and checks the exact rows out with ``assert_that``/``equal_to``. No replay file, warehouse or
lake: the end-to-end tests (tests/test_streaming_*.py) keep what only a whole run can show.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone

import apache_beam as beam
import pyarrow as pa
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.test_stream import TestStream as BeamTestStream  # aliased: pytest collects Test*
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.windowed_value import PaneInfoTiming
from test_streaming_machine_issues import event, uid

from pipelines.sensor_metrics import SensorMinuteMetrics
from pipelines.streaming import machine_issues
from pipelines.streaming.messages import Envelope, envelope_batch
from pipelines.streaming.sensor_transforms import DetectPpvAnomalies, SilentSensorsFn
from pipelines.streaming.transforms import (
    DEAD,
    HOUR,
    DropRepeats,
    ReadMessages,
    SplitByWindowFn,
    ValidateFn,
    event_windows,
)

UTC = timezone.utc
T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
LATENESS = timedelta(hours=2)
SENSORS = "streaming.sensors"


def streaming() -> BeamTestPipeline:
    """A TestPipeline in streaming mode: what a TestStream needs (the DirectRunner picks its
    streaming runner for it)."""
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    return BeamTestPipeline(options=options)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def reading(sensor: str, t: datetime, ppv: float = 1.0, **over) -> dict:
    return {"sensor_id": sensor, "zone": "north-pit-3", "event_time": iso(t), "ppv_mm_s": ppv,
            "frequency_hz": 18.5, "battery_v": 3.61, **over}


def envelope(message_id: str, payload: dict | bytes, published: datetime) -> Envelope:
    """A Pub/Sub message as ``ReadMessages`` hands it on: the event time attribute set as publishers set it."""
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    event_time = payload.get("event_time") if isinstance(payload, dict) else None
    return Envelope(message_id, iso(published), {"event_time": event_time or iso(published)}, data)


def readings(rows: list[tuple]) -> pa.Table:
    """Validated readings (as ``ValidateFn`` outputs them, less the message columns) from
    (sensor, minutes after T0, ppv, frequency, battery) rows."""
    return pa.table({
        "sensor_id": [r[0] for r in rows], "zone": ["z"] * len(rows),
        "event_time": pa.array([at(r[1]) for r in rows], pa.timestamp("us", tz="UTC")),
        "ppv_mm_s": [float(r[2]) for r in rows], "frequency_hz": [float(r[3]) for r in rows],
        "battery_v": [float(r[4]) for r in rows]})


def stamped(table: pa.Table) -> TimestampedValue:
    """A table as a source emits it: timestamped with its newest event time."""
    return TimestampedValue(table, max(table["event_time"].to_pylist()).timestamp())


def row_tuples(table: pa.Table, columns: list[str]) -> list[tuple]:
    return [tuple(r[c] for c in columns) for r in table.to_pylist()]


def letter_tuple(letter) -> tuple:
    return letter.pipeline, letter.message_id, letter.payload, json.loads(letter.attributes), letter.error


ALERT_COLUMNS = ["alert_id", "pipeline", "rule", "sensor_id", "zone", "event_time", "measured_value",
                 "limit_value", "unit", "details"]  # all but raised_at (the time it was raised) and the ids


# -- messages: parsing and validation ----------------------------------------------------------

def test_read_messages_splits_a_replay_into_envelope_batches_and_broken_lines(tmp_path):
    lines = [json.dumps({"message_id": f"m-{i}", "publish_time": iso(at(i)), "attributes": {},
                         "data": "e30="}) for i in range(5)]
    lines.insert(2, "not an envelope")
    path = tmp_path / "replay.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with BeamTestPipeline() as p:
        read = p | ReadMessages(str(path), None, batch_size=2, pipeline=SENSORS)
        batches = read["batches"] | "Batches" >> beam.Map(lambda b: b["message_id"].to_pylist())
        # batches of two lines: the broken third line is the second batch's other half
        assert_that(batches, equal_to([["m-0", "m-1"], ["m-2"], ["m-3", "m-4"]]), label="batches of two")
        letters = read[DEAD] | "Letters" >> beam.Map(lambda d: (d.pipeline, d.message_id, d.payload,
                                                                d.error.split(":")[0]))
        assert_that(letters, equal_to([(SENSORS, None, b"not an envelope", "not a replay envelope")]),
                    label="the broken line, whole")


def test_validate_keeps_good_readings_and_dead_letters_the_rest_with_their_reason():
    ok = envelope("ok", reading("VIB-1", at(0), ppv=2.5), at(0.1))
    late_ok = envelope("late-ok", reading("VIB-2", at(-90)), at(0))  # 90 minutes late: within the 2 hours
    batch = [
        ok, late_ok,
        envelope("not-json", b"{not json", at(0)),
        envelope("negative", reading("VIB-1", at(0), ppv=-0.5), at(0)),
        envelope("empty-sensor", reading(" ", at(0)), at(0)),
        envelope("late", reading("VIB-2", at(-180)), at(0)),  # 3 hours late
        envelope("ahead", reading("VIB-3", at(10)), at(0)),  # 10 minutes ahead of its publish time
    ]
    with BeamTestPipeline() as p:
        parsed = (p | beam.Create([envelope_batch(batch)])
                  | beam.ParDo(ValidateFn("sensor_reading", SENSORS, LATENESS)).with_outputs(DEAD, main="readings"))
        good = parsed["readings"] | "Rows" >> beam.FlatMap(row_tuples, [
            "message_id", "sensor_id", "zone", "event_time", "ppv_mm_s", "frequency_hz", "battery_v", "publish_time"])
        assert_that(good, equal_to([("ok", "VIB-1", "north-pit-3", at(0), 2.5, 18.5, 3.61, at(0.1)),
                                    ("late-ok", "VIB-2", "north-pit-3", at(-90), 1.0, 18.5, 3.61, at(0))]),
                    label="valid readings, typed")
        letters = parsed[DEAD] | "Letters" >> beam.Map(letter_tuple)
        assert_that(letters, equal_to([
            (SENSORS, e.message_id, e.data, e.attributes, error) for e, error in [
                (batch[2], "payload is not valid JSON: unexpected character, expected a string key: "
                           "line 1 column 2 (char 1)"),
                (batch[3], "ppv_mm_s -0.5 is below 0"),
                (batch[4], "sensor_id is empty"),
                (batch[5], "late: published 10800s after event time, allowed 7200s"),
                (batch[6], "event_time is 600s after its publish time (a wrong device clock?), allowed 300s"),
            ]]), label="dead letters: the message as received, and why")


# -- the lake's hourly windows ------------------------------------------------------------------

class PaneFn(beam.DoFn):
    """(hour, pane timing, pane index, the pane's readings) of a grouped hour."""

    def process(self, element, pane=beam.DoFn.PaneInfoParam):
        from pipelines.streaming.transforms import unpack

        start, pieces = element
        rows = sorted(r for piece in pieces for r in row_tuples(unpack(piece), ["sensor_id", "event_time"]))
        yield datetime.fromtimestamp(start, UTC), PaneInfoTiming.to_string(pane.timing), pane.index, rows


def test_hourly_windows_fire_at_the_watermark_and_a_late_reading_joins_its_own_hour():
    """Validated readings cut by hour fire once the watermark passes the hour; a reading of 10:30
    arriving at 11:40 (within the lateness) is a late pane of hour 10, not part of hour 11."""
    edge = T0 + timedelta(minutes=59, seconds=59, milliseconds=999)
    on_time = [envelope("a", reading("S1", edge), at(60)), envelope("b", reading("S1", at(60)), at(60.1))]
    late = [envelope("c", reading("S2", at(30)), at(100))]
    stream = (BeamTestStream()
              .advance_watermark_to(T0.timestamp())
              .add_elements([TimestampedValue(envelope_batch(on_time), at(60).timestamp())])
              .advance_watermark_to(at(90).timestamp())  # hour 10 fires on time
              .add_elements([TimestampedValue(envelope_batch(late), at(100).timestamp())])
              .advance_watermark_to_infinity())
    with streaming() as p:
        panes = (p | stream
                 | beam.ParDo(ValidateFn("sensor_reading", SENSORS, LATENESS))
                 | beam.ParDo(SplitByWindowFn(HOUR))
                 | event_windows(HOUR, LATENESS, streaming=True)
                 | beam.GroupByKey()
                 | beam.ParDo(PaneFn()))
        assert_that(panes, equal_to([
            (T0, "ON_TIME", 0, [("S1", edge)]),
            (T0, "LATE", 1, [("S2", at(30))]),
            (at(60), "ON_TIME", 0, [("S1", at(60))]),
        ]))


# -- sensor alerts ------------------------------------------------------------------------------

def test_silent_sensors_are_found_in_each_hour_s_on_time_pane_and_late_panes_are_skipped():
    """A every minute of hour 10; B silent after 10:20; C silent from 10:10 to 10:30. A late pane
    (A at 10:15:30, D at 10:45) would make A look silent for 30 minutes: it raises nothing."""
    rows = [("A", m, 1, 10, 3.6) for m in range(60)]
    rows += [("B", m, 1, 10, 3.6) for m in range(21)]
    rows += [("C", m, 1, 10, 3.6) for m in [*range(11), *range(30, 60)]]
    stream = (BeamTestStream()
              .advance_watermark_to(T0.timestamp())
              .add_elements([stamped(readings(rows))])
              .advance_watermark_to(at(75).timestamp())
              .add_elements([stamped(readings([("A", 15.5, 1, 10, 3.6), ("D", 45, 1, 10, 3.6)]))])
              .advance_watermark_to_infinity())
    with streaming() as p:
        alerts = (p | stream
                  | beam.ParDo(SplitByWindowFn(HOUR))
                  | event_windows(HOUR, LATENESS, streaming=True)
                  | beam.GroupByKey()
                  | beam.ParDo(SilentSensorsFn(timedelta(minutes=5), SENSORS))
                  | beam.FlatMap(row_tuples, ALERT_COLUMNS))
        assert_that(alerts, equal_to([
            (f"{SENSORS}:silent_sensor:B:20261122T102000", SENSORS, "silent_sensor", "B", "z", at(20), 39.0, 5.0,
             "minutes", "no reading since 10:20:00 (still silent at the newest reading)"),
            (f"{SENSORS}:silent_sensor:C:20261122T101000", SENSORS, "silent_sensor", "C", "z", at(10), 20.0, 5.0,
             "minutes", "no reading since 10:10:00, next at 10:30:00"),
        ]))


def minute_metrics_table(minute: int, rows: list[tuple[str, float]]) -> TimestampedValue:
    """A minute's metric rows (sensor, max PPV) as ``SensorMinuteMetrics`` emits them, in its window."""
    start = at(minute)
    table = pa.table({"sensor_id": [r[0] for r in rows], "zone": ["z"] * len(rows),
                      "window_start": pa.array([start] * len(rows), pa.timestamp("us", tz="UTC")),
                      "max_ppv_mm_s": [float(r[1]) for r in rows]})
    return TimestampedValue(table, start.timestamp())


def test_a_ppv_anomaly_is_raised_after_the_warm_up_and_only_for_the_outlier():
    """Sensor A alternates 3.0 (even minutes) and 1.0 mm/s, with 50 mm/s at minutes 3 and 20; B
    cycles 2, 3, 4. Minute 3 is inside the 15-result warm-up: no alert. At minute 20 A's running
    median is 3.0 (nine 1.0, ten 3.0, one 50) and the tracker's MAD 0.5, so the robust z-score is
    0.6745 * (50 - 3) / 0.5 = 63.4, over the threshold of 8. B never is."""
    stream = BeamTestStream().advance_watermark_to(T0.timestamp())
    for m in range(22):
        a = 50.0 if m in (3, 20) else (1.0 if m % 2 else 3.0)
        stream = (stream.add_elements([minute_metrics_table(m, [("A", a), ("B", 2.0 + m % 3)])])
                  .advance_watermark_to(at(m + 1).timestamp()))
    with streaming() as p:
        alerts = (p | stream.advance_watermark_to_infinity()
                  | DetectPpvAnomalies(8.0, SENSORS)
                  | beam.FlatMap(row_tuples, ALERT_COLUMNS))
        assert_that(alerts, equal_to([
            (f"{SENSORS}:ppv_anomaly:A:20261122T1020", SENSORS, "ppv_anomaly", "A", "z", at(20), 50.0, 8.0,
             "robust z-score", "max PPV 50.00 mm/s scores 63.4 against the sensor's running median "
             "(RobustZScore, threshold 8.0)"),
        ]))


# -- minute metrics -----------------------------------------------------------------------------

METRIC_COLUMNS = ["sensor_id", "zone", "window_start", "reading_count", "max_ppv_mm_s", "rms_ppv_mm_s",
                  "mean_frequency_hz", "dominant_frequency_hz", "min_battery_v", "dominant_at", "source",
                  "pane_index"]  # all but computed_at (when the row was made)
#: (sensor, minutes after T0, ppv, frequency, battery): A's on-time readings of 10:15, B's, and A's late one
ON_TIME = [("A", 15 + 5 / 60, 3.0, 20.0, 3.7), ("A", 15 + 10 / 60, 4.0, 30.0, 3.8), ("B", 15.5, 1.0, 10.0, 3.9)]
LATE = [("A", 15 + 2 / 60, 4.0, 40.0, 3.6)]


def test_minute_metrics_fire_per_minute_and_a_late_reading_is_a_pane_of_its_own():
    stream = (BeamTestStream()
              .advance_watermark_to(T0.timestamp())
              .add_elements([stamped(readings(ON_TIME))])
              .advance_watermark_to(at(17).timestamp())  # 10:15 fires on time
              .add_elements([stamped(readings(LATE))])
              .advance_watermark_to_infinity())
    with streaming() as p:
        metrics = (p | stream
                   | SensorMinuteMetrics(LATENESS, streaming=True, source="run-t")
                   | beam.FlatMap(row_tuples, METRIC_COLUMNS))
        assert_that(metrics, equal_to([
            # count, max, rms = sqrt((9 + 16) / 2), mean frequency, the strongest reading's frequency and time
            ("A", "z", at(15), 2, 4.0, math.sqrt(12.5), 25.0, 30.0, 3.7, at(15 + 10 / 60), "run-t", 0),
            ("B", "z", at(15), 1, 1.0, 1.0, 10.0, 10.0, 3.9, at(15.5), "run-t", 0),
            ("A", "z", at(15), 1, 4.0, 4.0, 40.0, 40.0, 3.6, at(15 + 2 / 60), "run-t", 1),  # the late reading alone
        ]))


def test_minute_metrics_in_batch_are_one_row_per_minute_with_every_reading():
    """The batch layer's use of the same transform: one pane, every reading; of A's two readings at
    4.0 mm/s the earlier (10:15:02, 40 Hz) is the dominant one."""
    with BeamTestPipeline() as p:
        metrics = (p | beam.Create([readings(ON_TIME), readings(LATE)])
                   | SensorMinuteMetrics(timedelta(0), streaming=False, source="batch")
                   | beam.FlatMap(row_tuples, METRIC_COLUMNS))
        assert_that(metrics, equal_to([
            ("A", "z", at(15), 3, 4.0, math.sqrt(41 / 3), 30.0, 40.0, 3.6, at(15 + 2 / 60), "batch", 0),
            ("B", "z", at(15), 1, 1.0, 1.0, 10.0, 10.0, 3.9, at(15.5), "batch", 0),
        ]))


# -- machinery issues ---------------------------------------------------------------------------

def issue_batch(*messages: tuple[str, dict, datetime]) -> TimestampedValue:
    """(message id, event, publish time) messages as one envelope batch, timestamped with the newest."""
    envelopes = [envelope(message_id, payload, published) for message_id, payload, published in messages]
    return TimestampedValue(envelope_batch(envelopes), max(m[2] for m in messages).timestamp())


def machine_issue_steps(p, stream: BeamTestStream, run_id: str):
    """The machinery-issue pipeline's steps after its input, as ``machine_issues.build`` chains them."""
    parsed = (p | stream
              | "Validate" >> beam.ParDo(ValidateFn(machine_issues.SPEC, machine_issues.PIPELINE, None)).with_outputs(
                  DEAD, main="events"))
    events = parsed["events"] | "DropRetries" >> DropRepeats(["event_id"], timedelta(hours=24),
                                                             shard_field="machine_id")
    raw = events | "RawRows" >> beam.ParDo(machine_issues.RawRowsFn(run_id))
    alerts = (events
              | "CriticalIssues" >> beam.Map(machine_issues.critical_issue_alerts, machine_issues.PIPELINE)
              | "AnyAlerts" >> beam.Filter(lambda table: table.num_rows > 0))
    return raw, alerts, parsed[DEAD]


def test_a_critical_issue_opened_raises_one_alert():
    """Moved from tests/test_streaming_machine_issues.py (the same messages, the same alert): a
    critical issue opened and re-sent raises one alert; an update of it, a high issue opened and an
    issue escalated to critical by an update raise none."""
    critical = event(1, 7, "SH-0003", "opened", "critical", T0, category="structural",
                     description="Crack in boom weld")
    stream = (BeamTestStream()
              .advance_watermark_to(T0.timestamp())
              .add_elements([issue_batch(
                  ("1", critical, T0 + timedelta(seconds=2)),
                  ("2", event(3, 8, "HT-0001", "opened", "high", T0), T0 + timedelta(seconds=3)),
                  ("3", event(4, 9, "HT-0002", "updated", "critical", T0), T0 + timedelta(seconds=4)))])  # escalated
              .add_elements([issue_batch(("4", critical, T0 + timedelta(seconds=9)))])  # re-sent
              .add_elements([issue_batch(("5", event(2, 7, "SH-0003", "updated", "critical", at(5)), at(5)))])
              .advance_watermark_to_infinity())
    with streaming() as p:
        _, alerts, _ = machine_issue_steps(p, stream, "run-t")
        rows = alerts | beam.FlatMap(row_tuples, ["alert_id", "pipeline", "rule", "machine_id", "issue_id",
                                                  "event_time", "details", "sensor_id"])
        assert_that(rows, equal_to([(f"streaming.machine_issues:critical_issue_opened:{uid(7)}",
                                     "streaming.machine_issues", "critical_issue_opened", "SH-0003", uid(7), T0,
                                     "SH-0003: critical structural issue opened: Crack in boom weld", None)]))


def test_machine_issue_events_become_raw_rows_once_and_bad_ones_dead_letters():
    """Each valid event is one raw row (the first delivery: its message id) tagged with the run;
    the app's retry, later and in another batch, is dropped; an invalid event is a dead letter."""
    opened = event(1, 1, "HT-0042", "opened", "low", T0)
    stream = (BeamTestStream()
              .advance_watermark_to(T0.timestamp())
              .add_elements([issue_batch(("m1", opened, T0 + timedelta(seconds=1)),
                                         ("m2", event(2, 1, "HT-0042", "closed", "low", T0), at(1 / 30)))])
              .add_elements([issue_batch(("m3", opened, T0 + timedelta(seconds=40)),  # the app's retry
                                         ("m4", event(3, 1, "HT-0042", "resolved", "low", at(1)), at(1)))])
              .advance_watermark_to_infinity())
    with streaming() as p:
        raw, alerts, letters = machine_issue_steps(p, stream, "run-t")
        rows = raw | beam.FlatMap(lambda t: [(r["event_id"], r["event_type"], r["message_id"], r["publish_time"],
                                              r["_run_id"], r["_loaded_at"] is not None) for r in t.to_pylist()])
        assert_that(rows, equal_to([(uid(1001), "opened", "m1", T0 + timedelta(seconds=1), "run-t", True),
                                    (uid(1003), "resolved", "m4", at(1), "run-t", True)]), label="raw rows")
        assert_that(alerts, equal_to([]), label="no alert: nothing critical")
        reasons = letters | beam.Map(lambda d: (d.message_id, d.error))
        assert_that(reasons, equal_to([("m2", "event_type is not one of opened, acknowledged, updated, resolved")]),
                    label="dead letters")
