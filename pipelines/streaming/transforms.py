"""Composable Beam transforms of the speed layer, shared by the streaming pipelines.

Elements are batches: an Arrow table of envelopes in, an Arrow table of valid records out. Per-message
Beam overhead is what makes naive streaming pipelines slow; here it is paid once per batch.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta, timezone

import apache_beam as beam
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam import pvalue
from apache_beam.metrics import Metrics
from apache_beam.transforms import trigger, window
from apache_beam.utils.windowed_value import PaneInfoTiming

from pipelines.streaming.messages import (
    DeadLetter,
    Envelope,
    MessageSpec,
    envelope_batch,
    read_replay,
    replay_ranges,
    validate_batch,
)

log = logging.getLogger(__name__)

DEAD = "dead_letter"
HOUR = 3600
MINUTE = 60


class ReadReplayFn(beam.DoFn):
    """Reads a replay file (the local stand-in for a subscription) in batches of envelopes."""

    def __init__(self, batch_size: int):
        self.batch_size = batch_size
        self.received = Metrics.counter("messages", "received")
        self.rejected = Metrics.counter("messages", "dead_letters")

    def process(self, byte_range: tuple[str, int, int]):
        path, start, end = byte_range
        for item in read_replay(path, self.batch_size, start, end):
            if isinstance(item, DeadLetter):
                self.received.inc()
                self.rejected.inc()
                yield pvalue.TaggedOutput(DEAD, item)
            else:
                self.received.inc(item.num_rows)
                yield item


def to_envelope(message) -> Envelope:
    """A ``PubsubMessage`` (with attributes) as an envelope."""
    publish = getattr(message, "publish_time", None)
    if publish is not None and not isinstance(publish, datetime):
        publish = publish.ToDatetime(tzinfo=timezone.utc) if hasattr(publish, "ToDatetime") else None
    publish = publish.isoformat() if publish is not None else None
    return Envelope(getattr(message, "message_id", None), publish, dict(message.attributes or {}),
                    message.data or b"")


class ReadMessages(beam.PTransform):
    """Envelope batches from ``--replay FILE`` or ``--input_subscription`` (same code after this).

    Outputs: main = lists of envelopes; ``dead_letter`` = replay lines that are not envelopes.
    """

    def __init__(self, replay: str | None, subscription: str | None, batch_size: int = 10_000,
                 id_label: str | None = None):
        super().__init__()
        self.replay, self.subscription = replay, subscription
        self.batch_size, self.id_label = batch_size, id_label

    def expand(self, pbegin):
        if self.replay:
            return (pbegin | "ReplayRanges" >> beam.Create(replay_ranges(self.replay), reshuffle=False)
                    | "Distribute" >> beam.Reshuffle()
                    | "ReadReplay" >> beam.ParDo(ReadReplayFn(self.batch_size)).with_outputs(DEAD, main="batches"))
        from apache_beam.io.gcp.pubsub import ReadFromPubSub

        kwargs = {"id_label": self.id_label} if self.id_label else {}
        batches = (pbegin
                   | "ReadFromPubSub" >> ReadFromPubSub(subscription=self.subscription, with_attributes=True,
                                                        timestamp_attribute="event_time", **kwargs)
                   | "ToEnvelope" >> beam.Map(to_envelope)
                   | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=self.batch_size)
                   | "ToEnvelopeBatch" >> beam.Map(envelope_batch))
        empty = pbegin | "NoReplayDeadLetters" >> beam.Create([])
        return {"batches": batches, DEAD: empty}


class ValidateFn(beam.DoFn):
    """Envelope batch -> Arrow table of valid records; dead letters (with 'late') on the side."""

    def __init__(self, spec_name: str, pipeline: str, allowed_lateness: timedelta, time_field: str = "event_time"):
        self.spec_name, self.pipeline = spec_name, pipeline
        self.allowed_lateness, self.time_field = allowed_lateness, time_field
        self.valid = Metrics.counter("messages", "valid")
        self.rejected = Metrics.counter("messages", "dead_letters")

    def setup(self) -> None:
        self.spec = MessageSpec.load(self.spec_name)

    def process(self, batch: pa.Table):
        table, dead = validate_batch(self.spec, self.pipeline, batch, self.allowed_lateness, self.time_field)
        self.valid.inc(table.num_rows)
        self.rejected.inc(len(dead))
        for letter in dead:
            yield pvalue.TaggedOutput(DEAD, letter)
        if table.num_rows:
            yield table


class SplitByWindowFn(beam.DoFn):
    """Cuts a table into one piece per event-time window (hour or minute), timestamped in it."""

    def __init__(self, seconds: int, time_field: str = "event_time"):
        self.seconds, self.time_field = seconds, time_field

    def process(self, table: pa.Table):
        micros = pc.cast(table[self.time_field], pa.int64())
        starts = pc.multiply(pc.divide(micros, self.seconds * 1_000_000), self.seconds)
        for start in pc.unique(starts).to_pylist():
            piece = table.filter(pc.equal(starts, start))
            yield window.TimestampedValue((start, piece), start)


def event_windows(seconds: int, allowed_lateness: timedelta, streaming: bool) -> beam.WindowInto:
    """Fixed event-time windows; in streaming, fire at the watermark and again for late data."""
    if not streaming:
        return beam.WindowInto(window.FixedWindows(seconds))
    return beam.WindowInto(
        window.FixedWindows(seconds),
        trigger=trigger.AfterWatermark(late=trigger.AfterCount(1)),
        accumulation_mode=trigger.AccumulationMode.DISCARDING,
        allowed_lateness=int(allowed_lateness.total_seconds()),
    )


def concat(tables) -> pa.Table:
    return pa.concat_tables(list(tables))


def drop_duplicates(table: pa.Table, keys: list[str]) -> tuple[pa.Table, int]:
    """First occurrence per key (publisher retries re-send a reading under a new message id)."""
    if table.num_rows == 0:
        return table, 0
    indexed = table.append_column("_i", pa.array(range(table.num_rows), pa.int64()))
    first = indexed.group_by(keys, use_threads=False).aggregate([("_i", "min")])["_i_min"]
    unique = table.take(pc.take(first, pc.sort_indices(first)))  # the first rows, in arrival order
    return unique, table.num_rows - unique.num_rows


class WriteHourlyParquetFn(beam.DoFn):
    """One Parquet file per hour window and pane: ``<lake>/<name>/dt=YYYY-MM-DD/hour=HH/<uuid>.parquet``.

    Late panes add files to the hour they belong to; files are written under a temporary name
    and renamed, so a reader never sees half a file.
    """

    def __init__(self, lake_location: str, name: str, keys: list[str]):
        self.lake_location, self.name, self.keys = lake_location.rstrip("/"), name, keys
        self.rows = Metrics.counter("lake", "rows")
        self.duplicates = Metrics.counter("messages", "duplicates_dropped")

    def process(self, element):
        start, tables = element
        table, dropped = drop_duplicates(concat(tables), self.keys)
        self.duplicates.inc(dropped)
        table = table.sort_by([(k, "ascending") for k in self.keys])
        hour = datetime.fromtimestamp(start, timezone.utc)
        folder = f"{self.lake_location}/{self.name}/dt={hour:%Y-%m-%d}/hour={hour:%H}"
        path = f"{folder}/{uuid.uuid4().hex}.parquet"
        write_parquet_atomically(table, path)
        self.rows.inc(table.num_rows)
        yield path


def write_parquet_atomically(table: pa.Table, path: str) -> None:
    from apache_beam.io.filesystems import FileSystems

    if "://" in path:
        with FileSystems.create(path) as out:  # GCS objects appear whole when the upload completes
            pq.write_table(table, out, compression="snappy")
        return
    import os

    os.makedirs(os.path.dirname(path), exist_ok=True)
    pq.write_table(table, path + ".tmp", compression="snappy")
    os.replace(path + ".tmp", path)


class SilentSensorsFn(beam.DoFn):
    """Silent-sensor alerts from each hour's readings; late panes are skipped (they hold a sliver
    of the hour, where every sensor would look silent)."""

    def __init__(self, silent_after: timedelta, pipeline: str):
        self.silent_after, self.pipeline = silent_after, pipeline

    def process(self, element, pane=beam.DoFn.PaneInfoParam):
        if pane is not None and pane.timing == PaneInfoTiming.LATE:
            return
        start, tables = element
        from pipelines.streaming.alerts import silent_sensor_alerts

        yield silent_sensor_alerts(concat(tables), self.silent_after, self.pipeline)


class DetectPpvAnomalies(beam.PTransform):
    """Beam's ``AnomalyDetection`` (RobustZScore) on each sensor's minute max PPV.

    The metrics leave their minute windows for the global window first: the detector keeps its
    model per key *and window*, and a model that restarted every minute would learn nothing.
    """

    def __init__(self, threshold: float, pipeline: str, warmup_minutes: int = 15):
        super().__init__()
        self.threshold, self.pipeline, self.warmup_minutes = threshold, pipeline, warmup_minutes

    def expand(self, metrics):
        from apache_beam.ml.anomaly.detectors.robust_zscore import RobustZScore
        from apache_beam.ml.anomaly.thresholds import FixedThreshold
        from apache_beam.ml.anomaly.transforms import AnomalyDetection

        from pipelines.streaming.alerts import ALERT_SCHEMA, anomaly_alert

        detector = RobustZScore(features=["max_ppv_mm_s"], threshold_criterion=FixedThreshold(self.threshold))
        return (metrics
                | "PerSensorRows" >> beam.FlatMap(_sensor_rows).with_output_types(tuple[str, beam.Row])
                | "AcrossWindows" >> beam.WindowInto(window.GlobalWindows())
                | "RobustZScore" >> AnomalyDetection(detector)
                | "AfterWarmUp" >> beam.ParDo(_AfterWarmUpFn(self.warmup_minutes))
                | "ToAlert" >> beam.Map(anomaly_alert, self.pipeline)
                | "Outliers" >> beam.Filter(lambda row: row is not None)
                | "AsTable" >> beam.Map(lambda row: pa.Table.from_pylist([row], schema=ALERT_SCHEMA)))


class _AfterWarmUpFn(beam.DoFn):
    """Drops a sensor's first results: the running median and MAD mean nothing on a few minutes."""

    SEEN = beam.transforms.userstate.CombiningValueStateSpec("seen", sum)

    def __init__(self, warmup: int):
        self.warmup = warmup

    def process(self, keyed_result, seen=beam.DoFn.StateParam(SEEN)):
        seen.add(1)
        if seen.read() > self.warmup:
            yield keyed_result


def _sensor_rows(metrics: pa.Table):
    for m in metrics.select(["sensor_id", "zone", "window_start", "max_ppv_mm_s"]).to_pylist():
        yield window.TimestampedValue(
            (m["sensor_id"], beam.Row(max_ppv_mm_s=float(m["max_ppv_mm_s"]), zone=m["zone"],
                                      window_start=m["window_start"])), m["window_start"].timestamp())


def minute_metrics(element) -> pa.Table:
    """Per sensor and event-time minute: count, max and RMS PPV, mean and dominant frequency, min battery."""
    start, tables = element
    table, _ = drop_duplicates(concat(tables), ["sensor_id", "event_time"])
    table = table.append_column("ppv_sq", pc.multiply(table["ppv_mm_s"], table["ppv_mm_s"]))
    grouped = table.group_by(["sensor_id", "zone"], use_threads=False).aggregate([
        ("ppv_mm_s", "count"), ("ppv_mm_s", "max"), ("ppv_sq", "mean"), ("frequency_hz", "mean"),
        ("battery_v", "min"),
    ])
    # dominant frequency: the frequency of the minute's strongest reading per sensor
    order = table.sort_by([("sensor_id", "ascending"), ("ppv_mm_s", "descending")])
    strongest = order.group_by(["sensor_id"], use_threads=False).aggregate([("frequency_hz", "first")])
    dominant = dict(zip(strongest["sensor_id"].to_pylist(), strongest["frequency_hz_first"].to_pylist(),
                        strict=True))
    now = datetime.now(timezone.utc)
    return pa.table({
        "sensor_id": grouped["sensor_id"],
        "zone": grouped["zone"],
        "window_start": pa.array([datetime.fromtimestamp(start, timezone.utc)] * grouped.num_rows,
                                 pa.timestamp("us", tz="UTC")),
        "reading_count": grouped["ppv_mm_s_count"],
        "max_ppv_mm_s": grouped["ppv_mm_s_max"],
        "rms_ppv_mm_s": pc.sqrt(grouped["ppv_sq_mean"]),
        "mean_frequency_hz": grouped["frequency_hz_mean"],
        "dominant_frequency_hz": pa.array([dominant[s] for s in grouped["sensor_id"].to_pylist()], pa.float64()),
        "min_battery_v": grouped["battery_v_min"],
        "computed_at": pa.array([now] * grouped.num_rows, pa.timestamp("us", tz="UTC")),
    })
