"""Table catalogues: which tables a pipeline loads and how (data, not code).

A catalogue is a YAML file in ``pipelines/catalogues/``; see ``production.yaml`` for the
fields. A table the catalogue does not list still loads, as a full snapshot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from pipelines.bounds import check_cursor_type
from pipelines.errors import ConfigError


@dataclass(frozen=True)
class TableConfig:
    name: str  # schema.table as the source names it
    cursor: str | None = None
    partition_by: str | None = None
    cluster_by: tuple[str, ...] = ()
    listed: bool = True
    # SAP change dates: when ``cursor`` holds SAP's empty date ('00000000'), the next column counts
    cursor_fallbacks: tuple[str, ...] = ()
    key: tuple[str, ...] = ()  # overrides the source catalog's primary key (SAP's TABLE~0 index)
    target: str | None = None  # the raw table's name, instead of the naming rule's (schema.raw_table_name)
    # the cursor's type (bounds.CURSOR_TYPES: timestamp, datetime, date, integer, sap_date); None: the column's
    cursor_type: str | None = None

    @property
    def cursor_columns(self) -> tuple[str, ...]:
        return ((self.cursor,) + self.cursor_fallbacks) if self.cursor else ()


@dataclass(frozen=True)
class Catalogue:
    pipeline: str
    dataset: str
    lag_seconds: int
    tables: dict[str, TableConfig]
    client_column: str | None = None  # SAP's MANDT: what --sap_client filters

    @classmethod
    def load(cls, name_or_path: str) -> Catalogue:
        path = Path(name_or_path)
        if path.suffix in (".yaml", ".yml") and path.exists():
            text = path.read_text()
        else:
            try:
                text = resources.files("pipelines.catalogues").joinpath(f"{name_or_path}.yaml").read_text()
            except FileNotFoundError as exc:
                raise ConfigError(f"unknown table catalogue {name_or_path!r}") from exc
        data = yaml.safe_load(text)
        tables = {}
        default_type = check_cursor_type(data.get("cursor_type"), f"catalogue {name_or_path}")
        for name, cfg in (data.get("tables") or {}).items():
            cfg = cfg or {}
            unknown = set(cfg) - {"cursor", "cursor_type", "partition_by", "cluster_by", "key", "target"}
            if unknown:
                raise ConfigError(f"catalogue {name_or_path}: table {name}: unknown keys {sorted(unknown)}")
            target = cfg.get("target")
            if target is not None and not re.fullmatch(r"[a-z_][a-z0-9_]*", str(target)):
                raise ConfigError(f"catalogue {name_or_path}: table {name}: target {target!r} must be lower-case "
                                  "letters, digits and underscores")
            cursor = cfg.get("cursor")
            cursors = tuple(cursor) if isinstance(cursor, list) else ((cursor,) if cursor else ())
            cursor_type = check_cursor_type(cfg.get("cursor_type", default_type),
                                            f"catalogue {name_or_path}: table {name}")
            tables[name] = TableConfig(name, cursors[0] if cursors else None, cfg.get("partition_by"),
                                               tuple(cfg.get("cluster_by") or ()), cursor_fallbacks=cursors[1:],
                                               key=tuple(cfg.get("key") or ()), target=target,
                                               cursor_type=cursor_type if cursors else None)
        return cls(data["pipeline"], data["dataset"], int(data.get("lag_seconds", 0)), tables,
                   data.get("client_column"))

    def get(self, qualified: str) -> TableConfig:
        """The table's entry: by its exact name, else by its schema in another case (``SAPSR3.MARA``
        for the SAP stand-in's ``sapsr3.MARA``). Table names compare exactly: ``c1."UPPER"`` and
        ``c1.upper`` are two tables. Unlisted tables get the defaults."""
        if qualified in self.tables:
            return self.tables[qualified]
        schema, _, table = qualified.rpartition(".")
        found = [t for name, t in self.tables.items()
                 if name.rpartition(".")[2] == table and name.rpartition(".")[0].lower() == schema.lower()]
        return found[0] if len(found) == 1 else TableConfig(qualified, listed=False)

    def names(self) -> list[str]:
        return [t.name for t in self.tables.values()]
