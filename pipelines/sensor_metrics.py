"""The vibration sensors' minute metrics: one implementation, for the speed layer and the batch layer.

Beam's game examples share ``ExtractAndSumScore`` between their batch and streaming pipelines;
:class:`SensorMinuteMetrics` is that transform here. ``pipelines.streaming.sensors`` applies it to
readings as they arrive (``speed.sensor_minute_metrics``), ``pipelines.batch.sensor_recompute`` to a
day of readings read back from the lake (``batch.sensor_minute_metrics``). Both tables have the
columns of :data:`METRICS_SCHEMA_FILE`.

Per sensor (and zone) and event-time minute:

- ``reading_count``, ``max_ppv_mm_s``, ``min_battery_v``: exact, whatever the batching;
- ``dominant_frequency_hz``: the frequency of the strongest reading; of equally strong readings
  the earliest, then the highest frequency: a total order, so a tie never depends on batching;
- ``rms_ppv_mm_s`` = sqrt(sum(ppv²) / count) and ``mean_frequency_hz`` = sum(frequency) / count.
  Each sum is added up in a fixed order: within one table in its row order, then the tables'
  partial sums in an order given by their values. The same tables give the same bits (a rerun of
  the batch layer over the same lake files), but readings batched otherwise (a late pane, other
  replay batches, another engine) can differ in the last bits: every term is >= 0, so any order
  is within (n-1) units of 2^-53 of the exact sum, relatively, and two orders within twice that.

Each row also says where it comes from, so that a reader can combine a minute's rows exactly
(``serving.sensor_minute_metrics``): ``dominant_at`` (the dominant reading's event time, the first
tie-break), ``source`` (the speed layer's lake file tag, :func:`~pipelines.streaming.transforms.lake_file_tag`,
or ``'batch'``) and ``pane_index`` (the minute window's pane: a late pane's row holds only its late
readings; a row written again for the same source and pane is a repeat).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from apache_beam.transforms import window

from pipelines.streaming.transforms import MINUTE, event_windows

#: The metric table's columns, for the speed table and the batch table alike: the one source.
METRICS_SCHEMA_FILE = "speed/sensor_minute_metrics.json"
#: ``source`` of the batch layer's rows (the speed layer's are its lake file tags)
BATCH_SOURCE = "batch"
MINUTE_US = MINUTE * 1_000_000
#: the reading columns the metrics use (the lake files hold more)
READING_COLUMNS = ["sensor_id", "zone", "event_time", "ppv_mm_s", "frequency_hz", "battery_v"]
#: above this many (minute, sensor, zone) slots a table's groups are found by sorting, not by offset
_DENSE_SLOTS = 1 << 22


def minute_partials(table: pa.Table) -> pa.Table:
    """Partial aggregates per (minute, sensor, zone) of one table of readings, in one pass of
    numpy over its columns (no sort of the readings: a group is an offset into flat arrays).

    Columns: ``minute`` (epoch seconds of its start), ``sensor_id``, ``zone``, ``count``,
    ``max_ppv``, ``dominant_at`` (microseconds) and ``dominant`` (the strongest reading's time and
    frequency, ties as in the module docstring), ``sum_ppv_sq``, ``sum_frequency``, ``min_battery``.
    """
    micros = pc.cast(table["event_time"], pa.int64()).to_numpy()
    minute = micros // MINUTE_US
    sensor = _codes(table["sensor_id"])
    zone = _codes(table["zone"])
    ppv, frequency, battery = (table[c].to_numpy() for c in ("ppv_mm_s", "frequency_hz", "battery_v"))
    sensors, zones = len(sensor.dictionary), len(zone.dictionary)
    first_minute = int(minute.min())
    slot = (minute - first_minute) * (sensors * zones) + sensor.indices.to_numpy() * zones + zone.indices.to_numpy()
    if int(slot.max()) < _DENSE_SLOTS:
        group, slots = slot, int(slot.max()) + 1
    else:  # readings over a long span of time (a late batch): number the groups that occur
        keys, group = np.unique(slot, return_inverse=True)
        slots = len(keys)
    count = np.bincount(group, minlength=slots)
    sum_ppv_sq = np.bincount(group, weights=ppv * ppv, minlength=slots)  # in row order: deterministic
    sum_frequency = np.bincount(group, weights=frequency, minlength=slots)
    max_ppv = np.full(slots, -np.inf)
    np.maximum.at(max_ppv, group, ppv)
    min_battery = np.full(slots, np.inf)
    np.minimum.at(min_battery, group, battery)
    # the dominant reading: of the readings at their group's max, the earliest, then the highest frequency
    strongest = np.flatnonzero(ppv == max_ppv[group])
    strongest = strongest[np.lexsort((-frequency[strongest], micros[strongest], group[strongest]))]
    dominant = strongest[np.r_[True, group[strongest][1:] != group[strongest][:-1]]]  # one per group, in order
    used = np.flatnonzero(count)
    any_row = dominant  # a row of each used group, in group order: its minute, sensor and zone
    return pa.table({
        "minute": minute[any_row] * MINUTE,
        "sensor_id": sensor.dictionary.take(sensor.indices.take(pa.array(any_row))),
        "zone": zone.dictionary.take(zone.indices.take(pa.array(any_row))),
        "count": count[used],
        "max_ppv": max_ppv[used],
        "dominant_at": micros[dominant],
        "dominant": frequency[dominant],
        "sum_ppv_sq": sum_ppv_sq[used],
        "sum_frequency": sum_frequency[used],
        "min_battery": min_battery[used],
    })


def _codes(column: pa.ChunkedArray) -> pa.DictionaryArray:
    """A text column as one dictionary array (Parquet reads may give it dictionary-encoded already)."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return pc.dictionary_encode(column).combine_chunks()


class MinutePartialsFn(beam.DoFn):
    """Partial minute aggregates per sensor of one table, keyed and timestamped by minute.

    Only these few rows cross the shuffle, not the readings: the minute step holds kilobytes.
    """

    def process(self, table: pa.Table):
        if table.num_rows == 0:
            return
        partials = minute_partials(table)
        minutes = partials["minute"].to_numpy()
        for start in np.unique(minutes).tolist():
            yield window.TimestampedValue((start, partials.filter(minutes == start)), start)


#: the order partials are added up in: by their values, so the same partials give the same sums
_PARTIAL_ORDER = [("sensor_id", "ascending"), ("zone", "ascending"), ("max_ppv", "descending"),
                  ("dominant_at", "ascending"), ("dominant", "descending"), ("count", "ascending"),
                  ("sum_ppv_sq", "ascending"), ("sum_frequency", "ascending"), ("min_battery", "ascending")]


def minute_metrics(element, source: str, pane_index: int) -> pa.Table:
    """Per sensor and event-time minute: count, max and RMS PPV, mean and dominant frequency, min
    battery; and where the row comes from (``source``, ``pane_index``: see the module docstring)."""
    start, partials = element
    ordered = pa.concat_tables(list(partials)).sort_by(_PARTIAL_ORDER)
    grouped = ordered.group_by(["sensor_id", "zone"], use_threads=False).aggregate([
        ("count", "sum"), ("max_ppv", "max"), ("sum_ppv_sq", "sum"), ("sum_frequency", "sum"),
        ("min_battery", "min"), ("dominant", "first"), ("dominant_at", "first")])
    count = pc.cast(grouped["count_sum"], pa.float64())
    now = datetime.now(timezone.utc)
    return pa.table({
        "sensor_id": grouped["sensor_id"],
        "zone": grouped["zone"],
        "window_start": pa.array([datetime.fromtimestamp(start, timezone.utc)] * grouped.num_rows,
                                 pa.timestamp("us", tz="UTC")),
        "reading_count": grouped["count_sum"],
        "max_ppv_mm_s": grouped["max_ppv_max"],
        "rms_ppv_mm_s": pc.sqrt(pc.divide(grouped["sum_ppv_sq_sum"], count)),
        "mean_frequency_hz": pc.divide(grouped["sum_frequency_sum"], count),
        "dominant_frequency_hz": grouped["dominant_first"],
        "min_battery_v": grouped["min_battery_min"],
        "computed_at": pa.array([now] * grouped.num_rows, pa.timestamp("us", tz="UTC")),
        "dominant_at": pc.cast(grouped["dominant_at_first"], pa.timestamp("us", tz="UTC")),
        "source": pa.array([source] * grouped.num_rows, pa.string()),
        "pane_index": pa.array([pane_index] * grouped.num_rows, pa.int64()),
    })


class MinuteMetricsFn(beam.DoFn):
    """A minute's partials -> its metric rows, tagged with ``source`` and the window's pane index."""

    def __init__(self, source: str):
        self.source = source

    def process(self, element, pane=beam.DoFn.PaneInfoParam):
        yield minute_metrics(element, self.source, pane.index if pane is not None else 0)


class SensorMinuteMetrics(beam.PTransform):
    """Tables of readings -> one table of minute metrics per event-time minute (and pane).

    Readings become partial aggregates where they are (:class:`MinutePartialsFn`), the partials
    meet in their minute's window, and :func:`minute_metrics` adds them up. In ``streaming`` the
    windows fire at the watermark and again for readings up to ``allowed_lateness`` late (a late
    pane's row holds only its late readings, with the pane's index); in batch they fire once, with
    every reading. Every row carries ``source`` (the speed layer's lake file tag, or
    :data:`BATCH_SOURCE`).
    """

    def __init__(self, allowed_lateness: timedelta, streaming: bool, source: str):
        super().__init__()
        self.allowed_lateness, self.streaming, self.source = allowed_lateness, streaming, source

    def expand(self, readings):
        return (readings
                | "MinutePartials" >> beam.ParDo(MinutePartialsFn())
                | "MinuteWindows" >> event_windows(MINUTE, self.allowed_lateness, self.streaming)
                | "GroupMinute" >> beam.GroupByKey()
                | "Metrics" >> beam.ParDo(MinuteMetricsFn(self.source)))


def minute_metrics_sql(readings: str) -> str:
    """The same metrics as one DuckDB query over a relation of readings (a table, a view, or
    ``read_parquet(...)``): the definition the Beam path is checked against, in SQL.

    ``computed_at`` is the query's time; the sums' last bits may differ (see the module docstring).
    ``source`` and ``pane_index`` are the batch layer's (one pane of every reading).
    """
    return (
        "SELECT sensor_id, zone, date_trunc('minute', event_time) AS window_start,\n"
        "  count(*) AS reading_count, max(ppv_mm_s) AS max_ppv_mm_s,\n"
        "  sqrt(sum(ppv_mm_s * ppv_mm_s) / count(*)) AS rms_ppv_mm_s,\n"
        "  sum(frequency_hz) / count(*) AS mean_frequency_hz,\n"
        "  arg_max(frequency_hz, (ppv_mm_s, -epoch_us(event_time), frequency_hz)) AS dominant_frequency_hz,\n"
        "  min(battery_v) AS min_battery_v, now() AS computed_at,\n"
        "  arg_max(event_time, (ppv_mm_s, -epoch_us(event_time), frequency_hz)) AS dominant_at,\n"
        f"  '{BATCH_SOURCE}' AS source, 0 AS pane_index\n"
        f"FROM {readings}\n"
        "GROUP BY sensor_id, zone, date_trunc('minute', event_time)"
    )
