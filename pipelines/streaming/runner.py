"""Running a streaming pipeline, the same way for each: input checks, the run, its counts, a dry run.

Locally a replay file runs to its end and the counts come back as a :class:`RunSummary`; on
Dataflow a streaming job is submitted and runs until drained; ``--dry_run=True`` builds the
job, describes it (``--dataflow_job_file``) and submits nothing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions, TestOptions

from pipelines.beam_runs import beam_error, beam_stderr_to_debug_log, counter, write_dry_run_job
from pipelines.errors import ConfigError, PipelineError
from pipelines.options import MessageInputOptions, apply_runner_defaults, check_dataflow, warehouse_url

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    """What a finished run counted. Every message ends in exactly one place: written (the lake or
    a raw table), ``ops.dead_letter``, or dropped as a repeat of one already written."""

    received: int
    written: int
    dead_letters: int
    duplicates_dropped: int

    @property
    def lake_rows(self) -> int:  # the sensor pipeline writes to the lake
        return self.written

    @property
    def balanced(self) -> bool:
        return self.received == self.written + self.dead_letters + self.duplicates_dropped


def run_streaming(argv: list[str] | None, build: Callable[[beam.Pipeline, PipelineOptions, str], None],
                  written_counter: str, written_label: str, gcs_paths: tuple[str, ...] = ()) -> RunSummary | None:
    """Check the input options, build with ``build(pipeline, options, warehouse_url)``, run.

    On Dataflow, the options named in ``gcs_paths`` (e.g. ``lake_location``) must be gs:// paths,
    and neither a replay file nor the local DuckDB warehouse is taken (``options.check_dataflow``).
    Returns the counts of a local run; None for a dry run or a job submitted to Dataflow.
    """
    argv = list(argv or [])
    options = PipelineOptions(argv)
    source = options.view_as(MessageInputOptions)
    if bool(source.replay) == bool(source.input_subscription):
        raise ConfigError("give exactly one of --replay FILE or --input_subscription projects/P/subscriptions/S")
    if source.replay and not os.path.isfile(source.replay):
        raise ConfigError(f"--replay {source.replay}: no such file")
    apply_runner_defaults(options, argv)
    check_dataflow(options, gcs_paths={f"--{name}": options.get_all_options().get(name) for name in gcs_paths},
                   local_only={"--replay": source.replay}, exits_on_submit=True)
    standard = options.view_as(StandardOptions)
    if source.input_subscription:
        # a subscription never ends: the job is a streaming one, and the windows are built for it.
        # Also what a flex-template launch relies on: it cannot pass Beam's --streaming flag.
        standard.streaming = True
    pipeline = beam.Pipeline(options=options)
    build(pipeline, options, warehouse_url(options))
    try:
        with beam_stderr_to_debug_log():
            result = pipeline.run()
            if options.view_as(TestOptions).dry_run:
                return report_dry_run(options, result)
            if standard.streaming and standard.runner == "DataflowRunner":
                # a streaming job runs until it is drained or cancelled: the launcher's work is done
                log.info("streaming job %s submitted to Dataflow", result.job_id())
                return None
            result.wait_until_finish()
    except (KeyboardInterrupt, PipelineError):
        raise
    except Exception as exc:  # noqa: BLE001 - a worker's failure arrives as pages of traceback
        raise PipelineError(f"pipeline failed: {beam_error(exc)}") from exc
    summary = RunSummary(counter(result, "received"), counter(result, written_counter),
                         counter(result, "dead_letters"), counter(result, "duplicates_dropped"))
    log.info("messages in %s = %s %s + dead letters %s + duplicates dropped %s (%s)", f"{summary.received:,}",
             written_label, f"{summary.written:,}", f"{summary.dead_letters:,}", f"{summary.duplicates_dropped:,}",
             "balanced" if summary.balanced else "NOT BALANCED")
    return summary


def report_dry_run(options: PipelineOptions, result) -> None:
    """``--dry_run=True``: the job was built and validated, not submitted; there are no counts.
    With ``--dataflow_job_file PATH`` the job and its steps are described there."""
    job_file = write_dry_run_job(options, result, steps=True)
    log.info("dry run: job built%s; nothing submitted", f", written to {job_file}" if job_file else "")
    return None
