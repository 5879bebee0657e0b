"""The SQL each model runs, for a person to read (``python -m pipelines.models --dry_run``) and a test
to check, without building anything.

For a ``bigquery://PROJECT`` warehouse the models are rendered offline, with no credentials: the
context's engine is an in-memory DuckDB whose catalog is named after the project, so every
``dataset.table`` comes out as ``PROJECT.dataset.table``, as BigQuery receives it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pipelines.transform.project import PROJECT_DIR, context_for, open_context, sqlmesh_config


def offline_context(project: str, project_dir: Path = PROJECT_DIR):
    """A SQLMesh context that renders the models for BigQuery project ``project``, offline."""
    from sqlmesh.core.config import DuckDBConnectionConfig, GatewayConfig

    import pipelines.transform  # noqa: F401 - SQLMesh's usage events off before it loads

    config = sqlmesh_config("duckdb://:memory:", project_dir)
    config.gateways = {"render": GatewayConfig(connection=DuckDBConnectionConfig(catalogs={project: ":memory:"}))}
    config.default_gateway = "render"
    return context_for(config, project_dir)


def model_sql(model: str, dialect: str, project: str = "minera-prod", project_dir: Path = PROJECT_DIR) -> str:
    """One model's query (``dataset.model``) as SQLMesh runs it on ``dialect`` ('bigquery' for project
    ``project``, or 'duckdb'), rendered offline. Not cached: a test may render a few models."""
    ctx = offline_context(project, project_dir)
    return ctx.render(model).sql(dialect=dialect, pretty=False)


def render_models(warehouse_url: str, select: str | None = None,
                  project_dir: Path = PROJECT_DIR) -> Iterator[tuple[str, str]]:
    """(``dataset.model``, its query in the warehouse's dialect) for each selected model, in build order."""
    from pipelines.warehouse import open_warehouse

    warehouse = open_warehouse(warehouse_url)
    catalog, dialect = warehouse.offline_catalog(), warehouse.sql_dialect
    ctx = offline_context(catalog, project_dir) if catalog else open_context(warehouse_url, project_dir)
    for name in ctx.dag.sorted:
        model = ctx.models.get(name)
        if model is None:
            continue
        short = f"{model.schema_name}.{model.view_name}"
        if select and select not in (model.schema_name, model.view_name, short):
            continue
        yield short, ctx.render(name).sql(dialect=dialect, pretty=True)
