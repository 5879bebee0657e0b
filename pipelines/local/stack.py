"""The local stand-ins for the cloud parts: a real PostgreSQL, a DuckDB warehouse, folders.

Everything lives under one home folder (``$MINERA_HOME``, default ``.local`` in the
current directory) with the same relative layout the buckets have in the cloud::

    .local/postgres/          data folder of the local PostgreSQL (pgserver)
    .local/warehouse.duckdb   the local warehouse (BigQuery stand-in)
    .local/staging/           staging location for batch loads (GCS stand-in)
    .local/lake/              the Parquet lake (GCS stand-in)
    .local/landing/           the landing bucket: vendor files copied from S3 (GCS stand-in)
    .local/quarantine/        copies of rejected vendor files

Commands a user can type::

    python -m pipelines.local.stack start     # start (and create) the local PostgreSQL
    python -m pipelines.local.stack url       # print its URL (no password: it trusts the socket)
    python -m pipelines.local.stack status
    python -m pipelines.local.stack stop
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from pathlib import Path

PRODUCTION_DATABASE = "production"


def home() -> Path:
    """The folder that holds every local stand-in."""
    return Path(os.environ.get("MINERA_HOME", ".local")).resolve()


def postgres_data_dir() -> Path:
    return home() / "postgres"


def default_warehouse_url() -> str:
    return f"duckdb://{home() / 'warehouse.duckdb'}"  # an absolute path: duckdb:///abs/file


def default_landing_location() -> str:
    """The landing bucket's stand-in: vendor files arrive here (``vendor/rock_quality/...``)."""
    return str(home() / "landing")


def default_quarantine_location() -> str:
    """Where rejected files are copied for a person to inspect."""
    return str(home() / "quarantine")


def default_staging_location() -> str:
    return str(home() / "staging")


def default_lake_location() -> str:
    return str(home() / "lake")


def _server(create: bool):
    """A handle on the local PostgreSQL, started if needed; left running when Python exits."""
    data_dir = postgres_data_dir()
    if not create and not (data_dir / "PG_VERSION").exists():
        raise RuntimeError(
            f"no local PostgreSQL in {data_dir}: run `python -m pipelines.local.stack start`"
        )
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        import pgserver

        return pgserver.get_server(data_dir, cleanup_mode=None)


def start() -> str:
    """Start the local PostgreSQL (creating it on first use) and its production database."""
    server = _server(create=True)
    exists = server.psql(
        f"SELECT 1 FROM pg_database WHERE datname = '{PRODUCTION_DATABASE}';"
    )
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {PRODUCTION_DATABASE};")
    return server.get_uri(PRODUCTION_DATABASE)


def postgres_url(database: str = PRODUCTION_DATABASE) -> str:
    """URL of the running local PostgreSQL (starts it if it is stopped)."""
    return _server(create=True).get_uri(database)


def stop() -> None:
    """Stop the local PostgreSQL; its data folder stays."""
    data_dir = postgres_data_dir()
    if not (data_dir / "postmaster.pid").exists():
        return
    from pgserver._commands import pg_ctl

    pg_ctl(["-w", "stop"], pgdata=data_dir, user=_pg_user(data_dir))


def _pg_user(data_dir: Path) -> str | None:
    """pgserver runs PostgreSQL as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return None
    import pwd

    return pwd.getpwuid(data_dir.stat().st_uid).pw_name


def status() -> str:
    data_dir = postgres_data_dir()
    if not (data_dir / "postmaster.pid").exists():
        return f"local PostgreSQL: stopped ({data_dir})"
    return f"local PostgreSQL: running, {postgres_url()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.local.stack", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["start", "stop", "status", "url"])
    args = parser.parse_args(argv)
    if args.command == "start":
        print(start())
    elif args.command == "stop":
        stop()
        print(status())
    elif args.command == "status":
        print(status())
    else:
        print(postgres_url())
    return 0


if __name__ == "__main__":
    sys.exit(main())
