"""The batch load every SQL source shares: plan in one snapshot, extract with Beam, commit.

1. Plan (launcher): open the source's snapshot, describe each table from the catalog,
   freeze its cursor window, split it into partitions.
2. Extract (Beam, locally or on Dataflow): every partition is read in that snapshot and
   staged as Parquet (``ExtractToStaging``).
3. Commit (launcher): per table, one load of the staged files, the rows-read check, the
   run audit and the watermark, in one warehouse transaction. A table that fails leaves
   its raw table and watermark as they were; the others still commit.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol

import apache_beam as beam
import pyarrow as pa
from apache_beam.options.pipeline_options import (
    DirectOptions,
    PipelineOptions,
    TestOptions,
)

from pipelines.batch import staging
from pipelines.batch.transforms import ExtractToStaging
from pipelines.beam_runs import beam_error, new_run_id, run_to_completion, write_dry_run_job
from pipelines.bounds import Bound, cursor_type_of, later, parse_bound
from pipelines.catalogue import Catalogue, TableConfig
from pipelines.errors import ConfigError, PartialFailure, PipelineError, SourceError, one_line
from pipelines.options import (
    BatchLoadOptions,
    apply_runner_defaults,
    check_dataflow,
    is_local_runner,
    run_id_option,
    staging_location,
    warehouse_url,
)
from pipelines.schema import (
    Column,
    SchemaChange,
    TableSchema,
    TypeNotWidened,
    arrow_schema,
    raw_table_name,
    type_text,
    widened_type,
    with_warehouse_names,
)
from pipelines.sources.base import Partition, RowFilter, SourceTable, Window
from pipelines.warehouse import Warehouse, open_warehouse
from pipelines.warehouse.base import SnapshotLoad
from pipelines.warehouse.runs import Heartbeat, abandon_dead_runs, launcher, record_outcome

log = logging.getLogger(__name__)


class Snapshot(Protocol):
    """What a source offers the loader while its snapshot is open (see sources/postgres.py)."""

    def table(self, qualified: str) -> SourceTable: ...

    def window_end(self, table: SourceTable, cursor: str, cursor_type: str, lag: timedelta) -> Bound: ...

    def is_empty(self, table: SourceTable) -> bool: ...

    def has_row(self, table: SourceTable, condition: str) -> bool: ...  # one row meets the SQL condition

    def plan(self, table: SourceTable, window: Window, arrow_schema, stage_prefix: str,
             rows_per_partition: int, max_partitions: int, multiple: int = 1, *,
             filters: tuple[RowFilter, ...] = ()) -> list[Partition]: ...

    def reader(self): ...  # the workers' partition reader, bound to this snapshot


class SourceRules(Protocol):
    """What a family of source systems adds to the generic load (SAP's: ``sources/sap/``)."""

    def filters(self, catalogue: Catalogue) -> tuple[RowFilter, ...]: ...  # checked before anything is read

    def check_table(self, snapshot: Snapshot, table: SourceTable, window: Window,
                    filters: tuple[RowFilter, ...]) -> None: ...  # before a table is planned


@dataclass
class TablePlan:
    config: TableConfig
    table: SourceTable
    window: Window
    new_watermark: Bound | None
    partitions: list[Partition]
    stage_prefix: str
    target_table: str
    key_partitions: list[Partition] = dataclasses.field(default_factory=list)  # --detect_deletes
    key_filter: tuple[tuple[str, str], ...] = ()
    schema_changes: tuple[SchemaChange, ...] = ()  # raw columns widened to hold the source's new type


@dataclass
class TableOutcome:
    source_table: str
    target: str
    rows: int
    bytes: int
    partitions: int
    seconds: float
    error: str | None = None


def decide_window(config: TableConfig, table: SourceTable, opts: BatchLoadOptions, watermark: str | None,
                  snapshot: Snapshot, lag: timedelta) -> tuple[Window, Bound | None]:
    """This run's window and the watermark it moves to once committed.

    A table without a cursor has no window: every run, windowed or not, reads its whole snapshot
    (SAP's texts and master data keep no change date), so a scheduled ``--start/--end`` run over a
    whole catalogue loads the windowed tables' interval and the others' current state.
    """
    cursor = config.cursor
    if cursor is None:
        return Window(None, None, None), None
    missing = [c for c in config.cursor_columns if c not in table.schema.names]
    if missing:
        raise ConfigError(f"catalogue cursor {', '.join(missing)} is not a column of {table.qualified}")
    if len({table.schema.column(c).type for c in config.cursor_columns}) > 1:
        raise ConfigError(f"catalogue cursor {', '.join(config.cursor_columns)} of {table.qualified}: "
                          "a cursor and its fallbacks must share one type")
    cursor_type = cursor_type_of(config.cursor_type, table.schema.column(cursor), table.qualified)
    stored = None if watermark is None else Bound.stored(watermark, cursor_type)
    if opts.end:
        end = parse_bound(opts.end, cursor_type, "--end")
        allowed = snapshot.window_end(table, cursor, cursor_type, lag)
        if later(end, allowed) != allowed:
            log.warning("%s: --end %s is later than the lag allows now (%s, %s s before the snapshot): rows "
                        "committed late with an earlier %s may be missed; the scheduled runs wait for it",
                        table.qualified, end, allowed, int(lag.total_seconds()), cursor)
    else:
        end = snapshot.window_end(table, cursor, cursor_type, lag)
    fallbacks = config.cursor_fallbacks
    if opts.full_refresh:
        return Window(cursor, None, end, full_refresh=True, fallbacks=fallbacks), later(stored, end)
    start = parse_bound(opts.start, cursor_type, "--start") if opts.start else stored
    if opts.start and later(start, end) == start:
        raise ConfigError(f"--start {opts.start} is not before the window end {end}")
    if start is not None and later(start, end) == start:
        end = start  # the lag keeps the window shut for now: an empty run, nothing moves
    return Window(cursor, start, end, fallbacks=fallbacks), later(stored, end)


@dataclass(frozen=True)
class BatchSource:
    """A pipeline's identity: its catalogue, its snapshot factory and its default source."""

    catalogue: str
    open_snapshot: object  # callable(url, opts) -> context manager yielding a Snapshot
    default_source_url: object  # callable() -> str, the local stack
    rules: Callable[[PipelineOptions], SourceRules] | None = None  # SAP's: batch/erp.py sap_rules
    tracks_deletes: bool = False  # keep <table>__deleted for every keyed table (staging reads it)
    default_schema: str = "public"  # what a bare --tables name belongs to (SAPSR3 for the ERP)


def run_batch_load(source: BatchSource, argv: list[str] | None) -> list[TableOutcome]:
    argv = list(argv or [])
    options = PipelineOptions(argv)
    opts = options.view_as(BatchLoadOptions)
    apply_runner_defaults(options, argv)
    check_dataflow(options, given={"--source_url": opts.source_url},
                   gcs_paths={"--staging_location": staging_location(options)})
    from pipelines.local import stack

    catalogue = Catalogue.load(opts.catalogue or source.catalogue)
    warehouse = open_warehouse(warehouse_url(options))
    stage_root = staging_location(options) or stack.default_staging_location()
    warehouse.check()
    warehouse.ensure_ops()
    names = [t.strip() for t in opts.tables.split(",") if t.strip()] if opts.tables else catalogue.names()
    names = [n if "." in n else f"{source.default_schema}.{n}" for n in names]
    if not names:
        raise ConfigError("no tables to load: pass --tables or list them in the catalogue")
    if (opts.start or opts.end) and not any(catalogue.get(n).cursor for n in names):
        raise ConfigError(f"--start/--end given but none of {', '.join(names)} has a cursor column in the "
                          "catalogue: they load whole snapshots, drop --start/--end")
    lag = timedelta(seconds=opts.lag_seconds if opts.lag_seconds is not None else catalogue.lag_seconds)
    started_at = datetime.now(timezone.utc)
    run_id = run_id_option(options) or new_run_id(started_at)
    run_prefix = staging.join(stage_root, run_id)
    rules = source.rules(options) if source.rules else None
    filters = rules.filters(catalogue) if rules else ()
    source_url = opts.source_url or source.default_source_url()
    log.info("run %s: %d table(s) from %s into %s, staging %s", run_id, len(names), source.catalogue,
             warehouse.describe(), run_prefix)

    dry_run = options.view_as(TestOptions).dry_run
    abandon_dead_runs(warehouse, run_id, dry_run)
    with Heartbeat(warehouse, run_id):
        with source.open_snapshot(source_url, opts) as snapshot:
            workers = _local_workers(options)
            plans = _unique([_plan_table(snapshot, catalogue, name, opts, warehouse, run_prefix, lag, workers,
                                         rules, filters, source.default_schema) for name in names])
            _refuse_shared_targets(plans, warehouse, catalogue, opts.full_refresh)
            if not dry_run:
                warehouse.record_runs([_run_row(run_id, catalogue, p, started_at, "running") for p in plans])
            partitions = [part for p in plans for part in p.partitions + p.key_partitions]
            try:
                compression = opts.staging_compression or ("snappy" if staging.is_remote(stage_root) else "none")
                result = _extract(options, partitions, snapshot.reader(), compression)
                if dry_run:
                    return _report_dry_run(options, result, plans)
            except BaseException as exc:
                message = beam_error(exc)
                record_outcome(warehouse, [_run_row(run_id, catalogue, p, started_at, "failed", message)
                                           for p in plans])
                if isinstance(exc, KeyboardInterrupt):
                    raise
                raise PipelineError(f"extraction failed, nothing loaded: {message}") from exc

        outcomes = [_commit_table(warehouse, catalogue, plan, run_id, started_at, source.tracks_deletes)
                    for plan in plans]
    failed = [o for o in outcomes if o.error]
    if not failed:
        staging.delete_prefix(run_prefix)
    total_rows = sum(o.rows for o in outcomes if not o.error)
    elapsed = (datetime.now(timezone.utc) - started_at).total_seconds()
    log.info("run %s: %d of %d tables loaded, %s rows in %.1fs (%s rows/s)", run_id, len(outcomes) - len(failed),
             len(outcomes), f"{total_rows:,}", elapsed, f"{total_rows / max(elapsed, 1e-9):,.0f}")
    if failed:
        raise PartialFailure(f"{len(failed)} of {len(outcomes)} tables failed: " + "; ".join(
            f"{o.source_table}: {o.error}" for o in failed) + f" (staged files kept under {run_prefix})")
    return outcomes


def _unique(plans: list[TablePlan]) -> list[TablePlan]:
    """A table named twice in --tables (or by two spellings of one name) is loaded once."""
    seen: dict[str, TablePlan] = {}
    for plan in plans:
        seen.setdefault(plan.table.qualified, plan)
    return list(seen.values())


def _refuse_shared_targets(plans: list[TablePlan], warehouse: Warehouse, catalogue: Catalogue,
                           full_refresh: bool) -> None:
    """Two source tables never share a raw table (they would overwrite each other's rows): not in
    one run, nor with the source table earlier runs loaded into it. A table whose raw table has
    another name than earlier runs used (the naming rule changed) is refused too, unless it is
    loaded whole again (``--full_refresh``). Refused before anything is read, naming both."""
    by_target: dict[str, str] = {}
    for plan in plans:
        earlier = by_target.setdefault(plan.target_table, plan.table.qualified)
        if earlier != plan.table.qualified:
            raise ConfigError(f"{earlier} and {plan.table.qualified} would both load into "
                              f"{catalogue.dataset}.{plan.target_table}; nothing loaded. Give one of them its "
                              "own raw table with `target:` in the catalogue")
    history = warehouse.loaded_into(catalogue.dataset)
    for plan in plans:
        target = f"{catalogue.dataset}.{plan.target_table}"
        for loaded_target, loaded_source in history:
            if loaded_target == target and loaded_source != plan.table.qualified:
                raise ConfigError(f"{target} holds the rows of {loaded_source}; {plan.table.qualified} would "
                                  "overwrite them; nothing loaded. Give it its own raw table with `target:` "
                                  "in the catalogue")
            if loaded_source == plan.table.qualified and loaded_target != target and not full_refresh:
                raise ConfigError(f"{plan.table.qualified} was loaded into {loaded_target} by earlier runs and "
                                  f"would now load into {target}; nothing loaded. Rename the raw table, set "
                                  f"`target: {loaded_target.split('.', 1)[1]}` in the catalogue, or reload it "
                                  "whole with --full_refresh")


def fit_raw_table(source: TableSchema, raw: TableSchema, table: str,
                  stored_type: Callable[[Column], str]) -> tuple[TableSchema, tuple[SchemaChange, ...]]:
    """The schema a run loads with into an existing raw table whose column types may differ from the
    source's now (the source's type changed between runs).

    A column the raw table stores alike (``stored_type``) is loaded as it is; one whose raw type
    already holds the new values (a narrower decimal) is staged in the raw type; one the raw column
    can widen to hold losslessly (INT64 -> NUMERIC(21,2) for a ``numeric(12,2)``, like the Avro
    files' evolution) is widened before loading; anything else refuses the run, naming the column
    and both types, before anything is read: an ``integer`` become ``text`` never lands rounded,
    cast or NULL.
    """
    raw_columns = {c.name.lower(): c for c in raw.columns}
    columns: list[Column] = []
    changes: list[SchemaChange] = []
    for column in source.columns:
        old = raw_columns.get(column.name.lower())
        if old is None or stored_type(old) == stored_type(column):
            columns.append(column)
            continue
        try:
            if (old.mode == "REPEATED") != (column.mode == "REPEATED"):
                raise TypeNotWidened("an array and a single value")
            wider = widened_type(old, column)
        except TypeNotWidened as exc:
            why = exc.why or "not a lossless widening"
            raise SourceError(f"{table}: column {column.name} changed type: {type_text(old)} in the raw table, "
                              f"{type_text(column)} ({column.source_type or 'source'}) in the source ({why}); "
                              "nothing loaded. Reload it into a new raw table (drop or rename the old one, "
                              "then --full_refresh)") from exc
        held = wider or old
        fitted = dataclasses.replace(column, type=held.type, precision=held.precision, scale=held.scale)
        if wider is not None:
            changes.append(SchemaChange("widen", (column.name,), old, fitted))
        columns.append(fitted)
    return dataclasses.replace(source, columns=tuple(columns)), tuple(changes)


def _plan_table(snapshot: Snapshot, catalogue: Catalogue, name: str, opts: BatchLoadOptions,
                warehouse: Warehouse, run_prefix: str, lag: timedelta, local_workers: int,
                rules: SourceRules | None = None, filters: tuple[RowFilter, ...] = (),
                default_schema: str = "public") -> TablePlan:
    table = snapshot.table(name)
    config = catalogue.get(table.qualified)
    if config.key:
        unknown = [k for k in config.key if k not in table.schema.names]
        if unknown:
            raise ConfigError(f"catalogue key {', '.join(unknown)} is not a column of {table.qualified}")
        table = dataclasses.replace(table, schema=dataclasses.replace(table.schema, primary_key=config.key))
    try:  # SAP's /NAMESPACE/ fields: a name BigQuery can hold, the source's name kept on the column
        table = dataclasses.replace(table, schema=with_warehouse_names(table.schema, table.qualified))
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    renamed = {c.name for c in table.schema.columns if c.source_name}
    if renamed & {*config.cursor_columns, *(f.column for f in filters)}:
        raise ConfigError(f"{table.qualified}: a cursor or client column must be a plain name, not "
                          f"{', '.join(c.source_name for c in table.schema.columns if c.name in renamed)}")
    watermark = warehouse.watermark(catalogue.pipeline, table.qualified)
    window, new_watermark = decide_window(config, table, opts, watermark, snapshot, lag)
    if rules is not None:
        rules.check_table(snapshot, table, window, filters)
    target_table = config.target or raw_table_name(table.schema_name, table.name, default_schema)
    changes: tuple[SchemaChange, ...] = ()
    raw = warehouse.raw_schema(catalogue.dataset, target_table)
    if raw is not None:
        fitted, changes = fit_raw_table(table.schema, raw, table.qualified, warehouse.stored_type)
        table = dataclasses.replace(table, schema=fitted)
        for change in changes:
            log.info("%s: source type changed: %s in %s.%s before loading", table.qualified, change.describe(),
                     catalogue.dataset, target_table)
    prefix = staging.join(run_prefix, catalogue.dataset, target_table)
    schema = arrow_schema(table.schema, warehouse.max_decimal_precision)
    partitions = snapshot.plan(table, window, schema, prefix, opts.rows_per_partition, opts.max_partitions,
                               local_workers, filters=filters)
    log.info("%s: ~%s rows, %d partition(s), window %s", table.qualified, f"{table.estimated_rows:,}",
             len(partitions), window.describe())
    plan = TablePlan(config, table, window, new_watermark, partitions, prefix, target_table, schema_changes=changes)
    if opts.detect_deletes:
        _plan_key_read(plan, snapshot, opts, local_workers, filters, schema)
    return plan


def _plan_key_read(plan: TablePlan, snapshot: Snapshot, opts: BatchLoadOptions, local_workers: int,
                   filters: tuple[RowFilter, ...], schema) -> None:
    """Every primary key the source has now, key columns only, in the same snapshot: what the
    warehouse compares its raw keys with to find the deleted ones."""
    table = plan.table
    key = table.schema.primary_key
    if not key:
        raise ConfigError(f"--detect_deletes: {table.qualified} has no primary key (add `key:` to the catalogue)")
    index = [table.schema.names.index(k) for k in key]
    keys_only = dataclasses.replace(
        table, schema=dataclasses.replace(table.schema, columns=tuple(table.schema.columns[i] for i in index)),
        select_exprs=tuple(table.select_exprs[i] for i in index))
    plan.key_partitions = snapshot.plan(
        keys_only, Window(None, None, None), pa.schema([schema.field(k) for k in key]),
        staging.join(plan.stage_prefix, "_keys"), opts.rows_per_partition * 4, opts.max_partitions, local_workers,
        filters=filters)
    plan.key_filter = tuple((f.column, f.value) for f in filters)


def _local_workers(options: PipelineOptions) -> int:
    """Threads of the local runner (partitions are dealt to them up front); 1 elsewhere."""
    if not is_local_runner(options):
        return 1
    return max(1, options.view_as(DirectOptions).direct_num_workers or 1)


def _extract(options: PipelineOptions, partitions: list[Partition], reader, compression: str):
    pipeline = beam.Pipeline(options=options)
    _ = pipeline | "ExtractToStaging" >> ExtractToStaging(partitions, reader, compression)
    return run_to_completion(pipeline)


def _report_dry_run(options: PipelineOptions, result, plans: list[TablePlan]) -> list[TableOutcome]:
    """``--dry_run=True``: the job was built and validated, not submitted. Nothing is loaded.

    With ``--dataflow_job_file PATH`` a description of the Dataflow job is written there:
    the job, its transforms, the worker environment and the artifacts staged for it
    (``workflow.tar.gz`` is this package, built from setup.py), and the pipeline options.
    """
    job_file = write_dry_run_job(options, result)
    log.info("dry run: %d partition(s) of %d table(s) planned, job built%s; nothing submitted or loaded",
             sum(len(p.partitions) for p in plans), len(plans), f", written to {job_file}" if job_file else "")
    return []


def _commit_table(warehouse: Warehouse, catalogue: Catalogue, plan: TablePlan, run_id: str,
                  started_at: datetime, tracks_deletes: bool = False) -> TableOutcome:
    began = time.monotonic()
    source_table = plan.table.qualified
    target = f"{catalogue.dataset}.{plan.target_table}"
    try:
        files = staging.read_manifests(plan.stage_prefix, len(plan.partitions))
        key_files = None
        if plan.key_partitions:
            key_files = tuple(f.path for f in staging.read_manifests(staging.join(plan.stage_prefix, "_keys"),
                                                                     len(plan.key_partitions)))
        request = SnapshotLoad(
            pipeline=catalogue.pipeline, run_id=run_id, source_table=source_table, dataset=catalogue.dataset,
            table=plan.target_table, schema=plan.table.schema, files=tuple(f.path for f in files),
            rows_read=sum(f.rows for f in files), bytes_staged=sum(f.bytes for f in files),
            partitions=len(files), window=plan.window,
            new_watermark=None if plan.new_watermark is None else plan.new_watermark.text,
            started_at=started_at, loaded_at=datetime.now(timezone.utc),
            partition_by=plan.config.partition_by, cluster_by=plan.config.cluster_by,
            tracks_deletes=tracks_deletes or key_files is not None, key_files=key_files, key_filter=plan.key_filter,
            schema_changes=plan.schema_changes,
            rows_without_cursor=sum(f.rows_without_cursor for f in files) if plan.window.column else None,
        )
        rows = warehouse.load(request)
    except Exception as exc:  # noqa: BLE001 - one table's failure must not stop the others
        message = one_line(exc)
        log.error("%s -> %s: FAILED, nothing committed: %s", source_table, target, message)
        record_outcome(warehouse, [_run_row(run_id, catalogue, plan, started_at, "failed", message)])
        return TableOutcome(source_table, target, 0, 0, len(plan.partitions), time.monotonic() - began, message)
    seconds = time.monotonic() - began
    log.info("%s -> %s: %s rows, %d partition(s), %.1f MB staged, committed in %.1fs; window %s; watermark %s%s",
             source_table, target, f"{rows:,}", request.partitions, request.bytes_staged / 1e6, seconds,
             plan.window.describe(), plan.new_watermark or "-",
             "" if request.rows_without_cursor is None else f"; {request.rows_without_cursor:,} without a cursor value")
    if request.rows_without_cursor:
        log.warning("%s: %s row(s) have no %s value (NULL or +-infinity): no window reaches them, so every run "
                    "reads them again and replaces their earlier copies (ops.load_runs.rows_without_cursor)",
                    source_table, f"{request.rows_without_cursor:,}", plan.window.column)
    return TableOutcome(source_table, target, rows, request.bytes_staged, request.partitions, seconds)


def _run_row(run_id: str, catalogue: Catalogue, plan: TablePlan, started_at: datetime, status: str,
             error: str | None = None) -> dict:
    return {
        "run_id": run_id, "pipeline": catalogue.pipeline, "table_name": plan.table.qualified,
        "target_table": f"{catalogue.dataset}.{plan.target_table}", "window_start": plan.window.start_text,
        "window_end": plan.window.end_text, "partitions": len(plan.partitions), "rows_read": None,
        "rows_loaded": None, "bytes_staged": None, "status": status, "error": error,
        "started_at": started_at, "ended_at": None if status == "running" else datetime.now(timezone.utc),
        "heartbeat_at": datetime.now(timezone.utc) if status == "running" else None, **launcher(),
    }
