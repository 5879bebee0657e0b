"""Step 2 in Beam: each candidate file read whole, hashed, decoded and staged as one Parquet file.

The only code here that runs on the workers (locally or on Dataflow). Each file's outcome is
written as JSON next to its Parquet file, last, and :func:`read_outcomes` is how the launcher
reads them back after the job, so nothing flows back through Beam.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from pipelines.batch import staging
from pipelines.batch.files.listing import LandedFile, read_bytes
from pipelines.errors import PipelineError, one_line
from pipelines.schema import Column, TableSchema
from pipelines.sources.avro import UnsupportedCodec, avro_reader, to_arrow, writer_schema_json

SOURCE_FILE = "_source_file"
SOURCE_SHA256 = "_source_sha256"
#: every raw row says which file (and which content of it) it came from
FILE_COLUMNS = (Column(SOURCE_FILE, "STRING", "REQUIRED"), Column(SOURCE_SHA256, "STRING", "REQUIRED"))


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
