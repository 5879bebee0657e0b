"""Macros the checks use: thresholds from sql/checks.yaml (SQLMesh variables set by the project config)."""

from sqlglot import exp
from sqlmesh import macro


@macro()
def freshness_hours(evaluator, level: exp.Expression, raw: exp.Expression) -> exp.Expression:
    """Hours a raw table may go without a committed load: its dataset's ``level`` ('warn' or
    'error') threshold, or the default one."""
    # variables are named literally: SQLMesh tracks which variables a model uses
    limits = (evaluator.var("freshness_warn_hours") if level.name == "warn" else evaluator.var("freshness_error_hours"))
    limits = limits or {}
    dataset = raw.name.split(".")[0]
    return exp.Literal.number(limits.get(dataset, limits.get("default", 72)))
