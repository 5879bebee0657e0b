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

import json
import logging
import sys
from dataclasses import dataclass
from datetime import timedelta

import apache_beam as beam
from apache_beam.options.pipeline_options import DebugOptions, PipelineOptions, StandardOptions, TestOptions
from apache_beam.transforms import window

from pipelines import logs
from pipelines.errors import ConfigError, exit_process, main_guard
from pipelines.options import apply_runner_defaults, warehouse_url
from pipelines.streaming.alerts import load_curve, ppv_limit_alerts
from pipelines.streaming.sinks import PublishAlerts, WriteToWarehouse
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
                            help="a reading re-sent within this much publish time counts once; keys "
                            "are kept for one to two horizons (the Pub/Sub client stops retrying "
                            "after 10 minutes)")
        parser.add_argument("--dedup_shards", type=int, default=4, help="state keys of the de-duplication")
        parser.add_argument("--anomaly_threshold", type=float, default=8.0,
                            help="robust z-score above which a minute's max PPV is an anomaly")
        parser.add_argument("--silent_after_minutes", type=int, default=5,
                            help="alert when a sensor sends nothing for this long")
        parser.add_argument("--ppv_limit_curve", default=None,
                            help="JSON file of (frequency Hz, PPV mm/s) points (default: DIN 4150-3 line 1)")
        parser.add_argument("--alerts_topic", default=None,
                            help="projects/P/topics/T: also publish each alert there (one message per alert)")
        parser.add_argument("--id_attribute", default=None,
                            help="Pub/Sub attribute holding a publisher-set unique id, for Dataflow to drop "
                            "re-sends by it; only when every publisher sets it (Dataflow already drops "
                            "redeliveries by message id; the (sensor_id, event_time) de-duplication runs anyway)")


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
    read = p | "ReadMessages" >> ReadMessages(opts.replay, opts.input_subscription, opts.batch_size,
                                              id_label=opts.id_attribute)
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
    alerts = ((ppv | "PpvGlobal" >> beam.WindowInto(window.GlobalWindows()),
               silent | "SilentGlobal" >> beam.WindowInto(window.GlobalWindows()),
               anomalies)
              | "AllAlerts" >> beam.Flatten()
              | "AnyAlerts" >> beam.Filter(lambda table: table.num_rows > 0))
    _ = alerts | "WriteAlerts" >> WriteToWarehouse(warehouse, "ops.alerts", "ops/alerts.json")
    if opts.alerts_topic:
        _ = alerts | "PublishAlerts" >> PublishAlerts(opts.alerts_topic)

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
    lake = opts.lake_location or stack.default_lake_location()
    streaming = options.view_as(StandardOptions).streaming
    pipeline = beam.Pipeline(options=options)
    build(pipeline, opts, warehouse, lake, streaming)
    result = pipeline.run()
    if options.view_as(TestOptions).dry_run:
        return _report_dry_run(options, result)
    if streaming and options.view_as(StandardOptions).runner == "DataflowRunner":
        # a streaming job runs until it is drained or cancelled: the launcher's work is done
        log.info("streaming job %s submitted to Dataflow", result.job_id())
        return None
    result.wait_until_finish()
    summary = RunSummary(_counter(result, "received"), _counter(result, "rows"),
                         _counter(result, "dead_letters"), _counter(result, "duplicates_dropped"))
    log.info("messages in %s = lake rows %s + dead letters %s + duplicates dropped %s (%s)",
             f"{summary.received:,}", f"{summary.lake_rows:,}", f"{summary.dead_letters:,}",
             f"{summary.duplicates_dropped:,}", "balanced" if summary.balanced else "NOT BALANCED")
    return summary


def _report_dry_run(options: PipelineOptions, result) -> None:
    """``--dry_run=True``: the job was built and validated, not submitted; there are no counts.

    With ``--dataflow_job_file PATH`` the job is described there (see ``describe_dataflow_job``),
    plus ``steps``: each step's display data and Pub/Sub payload, i.e. the subscription, topic and
    BigQuery write configuration a reviewer (or test) checks.
    """
    from pipelines.batch.loader import describe_dataflow_job

    job = getattr(result, "job", None)
    job_file = options.view_as(DebugOptions).dataflow_job_file
    if job is not None and job_file:
        with open(job_file, "w") as out:
            json.dump(describe_dataflow_job(job) | {"steps": describe_steps(job.proto_pipeline)}, out,
                      indent=2, default=str)
    log.info("dry run: job built%s; nothing submitted", f", written to {job_file}" if job_file else "")
    return None


def describe_steps(proto_pipeline) -> dict[str, dict]:
    """Per transform name: URN, labelled display data, and the decoded payload of Pub/Sub reads/writes."""
    from apache_beam.portability.api import beam_runner_api_pb2 as api
    from google.protobuf import json_format

    payloads = {"beam:transform:pubsub_read:v1": api.PubSubReadPayload,
                "beam:transform:pubsub_write:v1": api.PubSubWritePayload}
    steps = {}
    for transform in proto_pipeline.components.transforms.values():
        display = {}
        for item in transform.display_data:
            if item.urn == "beam:display_data:labelled:v1":
                labelled = api.LabelledPayload.FromString(item.payload)
                kind = labelled.WhichOneof("value")
                display[labelled.key] = getattr(labelled, kind) if kind else None
        step: dict = {"urn": transform.spec.urn}
        if display:
            step["display_data"] = display
        if transform.spec.urn in payloads:
            step["payload"] = json_format.MessageToDict(payloads[transform.spec.urn].FromString(transform.spec.payload),
                                                        preserving_proto_field_name=True)
        if len(step) > 1:
            steps[transform.unique_name] = step
    return dict(sorted(steps.items()))


def main(argv: list[str] | None = None) -> int:
    logs.configure()
    return main_guard(run, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    exit_process(main())
