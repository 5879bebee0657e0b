"""Where every table the platform writes gets its BigQuery layout (DAY partitioning, clustering).

The layouts are data, read here and nowhere else:

- ``schemas/layout.json``: the ops tables, the streaming tables and the batch recomputation's
  table, each with its schema file; Terraform (``terraform/modules/bigquery``) reads the same
  file and creates them all (tests/test_terraform_environments.py checks it does);
- the table catalogues (``pipelines/catalogues/*.yaml``, ``partition_by``/``cluster_by``): the
  raw tables of the batch loads, which the loaders create;
- a file load's source spec (``batch.files.options.FileSource``): the raw table of its files.

Every layout is checked against the table's schema (:func:`check_layout`) before BigQuery is asked.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from pipelines.schema import SCHEMAS_DIR, TableSchema, load_schema_file

#: The table catalogue under ``schemas/`` that the pipelines and Terraform both read.
LAYOUT_FILE = "layout.json"
#: BigQuery clusters by at most four columns.
MAX_CLUSTER_COLUMNS = 4
_PARTITION_TYPES = ("TIMESTAMP", "DATETIME", "DATE")


@dataclass(frozen=True)
class TableLayout:
    """One table of ``schemas/layout.json``: its schema file, DAY partitioning column (or None),
    clustering columns and the columns that identify people (policy-tagged on BigQuery)."""

    table: str  # dataset.name
    schema_file: str  # under schemas/, e.g. ops/alerts.json
    partition_by: str | None = None
    cluster_by: tuple[str, ...] = ()
    identifies_people: tuple[str, ...] = ()

    def bigquery_options(self) -> dict:
        """``timePartitioning`` and ``clustering`` as BigQuery's table resource spells them
        (empty when the table has neither)."""
        return bigquery_layout(self.partition_by, self.cluster_by)


def bigquery_layout(partition_by: str | None, cluster_by: tuple[str, ...] | list[str]) -> dict:
    """The table resource's ``timePartitioning`` (DAY) and ``clustering``, each only when set."""
    out: dict = {}
    if partition_by:
        out["timePartitioning"] = {"type": "DAY", "field": partition_by}
    if cluster_by:
        out["clustering"] = {"fields": list(cluster_by)}
    return out


def check_layout(table: str, schema: TableSchema, partition_by: str | None,
                 cluster_by: tuple[str, ...] | list[str], identifies_people: tuple[str, ...] = ()) -> None:
    """A ValueError naming the table when the layout does not fit its schema: the partitioning
    column must be a TIMESTAMP, DATETIME or DATE column, clustering at most four of its columns,
    and every column said to identify people one of its columns. Checked before BigQuery is
    asked, so a typo names itself instead of coming back as a 400."""
    types = {c.name: c for c in schema.all_columns}
    if partition_by is not None:
        column = types.get(partition_by)
        if column is None or column.type not in _PARTITION_TYPES or column.mode == "REPEATED":
            raise ValueError(f"{table}: partition_by {partition_by!r} is not a TIMESTAMP, DATETIME or DATE "
                             "column of the table")
    unknown = [c for c in cluster_by if c not in types]
    if unknown or len(cluster_by) > MAX_CLUSTER_COLUMNS:
        raise ValueError(f"{table}: cluster_by {list(cluster_by)} must name at most {MAX_CLUSTER_COLUMNS} columns "
                         f"of the table (unknown: {unknown})")
    strangers = [c for c in identifies_people if c not in types]
    if strangers:
        raise ValueError(f"{table}: identifies_people names no column of the table: {strangers}")


@functools.cache
def table_layouts() -> Mapping[str, TableLayout]:
    """``schemas/layout.json``, every entry checked against its schema file (read once per process)."""
    data = json.loads((SCHEMAS_DIR / LAYOUT_FILE).read_text())
    layouts = {}
    for table, entry in data["tables"].items():
        unknown = sorted(set(entry) - {"schema", "partition_by", "cluster_by", "identifies_people"})
        if unknown or "schema" not in entry:
            raise ValueError(f"{LAYOUT_FILE}: {table}: needs 'schema'; unknown keys {unknown}")
        layout = TableLayout(table, entry["schema"], entry.get("partition_by"), tuple(entry.get("cluster_by", ())),
                             tuple(entry.get("identifies_people", ())))
        check_layout(table, load_schema_file(layout.schema_file), layout.partition_by, layout.cluster_by,
                     layout.identifies_people)
        layouts[table] = layout
    return MappingProxyType(layouts)  # shared by the whole process: read-only


def table_layout(table: str) -> TableLayout:
    """The layout of ``dataset.name``; a ValueError when ``schemas/layout.json`` does not list it."""
    try:
        return table_layouts()[table]
    except KeyError:
        raise ValueError(f"{table}: no BigQuery layout; add it to schemas/{LAYOUT_FILE}") from None


#: layout of each partitioned table: (DAY-partitioning column, clustering columns), the view of
#: ``schemas/layout.json`` the streaming writers take; a new table gets a line there, and a typo
#: fails when the job is built.
TABLE_LAYOUT: dict[str, tuple[str, list[str]]] = {
    name: (layout.partition_by, list(layout.cluster_by))
    for name, layout in table_layouts().items() if layout.partition_by
}


def streaming_layout(table: str, schema: TableSchema) -> dict[str, Any]:
    """``timePartitioning`` and ``clustering`` of a new table, from :data:`TABLE_LAYOUT`, checked against its schema.

    Every streaming table is partitioned by day and clustered: a table without both has no place here."""
    if table not in TABLE_LAYOUT:
        raise ValueError(f"{table}: no BigQuery layout; add it to schemas/{LAYOUT_FILE}")
    partition_by, cluster_by = TABLE_LAYOUT[table]
    check_layout(table, schema, partition_by, cluster_by)
    if not cluster_by:
        raise ValueError(f"{table}: a streaming table is clustered; give it cluster_by in schemas/{LAYOUT_FILE}")
    return bigquery_layout(partition_by, cluster_by)
