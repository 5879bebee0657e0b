"""Rejected files: where their copies go, their ``ops.rejected_files`` rows, and the run's exit status.

A bad file is never silently dropped: it is copied to the quarantine location once per path
and content, recorded, and the run exits with :class:`FilesRejected`'s status for as long as
the glob still matches it. A file in a codec this machine cannot decode is not the file's
fault (:data:`NOT_THE_FILES_FAULT`): it is neither copied nor recorded.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timezone

from pipelines.batch import staging
from pipelines.batch.files.listing import fixed_prefix, read_bytes
from pipelines.batch.files.options import FileLoadOptions, FileSource
from pipelines.batch.files.plan import Plan, Rejection
from pipelines.batch.files.transforms import FileOutcome
from pipelines.errors import PartialFailure, one_line
from pipelines.warehouse import Warehouse

log = logging.getLogger(__name__)


class FilesRejected(PartialFailure):
    """Some files the glob matches are rejected (recorded and quarantined, this run or an earlier
    one) while every good file loaded: a person has to look at them."""

    exit_code = 3


class FilesNotDecodable(PartialFailure):
    """Some files are in an Avro codec this machine cannot decode (a library is missing): they
    are left for a run on a machine that can, while every other good file loaded."""


#: rejection kinds that are this machine's fault, not the file's: never recorded or quarantined
NOT_THE_FILES_FAULT = ("unsupported_codec",)


def sha256_of(path: str) -> str | None:
    try:
        return hashlib.sha256(read_bytes(path)).hexdigest()
    except Exception:  # noqa: BLE001 - the rejection is recorded without a hash then
        return None


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


def quarantine_root(opts: FileLoadOptions, stage_root: str) -> str:
    """``--quarantine_location``, else ``quarantine`` under a remote staging location, else the local folder."""
    from pipelines.local import stack

    if opts.quarantine_location:
        return opts.quarantine_location
    if staging.is_remote(stage_root):
        return staging.join(stage_root, "quarantine")
    return stack.default_quarantine_location()


def _listed(rejections: list[Rejection]) -> str:
    return "; ".join(f"{r.landed.path}: {r.reason}" for r in rejections[:3]) + (" ..." if len(rejections) > 3 else "")


def raise_for_files_left(new: list[Rejection], still: list[Rejection], undecodable: list[Rejection],
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


def record_rejections(warehouse: Warehouse, source: FileSource, plan: Plan, outcomes: list[FileOutcome],
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
