"""Load the production app's PostgreSQL into ``raw_production``, ELT-style.

    python -m pipelines.batch.production                       # local stack -> local DuckDB
    python -m pipelines.batch.production --source_url postgresql://loader@db:5432/production \\
        --tables public.truck_loads,public.shifts --warehouse bigquery://PROJECT \\
        --staging_location gs://BUCKET/staging --runner DataflowRunner --project PROJECT \\
        --region REGION --temp_location gs://BUCKET/tmp --source_password_secret projects/P/secrets/S

The password comes from ``$PGPASSWORD`` (``--source_password_env``) or Secret Manager
(``--source_password_secret``), never from the command line.
"""

from __future__ import annotations

import sys

from pipelines import logs
from pipelines.batch.loader import BatchSource, TableOutcome, run_batch_load
from pipelines.errors import exit_process, main_guard
from pipelines.options import BatchLoadOptions
from pipelines.secrets import Credentials, reject_password_in_url
from pipelines.sources.postgres import PostgresConnection, PostgresSnapshot


def open_snapshot(url: str, opts: BatchLoadOptions) -> PostgresSnapshot:
    reject_password_in_url(url)
    credentials = Credentials(env_var=opts.source_password_env, secret=opts.source_password_secret)
    return PostgresSnapshot(PostgresConnection(url, credentials))


def local_source_url() -> str:
    from pipelines.local import stack

    return stack.start()


PRODUCTION = BatchSource(catalogue="production", open_snapshot=open_snapshot, default_source_url=local_source_url)


def run(argv: list[str] | None = None) -> list[TableOutcome]:
    """Entry point (also what Composer's Beam operator runs)."""
    return run_batch_load(PRODUCTION, argv)


def main(argv: list[str] | None = None) -> int:
    logs.configure()
    return main_guard(run, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    exit_process(main())
