"""One build of the models: check what is there, apply what changed, refresh what depends on data.

SQLMesh runs the models; this module decides the order a data platform needs on every build:

1. **Check** the models whose code did not change, with their audits (keys unique and not null,
   accepted values, references, reconciliation with ``ops.load_runs``, source freshness): their
   data changed since the last build even when their code did not. A failing blocking check stops
   the model's downstream models; the build names the model, the check and a few offending keys.
2. **Plan** (``sqlmesh plan prod``, applied): new or changed models are built and audited; SQLMesh
   skips the downstream of whatever fails.
3. **Refresh** the tables built from data: full tables are restated, incremental ones get their
   missing intervals (``sqlmesh run``), each audited as it is built.

Models that read a raw table no loader has written yet (a source never loaded here) are left out
with a log line, as are their downstream models: nothing fails for a source that is not there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pipelines.errors import PipelineError
from pipelines.schema import SCHEMAS_DIR
from pipelines.transform.project import PROJECT_DIR, START, close_context, open_context
from pipelines.warehouse import open_warehouse
from pipelines.warehouse.base import OPS_DATASET

log = logging.getLogger(__name__)

EXAMPLES = 5  # offending rows shown per failed check
DATASET_ORDER = ("staging", "batch", "marts", "serving")


@dataclass(frozen=True)
class CheckFailure:
    """One check (SQLMesh audit) that found rows it forbids, or a model that failed to build."""

    model: str
    check: str  # the audit with its arguments; "build" for a model whose SQL failed
    rows: int
    examples: tuple[str, ...]
    blocking: bool = True
    path: str | None = None  # the model's file, for a build failure

    def describe(self) -> str:
        if self.check == "build":
            return f"{self.model} ({self.path}) failed to build: {self.examples[0] if self.examples else '?'}"
        shown = "; ".join(self.examples)
        return (f"{self.model}: check {self.check} failed on {self.rows:,} row(s)"
                + (f", e.g. {shown}" if shown else ""))


@dataclass
class BuildReport:
    """What a build did, model by model, in the order it did it."""

    built: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    unloaded: list[str] = field(default_factory=list)  # their raw tables do not exist yet
    failures: list[CheckFailure] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)  # not built: a check upstream failed
    warnings: list[CheckFailure] = field(default_factory=list)  # non-blocking checks that failed
    seconds: dict[str, float] = field(default_factory=dict)  # per model: evaluation and its audits

    @property
    def models(self) -> list[str]:
        """Every model built or checked, staging first (the order the old runner reported)."""
        rank = {d: i for i, d in enumerate(DATASET_ORDER)}
        names = set(self.built) | set(self.checked)
        return sorted(names, key=lambda n: (rank.get(n.split(".")[0], len(rank)), n))


class ChecksFailed(PipelineError):
    """A blocking check failed: its model's downstream models were not built."""


class _RecordingConsole:
    """A SQLMesh console that keeps what a build needs to report (failures, skips, timings) and
    logs the rest at debug level; SQLMesh's rich terminal output is no use in a pipeline's log."""

    def __new__(cls):
        from sqlmesh.core.console import NoopConsole

        class Recording(NoopConsole):
            def __init__(self):
                super().__init__()
                self.failed: list = []
                self.skipped: set[str] = set()
                self.evaluated: dict[str, float] = {}
                self.warnings: list[str] = []

            def log_failed_models(self, errors) -> None:
                self.failed.extend(errors)

            def log_skipped_models(self, snapshot_names) -> None:
                self.skipped |= set(snapshot_names)

            def update_snapshot_evaluation_progress(self, snapshot, interval, batch_idx, duration_ms,
                                                    num_audits_passed, num_audits_failed, *args, **kwargs) -> None:
                name = snapshot.name
                self.evaluated[name] = self.evaluated.get(name, 0.0) + (duration_ms or 0) / 1000

            def log_warning(self, short_message: str, long_message: str | None = None) -> None:
                # e.g. a non-blocking check that failed while a model was built
                self.warnings.append(short_message)
                log.warning("models: %s", " ".join(short_message.split())[:500])

            def log_error(self, message: str, *args, **kwargs) -> None:
                log.debug("sqlmesh: %s", message)

        return Recording()


def build(warehouse_url: str, select: str | None = None, project_dir: Path = PROJECT_DIR) -> BuildReport:
    """Check, plan and refresh the selected models (a dataset, a model name, or all of them)."""
    from sqlmesh.utils.errors import SQLMeshError

    console = _RecordingConsole()
    began = time.monotonic()
    try:
        ctx = open_context(warehouse_url, project_dir, console)
    except SQLMeshError as exc:
        raise PipelineError(f"models in {project_dir}: {' '.join(str(exc).split())[:400]}") from exc
    try:
        return _build(ctx, console, warehouse_url, select, began)
    finally:
        close_context(ctx)


def _build(ctx, console, warehouse_url: str, select: str | None, began: float) -> BuildReport:
    from sqlmesh.utils.errors import PlanError, SQLMeshError

    report = BuildReport()
    names = _ordered(ctx)
    chosen = _select(ctx, names, select)
    wanted = _with_upstream(ctx, chosen)
    warehouse = open_warehouse(warehouse_url)
    _ensure_ops_tables_read(ctx, wanted, warehouse)
    unloaded = _unloaded(ctx, wanted, warehouse)
    report.unloaded = [n for n in names if n in unloaded and n in chosen]
    for name in report.unloaded:
        log.info("model %s skipped: it reads a raw table no loader has written here yet", _short(ctx, name))
    todo = [n for n in names if n in wanted and n not in unloaded]

    # 1. check what did not change: its data did
    current = _in_prod(ctx)
    unchanged = [n for n in todo if current.get(n) == ctx.snapshots[n].snapshot_id and _is_view(ctx, n)]
    for name in unchanged:
        failures, warnings, seconds = _audit(ctx, name)
        report.checked.append(_short(ctx, name))
        report.seconds[_short(ctx, name)] = seconds
        report.failures += failures
        report.warnings += warnings
    stopped = _downstream(ctx, {_full(ctx, f.model) for f in report.failures}, todo)

    # 2. apply what changed, 3. refresh what is built from data
    runnable = [n for n in todo if n not in stopped]
    if runnable:
        is_current = {n: current.get(n) == ctx.snapshots[n].snapshot_id for n in runnable}
        # a table already built as it is now is rebuilt from its sources by a restatement; SQLMesh's
        # restating plan ignores local changes, so new and changed models are applied by a plan first
        restate = [n for n in runnable if is_current[n] and n not in unchanged and not _is_incremental(ctx, n)]
        try:
            if not all(is_current.values()) or not restate:
                ctx.plan(select_models=runnable, auto_apply=True, no_prompts=True, skip_tests=True, no_diff=True)
            if restate:
                ctx.plan(select_models=runnable, restate_models=restate,
                         auto_apply=True, no_prompts=True, skip_tests=True, no_diff=True)
            incremental = [n for n in runnable if _is_incremental(ctx, n)]
            if incremental:
                ctx.run(select_models=incremental, ignore_cron=True, no_auto_upstream=True)
        except PlanError:
            pass  # the failures are in the console: reported below with the skipped models
        except SQLMeshError as exc:
            raise PipelineError(f"models: {' '.join(str(exc).split())[:400]}") from exc
    report.failures += _failures_of(ctx, console.failed)
    stopped |= {n for n in todo if _short(ctx, n) in {_short(ctx, s) for s in console.skipped}}
    stopped |= _downstream(ctx, {_full(ctx, f.model) for f in report.failures}, todo)
    report.stopped = sorted(_short(ctx, n) for n in todo if n in stopped and _short(ctx, n) not in
                            {f.model for f in report.failures})
    for name, seconds in console.evaluated.items():
        report.seconds[_short(ctx, name)] = report.seconds.get(_short(ctx, name), 0.0) + seconds
    failed = {f.model for f in report.failures}
    report.built = [_short(ctx, n) for n in runnable if n not in stopped and _short(ctx, n) not in failed
                    and _short(ctx, n) not in report.checked]
    if console.warnings:  # a non-blocking check failed while a model was built: find which, with its rows
        for name in runnable:
            if _short(ctx, name) in report.built and _has_warning_checks(ctx, name):
                report.warnings += _audit(ctx, name)[1]
    for warning in report.warnings:
        log.warning("check (warning only): %s", warning.describe())
    log.info("models: %d built, %d checked, %d skipped (source not loaded), %d failed a check, %d not built "
             "after a failed check, in %.1fs", len(report.built), len(report.checked), len(report.unloaded),
             len({f.model for f in report.failures}), len(report.stopped), time.monotonic() - began)
    if report.failures:
        if all(f.check == "build" for f in report.failures):
            raise PipelineError("; ".join(f.describe() for f in report.failures)
                                + (f"; not built: {', '.join(report.stopped)}" if report.stopped else ""))
        raise ChecksFailed("; ".join(f.describe() for f in report.failures)
                           + (f"; not built: {', '.join(report.stopped)}" if report.stopped else ""))
    return report


def _ordered(ctx) -> list[str]:
    """Model names (fully qualified) in dependency order."""
    return [n for n in ctx.dag.sorted if n in ctx.models]


def _short(ctx, name: str) -> str:
    """``"w"."staging"."x"`` -> ``staging.x``: how a person names a model."""
    model = ctx.models.get(name)
    if model is not None:
        return f"{model.schema_name}.{model.view_name}"
    return ".".join(part.strip('"`') for part in name.split(".")[-2:])


def _full(ctx, short: str) -> str:
    for name in ctx.models:
        if _short(ctx, name) == short:
            return name
    return short


def _select(ctx, names: list[str], select: str | None) -> set[str]:
    if not select:
        return set(names)
    chosen = {n for n in names if select in (ctx.models[n].schema_name, ctx.models[n].view_name, _short(ctx, n))}
    if not chosen:
        raise PipelineError(f"--select {select!r} matches no model (a dataset such as staging, or a model name)")
    return chosen


def _with_upstream(ctx, chosen: set[str]) -> set[str]:
    wanted = set(chosen)
    for name in chosen:
        wanted |= {u for u in ctx.dag.upstream(name) if u in ctx.models}
    return wanted


def _downstream(ctx, names: Iterable[str], within: list[str]) -> set[str]:
    found = set()
    for name in names:
        if name in ctx.models:
            found.add(name)
            found |= set(ctx.dag.downstream(name))
    return found & set(within)


def _ensure_ops_tables_read(ctx, wanted: set[str], warehouse) -> None:
    """Create the ``ops`` tables the models read that no run has written yet (``ops.dead_letter``
    before the first dead letter): they are the platform's own, defined in ``schemas/ops/``, and
    empty means none; only in a warehouse where the ``ops`` dataset exists."""
    read = sorted({_short(ctx, s).split(".")[1] for n in wanted for s in ctx.models[n].depends_on
                   if s not in ctx.models and _short(ctx, s).startswith(f"{OPS_DATASET}.")})
    ours = tuple(t for t in read if (SCHEMAS_DIR / OPS_DATASET / f"{t}.json").exists())
    if ours and warehouse.has_dataset(OPS_DATASET):
        warehouse.ensure_ops(ours)


def _unloaded(ctx, wanted: set[str], warehouse) -> set[str]:
    """Models that read a dataset that does not exist yet (a source no loader has written here), and
    their downstream models. A missing table in a dataset that exists is the model's error."""
    datasets: dict[str, bool] = {}
    direct = set()
    for name in wanted:
        for source in ctx.models[name].depends_on:
            if source in ctx.models:
                continue
            dataset = _short(ctx, source).split(".")[0]
            if dataset not in datasets:
                datasets[dataset] = warehouse.has_dataset(dataset)
            if not datasets[dataset]:
                direct.add(name)
    return _downstream(ctx, direct, sorted(wanted))


def _in_prod(ctx) -> dict[str, object]:
    """Name -> snapshot id of every model in the prod environment (what the last build applied)."""
    environment = ctx.state_reader.get_environment("prod")
    return {s.name: s.snapshot_id for s in environment.snapshots} if environment else {}


def _has_warning_checks(ctx, name: str) -> bool:
    """Whether a model has a non-blocking check (``blocking := false``)."""
    for _, args in ctx.models[name].audits_with_args:
        blocking = args.get("blocking")
        if blocking is not None and blocking.sql().upper() == "FALSE":
            return True
    return False


def _is_view(ctx, name: str) -> bool:
    return ctx.models[name].kind.is_view


def _is_incremental(ctx, name: str) -> bool:
    return ctx.models[name].kind.is_incremental


def _audit(ctx, name: str) -> tuple[list[CheckFailure], list[CheckFailure], float]:
    """Run every audit of one (unchanged, already built) model; (blocking failures, warnings, seconds)."""
    began = time.monotonic()
    snapshot = ctx.snapshots[name]
    # an incremental model's checks look at the interval they are given: all of its history
    results = ctx.snapshot_evaluator.audit(snapshot=snapshot, snapshots=ctx.snapshots, start=START,
                                           end=datetime.now(timezone.utc))
    failures, warnings = [], []
    for result in results:
        if result.skipped or not result.count:
            continue
        failure = CheckFailure(_short(ctx, name), _describe_audit(result.audit.name, result.audit_args),
                               result.count, _examples(ctx, result.query, name), result.blocking)
        (failures if result.blocking else warnings).append(failure)
    return failures, warnings, time.monotonic() - began


def _failures_of(ctx, errors: list) -> list[CheckFailure]:
    """Check failures out of SQLMesh's failed nodes (a model that failed otherwise names its error)."""
    from sqlmesh.utils.errors import AuditError, NodeAuditsErrors

    found = []
    for error in errors:
        cause = error.__cause__ or error
        node = getattr(error.node, "snapshot_name", None) or getattr(error.node, "name", str(error.node))
        if isinstance(cause, NodeAuditsErrors):
            for audit in cause.errors:
                found.append(CheckFailure(_short(ctx, node), _describe_audit(audit.audit_name, audit.audit_args),
                                          audit.count, _examples(ctx, audit.query, node)))
        elif isinstance(cause, AuditError):
            found.append(CheckFailure(_short(ctx, node), _describe_audit(cause.audit_name, cause.audit_args),
                                      cause.count, _examples(ctx, cause.query, node)))
        else:
            path = _path(ctx, node)
            found.append(CheckFailure(_short(ctx, node), "build", 0, (" ".join(str(cause).split())[:300],),
                                      path=path))
    return found


def _path(ctx, name: str) -> str | None:
    """The file a model is written in, as a person finds it from the repository."""
    model = ctx.models.get(name)
    path = getattr(model, "_path", None) if model is not None else None
    return str(path) if path else None


def _describe_audit(name: str, args: dict) -> str:
    """``unique_combination_of_columns(load_id)``: the check as a person reads it."""
    shown = []
    for key, value in (args or {}).items():
        if key == "blocking":
            continue
        text = value.sql(dialect="bigquery") if hasattr(value, "sql") else str(value)
        shown.append(text.strip("()") if key == "columns" else f"{key} := {text}")
    return f"{name}({', '.join(shown)})"


def _examples(ctx, query, model: str | None = None) -> tuple[str, ...]:
    """A few rows the audit query found, as ``col=value`` text: what a person looks up first. The same
    rows each time: the first by the model's key where the check's rows carry it, and in key order."""
    if query is None:
        return ()
    from sqlglot import exp

    grains = ctx.models[model].grains if model and model in ctx.models else []
    key = (grains[0].expressions if isinstance(grains[0], exp.Tuple) else [grains[0]]) if grains else []
    grain = [exp.column(column.name, quoted=True) for column in key]
    rows = None
    for order in ([grain, []] if grain else [[]]):
        limited = exp.select("*").from_(query.subquery("offending"))
        limited = limited.order_by(*order).limit(EXAMPLES) if order else limited.limit(EXAMPLES)
        try:
            rows = ctx.engine_adapter.fetchdf(limited).head(EXAMPLES).to_dict("records")
        except Exception:  # noqa: BLE001 - the failure itself is reported; the examples are a courtesy
            log.debug("could not fetch examples of a failed check%s", " by its key" if order else "", exc_info=True)
            continue
        if not order:  # rows without the key: the same few each time only if they are all the rows
            rows.sort(key=lambda row: [str(v) for v in row.values()])
        break
    if rows is None:
        return ()
    return tuple(", ".join(f"{k}={v}" for k, v in list(row.items())[:4]) for row in rows)
