"""The ELT models in ``sql/`` (a SQLMesh project), built on the chosen warehouse.

Models are written once, in BigQuery SQL; SQLMesh runs them on BigQuery as written and on DuckDB
transpiled. ``sql/models/<dataset>/<source>/<model>.sql`` is the model ``<dataset>.<model>``.

    python -m pipelines.models [--warehouse URL] [--select staging|marts|MODEL]   # check, plan, refresh
    python -m pipelines.models --dry_run [--select MODEL]     # the SQL each model runs, nothing built
    python -m pipelines.models lineage marts.haulage_by_shift.hauled_t   # the raw columns behind a column
    python -m pipelines.models lineage --export FILE          # the model graph as OpenLineage events

A build checks every model (``pipelines.transform.build``) and exits non-zero, naming the model, the
check and a few offending rows, when a check fails; the models downstream of it are not built.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from pipelines import logs
from pipelines.errors import exit_process, main_guard
from pipelines.transform.build import BuildReport, build
from pipelines.transform.project import PROJECT_DIR

log = logging.getLogger(__name__)

SQL_DIR = PROJECT_DIR
DATASET_ORDER = ("staging", "batch", "marts", "serving")


@dataclass(frozen=True)
class Model:
    """A model file: ``sql/models/<dataset>/<source>/<name>.sql`` is the model ``<dataset>.<name>``."""

    dataset: str
    name: str
    path: Path

    @property
    def qualified(self) -> str:
        return f"{self.dataset}.{self.name}"

    @property
    def source(self) -> str:
        """The source or subject a model belongs to (``production``, ``erp``): the folder it sits in."""
        return self.path.parent.name

    def sql(self) -> str:
        return self.path.read_text()


def discover(sql_dir: Path = SQL_DIR) -> list[Model]:
    """Every model file of the project, staging first, then by name (no SQLMesh context needed)."""
    rank = {d: i for i, d in enumerate(DATASET_ORDER)}
    models = [Model(p.relative_to(sql_dir / "models").parts[0], p.stem, p) for p in (sql_dir / "models").rglob("*.sql")]
    return sorted(models, key=lambda m: (rank.get(m.dataset, len(rank)), m.name))


def apply_models(warehouse_url: str, select: str | None = None, sql_dir: Path | None = None,
                 dry_run: bool = False) -> list[str]:
    """Build the selected models; returns ``dataset.model`` names, staging first."""
    if dry_run:
        from pipelines.transform.render import render_models

        for name, sql in render_models(warehouse_url, select, sql_dir or SQL_DIR):
            print(f"-- {name}\n{sql};\n")
        return []
    report: BuildReport = build(warehouse_url, select, sql_dir or SQL_DIR)
    return report.models


def argument_parser() -> argparse.ArgumentParser:
    """The build's options (not Beam's: the models run as BigQuery query jobs, no Dataflow job);
    Terraform's launcher job passes its defaults through this parser (tests/test_batch_launchers.py)."""
    parser = argparse.ArgumentParser(prog="python -m pipelines.models", description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", default=None, help="duckdb:///file.duckdb or bigquery://PROJECT")
    parser.add_argument("--select", default=None, help="a dataset (staging, marts, serving) or one model name")
    parser.add_argument("--dry_run", action="store_true", help="print the SQL of each model, build nothing")
    return parser


def run(argv: list[str] | None = None) -> object:
    from pipelines.local import stack

    argv = list(argv or [])
    if argv[:1] == ["lineage"]:
        from pipelines.transform.lineage import run_lineage

        return run_lineage(argv[1:])
    args = argument_parser().parse_args(argv)
    return apply_models(args.warehouse or stack.default_warehouse_url(), args.select, dry_run=args.dry_run)


def main(argv: list[str] | None = None) -> int:
    logs.configure()
    return main_guard(run, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    exit_process(main())
