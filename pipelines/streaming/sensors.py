"""Vibration sensors: Pub/Sub (or a replay file) -> hourly Parquet lake + minute metrics + dead letters.

    python -m pipelines.streaming.sensors --replay FILE                      # local defaults
    python -m pipelines.streaming.sensors --replay FILE --lake_location PATH --warehouse URL
    python -m pipelines.streaming.sensors --input_subscription projects/P/subscriptions/S \\
        --lake_location gs://BUCKET/lake --warehouse bigquery://P --runner DataflowRunner --streaming ...

Every message ends in exactly one place: the lake (valid readings, once per sensor and event
time), ``ops.dead_letter`` (malformed, invalid, or later than ``--allowed_lateness_minutes``),
or the duplicate count. The counts are printed at the end of a replay run.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime, timedelta, timezone

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.transforms import window

from pipelines import logs
from pipelines.beam_runs import new_run_id
from pipelines.errors import exit_process, main_guard
from pipelines.options import LakeOptions, MessageInputOptions, run_id_option
from pipelines.sensor_metrics import METRICS_SCHEMA_FILE, SensorMinuteMetrics
from pipelines.streaming.alerts import load_curve, ppv_limit_alerts
from pipelines.streaming.runner import RunSummary, run_streaming
from pipelines.streaming.sensor_transforms import DetectPpvAnomalies, SilentSensorsFn
from pipelines.streaming.sinks import WriteToWarehouse, write_alerts_and_dead_letters
from pipelines.streaming.transforms import (
    DEAD,
    HOUR,
    DropRepeats,
    ReadMessages,
    SplitByWindowFn,
    ValidateFn,
    WriteHourlyParquetFn,
    event_windows,
    lake_file_tag,
)

log = logging.getLogger(__name__)
PIPELINE = "streaming.sensors"
BATCH_SIZE = 20_000  # messages per element: tens of thousands a minute arrive


class SensorOptions(PipelineOptions):
    """The sensor pipeline's own options; input and alerts topic are ``MessageInputOptions``, the
    lake and the lateness ``LakeOptions`` (shared with the batch layer that reads the lake)."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument("--dedup_horizon_minutes", type=int, default=10,
                            help="a reading re-sent within this much publish time counts once; keys "
                            "are kept for one to two horizons (the Pub/Sub client stops retrying "
                            "after 10 minutes)")
        parser.add_argument("--anomaly_threshold", type=float, default=8.0,
                            help="robust z-score above which a minute's max PPV is an anomaly")
        parser.add_argument("--silent_after_minutes", type=int, default=5,
                            help="alert when a sensor sends nothing for this long")
        parser.add_argument("--ppv_limit_curve", default=None,
                            help="JSON file of (frequency Hz, PPV mm/s) points (default: DIN 4150-3 line 1)")


def build(p: beam.Pipeline, options: PipelineOptions, warehouse: str, lake: str, streaming: bool) -> None:
    opts, source = options.view_as(SensorOptions), options.view_as(MessageInputOptions)
    lateness = timedelta(minutes=options.view_as(LakeOptions).allowed_lateness_minutes)
    read = p | "ReadMessages" >> ReadMessages(source.replay, source.input_subscription,
                                              source.batch_size or BATCH_SIZE, id_label=source.id_attribute,
                                              pipeline=PIPELINE)
    parsed = read["batches"] | "Validate" >> beam.ParDo(
        ValidateFn("sensor_reading", PIPELINE, lateness)).with_outputs(DEAD, main="readings")
    readings = (parsed["readings"]
                | "DropRetries" >> DropRepeats(["sensor_id", "event_time"],
                                               timedelta(minutes=opts.dedup_horizon_minutes),
                                               shards=source.dedup_shards))

    hours = (readings
             | "SplitByHour" >> beam.ParDo(SplitByWindowFn(HOUR))
             | "HourlyWindows" >> event_windows(HOUR, lateness, streaming)
             | "GroupHour" >> beam.GroupByKey())
    run_id = run_id_option(options) or new_run_id(datetime.now(timezone.utc))
    tag = lake_file_tag(source.replay, run_id)  # names the lake files and tags the metric rows alike
    _ = hours | "WriteLake" >> beam.ParDo(WriteHourlyParquetFn(lake, "sensor_readings", ["sensor_id", "event_time"],
                                                               tag))
    silent = (hours
              | "SilentSensors" >> beam.ParDo(SilentSensorsFn(timedelta(minutes=opts.silent_after_minutes), PIPELINE)))

    metrics = readings | "MinuteMetrics" >> SensorMinuteMetrics(lateness, streaming, tag)
    _ = metrics | "WriteMetrics" >> WriteToWarehouse(warehouse, "speed.sensor_minute_metrics", METRICS_SCHEMA_FILE)
    curve = load_curve(opts.ppv_limit_curve)
    ppv = metrics | "PpvLimitAlerts" >> beam.Map(ppv_limit_alerts, curve, PIPELINE)
    anomalies = metrics | "PpvAnomalies" >> DetectPpvAnomalies(opts.anomaly_threshold, PIPELINE)
    # alerts leave their event-time windows before they are merged: Flatten needs one windowing
    alerts = ((ppv | "PpvGlobal" >> beam.WindowInto(window.GlobalWindows()),
               silent | "SilentGlobal" >> beam.WindowInto(window.GlobalWindows()),
               anomalies)
              | "AllAlerts" >> beam.Flatten()
              | "AnyAlerts" >> beam.Filter(lambda table: table.num_rows > 0))
    write_alerts_and_dead_letters(warehouse, alerts, source.alerts_topic,
                                  {"ReadDeadLetters": read[DEAD], "ValidateDeadLetters": parsed[DEAD]})


def build_job(pipeline: beam.Pipeline, options: PipelineOptions, warehouse: str) -> None:
    """The job from its options alone, as :func:`run_streaming` (and ``pipelines.streaming.deploy``,
    which lists its step names) build it: the lake from ``--lake_location`` or the local default."""
    from pipelines.local import stack

    lake = options.view_as(LakeOptions).lake_location or stack.default_lake_location()
    build(pipeline, options, warehouse, lake, options.view_as(StandardOptions).streaming)


def run(argv: list[str] | None = None) -> RunSummary | None:
    """Entry point: a replay runs to its end and returns its counts; Dataflow gets a streaming job."""
    return run_streaming(argv, build_job, written_counter="rows", written_label="lake rows",
                         gcs_paths=("lake_location",))


def main(argv: list[str] | None = None) -> int:
    logs.configure()
    return main_guard(run, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    exit_process(main())
