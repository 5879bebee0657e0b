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
from dataclasses import dataclass
from datetime import timedelta

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.transforms import window

from pipelines import logs
from pipelines.errors import ConfigError, main_guard
from pipelines.options import apply_runner_defaults, warehouse_url
from pipelines.streaming.alerts import load_curve, ppv_limit_alerts
from pipelines.streaming.sinks import WriteToWarehouse
from pipelines.streaming.transforms import (
    DEAD,
    HOUR,
    MINUTE,
    DetectPpvAnomalies,
    DropRepeats,
    MinutePartialsFn,
    ReadMessages,
    SilentSensorsFn,
    SplitByWindowFn,
    ValidateFn,
    WriteHourlyParquetFn,
    event_windows,
    minute_metrics,
)

log = logging.getLogger(__name__)
PIPELINE = "streaming.sensors"


class SensorOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument("--input_subscription", default=None, help="projects/P/subscriptions/S")
        parser.add_argument("--replay", default=None, help="replay file (DESIGN.md 4.4) instead of Pub/Sub")
        parser.add_argument("--lake_location", default=None, help="folder or gs:// prefix of the lake")
        parser.add_argument("--allowed_lateness_minutes", type=int, default=120)
        parser.add_argument("--batch_size", type=int, default=20_000, help="messages per element")
        parser.add_argument("--dedup_horizon_minutes", type=int, default=10,
                            help="a reading re-sent within this much publish time counts once "
                            "(the Pub/Sub client stops retrying after 10 minutes)")
        parser.add_argument("--dedup_shards", type=int, default=4, help="state keys of the de-duplication")
        parser.add_argument("--anomaly_threshold", type=float, default=8.0,
                            help="robust z-score above which a minute's max PPV is an anomaly")
        parser.add_argument("--silent_after_minutes", type=int, default=5,
                            help="alert when a sensor sends nothing for this long")
        parser.add_argument("--ppv_limit_curve", default=None,
                            help="JSON file of (frequency Hz, PPV mm/s) points (default: DIN 4150-3 line 1)")


@dataclass
class RunSummary:
    received: int
    lake_rows: int
    dead_letters: int
    duplicates_dropped: int

    @property
    def balanced(self) -> bool:
        return self.received == self.lake_rows + self.dead_letters + self.duplicates_dropped


def build(p: beam.Pipeline, opts: SensorOptions, warehouse: str, lake: str, streaming: bool) -> None:
    lateness = timedelta(minutes=opts.allowed_lateness_minutes)
    read = p | "ReadMessages" >> ReadMessages(opts.replay, opts.input_subscription, opts.batch_size)
    parsed = read["batches"] | "Validate" >> beam.ParDo(
        ValidateFn("sensor_reading", PIPELINE, lateness)).with_outputs(DEAD, main="readings")
    readings = (parsed["readings"]
                | "DropRetries" >> DropRepeats(["sensor_id", "event_time"],
                                               timedelta(minutes=opts.dedup_horizon_minutes),
                                               shards=opts.dedup_shards))

    hours = (readings
             | "SplitByHour" >> beam.ParDo(SplitByWindowFn(HOUR))
             | "HourlyWindows" >> event_windows(HOUR, lateness, streaming)
             | "GroupHour" >> beam.GroupByKey())
    _ = hours | "WriteLake" >> beam.ParDo(WriteHourlyParquetFn(lake, "sensor_readings", ["sensor_id", "event_time"]))
    silent = (hours
              | "SilentSensors" >> beam.ParDo(SilentSensorsFn(timedelta(minutes=opts.silent_after_minutes), PIPELINE)))

    metrics = (readings
               | "MinutePartials" >> beam.ParDo(MinutePartialsFn())
               | "MinuteWindows" >> event_windows(MINUTE, lateness, streaming)
               | "GroupMinute" >> beam.GroupByKey()
               | "MinuteMetrics" >> beam.Map(minute_metrics))
    _ = metrics | "WriteMetrics" >> WriteToWarehouse(warehouse, "speed.sensor_minute_metrics",
                                                     "speed/sensor_minute_metrics.json")
    curve = load_curve(opts.ppv_limit_curve)
    ppv = metrics | "PpvLimitAlerts" >> beam.Map(ppv_limit_alerts, curve, PIPELINE)
    anomalies = metrics | "PpvAnomalies" >> DetectPpvAnomalies(opts.anomaly_threshold, PIPELINE)
    # alerts leave their event-time windows before they are merged: Flatten needs one windowing
    _ = ((ppv | "PpvGlobal" >> beam.WindowInto(window.GlobalWindows()),
          silent | "SilentGlobal" >> beam.WindowInto(window.GlobalWindows()),
          anomalies)
         | "AllAlerts" >> beam.Flatten()
         | "AnyAlerts" >> beam.Filter(lambda table: table.num_rows > 0)
         | "WriteAlerts" >> WriteToWarehouse(warehouse, "ops.alerts", "ops/alerts.json"))

    # two writers, no Flatten: each writes where its dead letters are made, nothing waits in a buffer
    for step, letters in (("ReadDeadLetters", read[DEAD]), ("ValidateDeadLetters", parsed[DEAD])):
        _ = letters | f"Write{step}" >> WriteToWarehouse(warehouse, "ops.dead_letter", "ops/dead_letter.json")


def _counter(result, name: str) -> int:
    from apache_beam.metrics.metric import MetricsFilter

    found = result.metrics().query(MetricsFilter().with_name(name))["counters"]
    return sum(c.committed if c.committed is not None else c.attempted for c in found)


def run(argv: list[str] | None = None) -> RunSummary | None:
    argv = list(argv or [])
    options = PipelineOptions(argv)
    opts = options.view_as(SensorOptions)
    if bool(opts.replay) == bool(opts.input_subscription):
        raise ConfigError("give exactly one of --replay FILE or --input_subscription projects/P/subscriptions/S")
    if opts.replay:
        import os

        if not os.path.isfile(opts.replay):
            raise ConfigError(f"--replay {opts.replay}: no such file")
    apply_runner_defaults(options, argv)
    from pipelines.local import stack

    warehouse = warehouse_url(options)
    if not warehouse.startswith("duckdb://"):
        raise ConfigError("this version writes the speed layer to DuckDB only (bigquery:// comes with the "
                          "Dataflow branch of issue 3, not built yet)")
    lake = opts.lake_location or stack.default_lake_location()
    streaming = options.view_as(StandardOptions).streaming
    pipeline = beam.Pipeline(options=options)
    build(pipeline, opts, warehouse, lake, streaming)
    result = pipeline.run()
    result.wait_until_finish()
    summary = RunSummary(_counter(result, "received"), _counter(result, "rows"),
                         _counter(result, "dead_letters"), _counter(result, "duplicates_dropped"))
    log.info("messages in %s = lake rows %s + dead letters %s + duplicates dropped %s (%s)",
             f"{summary.received:,}", f"{summary.lake_rows:,}", f"{summary.dead_letters:,}",
             f"{summary.duplicates_dropped:,}", "balanced" if summary.balanced else "NOT BALANCED")
    return summary


def main(argv: list[str] | None = None) -> int:
    logs.configure()
    return main_guard(run, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
