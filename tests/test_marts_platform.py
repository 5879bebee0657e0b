"""The pipeline-health marts over what the real pipelines recorded in ops.

One warehouse holds a small whole platform, made once per module by the real pipelines: two
production loads of hand-made rows (3 trucks and 2 shifts, then 1 more truck), a failure recorded
the way a loader records one, a rock-quality file load with a corrupt file, the machinery-issue
stream with a malformed message, and two minutes of sensor metrics; then every model is built
once, as on a platform that runs every day. Each test works on a copy.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import psycopg
import pytest
import sqlglot
import yaml
from test_marts_issues import App, at, query, records

from pipelines.batch import production, rock_quality
from pipelines.batch.files.quarantine import FilesRejected
from pipelines.models import apply_models, discover
from pipelines.schema import load_schema_file
from pipelines.simulate import rock_quality as lab
from pipelines.transform.build import ChecksFailed
from pipelines.transform.project import PROJECT_DIR, freshness_variables, load_checks
from pipelines.warehouse import open_warehouse
from pipelines.warehouse.duckdb_tables import create_table_sql
from pipelines.warehouse.runs import record_outcome

pytestmark = pytest.mark.slow  # loads and builds the models

PLATFORM_MODELS = ["marts.pipeline_runs", "marts.source_freshness", "marts.source_health_daily"]
FAILED_RUN, EARLIER_FAILURE = "run-that-failed", "run-that-failed-earlier"
_templates: dict[str, Path] = {}


def execute(warehouse_url: str, *statements: str) -> None:
    with duckdb.connect(warehouse_url.removeprefix("duckdb://")) as con:
        con.execute("SET TimeZone = 'UTC'")
        for statement in statements:
            con.execute(statement)


def failed(warehouse_url: str, run_id: str, table: str, error: str) -> None:
    """A run whose load of ``table`` failed after 3 s, recorded as the loader records one (nothing committed)."""
    now = datetime.now(timezone.utc)
    record_outcome(open_warehouse(warehouse_url), [{
        "run_id": run_id, "pipeline": "batch.production", "table_name": table,
        "target_table": f"raw_production.{table.split('.')[1]}", "status": "failed", "error": error,
        "started_at": now, "ended_at": now + timedelta(seconds=3)}])


def make_platform(pg_url: str, warehouse_url: str, folder: Path) -> None:
    """Every source writes its tables and its ops rows, through its own pipeline."""
    with psycopg.connect(pg_url) as conn:
        conn.execute("INSERT INTO trucks VALUES ('HT-0001', 'CAT 793F', 226.8, '2020-01-01', 'operating', 1000, NULL, "
                     "now()), ('HT-0002', 'CAT 793F', 226.8, '2020-01-01', 'standby', 900, NULL, now()), "
                     "('HT-0003', 'Komatsu 930E', 290.0, '2021-06-01', 'maintenance', 500, NULL, now())")
        conn.execute("INSERT INTO shifts VALUES (1, '2026-11-20', 'day', 'A', '2026-11-20 08:00', "
                     "'2026-11-20 11:00+00', '2026-11-20 23:00+00', NULL, now()), (2, '2026-11-20', 'night', 'B', "
                     "'2026-11-20 20:00', '2026-11-20 23:00+00', '2026-11-21 11:00+00', NULL, now())")
        conn.commit()
    load = ["--source_url", pg_url, "--warehouse", warehouse_url, "--lag_seconds", "0",
            "--staging_location", str(folder / "staging")]
    production.run(load)  # run 1: 3 trucks, 2 shifts, 5 empty tables
    failed(warehouse_url, EARLIER_FAILURE, "public.blasts", "disk full on the staging location")
    with psycopg.connect(pg_url) as conn:
        conn.execute("INSERT INTO trucks VALUES ('HT-0004', 'CAT 793F', 226.8, '2022-01-01', 'operating', 10, NULL, "
                     "now())")
        conn.commit()
    production.run(load)  # run 2: the new truck; nothing new elsewhere
    failed(warehouse_url, FAILED_RUN, "public.trucks", "connection reset by peer")

    landing = folder / "landing"
    lab.generate(landing, files=2, samples=5, broken=["corrupt"])
    with pytest.raises(FilesRejected):  # the good files load, the corrupt one is quarantined
        rock_quality.run(["--input", f"{landing}/**", "--warehouse", warehouse_url, "--staging_location",
                          str(folder / "staging"), "--quarantine_location", str(folder / "quarantine")])

    app = App(folder, warehouse_url)
    app.send(app.event("pump", "opened", at(20, 10), "critical"), malformed=(b"{not json",))

    execute(warehouse_url, "CREATE SCHEMA speed",
            create_table_sql("speed.sensor_minute_metrics", load_schema_file("speed/sensor_minute_metrics.json")),
            "INSERT INTO speed.sensor_minute_metrics VALUES "
            "('VIB-N3-017', 'north-pit-3', TIMESTAMP '2026-11-20 10:15:00', 600, 2.3, 1.1, 18.5, 18.0, 3.6, "
            "now() - INTERVAL 40 HOUR, TIMESTAMP '2026-11-20 10:15:07', 'run-t', 0), ('VIB-N3-018', 'north-pit-3', "
            "TIMESTAMP '2026-11-20 10:16:00', 600, 2.1, 1.0, 18.5, 18.0, 3.6, now() - INTERVAL 30 HOUR, "
            "TIMESTAMP '2026-11-20 10:16:41', 'run-t', 0)")


@pytest.fixture
def templates(request, tmp_path_factory) -> dict[str, Path]:
    """The module's platform warehouse, as loaded (no model built yet) and as built once (made by the
    first test that asks for it): a platform that runs every day has its models built already."""
    if not _templates:
        loaded, built = tmp_path_factory.mktemp("loaded"), tmp_path_factory.mktemp("built")
        url = f"duckdb://{loaded / 'warehouse.duckdb'}"
        make_platform(request.getfixturevalue("empty_production_url"), url, loaded)
        shutil.copy(loaded / "warehouse.duckdb", built / "warehouse.duckdb")
        models = apply_models(f"duckdb://{built / 'warehouse.duckdb'}")
        assert set(PLATFORM_MODELS) | {"serving.alerts", "serving.machine_issues"} <= set(models)
        _templates.update(loaded=loaded / "warehouse.duckdb", built=built / "warehouse.duckdb")
    return _templates


def copy_of(template: Path, folder: Path) -> str:
    """A copy under the same file name: DuckDB names its catalog after the file, SQLMesh's views use it."""
    shutil.copy(template, folder / template.name)
    return f"duckdb://{folder / template.name}"


@pytest.fixture
def platform(templates, tmp_path) -> str:
    return copy_of(templates["built"], tmp_path)


@pytest.fixture
def loaded_platform(templates, tmp_path) -> str:
    return copy_of(templates["loaded"], tmp_path)


def age_loads(warehouse_url: str, target: str, hours: float) -> None:
    """As if every committed load of ``target`` had happened ``hours`` earlier (its failed runs stay recent)."""
    execute(warehouse_url, f"UPDATE ops.load_runs SET started_at = started_at - INTERVAL {int(hours * 60)} MINUTE, "
                           f"ended_at = ended_at - INTERVAL {int(hours * 60)} MINUTE WHERE target_table = '{target}' "
                           "AND status = 'succeeded'")


def test_rows_per_run_and_exact_durations(platform):
    assert apply_models(platform, select="pipeline_runs") == ["marts.pipeline_runs"]
    runs = records(platform, "SELECT * FROM marts.pipeline_runs ORDER BY started_at, table_name")
    ops = {(r["run_id"], r["table_name"]): r for r in records(platform, "SELECT * FROM ops.load_runs")}
    assert len(runs) == len(ops) == 7 + 7 + 2 + 1  # 2 production runs of 7 tables, 2 failures, 1 file load
    production_runs = sorted({r["run_id"] for r in runs if r["pipeline"] == "batch.production"}
                             - {FAILED_RUN, EARLIER_FAILURE},
                             key=lambda run: min(r["started_at"] for r in runs if r["run_id"] == run))
    loaded = {(r["run_id"], r["table_name"]): (r["status"], r["rows_loaded"]) for r in runs}
    first, second = production_runs
    assert loaded[(first, "public.trucks")] == ("succeeded", 3)
    assert loaded[(first, "public.shifts")] == ("succeeded", 2)
    assert loaded[(second, "public.trucks")] == ("succeeded", 1)  # only the new truck: the window moved on
    assert loaded[(second, "public.shifts")] == ("succeeded", 0)
    assert loaded[(FAILED_RUN, "public.trucks")] == loaded[(EARLIER_FAILURE, "public.blasts")] == ("failed", None)
    vendor = next(r for r in runs if r["pipeline"] == "batch.rock_quality")
    assert (vendor["status"], vendor["rows_loaded"], vendor["target_table"]) == (
        "succeeded", 10, "raw_vendor.rock_quality_samples")  # 2 good files of 5 samples
    for run in runs:
        row = ops[(run["run_id"], run["table_name"])]
        seconds = (row["ended_at"] - row["started_at"]) / timedelta(microseconds=1) / 1e6
        assert run["duration_seconds"] == seconds  # to the microsecond
        assert run["run_date"] == row["started_at"].astimezone(timezone.utc).date()
        expected = row["rows_loaded"] / seconds if row["status"] == "succeeded" and seconds > 0 else None
        assert run["rows_per_second"] == expected
    failure = next(r for r in runs if r["run_id"] == FAILED_RUN)
    assert (failure["duration_seconds"], failure["error"]) == (3.0, "connection reset by peer")


def test_failures_files_and_dead_letters_per_source_and_day(platform):
    assert apply_models(platform, select="source_health_daily") == ["marts.source_health_daily"]
    health = records(platform, "SELECT * FROM marts.source_health_daily ORDER BY activity_date, pipeline")
    # each row's day is the UTC day of the ops rows it counts (all made a moment ago: today, or
    # yesterday and today if the platform was made across midnight)
    days: dict[str, set] = {}
    for pipeline, day in query(platform, "SELECT pipeline, DATE(started_at) FROM ops.load_runs UNION SELECT "
                                         "pipeline, DATE(loaded_at) FROM ops.loaded_files UNION SELECT pipeline, "
                                         "DATE(rejected_at) FROM ops.rejected_files UNION SELECT pipeline, "
                                         "DATE(received_at) FROM ops.dead_letter"):
        days.setdefault(pipeline, set()).add(day)
    assert {(r["activity_date"], r["pipeline"]) for r in health} == {(d, p) for p, ds in days.items() for d in ds}
    totals: dict[str, dict] = {}
    for row in health:
        counts = {k: v for k, v in row.items() if k not in ("activity_date", "pipeline")}
        total = totals.setdefault(row["pipeline"], dict.fromkeys(counts, 0) | {"layer": counts["layer"]})
        totals[row["pipeline"]] = {k: v if k == "layer" else total[k] + v for k, v in counts.items()}
    assert totals == {
        "batch.production": {
            "layer": "batch", "runs": 4, "table_loads": 16, "table_loads_succeeded": 14, "table_loads_failed": 2,
            "table_loads_abandoned": 0, "table_loads_running": 0, "rows_loaded": 3 + 2 + 1, "files_loaded": 0,
            "files_rejected": 0, "dead_letters": 0},
        "batch.rock_quality": {
            "layer": "batch", "runs": 1, "table_loads": 1, "table_loads_succeeded": 1, "table_loads_failed": 0,
            "table_loads_abandoned": 0, "table_loads_running": 0, "rows_loaded": 10, "files_loaded": 2,
            "files_rejected": 1, "dead_letters": 0},
        "streaming.machine_issues": {
            "layer": "speed", "runs": 0, "table_loads": 0, "table_loads_succeeded": 0, "table_loads_failed": 0,
            "table_loads_abandoned": 0, "table_loads_running": 0, "rows_loaded": 0, "files_loaded": 0,
            "files_rejected": 0, "dead_letters": 1},
    }


def freshness(warehouse_url: str) -> dict[str, dict]:
    return {r["target_table"]: r for r in records(warehouse_url, "SELECT * FROM marts.source_freshness")}


def test_freshness_of_every_table_against_its_thresholds_agrees_with_the_build_checks(platform, caplog):
    age_loads(platform, "raw_production.shifts", 3)   # raw_production: warn after 2 h, error after 6 h
    age_loads(platform, "raw_production.trucks", 7)
    with caplog.at_level(logging.WARNING), pytest.raises(ChecksFailed) as failure:
        apply_models(platform)
    # the build: trucks fails its error check (its models stop), shifts only warns
    assert ("staging.stg_production__trucks: check source_is_fresh(raw := 'raw_production.trucks', "
            "level := 'error') failed") in str(failure.value)
    assert "stg_production__shifts: check source_is_fresh" not in str(failure.value)
    warned = [r.getMessage() for r in caplog.records if "check (warning only)" in r.getMessage()
              and "source_is_fresh" in r.getMessage()]
    assert len(warned) == 2 and all("level := 'warn') failed on 1 row(s)" in w for w in warned)
    warned_tables = {t for t in ("shifts", "trucks", "truck_loads") if f"raw_production.{t}'" in " ".join(warned)}
    assert warned_tables == {"shifts", "trucks"}

    rows = freshness(platform)  # built all the same: it reads ops and the raw tables, not staging
    loads = dict(query(platform, "SELECT target_table, max(ended_at) FROM ops.load_runs WHERE status = 'succeeded' "
                                 "GROUP BY 1"))
    assert set(rows) == set(loads) | {"raw_mobile.machine_issue_events", "speed.sensor_minute_metrics"}
    status = {table: (r["status"], r["warn_after_hours"], r["error_after_hours"]) for table, r in rows.items()}
    assert status == {
        "raw_production.shifts": ("warn", 2.0, 6.0), "raw_production.trucks": ("error", 2.0, 6.0),
        **{f"raw_production.{t}": ("fresh", 2.0, 6.0) for t in (
            "truck_loads", "drill_holes", "blasts", "crusher_throughput", "equipment_status")},
        "raw_vendor.rock_quality_samples": ("fresh", 72.0, 168.0),
        "raw_mobile.machine_issue_events": ("fresh", 26.0, 74.0),   # no thresholds of its own: the default
        "speed.sensor_minute_metrics": ("warn", 26.0, 74.0),        # newest minute computed 30 h ago
    }
    for table, row in rows.items():
        basis = {"raw_mobile.machine_issue_events": "newest _loaded_at",
                 "speed.sensor_minute_metrics": "newest computed_at"}.get(
            table, "ops.load_runs.ended_at of the last succeeded load")
        assert (row["freshness_basis"], row["kind"]) == (basis, "batch" if table in loads else "streaming")
        assert row["age_hours"] == (row["checked_at"] - row["last_loaded_at"]) / timedelta(microseconds=1) / 3.6e9
    assert rows["raw_production.shifts"]["last_loaded_at"] == loads["raw_production.shifts"]
    assert 3 < rows["raw_production.shifts"]["age_hours"] < 4
    assert 30 < rows["speed.sensor_minute_metrics"]["age_hours"] < 31
    newest_event_load = query(platform, "SELECT max(_loaded_at) FROM raw_mobile.machine_issue_events")[0][0]
    assert rows["raw_mobile.machine_issue_events"]["last_loaded_at"] == newest_event_load
    # the latest run of trucks failed (after its last committed load): both are shown
    trucks = rows["raw_production.trucks"]
    assert (trucks["last_run_status"], trucks["last_run_error"], trucks["pipeline"]) == (
        "failed", "connection reset by peer", "batch.production")
    # blasts: a run failed, the next one committed; the latest run's error is none
    blasts = rows["raw_production.blasts"]
    assert (blasts["last_run_status"], blasts["last_run_error"], blasts["status"]) == ("succeeded", None, "fresh")


def test_the_thresholds_are_the_checks_configuration(loaded_platform, tmp_path, caplog):
    project = tmp_path / "sql"
    shutil.copytree(PROJECT_DIR, project, ignore=shutil.ignore_patterns(".cache"))
    checks = load_checks(project)
    checks["freshness"]["datasets"]["raw_production"] = {"warn_after_hours": 1, "error_after_hours": 24}
    checks["freshness"]["datasets"]["raw_mobile"] = {"warn_after_hours": 0.25, "error_after_hours": 12}
    (project / "checks.yaml").write_text(yaml.safe_dump(checks))
    age_loads(loaded_platform, "raw_production.shifts", 10)  # an error with the shipped 2 h / 6 h, a warning now
    with caplog.at_level(logging.WARNING):
        built = apply_models(loaded_platform, sql_dir=project)
    assert "staging.stg_production__shifts" in built and "marts.source_freshness" in built
    warned = [r.getMessage() for r in caplog.records if "'source_is_fresh' audit" in r.getMessage()]
    assert warned == ["models: staging.stg_production__shifts: 'source_is_fresh' audit error: 1 row failed."]
    rows = freshness(loaded_platform)
    limits = freshness_variables(checks)
    assert (rows["raw_production.shifts"]["status"], rows["raw_production.shifts"]["warn_after_hours"],
            rows["raw_production.shifts"]["error_after_hours"]) == ("warn", 1.0, 24.0)
    assert limits["freshness_error_hours"]["raw_production"] == 24.0
    assert (rows["raw_mobile.machine_issue_events"]["warn_after_hours"],
            rows["raw_mobile.machine_issue_events"]["error_after_hours"]) == (0.25, 12.0)
    trucks = rows["raw_production.trucks"]
    assert (trucks["status"], trucks["warn_after_hours"]) == ("fresh", 1.0)
    assert (rows["speed.sensor_minute_metrics"]["warn_after_hours"], rows["speed.sensor_minute_metrics"]["status"]) \
        == (26.0, "warn")  # still the default's


def test_a_bad_ops_row_stops_the_runs_mart_and_is_named(platform):
    ghost = f"run-{uuid.uuid4().hex[:8]}"
    # a writer that says succeeded but never set ended_at (a bug, not a state a loader writes)
    open_warehouse(platform).record_runs([{
        "run_id": ghost, "pipeline": "batch.production", "table_name": "public.ghost", "target_table": None,
        "status": "succeeded", "rows_loaded": 5, "started_at": datetime.now(timezone.utc)}])
    with pytest.raises(ChecksFailed) as failure:
        apply_models(platform, select="pipeline_runs")
    assert str(failure.value).startswith("marts.pipeline_runs: check forall(")
    assert f"run_id={ghost}, pipeline=batch.production, table_name=public.ghost" in str(failure.value)


def test_the_marts_wait_for_their_sources(warehouse_url):
    # nothing loaded yet: no ops, no streams; every mart that reads them is skipped, not failed (the
    # issue marts wait for raw_mobile); the age buckets, the mine's zones, the PPV limit curve and the
    # sensors (a seed) need nothing
    assert apply_models(warehouse_url, select="marts") == ["marts.issue_age_buckets", "marts.mine_zones",
                                                           "marts.ppv_limit_curve", "marts.sensors"]


def test_the_platform_models_render_for_duckdb_and_bigquery(rendering):
    assert sorted(m.qualified for m in discover() if m.source == "platform") == PLATFORM_MODELS
    fresh = rendering.render("marts.source_freshness")
    bigquery, duck = fresh.sql(dialect="bigquery"), fresh.sql(dialect="duckdb")
    limits = freshness_variables(load_checks())
    for dataset, warn in limits["freshness_warn_hours"].items():  # every dataset of checks.yaml, and the default
        error = limits["freshness_error_hours"][dataset]
        assert (f"STRUCT('{dataset}' AS `dataset`, CAST({warn} AS FLOAT64) AS `warn_after_hours`, "
                f"CAST({error} AS FLOAT64) AS `error_after_hours`)") in bigquery
        assert (f"{{'dataset': '{dataset}', 'warn_after_hours': CAST({warn} AS DOUBLE), "
                f"'error_after_hours': CAST({error} AS DOUBLE)}}") in duck
    # the same comparison as the source_is_fresh check, in whole minutes
    for level in ("warn", "error"):
        assert (f"`last_loaded_at` < TIMESTAMP_SUB(`checked_at`, INTERVAL (CAST(`{level}_after_hours` * 60 AS INT64)) "
                "MINUTE)") in bigquery
    tables = {t.sql("bigquery") for t in sqlglot.parse_one(bigquery, read="bigquery").find_all(sqlglot.exp.Table)
              if t.db}
    assert tables == {"`minera-prod`.`ops`.`load_runs` AS `load_runs`",
                      "`minera-prod`.`raw_mobile`.`machine_issue_events` AS `machine_issue_events`",
                      "`minera-prod`.`speed`.`sensor_minute_metrics` AS `sensor_minute_metrics`"}
    runs = rendering.render("marts.pipeline_runs").sql(dialect="duckdb")
    assert "DATE_DIFF('MICROSECOND', \"started_at\", \"ended_at\") / 1000000 AS \"duration_seconds\"" in runs
    health = rendering.render("marts.source_health_daily").sql(dialect="duckdb")
    assert "CAST(SUM(CASE WHEN \"status\" = 'succeeded' THEN \"rows_loaded\" ELSE 0 END) AS BIGINT)" in health
