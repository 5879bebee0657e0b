"""Load the SAP ERP (SAP on Oracle, schema SAPSR3) into ``raw_erp``, ELT-style.

    python -m pipelines.batch.erp                                   # local SAP stand-in -> local DuckDB
    python -m pipelines.batch.erp --tables MARA,EQUI --sap_client 100
    python -m pipelines.batch.erp --source_url oracle://LOADER@sap-db:1521/PRD --tables MSEG \\
        --warehouse bigquery://PROJECT --staging_location gs://BUCKET/staging --runner DataflowRunner \\
        --project PROJECT --region REGION --temp_location gs://BUCKET/tmp \\
        --source_password_secret projects/P/secrets/S

The tables, their keys and change-date cursors are the catalogue ``catalogues/erp.yaml``; a
table it does not list (a customer's Z table) loads by name, key from the database catalog.
Locally the SAP schema is seeded into the local PostgreSQL as ``sapsr3`` with Oracle's upper-case
names; the loader, partitioning and commit are the production loader's (``batch/loader.py``).
"""

from __future__ import annotations

import sys

from apache_beam.options.pipeline_options import PipelineOptions

from pipelines import logs
from pipelines.batch.loader import BatchSource, TableOutcome, run_batch_load
from pipelines.errors import ConfigError, exit_process, main_guard
from pipelines.options import BatchLoadOptions
from pipelines.secrets import Credentials, reject_password_in_url
from pipelines.sources.sap.rules import SapRules

SAP_SCHEMA = "SAPSR3"


class ErpOptions(PipelineOptions):
    """Options only the ERP loader has."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        parser.add_argument("--sap_client", default=None,
                            help="load only this SAP client (MANDT, e.g. 100); default: every client")


def open_snapshot(url: str, opts: BatchLoadOptions):
    """The source's snapshot: Oracle for the real ERP, PostgreSQL for the local stand-in."""
    if url.startswith("oracle://"):
        from pipelines.sources.oracle.connection import OracleConnection
        from pipelines.sources.oracle.errors import PASSWORD_ENV
        from pipelines.sources.oracle.snapshot import OracleSnapshot

        # the shared default names PostgreSQL's variable; Oracle's is ORACLE_PASSWORD
        env = PASSWORD_ENV if opts.source_password_env == "PGPASSWORD" else opts.source_password_env
        credentials = Credentials(env_var=env, secret=opts.source_password_secret)
        return OracleSnapshot(OracleConnection.from_url(url, credentials), default_owner=SAP_SCHEMA)
    reject_password_in_url(url)
    credentials = Credentials(env_var=opts.source_password_env, secret=opts.source_password_secret)
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        from pipelines.sources.postgres import PostgresConnection, PostgresSnapshot

        return PostgresSnapshot(PostgresConnection(url, credentials))
    raise ConfigError(f"bad --source_url {url.split('@')[-1]!r}: expected oracle://USER@HOST:PORT/SERVICE "
                      "or postgresql://... (the local SAP stand-in)")


def local_source_url() -> str:
    """The local stack, with the SAP schema seeded on first use."""
    from pipelines.local import stack
    from pipelines.local.seed_erp import seed, seeded_erp

    url = stack.start()
    if not seeded_erp(url):
        seed(url)
    return url


def sap_rules(options: PipelineOptions) -> SapRules:
    """SAP's part of the load (sources/sap/): the --sap_client filter, change-date cursors."""
    return SapRules(options.view_as(ErpOptions).sap_client)


ERP = BatchSource(catalogue="erp", open_snapshot=open_snapshot, default_source_url=local_source_url,
                  rules=sap_rules, default_schema=SAP_SCHEMA, tracks_deletes=True)


def run(argv: list[str] | None = None) -> list[TableOutcome]:
    """Entry point (also what Composer's Beam operator runs)."""
    return run_batch_load(ERP, argv)


def main(argv: list[str] | None = None) -> int:
    logs.configure()
    return main_guard(run, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    exit_process(main())
