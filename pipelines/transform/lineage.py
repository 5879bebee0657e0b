"""Column-level lineage of the models, from SQLMesh's parse of their SQL: for a person (which raw
columns make a mart column) and for a catalog (the model graph as OpenLineage events).

    python -m pipelines.models lineage marts.haulage_by_shift.hauled_t
    python -m pipelines.models lineage --export lineage.jsonl [--warehouse bigquery://minera-prod]

The export is one OpenLineage ``JobEvent`` per model (OpenLineage 2-0-2, static lineage: no run),
JSON lines: the job ``minera.<dataset>.<model>``, its input and output datasets, and on the output a
``columnLineage`` facet mapping each column to the columns it is computed from. A catalog ingests it
as it is (Marquez: ``POST /api/v1/lineage`` per line; DataHub and OpenMetadata read the same events).
Datasets are named as OpenLineage names them: namespace ``bigquery``, name ``project.dataset.table``;
a local DuckDB file is namespace ``duckdb://<path>``, name ``dataset.table``. No warehouse is read:
the lineage comes from the SQL alone (BigQuery projects are rendered offline).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from pipelines.errors import ConfigError
from pipelines.transform.project import PROJECT_DIR

OPENLINEAGE_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent"
COLUMN_LINEAGE_SCHEMA = "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json"
PRODUCER = "https://github.com/minera/data-platform/pipelines/transform/lineage.py"
JOB_NAMESPACE = "minera"


def _context(warehouse_url: str, project_dir: Path):
    """Lineage needs the SQL, not the data: a BigQuery project renders offline, a DuckDB file in memory."""
    from pipelines.transform.render import offline_context
    from pipelines.warehouse import open_warehouse

    return offline_context(open_warehouse(warehouse_url).offline_catalog() or "warehouse", project_dir)


def _short(name: str) -> str:
    """``"catalog"."dataset"."table"`` -> ``dataset.table``."""
    return ".".join(part.strip('"`') for part in name.split(".")[-2:])


def column_parents(ctx, model: str, column: str) -> dict[str, set[str]]:
    """One hop: table (``dataset.table``) -> the columns of it that ``model.column`` is computed from."""
    from sqlmesh.core.lineage import column_dependencies

    return {_short(table): columns for table, columns in column_dependencies(ctx, model, column).items()}


def column_sources(ctx, model: str, column: str) -> list[tuple[str, str, int]]:
    """The whole chain behind ``model.column``, depth first: (``dataset.table``, column, depth);
    tables no model makes (the raw tables the loaders write) end a branch."""
    models = {_short(name) for name in ctx.models}
    found: list[tuple[str, str, int]] = []

    def walk(table: str, name: str, depth: int) -> None:
        for parent, columns in sorted(column_parents(ctx, table, name).items()):
            for parent_column in sorted(columns):
                found.append((parent, parent_column, depth))
                if parent in models:
                    walk(parent, parent_column, depth + 1)

    walk(model, column, 1)
    return found


def raw_sources(ctx, model: str, column: str) -> set[tuple[str, str]]:
    """The raw columns (tables no model makes) ``model.column`` comes from."""
    models = {_short(name) for name in ctx.models}
    return {(table, col) for table, col, _ in column_sources(ctx, model, column) if table not in models}


def _dataset(ctx, table: str, warehouse_url: str) -> dict:
    from pipelines.warehouse import open_warehouse

    return open_warehouse(warehouse_url).openlineage_dataset(table)


def openlineage_events(ctx, warehouse_url: str) -> Iterator[dict]:
    """One OpenLineage JobEvent per model, in build order (see the module docstring)."""
    now = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    for name in ctx.dag.sorted:
        model = ctx.models.get(name)
        if model is None:
            continue
        table = _short(name)
        fields: dict[str, dict] = {}
        for column in model.columns_to_types or {}:
            inputs = [{**_dataset(ctx, parent, warehouse_url), "field": parent_column}
                      for parent, columns in sorted(column_parents(ctx, table, column).items())
                      for parent_column in sorted(columns)]
            if inputs:
                fields[column] = {"inputFields": inputs}
        output = _dataset(ctx, table, warehouse_url)
        output["facets"] = {"columnLineage": {"_producer": PRODUCER, "_schemaURL": COLUMN_LINEAGE_SCHEMA,
                                              "fields": fields}}
        yield {
            "eventTime": now, "producer": PRODUCER, "schemaURL": OPENLINEAGE_SCHEMA,
            "job": {"namespace": JOB_NAMESPACE, "name": table,
                    "facets": {"sql": {"_producer": PRODUCER,
                                       "_schemaURL": "https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json",
                                       "query": ctx.render(name).sql(dialect="bigquery")}}},
            "inputs": [_dataset(ctx, _short(parent), warehouse_url) for parent in sorted(model.depends_on)],
            "outputs": [output],
        }


def run_lineage(argv: list[str]) -> object:
    """``python -m pipelines.models lineage MODEL.COLUMN`` or ``... lineage --export FILE``."""
    from pipelines.local import stack

    parser = argparse.ArgumentParser(prog="python -m pipelines.models lineage",
                                     description="column lineage of a model column, or the whole graph")
    parser.add_argument("column", nargs="?", help="dataset.model.column, e.g. marts.haulage_by_shift.hauled_t")
    parser.add_argument("--export", default=None, help="write every model's OpenLineage JobEvent to this file")
    parser.add_argument("--warehouse", default=None, help="whose names the export uses (default: local)")
    args = parser.parse_args(argv)
    warehouse_url = args.warehouse or stack.default_warehouse_url()
    ctx = _context(warehouse_url, PROJECT_DIR)
    if args.export:
        events = list(openlineage_events(ctx, warehouse_url))
        Path(args.export).write_text("".join(json.dumps(e, sort_keys=True) + "\n" for e in events))
        print(f"{len(events)} OpenLineage job events written to {args.export}")
        return events
    if not args.column or args.column.count(".") != 2:
        raise ConfigError("give a column as dataset.model.column (e.g. marts.haulage_by_shift.hauled_t), "
                          "or --export FILE")
    model, column = args.column.rsplit(".", 1)
    if model not in {_short(n) for n in ctx.models}:
        raise ConfigError(f"{model} is not a model of {PROJECT_DIR}")
    from sqlglot.errors import SqlglotError

    try:
        chain = column_sources(ctx, model, column)
    except SqlglotError as exc:  # e.g. no such column
        raise ConfigError(f"{args.column}: cannot trace it: {exc}") from exc
    if not chain:
        raise ConfigError(f"{args.column}: no such column, or it is computed from no column (a constant)")
    print(args.column)
    for table, name, depth in chain:
        print(f"{'   ' * depth}<- {table}.{name}")
    return chain
