"""The staging location: Parquet files per partition plus a manifest that says they are whole.

Layout (same on a local folder and on ``gs://``)::

    <staging_location>/<run_id>/<dataset>/<table>/part-00000-of-00004.parquet
                                                 /part-00000-of-00004.json   <- written last

A manifest exists only once its Parquet file is closed, so the launcher can tell a
finished partition from one a killed worker left behind.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

from pipelines.errors import PipelineError


@dataclass(frozen=True)
class StagedFile:
    path: str
    rows: int
    bytes: int
    source_table: str
    partition: int
    partitions: int
    rows_without_cursor: int = 0  # rows whose cursor is NULL or at a limit (sources.base.WITHOUT_CURSOR)


def is_remote(path: str) -> bool:
    return "://" in path


def join(*parts: str) -> str:
    return "/".join(p.rstrip("/") for p in parts)


def open_for_write(path: str):
    """A binary file for writing: native for local paths (no GIL), Beam's FileSystems for gs://."""
    if is_remote(path):
        from apache_beam.io.filesystems import FileSystems

        return FileSystems.create(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return open(path, "wb")


def write_manifest(staged: StagedFile) -> None:
    manifest = staged.path.removesuffix(".parquet") + ".json"
    with open_for_write(manifest) as out:
        out.write(json.dumps(asdict(staged)).encode())


def read_manifests(stage_prefix: str, expected: int) -> list[StagedFile]:
    """The staged files of one table; raises if any partition did not finish."""
    from apache_beam.io.filesystems import FileSystems

    pattern = join(stage_prefix, "part-*.json")
    found = []
    for match in FileSystems.match([pattern])[0].metadata_list:
        with FileSystems.open(match.path) as f:
            found.append(StagedFile(**json.loads(f.read())))
    found.sort(key=lambda s: s.partition)
    if len(found) != expected or [s.partition for s in found] != list(range(expected)):
        done = sorted(s.partition for s in found)
        raise PipelineError(f"staging incomplete under {stage_prefix}: {len(found)} of {expected} partitions "
                            f"finished ({done[:10]}...)")
    return found


def delete_prefix(prefix: str) -> None:
    """Remove a run's staged files once they are loaded."""
    from apache_beam.io.filesystems import FileSystems

    if not is_remote(prefix):
        import shutil

        shutil.rmtree(prefix, ignore_errors=True)
        return
    matches = FileSystems.match([join(prefix, "**")])[0].metadata_list
    if matches:
        FileSystems.delete([m.path for m in matches])
