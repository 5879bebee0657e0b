"""Step 3's load: which staged files are committed, their ``ops.loaded_files`` rows, the one transaction.

A file's content is loaded once under any name, and a path back with other content is a new
version of it; both are decided here, from the manifest, right before the warehouse commits the
staged files, their manifest rows and the run's row together (or records the failed run).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timezone

from pipelines.batch.files.options import FileSource
from pipelines.batch.files.plan import Plan
from pipelines.batch.files.transforms import FILE_COLUMNS, FileOutcome
from pipelines.errors import PipelineError, one_line
from pipelines.warehouse import Warehouse
from pipelines.warehouse.base import FileLoad
from pipelines.warehouse.runs import record_outcome

log = logging.getLogger(__name__)


def accept_staged(outcomes: list[FileOutcome], loaded: list[dict], plan: Plan, started_at: datetime, run_id: str,
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


def commit_load(warehouse: Warehouse, source: FileSource, plan: Plan, accepted: list[tuple[FileOutcome, dict]],
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
