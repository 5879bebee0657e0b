"""Pipeline options shared by the batch loaders, and the runner defaults for a laptop."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from apache_beam.options.pipeline_options import (
    DirectOptions,
    GoogleCloudOptions,
    PipelineOptions,
    SetupOptions,
    StandardOptions,
    WorkerOptions,
)

from pipelines.errors import ConfigError

SETUP_PY = Path(__file__).resolve().parent.parent / "setup.py"
#: The local stand-in for Dataflow: Beam's FnApiRunner with worker threads (see ``beam_runs.LocalRunner``).
LOCAL_RUNNER = "pipelines.beam_runs.LocalRunner"


_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")


def flag(text: str) -> bool:
    """The value of an on/off option given as ``--name=value`` (true/false, yes/no, 1/0).

    A Dataflow flex template passes every parameter as ``--name=value``, which argparse's
    ``store_true`` refuses ("ignored explicit argument"): on/off options are declared with
    :data:`FLAG`, so ``--full_refresh``, ``--full_refresh=true`` and ``--full_refresh=false`` all work.
    """
    value = text.strip().lower()
    if value in _TRUE or value in _FALSE:
        return value in _TRUE
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


#: ``add_argument`` keywords of an on/off option (see :func:`flag`); off unless given
FLAG = {"type": flag, "nargs": "?", "const": True, "default": False}


class WarehouseOptions(PipelineOptions):
    """``--warehouse``, shared by every pipeline (Beam registers each option once per process)."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument("--warehouse", help="duckdb:///path/file.duckdb or bigquery://PROJECT "
                            "(default: the local DuckDB warehouse)")


def warehouse_url(options: PipelineOptions) -> str:
    """``--warehouse``, or the local DuckDB warehouse."""
    from pipelines.local import stack

    return options.view_as(WarehouseOptions).warehouse or stack.default_warehouse_url()


class RunOptions(PipelineOptions):
    """``--run_id``: the id every row a run writes carries as ``_run_id`` (default: generated)."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument("--run_id", default=None, help="run id (default: generated from the start time)")


def run_id_option(options: PipelineOptions) -> str | None:
    return options.view_as(RunOptions).run_id


class MessageInputOptions(PipelineOptions):
    """Where a streaming pipeline's messages come from, and where its alerts also go: shared by
    every streaming pipeline (Beam registers each option once per process)."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument("--input_subscription", default=None, help="projects/P/subscriptions/S")
        parser.add_argument("--replay", default=None,
                            help="replay file (docs/contracts.md#replay-files) instead of Pub/Sub")
        parser.add_argument("--batch_size", type=int, default=None,
                            help="messages per element (default: the pipeline's own)")
        parser.add_argument("--alerts_topic", default=None,
                            help="projects/P/topics/T: also publish each alert there (one message per alert)")
        parser.add_argument("--id_attribute", default=None,
                            help="Pub/Sub attribute holding a publisher-set unique id, for Dataflow to drop "
                            "re-sends by it; only when every publisher sets it (Dataflow already drops "
                            "redeliveries by message id; the pipeline's own de-duplication runs anyway)")
        parser.add_argument("--dedup_shards", type=int, default=4, help="state keys of the de-duplication")


class LakeOptions(PipelineOptions):
    """The lake both layers share (Beam registers each option once per process): where it is, and
    how late a reading may be. The speed layer accepts readings that late; the batch layer closes
    a day only once its last minute is that old."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument("--lake_location", default=None,
                            help="folder or gs:// prefix of the lake (default: the local lake)")
        parser.add_argument("--allowed_lateness_minutes", type=int, default=120,
                            help="a reading published this long after its event time is still taken")


class BatchLoadOptions(PipelineOptions):
    """Options of ``python -m pipelines.batch.<source>`` (see docs/contracts.md#batch-command-line).

    ``--staging_location`` is Beam's own option (``GoogleCloudOptions``): the staged Parquet
    files go under it, next to the packages Dataflow stages there. Read it with
    :func:`staging_location`.
    """

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument("--source_url", help="source database URL, without password "
                            "(default: the local stack)")
        parser.add_argument("--tables", help="comma-separated schema.table list (default: the catalogue)")
        parser.add_argument("--start", help="window start (inclusive), ISO 8601; default: the watermark")
        parser.add_argument("--end", help="window end (exclusive), ISO 8601; default: snapshot time - lag")
        parser.add_argument("--detect_deletes", **FLAG,
                            help="also read every primary key (key columns only) and record the keys the "
                            "source no longer has in <raw table>__deleted, for staging to drop")
        parser.add_argument("--full_refresh", **FLAG,
                            help="reload every row; replaces the raw table's rows")
        parser.add_argument("--lag_seconds", type=int, default=None,
                            help="how far behind the snapshot clock a window ends, for late commits "
                            "(default: the catalogue's)")
        parser.add_argument("--source_password_env", default="PGPASSWORD",
                            help="environment variable holding the source password")
        parser.add_argument("--source_password_secret", default=None,
                            help="Secret Manager secret holding the source password "
                            "(projects/P/secrets/S[/versions/V]); read by the workers")
        parser.add_argument("--rows_per_partition", type=int, default=500_000,
                            help="target rows per parallel read")
        parser.add_argument("--max_partitions", type=int, default=64,
                            help="most parallel reads per table")
        parser.add_argument("--staging_compression", default=None,
                            choices=["none", "snappy", "zstd", "lz4", "gzip"],
                            help="Parquet compression of staged files (default: snappy on gs://, "
                            "none on a local disk, where compressing costs more than writing)")
        parser.add_argument("--catalogue", default=None, help="table catalogue name or YAML path")


def apply_runner_defaults(options: PipelineOptions, argv: list[str]) -> None:
    """Locally: the in-process FnApiRunner, one thread per core. On Dataflow: our setup.py.

    Naming the local runner avoids Beam 2.77's DirectRunner trying to download Prism; ``DirectRunner``
    and ``FnApiRunner`` both mean :data:`LOCAL_RUNNER`, Beam's FnApiRunner without the timed flush
    that splits elements on a busy machine. Threads, not processes: reads and Parquet writes run in
    C++ without the GIL, and worker processes would each pay Beam's import time.
    """
    standard = options.view_as(StandardOptions)
    given = " ".join(argv)
    if standard.runner in (None, "DirectRunner", "FnApiRunner"):
        standard.runner = LOCAL_RUNNER
    if is_local_runner(options):
        direct = options.view_as(DirectOptions)
        if "--direct_num_workers" not in given:
            direct.direct_num_workers = os.cpu_count() or 1
        if "--direct_running_mode" not in given:
            direct.direct_running_mode = "multi_threading"
    if standard.runner == "DataflowRunner":
        setup = options.view_as(SetupOptions)
        # a worker image (--sdk_container_image, e.g. the flex templates' image) has this package
        # installed already: staging setup.py would only make every worker reinstall it at start
        worker_image = options.view_as(WorkerOptions).sdk_container_image
        if not setup.setup_file and not setup.requirements_file and not worker_image and SETUP_PY.exists():
            setup.setup_file = str(SETUP_PY)


def is_local_runner(options: PipelineOptions) -> bool:
    return options.view_as(StandardOptions).runner == LOCAL_RUNNER


def check_dataflow(options: PipelineOptions, given: dict[str, str | None] | None = None,
                   gcs_paths: dict[str, str | None] | None = None, inputs: dict[str, str | None] | None = None,
                   local_only: dict[str, str | None] | None = None, exits_on_submit: bool = False) -> None:
    """On ``--runner DataflowRunner``, refuse before anything runs what would point the job at this
    machine, naming every problem at once: Dataflow's ``--project``, ``--region`` and a ``gs://``
    ``--temp_location``, a ``bigquery://`` ``--warehouse`` (never the local DuckDB), and the entry
    point's own options: ``given`` must be set (``--source_url``), ``gcs_paths`` must be ``gs://``
    (``--staging_location``, which BigQuery loads from; ``--lake_location``), ``inputs`` ``gs://`` or
    ``s3://`` (``--input``), ``local_only`` must not be set (``--replay``). Without them a run would
    fall back to the laptop's stack (its database, folders, DuckDB file), which Dataflow's workers
    cannot reach. ``--template_location`` (what a flex-template launch sets: the job is written to a
    file and submitted once this process has exited) is refused unless the entry point
    ``exits_on_submit``: a batch load commits in this process after its job has finished, so under
    a template it would commit before its job had even started. Other runners: nothing to check."""
    if options.view_as(StandardOptions).runner != "DataflowRunner":
        return
    gcp = options.view_as(GoogleCloudOptions)
    warehouse = options.view_as(WarehouseOptions).warehouse
    missing = [name for name, value in (("--project", gcp.project), ("--region", gcp.region),
                                        *(given or {}).items()) if not value]
    wrong = []
    local = "none: a local folder"
    paths = [("--temp_location", gcp.temp_location, ("gs",), "none"),
             *((name, value, ("gs",), local) for name, value in (gcs_paths or {}).items()),
             *((name, value, ("gs", "s3"), local) for name, value in (inputs or {}).items())]
    for name, value, schemes, default in paths:
        if not value or "://" not in value or value.split("://", 1)[0] not in schemes:
            wrong.append(f"{name} on {' or '.join(f'{s}://' for s in schemes)} (got {value or default})")
    if not (warehouse or "").startswith("bigquery://"):
        wrong.append(f"--warehouse bigquery://PROJECT (got {warehouse or 'none: the local DuckDB file'})")
    for name, value in (local_only or {}).items():
        if value:
            wrong.append(f"no {name} (a local file; Dataflow reads the cloud)")
    if gcp.template_location and not exits_on_submit:
        wrong.append("no --template_location (a flex-template launch): this pipeline commits its load after "
                     "its Dataflow job has finished, in the launching process, which a template launch ends first")
    if missing or wrong:
        raise ConfigError("a Dataflow run needs " + "; ".join(
            ([", ".join(missing)] if missing else []) + wrong) + ": it never falls back to this machine's stack")


def staging_location(options: PipelineOptions) -> str | None:
    """``--staging_location``: a local folder or a gs:// prefix."""
    return options.view_as(GoogleCloudOptions).staging_location
