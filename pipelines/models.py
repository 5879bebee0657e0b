"""Apply the ELT models in ``sql/`` to a warehouse: BigQuery as written, DuckDB transpiled.

Models are written once, in BigQuery Standard SQL. A file ``sql/<dataset>/<source>/<model>.sql``
becomes the view ``<dataset>.<model>``; staging models run before marts. The models of a source
whose ``raw_<source>`` dataset does not exist yet are skipped, and the log says so. On BigQuery each
table reference ``dataset.table`` is qualified with the project; locally sqlglot transpiles
the SQL to DuckDB, whose schemas stand in for the datasets.

    python -m pipelines.models [--warehouse URL] [--select staging|marts|MODEL] [--dry_run]
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

from pipelines import logs
from pipelines.errors import ConfigError, PipelineError, exit_process, main_guard, one_line

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
DATASET_ORDER = ("staging", "marts", "serving")


@dataclass(frozen=True)
class Model:
    dataset: str
    name: str
    path: Path

    @property
    def qualified(self) -> str:
        return f"{self.dataset}.{self.name}"

    @property
    def source(self) -> str:
        """The source a model belongs to (``production``, ``erp``): the folder it sits in."""
        return self.path.parent.name

    def sql(self) -> str:
        return self.path.read_text().strip().rstrip(";")


def discover(sql_dir: Path = SQL_DIR, select: str | None = None) -> list[Model]:
    """Every model under ``sql_dir``, staging first, filtered by dataset or model name."""
    models = [Model(p.relative_to(sql_dir).parts[0], p.stem, p) for p in sql_dir.rglob("*.sql")]
    rank = {d: i for i, d in enumerate(DATASET_ORDER)}
    models.sort(key=lambda m: (rank.get(m.dataset, len(rank)), m.name))
    if select:
        models = [m for m in models if select in (m.dataset, m.name, m.qualified)]
        if not models:
            raise ConfigError(f"--select {select!r} matches no model under {sql_dir}")
    return models


def duckdb_statement(model: Model) -> str:
    """The model as a DuckDB view, transpiled from BigQuery SQL."""
    try:
        body = sqlglot.transpile(model.sql(), read="bigquery", write="duckdb")[0]
    except sqlglot.errors.ParseError as exc:
        raise PipelineError(f"model {model.path}: {one_line(exc)}") from exc
    return f'CREATE OR REPLACE VIEW "{model.dataset}"."{model.name}" AS {body}'


def bigquery_statement(project: str, model: Model) -> str:
    """The model as a BigQuery view; ``dataset.table`` references get the project."""
    try:
        tree = sqlglot.parse_one(model.sql(), read="bigquery")
    except sqlglot.errors.ParseError as exc:
        raise PipelineError(f"model {model.path}: {one_line(exc)}") from exc
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if table.args.get("db") and not table.args.get("catalog") and table.name not in ctes:
            table.set("catalog", exp.to_identifier(project))
    body = tree.sql(dialect="bigquery")
    return f"CREATE OR REPLACE VIEW `{project}.{model.dataset}.{model.name}` AS {body}"


def apply_models(warehouse_url: str, select: str | None = None, sql_dir: Path | None = None,
                 dry_run: bool = False) -> list[str]:
    """Create or replace every selected model's view; returns ``dataset.model`` names in order."""
    from pipelines.warehouse import open_warehouse
    from pipelines.warehouse.duckdb_warehouse import DuckDBWarehouse

    warehouse = open_warehouse(warehouse_url)
    models = discover(sql_dir or SQL_DIR, select)
    applied = []
    loaded: dict[str, bool] = {}
    for model in models:
        raw = f"raw_{model.source}"  # sql/<dataset>/<source>/ reads raw_<source>
        if not dry_run and not loaded.setdefault(raw, warehouse.has_dataset(raw)):
            log.info("model %s skipped: %s has not been loaded into this warehouse", model.qualified, raw)
            continue
        if isinstance(warehouse, DuckDBWarehouse):
            statements = [f'CREATE SCHEMA IF NOT EXISTS "{model.dataset}"', duckdb_statement(model)]
        else:
            statements = [bigquery_statement(warehouse.project, model)]
        if dry_run:
            print(";\n".join(statements) + ";\n")
            continue
        try:
            if isinstance(warehouse, DuckDBWarehouse):
                with warehouse.connect() as con:
                    for statement in statements:
                        con.execute(statement)
            else:
                for statement in statements:
                    warehouse.query(statement)
        except PipelineError:
            raise
        except Exception as exc:  # noqa: BLE001 - any engine error names the model file
            raise PipelineError(f"model {model.path}: {one_line(exc)}") from exc
        log.info("model %s applied (%s)", model.qualified, model.path.name)
        applied.append(model.qualified)
    return applied


def run(argv: list[str] | None = None) -> list[str]:
    from pipelines.local import stack

    parser = argparse.ArgumentParser(prog="python -m pipelines.models", description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", default=None, help="duckdb:///file.duckdb or bigquery://PROJECT")
    parser.add_argument("--select", default=None, help="a dataset (staging, marts) or one model name")
    parser.add_argument("--dry_run", action="store_true", help="print the statements, run nothing")
    args = parser.parse_args(argv)
    return apply_models(args.warehouse or stack.default_warehouse_url(), args.select, dry_run=args.dry_run)


def main(argv: list[str] | None = None) -> int:
    logs.configure()
    return main_guard(run, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    exit_process(main())
