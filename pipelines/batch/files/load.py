"""A file load's run, start to end: list and plan, stage with Beam, commit, deal with the rejected.

The only module that knows the order of the steps (see :mod:`pipelines.batch.files`); each step's
own logic lives in its module, so this one reads as the run's outline and its summary.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, TestOptions

from pipelines.batch import staging
from pipelines.batch.files.commit import accept_staged, commit_load
from pipelines.batch.files.listing import LandedFile, absolute, check_s3, list_files, modified_between
from pipelines.batch.files.options import FileLoadOptions, FileSource, refuse_bad_options
from pipelines.batch.files.plan import plan_files
from pipelines.batch.files.quarantine import quarantine_root, raise_for_files_left, record_rejections
from pipelines.batch.files.transforms import FileOutcome, StageFilesFn, StageLandedFiles, read_outcomes
from pipelines.beam_runs import beam_error, new_run_id, run_to_completion, write_dry_run_job
from pipelines.errors import PipelineError, SourceError
from pipelines.options import (
    BatchLoadOptions,
    apply_runner_defaults,
    check_dataflow,
    run_id_option,
    staging_location,
    warehouse_url,
)
from pipelines.sources.avro import IncompatibleSchema, fold_schemas
from pipelines.warehouse import open_warehouse
from pipelines.warehouse.runs import abandon_dead_runs

log = logging.getLogger(__name__)


def _stage(options: PipelineOptions, candidates: list[tuple[int, LandedFile]], fn: StageFilesFn):
    pipeline = beam.Pipeline(options=options)
    _ = pipeline | "StageLandedFiles" >> StageLandedFiles(candidates, fn)
    return run_to_completion(pipeline)


def run_file_load(source: FileSource, argv: list[str] | None) -> list[FileOutcome]:
    """List, stage, commit (:mod:`pipelines.batch.files`). Returns the outcome of every file read this run
    (unchanged files are not read; a dry run reads none)."""
    argv = list(argv or [])
    options = PipelineOptions(argv)
    opts = options.view_as(FileLoadOptions)
    refuse_bad_options(argv, opts)
    apply_runner_defaults(options, argv)
    check_dataflow(options, gcs_paths={"--staging_location": staging_location(options)}, inputs={"--input": opts.input})
    FileSystems.set_options(options)  # s3:// endpoint and keys, for the launcher's own reads
    from pipelines.local import stack

    warehouse = open_warehouse(warehouse_url(options))
    stage_root = staging_location(options) or stack.default_staging_location()
    warehouse.check()
    warehouse.ensure_ops()
    pattern = absolute(opts.input or source.default_input())
    started_at = datetime.now(timezone.utc)
    run_id = run_id_option(options) or new_run_id(started_at)
    abandon_dead_runs(warehouse, run_id, options.view_as(TestOptions).dry_run)
    prefix = staging.join(stage_root, run_id, source.dataset, source.table)
    quarantine = quarantine_root(opts, stage_root)

    batch = options.view_as(BatchLoadOptions)
    check_s3(pattern, options)
    found = list_files(pattern)
    if not found:
        raise SourceError(f"no files match {pattern}")
    found = modified_between(found, batch.start, batch.end)
    if not found:
        raise SourceError(f"no files match {pattern} modified in [{batch.start or '-inf'}, {batch.end or 'now'})")
    # a full refresh rebuilds the table from the files found now: nothing counts as loaded before
    loaded = [] if batch.full_refresh else warehouse.loaded_files(source.target)
    try:
        current, _ = fold_schemas(row["file_schema"] for row in loaded)
    except IncompatibleSchema as exc:
        raise PipelineError(f"{source.target}: the schemas of the files loaded so far do not fold: {exc}") from exc
    plan = plan_files(found, loaded, current, started_at - timedelta(seconds=opts.settle_seconds))
    log.info("run %s: %d file(s) match %s: %d to read, %d unchanged since loaded, %d still changing, "
             "%d rejected by header; into %s.%s, staging %s", run_id, len(found), pattern, len(plan.candidates),
             len(plan.unchanged), len(plan.unsettled), len(plan.rejected), warehouse.describe(), source.target,
             prefix)
    for landed in plan.unsettled:
        log.warning("%s: last modified %s, %s: may still be uploading, left for the next run", landed.path,
                    landed.modified_at.isoformat(), "after this run started (a clock ahead of this one?)"
                    if landed.modified_at > started_at else f"less than {opts.settle_seconds:g}s before this run "
                    "started (--settle_seconds)")
    for change in plan.changes:
        log.info("%s: schema change: %s", source.target, change.describe())

    outcomes: list[FileOutcome] = []
    dry_run = options.view_as(TestOptions).dry_run
    if plan.candidates:
        known = frozenset(row["content_sha256"] for row in loaded)
        fn = StageFilesFn(plan.schema, known, prefix, warehouse.max_decimal_precision,
                          "snappy" if staging.is_remote(stage_root) else "none")
        try:
            result = _stage(options, plan.candidates, fn)
            if dry_run:
                job_file = write_dry_run_job(options, result)
                log.info("dry run: %d file(s) to stage, job built%s; nothing submitted, loaded or quarantined",
                         len(plan.candidates), f", written to {job_file}" if job_file else "")
                return []
            outcomes = read_outcomes(prefix, len(plan.candidates))
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise PipelineError(f"staging failed, nothing loaded: {beam_error(exc)}") from exc

    if dry_run:
        log.info("dry run: nothing to stage; nothing loaded or quarantined")
        return []
    accepted, skipped = accept_staged(outcomes, loaded, plan, started_at, run_id, source)
    rows = 0
    if batch.full_refresh and not accepted:
        log.warning("%s: --full_refresh found no file to load; the table is left as it was", source.target)
    elif accepted or plan.schema is not None:
        rows = commit_load(warehouse, source, plan, accepted, run_id, started_at, batch.full_refresh)
    new, still, undecodable = record_rejections(warehouse, source, plan, outcomes, quarantine, run_id, pattern)
    staging.delete_prefix(staging.join(stage_root, run_id))
    unsettled = len(plan.unsettled) + sum(o.status == "unsettled" for o in outcomes)
    log.info("%s: %d file(s) loaded, %s rows; %d skipped (content already loaded), %d unchanged, %d still changing "
             "(left for the next run); %d rejected (%d new%s), %d in a codec not supported here",
             source.target, len(accepted), f"{rows:,}", skipped, len(plan.unchanged), unsettled,
             len(new) + len(still), len(new), f", copies under {quarantine}/{run_id}" if new else "",
             len(undecodable))
    raise_for_files_left(new, still, undecodable, len(found))
    return outcomes
