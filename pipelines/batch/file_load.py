"""The batch load of landed files (a vendor's Avro drops): each file exactly once, bad ones quarantined.

1. List (launcher): the files ``--input`` matches on any Beam filesystem (a folder, ``gs://``,
   ``s3://``). A file whose path, size and modification time match a loaded one is not read
   again. A file modified less than ``--settle_seconds`` before the run started may still be
   uploading: it is left for a later run. Every other file's Avro header is read: not Avro,
   empty, or a schema the table cannot take (:mod:`pipelines.sources.avro`) rejects it; the
   others' schemas make the table's schema for this run (new optional fields, widened types).
2. Stage (Beam, locally or on Dataflow): each candidate is read whole and hashed. A file whose
   size is no longer the listed one is still being written: left for a later run. Content
   already loaded (under any name) is skipped; the rest is decoded and staged as one Parquet
   file in that schema. A file that fails to decode (truncated, corrupt) is rejected.
3. Commit (launcher): one load of the staged files, their ``ops.loaded_files`` rows and the
   run's ``ops.load_runs`` row, in one warehouse transaction. Rejected files are copied to the
   quarantine location and recorded in ``ops.rejected_files`` (once per path and content); the
   run then exits with :class:`FilesRejected`'s status, after every good file is loaded, as long
   as any file the glob matches is rejected. A file in an Avro codec this machine cannot decode
   is not the file's fault: it is neither rejected nor loaded, and the run fails
   (:class:`FilesNotDecodable`) until the codec's library is installed.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone

import apache_beam as beam
import fastavro
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, TestOptions

from pipelines.batch import staging
from pipelines.beam_runs import beam_error, new_run_id, run_to_completion, write_dry_run_job
from pipelines.errors import ConfigError, PartialFailure, PipelineError, SourceError, one_line
from pipelines.options import (
    BatchLoadOptions,
    apply_runner_defaults,
    check_dataflow,
    run_id_option,
    staging_location,
    warehouse_url,
)
from pipelines.schema import Column, TableSchema
from pipelines.sources.avro import IncompatibleSchema, SchemaChange, codec_problem, evolve, table_schema, to_arrow
from pipelines.warehouse import Warehouse, open_warehouse
from pipelines.warehouse.base import FileLoad
from pipelines.warehouse.runs import abandon_dead_runs, record_outcome

log = logging.getLogger(__name__)

AVRO_MAGIC = b"Obj\x01"
HEADER_READERS = 16  # launcher threads reading headers: a backfill lists thousands of files
#: a file on a folder (local, NFS) grows while it is written, and an Avro writer pauses between
#: blocks; a minute without a write means the upload is over
DEFAULT_SETTLE_SECONDS = 60.0
SOURCE_FILE = "_source_file"
SOURCE_SHA256 = "_source_sha256"
#: every raw row says which file (and which content of it) it came from
FILE_COLUMNS = (Column(SOURCE_FILE, "STRING", "REQUIRED"), Column(SOURCE_SHA256, "STRING", "REQUIRED"))


class FilesRejected(PartialFailure):
    """Some files the glob matches are rejected (recorded and quarantined, this run or an earlier
    one) while every good file loaded: a person has to look at them."""

    exit_code = 3


class FilesNotDecodable(PartialFailure):
    """Some files are in an Avro codec this machine cannot decode (a library is missing): they
    are left for a run on a machine that can, while every other good file loaded."""


#: rejection kinds that are this machine's fault, not the file's: never recorded or quarantined
NOT_THE_FILES_FAULT = ("unsupported_codec",)


class FileLoadOptions(PipelineOptions):
    """Options of a file load (DESIGN.md 4.2): ``--input`` and where rejected files go."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument("--input", help="glob of the files to load: a folder, gs:// or s3:// "
                            "(** crosses folders); default: the local landing folder")
        parser.add_argument("--quarantine_location", default=None,
                            help="where rejected files are copied (default: <staging_location>/quarantine "
                            "on gs://, the local quarantine folder otherwise)")
        parser.add_argument("--settle_seconds", type=float, default=DEFAULT_SETTLE_SECONDS,
                            help="load only files last modified at least this long before the run started; "
                            "newer ones may still be uploading and wait for the next run (default: "
                            f"{DEFAULT_SETTLE_SECONDS:g})")


@dataclass(frozen=True)
class FileSource:
    """A file pipeline's identity: where its rows go and what it loads by default."""

    pipeline: str  # e.g. batch.rock_quality (ops tables, logs)
    dataset: str
    table: str
    default_input: object  # callable() -> glob, preparing the local sample files if needed
    partition_by: str | None = None
    cluster_by: tuple[str, ...] = ()

    @property
    def target(self) -> str:
        return f"{self.dataset}.{self.table}"


@dataclass(frozen=True)
class LandedFile:
    path: str
    size: int
    modified_at: datetime | None


@dataclass
class FileOutcome:
    """What became of one file: staged, skipped or rejected (written next to its staged Parquet)."""

    index: int
    path: str
    size: int
    status: str  # staged | known | rejected | unsettled (changed since it was listed)
    sha256: str | None = None
    kind: str | None = None  # for rejected: empty | not_avro | corrupt | truncated | ... (README)
    reason: str | None = None
    rows: int = 0
    staged: str | None = None
    staged_bytes: int = 0
    file_schema: str | None = None  # the writer schema, JSON


@dataclass
class Rejection:
    landed: LandedFile
    kind: str
    reason: str
    sha256: str | None = None


@dataclass
class Plan:
    """The launcher's view before staging: what to read, in which table schema."""

    candidates: list[tuple[int, LandedFile]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    unchanged: list[LandedFile] = field(default_factory=list)
    unsettled: list[LandedFile] = field(default_factory=list)  # modified too recently: maybe still uploading
    schema: TableSchema | None = None
    changes: list[SchemaChange] = field(default_factory=list)


# -- listing and headers ---------------------------------------------------------------------

def _hidden(path: str) -> bool:
    """Names starting with ``_`` or ``.`` are markers and temporary files (``_SUCCESS``, an upload's
    ``.part``), the Hadoop convention: never data."""
    return path.rstrip("/").rsplit("/", 1)[-1].startswith(("_", "."))


def check_s3(pattern: str, options: PipelineOptions) -> None:
    """One quick request to an ``s3://`` input's bucket, so an unreachable endpoint, a missing
    bucket or refused keys fail in seconds with their cause (Beam's S3 client retries for minutes)."""
    if not pattern.startswith("s3://"):
        return
    import boto3
    from apache_beam.options.pipeline_options import S3Options
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    s3 = options.view_as(S3Options)
    bucket, _, key = pattern.removeprefix("s3://").partition("/")
    prefix = fixed_prefix(key)
    where = f"s3://{bucket}" + (f" at {s3.s3_endpoint_url}" if s3.s3_endpoint_url else "")
    try:
        client = boto3.client(
            "s3", endpoint_url=s3.s3_endpoint_url, region_name=s3.s3_region_name,
            aws_access_key_id=s3.s3_access_key_id, aws_secret_access_key=s3.s3_secret_access_key,
            verify=s3.s3_verify, use_ssl=not s3.s3_disable_ssl,
            config=Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 2, "mode": "standard"}))
        client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise SourceError(f"cannot list {pattern}: {where} answered {code or 'an error'}: {one_line(exc)}") from exc
    except BotoCoreError as exc:
        raise SourceError(f"cannot list {pattern}: {where}: {one_line(exc)}") from exc


def list_files(pattern: str) -> list[LandedFile]:
    """The files a glob matches, in path order (their load order); markers and folders left out."""
    try:
        matched = FileSystems.match([pattern])[0].metadata_list
    except Exception as exc:  # noqa: BLE001 - Beam raises BeamIOError and the client's own errors
        raise SourceError(f"cannot list {pattern}: {one_line(exc)}") from exc
    found = [LandedFile(m.path, m.size_in_bytes,
                        datetime.fromtimestamp(m.last_updated_in_seconds, timezone.utc)
                        if m.last_updated_in_seconds else None)
             for m in matched if not m.path.endswith("/") and not _hidden(m.path)]
    return sorted(found, key=lambda f: f.path)


def _instant(value: str, option: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(f"bad {option} {value!r}: expected an ISO 8601 time, e.g. 2026-11-22T00:00:00Z") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def modified_between(found: list[LandedFile], start: str | None, end: str | None) -> list[LandedFile]:
    """``--start``/``--end`` for files: those last modified in [start, end), e.g. to reload a week."""
    if not start and not end:
        return found
    low = _instant(start, "--start") if start else None
    high = _instant(end, "--end") if end else None
    if low and high and low >= high:
        raise ConfigError(f"--start {start} is not before --end {end}")
    return [f for f in found if f.modified_at is not None and (low is None or f.modified_at >= low)
            and (high is None or f.modified_at < high)]


class UnsupportedCodec(ValueError):
    """A valid Avro file in a codec this machine cannot decode."""


def avro_reader(f) -> fastavro.reader:
    """fastavro's reader over ``f`` (it reads the header), refusing a codec this machine cannot decode:
    without its library fastavro would fail on the first block, as if the file were corrupt."""
    reader = fastavro.reader(f)
    problem = codec_problem(reader.codec)
    if problem is not None:
        raise UnsupportedCodec(f"Avro codec {reader.codec!r} is not supported on this machine: {problem}")
    return reader


def read_header(landed: LandedFile) -> dict | Rejection:
    """The file's Avro writer schema, or why it is not an Avro file. Reads only the header."""
    if landed.size == 0:
        return Rejection(landed, "empty", "empty file (0 bytes)")
    try:
        f = FileSystems.open(landed.path, compression_type="uncompressed")
    except Exception as exc:  # noqa: BLE001 - a filesystem error on one file rejects that file only
        return Rejection(landed, "unreadable", f"cannot read the file: {one_line(exc)}")
    with f:
        try:
            head = f.read(len(AVRO_MAGIC))
            if head != AVRO_MAGIC:
                return Rejection(landed, "not_avro", f"not an Avro file: it starts with {head[:16]!r}, "
                                 "Avro files start with b'Obj\\x01'")
            f.seek(0)
            return avro_reader(f).writer_schema
        except UnsupportedCodec as exc:
            return Rejection(landed, "unsupported_codec", str(exc))
        except Exception as exc:  # noqa: BLE001 - fastavro raises many types for a bad header
            return Rejection(landed, "corrupt", f"unreadable Avro header: {type(exc).__name__}: {one_line(exc)}")


def read_bytes(path: str) -> bytes:
    with FileSystems.open(path, compression_type="uncompressed") as f:
        return f.read()


def sha256_of(path: str) -> str | None:
    try:
        return hashlib.sha256(read_bytes(path)).hexdigest()
    except Exception:  # noqa: BLE001 - the rejection is recorded without a hash then
        return None


def writer_schema_json(schema: dict) -> str:
    return json.dumps(schema, sort_keys=True, separators=(",", ":"))


def fold_schemas(file_schemas: Iterable[str]) -> tuple[TableSchema | None, list[SchemaChange]]:
    """The table schema that holds every given writer schema, in order (the manifest's history)."""
    current: TableSchema | None = None
    changes: list[SchemaChange] = []
    seen: set[str] = set()
    for text in file_schemas:
        if not text or text in seen:
            continue
        seen.add(text)
        current, step = evolve(current, table_schema(json.loads(text)))
        changes += step
    return current, changes


def plan_files(found: list[LandedFile], loaded: list[dict], current: TableSchema | None,
               settled_before: datetime | None = None) -> Plan:
    """Which files to read and the table schema they are staged in (``current`` evolved by
    every compatible header); the rest are rejected here, skipped as unchanged, or left for a
    later run when modified after ``settled_before`` (not read at all: a header read mid-upload
    would look corrupt)."""
    plan = Plan(schema=current)
    by_path = {row["path"]: row for row in loaded}
    todo = []
    for landed in found:
        row = by_path.get(landed.path)
        if row is not None and row.get("size_bytes") == landed.size and row.get("modified_at") == landed.modified_at:
            plan.unchanged.append(landed)
        elif settled_before is not None and landed.modified_at is not None and landed.modified_at > settled_before:
            plan.unsettled.append(landed)
        else:
            todo.append(landed)
    with ThreadPoolExecutor(HEADER_READERS) as pool:
        headers = list(pool.map(read_header, todo))
    for landed, header in zip(todo, headers, strict=True):
        if isinstance(header, Rejection):
            plan.rejected.append(header)
            continue
        try:
            plan.schema, changes = evolve(plan.schema, table_schema(header))
        except IncompatibleSchema as exc:
            plan.rejected.append(Rejection(landed, "incompatible_schema", f"incompatible schema: {exc}"))
            continue
        plan.changes += changes
        plan.candidates.append((len(plan.candidates), landed))
    return plan


# -- staging (Beam) --------------------------------------------------------------------------

def _decode_failure(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, EOFError) or "eof" in str(exc).lower() or "truncat" in str(exc).lower():
        return "truncated", f"truncated Avro file: {one_line(exc)}"
    return "corrupt", f"corrupt Avro data: {type(exc).__name__}: {one_line(exc)}"


def stage_file(index: int, landed: LandedFile, schema: TableSchema, known: frozenset[str], prefix: str,
               max_decimal_precision: int, compression: str) -> FileOutcome:
    """Read, hash, decode and stage one file (see the module docstring, step 2)."""
    outcome = FileOutcome(index, landed.path, landed.size, "rejected")
    try:
        data = read_bytes(landed.path)
    except Exception as exc:  # noqa: BLE001
        outcome.kind, outcome.reason = "unreadable", f"cannot read the file: {one_line(exc)}"
        return outcome
    outcome.sha256 = hashlib.sha256(data).hexdigest()
    outcome.size = len(data)
    if outcome.size != landed.size:  # written to since it was listed: whatever was read may be half of it
        outcome.status = "unsettled"
        outcome.reason = f"{landed.size} bytes when listed, {outcome.size} when read: still being written"
        return outcome
    if outcome.sha256 in known:
        outcome.status = "known"
        return outcome
    try:
        reader = avro_reader(io.BytesIO(data))
        records = list(reader)
        outcome.file_schema = writer_schema_json(reader.writer_schema)
    except UnsupportedCodec as exc:
        outcome.kind, outcome.reason = "unsupported_codec", str(exc)
        return outcome
    except Exception as exc:  # noqa: BLE001 - fastavro raises many types for bad bytes
        outcome.kind, outcome.reason = _decode_failure(exc)
        return outcome
    try:
        table = to_arrow(records, schema, max_decimal_precision)
    except (ValueError, TypeError, OverflowError, pa.ArrowException) as exc:
        outcome.kind, outcome.reason = "bad_values", f"values do not fit the table's types: {one_line(exc)}"
        return outcome
    table = table.append_column(SOURCE_FILE, pa.array([landed.path] * table.num_rows, pa.string()))
    table = table.append_column(SOURCE_SHA256, pa.array([outcome.sha256] * table.num_rows, pa.string()))
    outcome.staged = staging.join(prefix, f"file-{index:05d}.parquet")
    with staging.open_for_write(outcome.staged) as out:
        pq.write_table(table, out, compression=compression)
        outcome.staged_bytes = out.tell()
    outcome.status, outcome.rows = "staged", table.num_rows
    return outcome


class StageFilesFn(beam.DoFn):
    """Stages each file and writes its outcome as JSON next to it (written last, so the
    launcher can tell a finished file from one a killed worker left behind)."""

    def __init__(self, schema: TableSchema, known: frozenset[str], prefix: str, max_decimal_precision: int,
                 compression: str):
        self.schema, self.known, self.prefix = schema, known, prefix
        self.max_decimal_precision, self.compression = max_decimal_precision, compression

    def process(self, element: tuple[int, LandedFile]):
        index, landed = element
        outcome = stage_file(index, landed, self.schema, self.known, self.prefix, self.max_decimal_precision,
                             self.compression)
        with staging.open_for_write(staging.join(self.prefix, f"file-{index:05d}.json")) as out:
            out.write(json.dumps(asdict(outcome)).encode())
        yield outcome


class StageLandedFiles(beam.PTransform):
    """Candidate files -> one staged Parquet file (or a rejection) each, in parallel."""

    def __init__(self, candidates: list[tuple[int, LandedFile]], fn: StageFilesFn):
        super().__init__()
        self.candidates, self.fn = candidates, fn

    def expand(self, pbegin):
        return (pbegin
                | "Files" >> beam.Create(self.candidates)
                | "Spread" >> beam.Reshuffle()
                | "Stage" >> beam.ParDo(self.fn))


def read_outcomes(prefix: str, expected: int) -> list[FileOutcome]:
    found = []
    if expected:
        for match in FileSystems.match([staging.join(prefix, "file-*.json")])[0].metadata_list:
            found.append(FileOutcome(**json.loads(read_bytes(match.path))))
    found.sort(key=lambda o: o.index)
    if [o.index for o in found] != list(range(expected)):
        raise PipelineError(f"staging incomplete under {prefix}: {len(found)} of {expected} files finished")
    return found


# -- the run -----------------------------------------------------------------------------

def fixed_prefix(pattern: str) -> str:
    """The folder part of a glob before its first wildcard: ``s3://b/rq/**.avro`` -> ``s3://b/rq/``."""
    head = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
    return head[: head.rfind("/") + 1]


def _quarantine(rejection: Rejection, root: str, run_id: str, pattern: str) -> str | None:
    """Copy a rejected file to ``<root>/<run_id>/<its path under the glob's folder>``; None if it
    cannot be read."""
    path = rejection.landed.path
    base = fixed_prefix(pattern)
    relative = path[len(base):] if base and path.startswith(base) else path.split("://", 1)[-1].lstrip("/")
    destination = staging.join(root, run_id, relative)
    try:
        data = read_bytes(rejection.landed.path)
        with staging.open_for_write(destination) as out:
            out.write(data)
    except Exception as exc:  # noqa: BLE001 - the rejection is recorded all the same
        log.warning("%s: could not copy it to quarantine: %s", rejection.landed.path, one_line(exc))
        return None
    return destination


def _quarantine_root(opts: FileLoadOptions, stage_root: str) -> str:
    from pipelines.local import stack

    if opts.quarantine_location:
        return opts.quarantine_location
    if staging.is_remote(stage_root):
        return staging.join(stage_root, "quarantine")
    return stack.default_quarantine_location()


def _absolute(pattern: str) -> str:
    return pattern if "://" in pattern else os.path.abspath(os.path.expanduser(pattern))


def _stage(options: PipelineOptions, candidates: list[tuple[int, LandedFile]], fn: StageFilesFn):
    pipeline = beam.Pipeline(options=options)
    _ = pipeline | "StageLandedFiles" >> StageLandedFiles(candidates, fn)
    return run_to_completion(pipeline)


def run_file_load(source: FileSource, argv: list[str] | None) -> list[FileOutcome]:
    """List, stage, commit (module docstring). Returns the outcome of every file read this run
    (unchanged files are not read; a dry run reads none)."""
    argv = list(argv or [])
    options = PipelineOptions(argv)
    opts = options.view_as(FileLoadOptions)
    if any(arg.startswith("--s3_secret_access_key") for arg in argv):
        # DESIGN.md 4.2: secrets never travel in argv (a process list, a shell history, a Dataflow job)
        raise ConfigError("--s3_secret_access_key puts a secret on the command line: set AWS_ACCESS_KEY_ID and "
                          "AWS_SECRET_ACCESS_KEY in the environment instead")
    if opts.settle_seconds < 0:
        raise ConfigError(f"--settle_seconds {opts.settle_seconds:g} is negative")
    apply_runner_defaults(options, argv)
    check_dataflow(options, gcs_paths={"--staging_location": staging_location(options)}, inputs={"--input": opts.input})
    FileSystems.set_options(options)  # s3:// endpoint and keys, for the launcher's own reads
    from pipelines.local import stack

    warehouse = open_warehouse(warehouse_url(options))
    stage_root = staging_location(options) or stack.default_staging_location()
    warehouse.check()
    warehouse.ensure_ops()
    pattern = _absolute(opts.input or source.default_input())
    started_at = datetime.now(timezone.utc)
    run_id = run_id_option(options) or new_run_id(started_at)
    abandon_dead_runs(warehouse, run_id, options.view_as(TestOptions).dry_run)
    prefix = staging.join(stage_root, run_id, source.dataset, source.table)
    quarantine = _quarantine_root(opts, stage_root)

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
    accepted, skipped = _accept(outcomes, loaded, plan, started_at, run_id, source)
    rows = 0
    if batch.full_refresh and not accepted:
        log.warning("%s: --full_refresh found no file to load; the table is left as it was", source.target)
    elif accepted or plan.schema is not None:
        rows = _commit(warehouse, source, plan, accepted, run_id, started_at, batch.full_refresh)
    new, still, undecodable = _record_rejections(warehouse, source, plan, outcomes, quarantine, run_id, pattern)
    staging.delete_prefix(staging.join(stage_root, run_id))
    unsettled = len(plan.unsettled) + sum(o.status == "unsettled" for o in outcomes)
    log.info("%s: %d file(s) loaded, %s rows; %d skipped (content already loaded), %d unchanged, %d still changing "
             "(left for the next run); %d rejected (%d new%s), %d in a codec not supported here",
             source.target, len(accepted), f"{rows:,}", skipped, len(plan.unchanged), unsettled,
             len(new) + len(still), len(new), f", copies under {quarantine}/{run_id}" if new else "",
             len(undecodable))
    _raise_for_files_left(new, still, undecodable, len(found))
    return outcomes


def _listed(rejections: list[Rejection]) -> str:
    return "; ".join(f"{r.landed.path}: {r.reason}" for r in rejections[:3]) + (" ..." if len(rejections) > 3 else "")


def _raise_for_files_left(new: list[Rejection], still: list[Rejection], undecodable: list[Rejection],
                          found: int) -> None:
    """A run exits 0 only when no file the glob matches is rejected or left undecoded: a rerun
    that finds the same bad files fails again, so a scheduler never shows green over them."""
    rejected = new + still
    told = (f"{len(rejected)} of {found} file(s) rejected"
            + (f" ({len(still)} already in ops.rejected_files: replace or remove them)" if still else "")) \
        if rejected else ""
    if undecodable:
        raise FilesNotDecodable(f"{len(undecodable)} of {found} file(s) not loaded: their codec is not supported on "
                                "this machine (install the project's dependencies; the next run loads them), the "
                                f"other good files loaded: {_listed(undecodable)}"
                                + (f"; also {told} (see ops.rejected_files)" if told else ""))
    if rejected:
        raise FilesRejected(f"{told}, the other good files loaded: {_listed(rejected)} (see ops.rejected_files)")


def _accept(outcomes: list[FileOutcome], loaded: list[dict], plan: Plan, started_at: datetime, run_id: str,
            source: FileSource) -> tuple[list[tuple[FileOutcome, dict]], int]:
    """The staged files to load, each with its ops.loaded_files row; duplicates of content
    loaded before (or earlier in this run) are skipped, a path back with other content is a
    new version, flagged."""
    by_hash = {row["content_sha256"]: row for row in loaded}
    latest = {row["path"]: row for row in loaded}  # oldest first, so the last one wins
    modified = {landed.path: landed.modified_at for _, landed in plan.candidates}
    accepted, skipped, this_run = [], 0, {}
    for outcome in outcomes:
        if outcome.status == "unsettled":
            log.warning("%s: %s; left for the next run", outcome.path, outcome.reason)
            continue
        if outcome.status == "rejected":
            continue
        earlier = by_hash.get(outcome.sha256) or this_run.get(outcome.sha256)
        if outcome.status == "known" or earlier is not None:
            skipped += 1
            log.info("%s: skipped, same content as %s (run %s)", outcome.path, earlier["path"], earlier["run_id"])
            continue
        before = latest.get(outcome.path)
        row = {
            "path": outcome.path, "size_bytes": outcome.size, "content_sha256": outcome.sha256,
            "rows": outcome.rows, "version": (before["version"] + 1) if before else 1,
            "replaces_sha256": before["content_sha256"] if before else None, "file_schema": outcome.file_schema,
            "modified_at": modified.get(outcome.path), "target_table": source.target, "pipeline": source.pipeline,
            "run_id": run_id, "loaded_at": started_at,
        }
        if before:
            log.warning("%s: CHANGED since run %s loaded it; loading it as version %d (ops.loaded_files."
                        "replaces_sha256 flags it; staging keeps the newest rows)", outcome.path,
                        before["run_id"], row["version"])
        this_run[outcome.sha256] = row
        accepted.append((outcome, row))
    return accepted, skipped


def _commit(warehouse: Warehouse, source: FileSource, plan: Plan, accepted: list[tuple[FileOutcome, dict]],
            run_id: str, started_at: datetime, full_refresh: bool = False) -> int:
    """One transaction: the rows appended (a full refresh: replacing the table's rows and its
    ``ops.loaded_files`` history), the files' manifest rows, the run's row."""
    schema = replace(plan.schema, columns=plan.schema.columns + FILE_COLUMNS)
    loaded_at = datetime.now(timezone.utc)
    rows = [{**row, "loaded_at": loaded_at} for _, row in accepted]
    request = FileLoad(
        pipeline=source.pipeline, run_id=run_id, source_table=source.target, dataset=source.dataset,
        table=source.table, schema=schema, files=tuple(o.staged for o, _ in accepted),
        rows_read=sum(o.rows for o, _ in accepted), bytes_staged=sum(o.staged_bytes for o, _ in accepted),
        partitions=len(accepted), started_at=started_at, loaded_at=loaded_at, partition_by=source.partition_by,
        cluster_by=source.cluster_by, loaded_files=tuple(rows), schema_changes=tuple(plan.changes),
        full_refresh=full_refresh,
    )
    try:
        count = warehouse.load(request)
    except Exception as exc:  # noqa: BLE001 - recorded, then raised as one line
        message = one_line(exc)
        record_outcome(warehouse, [{
            "run_id": run_id, "pipeline": source.pipeline, "table_name": source.target,
            "target_table": source.target, "partitions": len(accepted), "rows_read": request.rows_read,
            "bytes_staged": request.bytes_staged, "status": "failed", "error": message,
            "started_at": started_at, "ended_at": datetime.now(timezone.utc)}])
        if isinstance(exc, PipelineError):
            raise
        raise PipelineError(f"{source.target}: load failed, nothing committed: {message}") from exc
    for outcome, row in accepted:
        log.info("%s: loaded %s rows (version %d)", outcome.path, f"{outcome.rows:,}", row["version"])
    return count


def _record_rejections(warehouse: Warehouse, source: FileSource, plan: Plan, outcomes: list[FileOutcome],
                       quarantine: str, run_id: str, pattern: str
                       ) -> tuple[list[Rejection], list[Rejection], list[Rejection]]:
    """Quarantine and record the files rejected for the first time (same path and content as a
    recorded rejection: logged, not again). Returns (new, still rejected, in a codec this machine
    cannot decode: neither recorded nor quarantined, the file is fine)."""
    landed = {f.path: f for _, f in plan.candidates}
    rejections = list(plan.rejected) + [
        Rejection(landed[o.path], o.kind or "corrupt", o.reason or "rejected", o.sha256)
        for o in outcomes if o.status == "rejected"]
    undecodable = [r for r in rejections if r.kind in NOT_THE_FILES_FAULT]
    for rejection in undecodable:
        log.error("%s: NOT LOADED: %s", rejection.landed.path, rejection.reason)
    rejections = [r for r in rejections if r.kind not in NOT_THE_FILES_FAULT]
    if not rejections:
        return [], [], undecodable
    for rejection in rejections:
        if rejection.sha256 is None:
            rejection.sha256 = sha256_of(rejection.landed.path)
    earlier = {(row["path"], row["content_sha256"]): row["run_id"] for row in warehouse.rejected_files(source.target)}
    new, still, rows, now = [], [], [], datetime.now(timezone.utc)
    for rejection in rejections:
        first = earlier.get((rejection.landed.path, rejection.sha256))
        if first is not None:
            log.error("%s: still rejected (first in run %s): %s", rejection.landed.path, first, rejection.reason)
            still.append(rejection)
            continue
        copy = _quarantine(rejection, quarantine, run_id, pattern)
        log.error("%s: REJECTED (%s): %s%s", rejection.landed.path, rejection.kind, rejection.reason,
                  f"; copy in {copy}" if copy else "")
        new.append(rejection)
        rows.append({"path": rejection.landed.path, "size_bytes": rejection.landed.size,
                     "content_sha256": rejection.sha256, "kind": rejection.kind, "reason": rejection.reason,
                     "quarantined_to": copy, "target_table": source.target, "pipeline": source.pipeline,
                     "run_id": run_id, "rejected_at": now})
    warehouse.insert_ops_rows("rejected_files", rows)
    return new, still, undecodable

