"""The batch layer: recompute one UTC day of the sensors' minute metrics from the lake, exactly.

    python -m pipelines.batch.sensor_recompute                      # the local lake -> the local DuckDB
    python -m pipelines.batch.sensor_recompute --date 2026-11-22 --lake_location gs://LAKE/lake \\
        --warehouse bigquery://PROJECT --staging_location gs://BUCKET/staging \\
        --runner DataflowRunner --project PROJECT --region REGION --temp_location gs://BUCKET/tmp

1. Plan (launcher): the day (``--date``; default: the last day of the lake that is over, its late
   readings included) and its lake files (none: refused, nothing replaced).
2. Compute (Beam): the files' row groups are read in parallel and checked (a readable Parquet file,
   the reading columns, no null, every reading in its folder's hour: else the run fails naming the
   file); the speed layer's own ``SensorMinuteMetrics`` turns them into one row per sensor and
   minute; the day's rows are staged as one Parquet file.
3. Commit (launcher): in one warehouse transaction the day's rows of ``batch.sensor_minute_metrics``
   are replaced by the staged ones, the run is recorded in ``ops.load_runs``, the day in
   ``ops.batch_days``, and the batch watermark in ``ops.watermarks`` is set: the end of the last day
   that, with every earlier day of the lake, is closed. Then the lake's table is (re)defined in the
   warehouse for people's queries (``batch.sensor_readings``; a failure there is a warning).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import apache_beam as beam
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.metrics import Metrics
from apache_beam.options.pipeline_options import PipelineOptions, TestOptions
from apache_beam.transforms import window

from pipelines import logs
from pipelines.batch import staging
from pipelines.beam_runs import beam_error, counter, new_run_id, run_to_completion, write_dry_run_job
from pipelines.bounds import Bound
from pipelines.errors import ConfigError, PipelineError, SourceError, exit_process, main_guard, one_line
from pipelines.lake import LakeFile, LakeTable
from pipelines.options import (
    LakeOptions,
    apply_runner_defaults,
    check_dataflow,
    run_id_option,
    staging_location,
    warehouse_url,
)
from pipelines.schema import arrow_schema, load_schema_file
from pipelines.sensor_metrics import BATCH_SOURCE, METRICS_SCHEMA_FILE, READING_COLUMNS, SensorMinuteMetrics
from pipelines.sources.base import Window
from pipelines.warehouse import Warehouse, open_warehouse
from pipelines.warehouse.base import RECOMPUTE_OPS_TABLES, ClosedDay, DayRecompute
from pipelines.warehouse.layout import table_layout
from pipelines.warehouse.runs import Heartbeat, abandon_dead_runs, launcher, record_outcome

log = logging.getLogger(__name__)

PIPELINE = "batch.sensor_recompute"
LAKE_TABLE = "sensor_readings"  # schemas/lake/sensor_readings.json
DATASET, TABLE = "batch", "sensor_minute_metrics"
DAY = timedelta(days=1)
PROGRESS_EVERY = 1_000_000  # readings between two progress lines


class RecomputeOptions(PipelineOptions):
    """``--date``; the lake and the lateness are ``LakeOptions``, shared with the speed layer."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument("--date", default=None,
                            help="UTC day to recompute, YYYY-MM-DD (default: the last day of the lake that is "
                            "over, --allowed_lateness_minutes included)")


@dataclass
class Recomputed:
    """What a committed run replaced."""

    day: date
    rows: int
    readings: int
    lake_files: int
    seconds: float
    watermark: str | None


# -- the day and the watermark ------------------------------------------------------------

def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def settled_at(day: date, lateness: timedelta) -> datetime:
    """When a day's last reading can no longer arrive: its end plus the allowed lateness."""
    return day_start(day) + DAY + lateness


def choose_day(requested: str | None, lake_days: list[date], now: datetime, lateness: timedelta) -> date:
    """``--date``, or the last day of the lake that is over, late readings included. A day not yet
    over is refused: closing it would hide the readings still to come."""
    if requested:
        try:
            day = date.fromisoformat(requested.strip())
        except ValueError as exc:
            raise ConfigError(f"bad --date {requested!r}: expected a UTC day, YYYY-MM-DD") from exc
        if now < settled_at(day, lateness):
            raise ConfigError(f"--date {day} is not over: readings of it are taken until "
                              f"{settled_at(day, lateness).isoformat()} (its end + --allowed_lateness_minutes "
                              f"{lateness.total_seconds() / 60:g}); nothing replaced")
        return day
    over = [d for d in lake_days if settled_at(d, lateness) <= now]
    if not over:
        raise ConfigError(f"no day of the lake is over yet (days with files: {_span(lake_days)}; a day is over "
                          f"{lateness.total_seconds() / 60:g} minutes after its end): pass --date")
    return over[-1]


def batch_watermark(lake_days: list[date], closed: set[date]) -> str | None:
    """The end of the last closed day D such that every day of the lake up to D is closed (ISO,
    UTC); None when the lake's first day is not. Days without lake files need no closing; closed
    days no longer in the lake (removed files) still count."""
    last = None
    for day in sorted(set(lake_days) | closed):
        if day not in closed:
            break
        last = day
    return None if last is None else (day_start(last) + DAY).isoformat()


def _span(days: list[date]) -> str:
    return f"{days[0]} .. {days[-1]} ({len(days)})" if days else "none"


# -- reading the lake (Beam) ------------------------------------------------------------------

class _Progress:
    """Readings read in this process for one run, logged every :data:`PROGRESS_EVERY` with the rate."""

    runs: dict[str, _Progress] = {}
    lock = threading.Lock()

    def __init__(self):
        self.readings, self.started = 0, time.monotonic()

    @classmethod
    def add(cls, run_id: str, readings: int) -> None:
        with cls.lock:
            progress = cls.runs.setdefault(run_id, cls())
            before, progress.readings = progress.readings, progress.readings + readings
            if before // PROGRESS_EVERY != progress.readings // PROGRESS_EVERY:
                seconds = max(time.monotonic() - progress.started, 1e-9)
                log.info("lake: %s readings read (%s readings/s)", f"{progress.readings:,}",
                         f"{progress.readings / seconds:,.0f}")


def open_parquet(path: str) -> pq.ParquetFile:
    """A lake file's reader (ids read dictionary-encoded, as the writer stored them); local files
    natively, gs:// through Beam's file systems."""
    dictionaries = ["sensor_id", "zone"]
    if "://" not in path:
        return pq.ParquetFile(path, read_dictionary=dictionaries)
    from apache_beam.io.filesystems import FileSystems

    return pq.ParquetFile(FileSystems.open(path, compression_type="uncompressed"), read_dictionary=dictionaries)


def _bad_file(lake_file: LakeFile, what: str) -> SourceError:
    return SourceError(f"{lake_file.path}: {what}; nothing replaced")


class RowGroupsFn(beam.DoFn):
    """A lake file -> its (file, row group) pieces, from its footer: the units read in parallel."""

    def process(self, lake_file: LakeFile):
        try:
            groups = open_parquet(lake_file.path).metadata.num_row_groups
        except Exception as exc:  # noqa: BLE001 - pyarrow and the file systems raise many types
            raise _bad_file(lake_file, f"not a readable Parquet file ({one_line(exc)})") from exc
        for index in range(groups):
            yield lake_file, index


class ReadReadingsFn(beam.DoFn):
    """One row group of a lake file -> an Arrow table of its readings, checked (see
    :func:`check_readings`), or the run fails naming the file."""

    def __init__(self, run_id: str):
        self.run_id = run_id
        self.readings = Metrics.counter("lake", "readings")

    def setup(self) -> None:
        self.schema = arrow_schema(LakeTable.load(LAKE_TABLE).schema)

    def process(self, element):
        lake_file, index = element
        try:
            table = open_parquet(lake_file.path).read_row_group(index, columns=READING_COLUMNS, use_threads=False)
        except Exception as exc:  # noqa: BLE001 - pyarrow and the file systems raise many types
            raise _bad_file(lake_file, f"not a readable Parquet file ({one_line(exc)})") from exc
        table = check_readings(table, lake_file, self.schema)
        self.readings.inc(table.num_rows)
        _Progress.add(self.run_id, table.num_rows)
        if table.num_rows:
            yield table


def check_readings(table: pa.Table, lake_file: LakeFile, schema: pa.Schema) -> pa.Table:
    """The readings of a row group in the lake's types, if every value can be aggregated and every
    reading lies in the hour its folder says; else a SourceError naming the file."""
    missing = [name for name in READING_COLUMNS if name not in table.column_names]
    if missing:  # pyarrow reads the columns a file has, silently
        raise _bad_file(lake_file, f"no column {', '.join(missing)} (a lake file holds {', '.join(READING_COLUMNS)})")
    columns = {}
    for name in READING_COLUMNS:
        column, wanted = table[name], schema.field(name).type
        kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
        if kind != wanted:
            try:
                column = column.cast(wanted)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise _bad_file(lake_file, f"column {name} is {kind}, not {wanted}") from exc
        if column.null_count:
            raise _bad_file(lake_file, f"{column.null_count:,} null value(s) in {name}")
        if pa.types.is_floating(wanted) and pc.any(pc.is_nan(column)).as_py():
            raise _bad_file(lake_file, f"a NaN in {name}")
        columns[name] = column
    if table.num_rows:
        hour = day_start(lake_file.day) + timedelta(hours=lake_file.hour)
        span = pc.min_max(columns["event_time"])
        earliest, latest = span["min"].as_py(), span["max"].as_py()
        if earliest < hour or latest >= hour + timedelta(hours=1):
            raise _bad_file(lake_file, f"readings from {earliest.isoformat()} to {latest.isoformat()} in the folder "
                            f"of {hour:%Y-%m-%d %H}:00 UTC")
    return pa.table(columns)


class StageMetricsFn(beam.DoFn):
    """All of the day's metric tables -> one staged Parquet file and its manifest (``staging``)."""

    def __init__(self, prefix: str, compression: str):
        self.prefix, self.compression = prefix, compression
        self.readings = Metrics.counter("metrics", "readings")

    def process(self, tables: list[pa.Table]):
        schema = arrow_schema(load_schema_file(METRICS_SCHEMA_FILE))
        metrics = pa.concat_tables([t.cast(schema) for t in tables]) if tables else schema.empty_table()
        metrics = metrics.sort_by([("window_start", "ascending"), ("sensor_id", "ascending"), ("zone", "ascending")])
        path = staging.join(self.prefix, "part-00000-of-00001.parquet")
        with staging.open_for_write(path) as out:
            pq.write_table(metrics, out, compression=self.compression)
            size = out.tell()
        self.readings.inc(pc.sum(metrics["reading_count"]).as_py() or 0)
        staged = staging.StagedFile(path, metrics.num_rows, size, LakeTable.load(LAKE_TABLE).name, 0, 1)
        staging.write_manifest(staged)
        yield staged


def build(pipeline: beam.Pipeline, files: list[LakeFile], prefix: str, compression: str, run_id: str) -> None:
    """Lake files -> checked readings -> the speed layer's minute metrics -> one staged file."""
    readings = (pipeline
                | "LakeFiles" >> beam.Create(files, reshuffle=False)
                | "RowGroups" >> beam.ParDo(RowGroupsFn())
                | "Spread" >> beam.Reshuffle()
                | "ReadReadings" >> beam.ParDo(ReadReadingsFn(run_id)))
    _ = (readings
         | "MinuteMetrics" >> SensorMinuteMetrics(timedelta(0), streaming=False, source=BATCH_SOURCE)
         | "OneWindow" >> beam.WindowInto(window.GlobalWindows())
         | "AllMinutes" >> beam.combiners.ToList()
         | "StageMetrics" >> beam.ParDo(StageMetricsFn(prefix, compression)))


# -- the run --------------------------------------------------------------------------------

def run(argv: list[str] | None = None) -> Recomputed | None:
    """Entry point (also what Composer's Beam operator runs); None for a dry run."""
    argv = list(argv or [])
    options = PipelineOptions(argv)
    lake_options = options.view_as(LakeOptions)
    apply_runner_defaults(options, argv)
    check_dataflow(options, gcs_paths={"--lake_location": lake_options.lake_location,
                                       "--staging_location": staging_location(options)})
    from apache_beam.io.filesystems import FileSystems

    from pipelines.local import stack

    FileSystems.set_options(options)
    started_at = datetime.now(timezone.utc)
    began = time.monotonic()
    run_id = run_id_option(options) or new_run_id(started_at)
    lateness = timedelta(minutes=lake_options.allowed_lateness_minutes)
    location = lake_options.lake_location or stack.default_lake_location()
    lake = LakeTable.load(LAKE_TABLE)
    warehouse = open_warehouse(warehouse_url(options))
    lake.check_exists(location)
    lake_days = lake.days(location)
    day = choose_day(options.view_as(RecomputeOptions).date, lake_days, started_at, lateness)
    files = lake.day_files(location, day)
    if not files:
        raise SourceError(f"no lake files for {day} ({lake.day_glob(location, day)}); nothing replaced. Days with "
                          f"files: {_span(lake_days)}")
    warehouse.check()
    stage_root = staging_location(options) or stack.default_staging_location()
    prefix = staging.join(stage_root, run_id, DATASET, TABLE)
    window_ = Window("window_start", Bound("timestamp", day_start(day)), Bound("timestamp", day_start(day) + DAY),
                     every_row_placed=True)
    log.info("run %s: %s from %d lake file(s) (%.1f MB) under %s into %s.%s of %s", run_id, day, len(files),
             sum(f.size for f in files) / 1e6, lake.root(location), DATASET, TABLE, warehouse.describe())

    dry_run = options.view_as(TestOptions).dry_run
    warehouse.ensure_ops(RECOMPUTE_OPS_TABLES)
    abandon_dead_runs(warehouse, run_id, dry_run)
    if not dry_run:
        warehouse.record_runs([_run_row(run_id, window_, len(files), started_at, "running")])
    with Heartbeat(warehouse, run_id):
        try:
            pipeline = beam.Pipeline(options=options)
            build(pipeline, files, prefix, "snappy" if staging.is_remote(stage_root) else "none", run_id)
            result = run_to_completion(pipeline)
            if dry_run:
                job_file = write_dry_run_job(options, result)
                log.info("dry run: %d lake file(s) of %s to read, job built%s; nothing submitted or replaced",
                         len(files), day, f", written to {job_file}" if job_file else "")
                return None
            (staged,) = staging.read_manifests(prefix, 1)
            readings, counted = counter(result, "readings", "lake"), counter(result, "readings", "metrics")
            if readings != counted:
                raise PipelineError(f"read {readings:,} readings of {day} but the metrics count {counted:,}")
        except BaseException as exc:
            message = beam_error(exc)
            record_outcome(warehouse, [_run_row(run_id, window_, len(files), started_at, "failed", message)])
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise PipelineError(f"{day}: recomputation failed, nothing replaced: {message}") from exc
        log.info("%s: %s metric rows from %s readings in %.1fs (%s readings/s)", day, f"{staged.rows:,}",
                 f"{readings:,}", time.monotonic() - began, f"{readings / max(time.monotonic() - began, 1e-9):,.0f}")
        watermark = batch_watermark(lake_days, set(warehouse.closed_days(f"{DATASET}.{TABLE}")) | {day})
        rows = _commit(warehouse, lake, run_id, window_, staged, files, readings, day, watermark, started_at)
    staging.delete_prefix(staging.join(stage_root, run_id))
    try:  # for people's queries; the recomputation read the files itself
        warehouse.define_lake_table(lake, location)
    except PipelineError as exc:
        log.warning("%s: the lake table is not (re)defined: %s", lake.name, one_line(exc))
    seconds = time.monotonic() - began
    log.info("run %s: %s.%s %s replaced: %s rows from %s readings in %d lake file(s), %.1fs (%s readings/s); "
             "batch watermark %s", run_id, DATASET, TABLE, day, f"{rows:,}", f"{readings:,}", len(files), seconds,
             f"{readings / max(seconds, 1e-9):,.0f}", watermark or "none (the lake's first day is not closed)")
    return Recomputed(day, rows, readings, len(files), seconds, watermark)


def _commit(warehouse: Warehouse, lake: LakeTable, run_id: str, window_: Window, staged: staging.StagedFile,
            files: list[LakeFile], readings: int, day: date, watermark: str | None, started_at: datetime) -> int:
    """One transaction: the day's rows, the run, the day's record and the watermark (see the module docstring)."""
    layout = table_layout(f"{DATASET}.{TABLE}")  # schemas/layout.json: the speed table's layout
    request = DayRecompute(
        pipeline=PIPELINE, run_id=run_id, source_table=lake.name, dataset=DATASET, table=TABLE,
        schema=load_schema_file(METRICS_SCHEMA_FILE), files=(staged.path,), rows_read=staged.rows,
        bytes_staged=staged.bytes, partitions=len(files), window=window_,
        started_at=started_at, loaded_at=datetime.now(timezone.utc), partition_by=layout.partition_by,
        cluster_by=layout.cluster_by, closes_day=ClosedDay(day, readings, len(files), watermark))
    try:
        return warehouse.load(request)
    except Exception as exc:  # noqa: BLE001 - recorded, then raised as one line
        message = one_line(exc)
        record_outcome(warehouse, [_run_row(run_id, window_, len(files), started_at, "failed", message)])
        raise PipelineError(f"{day}: commit failed, nothing replaced: {message}") from exc


def _run_row(run_id: str, window_: Window, files: int, started_at: datetime, status: str,
             error: str | None = None) -> dict:
    now = datetime.now(timezone.utc)
    return {"run_id": run_id, "pipeline": PIPELINE, "table_name": LakeTable.load(LAKE_TABLE).name,
            "target_table": f"{DATASET}.{TABLE}", "window_start": window_.start_text, "window_end": window_.end_text,
            "partitions": files, "status": status, "error": error, "started_at": started_at,
            "ended_at": None if status == "running" else now, "heartbeat_at": now if status == "running" else None,
            **launcher()}


def main(argv: list[str] | None = None) -> int:
    logs.configure()
    return main_guard(run, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    exit_process(main())
