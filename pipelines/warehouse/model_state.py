"""Where SQLMesh keeps what it knows of the models, per warehouse: its state store and its parse
cache. ``Warehouse.sqlmesh_gateway`` hands them to the models' build (``pipelines/transform``)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pipelines.errors import ConfigError

STATE_URL_ENV = "MINERA_SQLMESH_STATE_URL"
STATE_PASSWORD_ENV = "MINERA_SQLMESH_STATE_PASSWORD"
#: SQLMesh's parse of the models, shared by every local warehouse (the project may be read-only package
#: data); entries are written atomically and keyed by file, so builds side by side can share it
LOCAL_CACHE = Path.home() / ".cache" / "minera-sqlmesh"


def state_connection(url: str | None):
    """SQLMesh's state store in production: ``postgresql://user@host[:port]/database`` (Cloud SQL; a
    Unix socket folder as ``?host=/path``), its password from ``MINERA_SQLMESH_STATE_PASSWORD``,
    never from the URL (docs/contracts.md#batch-command-line)."""
    if not url:
        return None
    from sqlmesh.core.config import PostgresConnectionConfig

    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.username or not parts.path.strip("/"):
        raise ConfigError(f"bad {STATE_URL_ENV} {url!r}: expected postgresql://USER@HOST[:PORT]/DATABASE "
                          "or postgresql://USER@/DATABASE?host=/socket/folder")
    if parts.password:
        raise ConfigError(f"{STATE_URL_ENV} holds a password: put it in {STATE_PASSWORD_ENV} instead")
    socket = parse_qs(parts.query).get("host", [None])[-1]
    return PostgresConnectionConfig(host=socket or parts.hostname or "localhost", port=parts.port or 5432,
                                    user=parts.username, password=os.environ.get(STATE_PASSWORD_ENV, ""),
                                    database=parts.path.strip("/"))
