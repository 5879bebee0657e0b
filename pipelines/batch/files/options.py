"""What a file load is told: the entry point's :class:`FileSource` and the command line's options.

Kept apart so that the entry point (:mod:`pipelines.batch.rock_quality`) and the flex-template
catalogue (:mod:`pipelines.templates`) can name a file load's identity and options without
importing how it runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from apache_beam.options.pipeline_options import PipelineOptions

from pipelines.errors import ConfigError

#: a file on a folder (local, NFS) grows while it is written, and an Avro writer pauses between
#: blocks; a minute without a write means the upload is over
DEFAULT_SETTLE_SECONDS = 60.0


class FileLoadOptions(PipelineOptions):
    """Options of a file load (docs/contracts.md#batch-command-line): ``--input`` and where rejected files go."""

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


def refuse_bad_options(argv: list[str], opts: FileLoadOptions) -> None:
    """The checks the launcher makes before anything else: a secret in argv, a negative settle time."""
    if any(arg.startswith("--s3_secret_access_key") for arg in argv):
        # docs/contracts.md#batch-command-line: secrets never travel in argv (a process list, a shell
        # history, a Dataflow job)
        raise ConfigError("--s3_secret_access_key puts a secret on the command line: set AWS_ACCESS_KEY_ID and "
                          "AWS_SECRET_ACCESS_KEY in the environment instead")
    if opts.settle_seconds < 0:
        raise ConfigError(f"--settle_seconds {opts.settle_seconds:g} is negative")
