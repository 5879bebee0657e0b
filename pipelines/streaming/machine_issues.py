"""Machinery issues: Pub/Sub (or a replay file) -> raw_mobile.machine_issue_events + alerts + dead letters.

    python -m pipelines.streaming.machine_issues --replay FILE                  # local defaults
    python -m pipelines.streaming.machine_issues --replay FILE --warehouse URL
    python -m pipelines.streaming.machine_issues --input_subscription projects/P/subscriptions/S \\
        --warehouse bigquery://P --alerts_topic projects/P/topics/T --runner DataflowRunner --streaming ...

Operators report problems from the mobile app; every report and status change is one event
(docs/contracts.md#pubsub-messages). Each message ends in exactly one place: ``raw_mobile.machine_issue_events``
(valid, once per ``event_id``), ``ops.dead_letter`` (malformed or invalid, with the reason), or
the duplicate count (the app re-sends on bad networks). A critical issue being opened raises an
``ops.alerts`` row (and a message on ``--alerts_topic``) as its event passes, within seconds.
The input, validation, de-duplication, sinks and run are the sensor pipeline's, shared.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime, timedelta, timezone

import apache_beam as beam
import pyarrow as pa
import pyarrow.compute as pc
from apache_beam.metrics import Metrics
from apache_beam.options.pipeline_options import PipelineOptions

from pipelines import logs
from pipelines.beam_runs import new_run_id
from pipelines.errors import exit_process, main_guard
from pipelines.options import MessageInputOptions, run_id_option
from pipelines.schema import LOADED_AT, RUN_ID
from pipelines.streaming.alerts import alerts_table
from pipelines.streaming.runner import RunSummary, run_streaming
from pipelines.streaming.sinks import WriteToWarehouse, write_alerts_and_dead_letters
from pipelines.streaming.transforms import DEAD, DropRepeats, ReadMessages, ValidateFn

log = logging.getLogger(__name__)
PIPELINE = "streaming.machine_issues"
SPEC = "machine_issue_event"  # schemas/streaming/machine_issue_event.json
RAW_TABLE = "raw_mobile.machine_issue_events"
BATCH_SIZE = 500  # a few messages a minute: small elements keep an alert seconds away
CRITICAL_RULE = "critical_issue_opened"


class MachineIssueOptions(PipelineOptions):
    """The machinery-issue pipeline's own options; input and alerts topic are ``MessageInputOptions``."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument("--event_id_horizon_hours", type=float, default=24,
                            help="an event re-sent within this much publish time counts once (a phone "
                            "offline for a shift re-sends when it is back); ids are kept one to two horizons")


class RawRowsFn(beam.DoFn):
    """Valid, de-duplicated events as raw rows: ``_run_id`` and ``_loaded_at`` added, counted."""

    def __init__(self, run_id: str):
        self.run_id = run_id
        self.rows = Metrics.counter("warehouse", "raw_rows")

    def process(self, events: pa.Table):
        now = pa.scalar(datetime.now(timezone.utc), pa.timestamp("us", tz="UTC"))
        rows = events.append_column(RUN_ID, pa.array([self.run_id] * events.num_rows, pa.string()))
        rows = rows.append_column(LOADED_AT, pa.array([now.as_py()] * events.num_rows, now.type))
        self.rows.inc(rows.num_rows)
        yield rows


def critical_issue_alerts(events: pa.Table, pipeline: str) -> pa.Table:
    """One alert per critical issue opened. The alert id is the issue's, so an issue re-sent or
    replayed raises one alert (``QUALIFY`` on ``alert_id`` reads it once on BigQuery)."""
    critical = events.filter(pc.and_(pc.equal(events["severity"], "critical"),
                                     pc.equal(events["event_type"], "opened")))
    if critical.num_rows == 0:
        return alerts_table({"alert_id": pa.array([], pa.string())})
    issues = critical["issue_id"].to_pylist()
    # Who reported it stays out: alerts reach BI readers and the alerts topic, while reported_by is
    # a policy-tagged column of raw_mobile.machine_issue_events (its issue_id leads there).
    details = [f"{m}: critical {c} issue opened" + (f": {d}" if d else "")
               for m, c, d in zip(critical["machine_id"].to_pylist(), critical["category"].to_pylist(),
                                  critical["description"].to_pylist(), strict=True)]
    rows = critical.num_rows
    return alerts_table({
        "alert_id": [f"{pipeline}:{CRITICAL_RULE}:{issue}" for issue in issues],
        "pipeline": [pipeline] * rows,
        "rule": [CRITICAL_RULE] * rows,
        "event_time": critical["event_time"],
        "details": [text[:1000] for text in details],
        "raised_at": pa.array([datetime.now(timezone.utc)] * rows, pa.timestamp("us", tz="UTC")),
        "machine_id": critical["machine_id"],
        "issue_id": critical["issue_id"],
    })


def build(p: beam.Pipeline, options: PipelineOptions, warehouse: str) -> None:
    source, opts = options.view_as(MessageInputOptions), options.view_as(MachineIssueOptions)
    read = p | "ReadMessages" >> ReadMessages(source.replay, source.input_subscription,
                                              source.batch_size or BATCH_SIZE, id_label=source.id_attribute,
                                              pipeline=PIPELINE)
    parsed = read["batches"] | "Validate" >> beam.ParDo(ValidateFn(SPEC, PIPELINE, None)).with_outputs(
        DEAD, main="events")
    events = (parsed["events"]
              | "DropRetries" >> DropRepeats(["event_id"], timedelta(hours=opts.event_id_horizon_hours),
                                             shard_field="machine_id", shards=source.dedup_shards))
    run_id = run_id_option(options) or new_run_id(datetime.now(timezone.utc))
    _ = (events
         | "RawRows" >> beam.ParDo(RawRowsFn(run_id))
         | "WriteEvents" >> WriteToWarehouse(warehouse, RAW_TABLE, "raw_mobile/machine_issue_events.json"))
    alerts = (events
              | "CriticalIssues" >> beam.Map(critical_issue_alerts, PIPELINE)
              | "AnyAlerts" >> beam.Filter(lambda table: table.num_rows > 0))
    write_alerts_and_dead_letters(warehouse, alerts, source.alerts_topic,
                                  {"ReadDeadLetters": read[DEAD], "ValidateDeadLetters": parsed[DEAD]})


#: the job from its options alone (the signature ``run_streaming`` and ``pipelines.streaming.deploy`` take)
build_job = build


def run(argv: list[str] | None = None) -> RunSummary | None:
    """Entry point: a replay runs to its end and returns its counts; Dataflow gets a streaming job."""
    return run_streaming(argv, build_job, written_counter="raw_rows", written_label="raw rows")


def main(argv: list[str] | None = None) -> int:
    logs.configure()
    return main_guard(run, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    exit_process(main())
