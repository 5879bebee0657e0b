"""Load the rock-quality lab's Avro files into ``raw_vendor.rock_quality_samples``, ELT-style.

    python -m pipelines.batch.rock_quality            # the local landing folder -> local DuckDB
    python -m pipelines.batch.rock_quality --input 'gs://LANDING/vendor/rock_quality/**.avro' \\
        --warehouse bigquery://PROJECT --staging_location gs://BUCKET/staging \\
        --runner DataflowRunner --project PROJECT --region REGION --temp_location gs://BUCKET/tmp
    python -m pipelines.batch.rock_quality --input 's3://LAB_BUCKET/exports/**.avro' \\
        --s3_region_name eu-west-1            # straight from the lab's bucket (keys: AWS_* variables)

Each file is loaded once, whatever its name (``ops.loaded_files``), once it has stopped changing
(``--settle_seconds``); bad files are copied to the quarantine location and recorded in
``ops.rejected_files``, and the run exits with status 3 after loading every good file, as long
as a rejected file is still there. See :mod:`pipelines.batch.files`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipelines import logs
from pipelines.batch.files.load import run_file_load
from pipelines.batch.files.options import FileSource
from pipelines.batch.files.transforms import FileOutcome
from pipelines.errors import exit_process, main_guard

LANDING_FOLDER = "vendor/rock_quality"  # under the landing bucket (locally: .local/landing)


def local_input() -> str:
    """The local landing folder's Avro files; sample lab files are written there first if it has none."""
    from pipelines.local import stack
    from pipelines.simulate import rock_quality as lab

    folder = Path(stack.default_landing_location()) / LANDING_FOLDER
    if not any(folder.rglob("*.avro")):
        lab.generate(folder, files=6, samples=200, evolve=True)
    return f"{folder}/**.avro"


ROCK_QUALITY = FileSource(
    pipeline="batch.rock_quality", dataset="raw_vendor", table="rock_quality_samples",
    default_input=local_input, partition_by="analysed_at", cluster_by=("drill_hole_id",),
)


def run(argv: list[str] | None = None) -> list[FileOutcome]:
    """Entry point (also what Composer's Beam operator runs)."""
    return run_file_load(ROCK_QUALITY, argv)


def main(argv: list[str] | None = None) -> int:
    logs.configure()
    return main_guard(run, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    exit_process(main())
