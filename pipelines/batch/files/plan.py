"""Step 1's decisions: of the listed files, which to read, which to skip, leave or reject, and the schema.

The plan is made in the launcher from the listing, the ``ops.loaded_files`` manifest and each
file's Avro header alone (no file is read whole), so a file that cannot be loaded is rejected
before a Beam job starts, and the table's schema for the run is known before staging.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from apache_beam.io.filesystems import FileSystems

from pipelines.batch.files.listing import LandedFile
from pipelines.errors import one_line
from pipelines.schema import TableSchema
from pipelines.sources.avro import (
    AVRO_MAGIC,
    IncompatibleSchema,
    SchemaChange,
    UnsupportedCodec,
    avro_reader,
    evolve,
    table_schema,
)

HEADER_READERS = 16  # launcher threads reading headers: a backfill lists thousands of files


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
