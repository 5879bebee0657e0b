"""The LookML project (``looker/``) checked without a Looker instance: it parses, it is in Looker's layout, its
views read tables and columns the models really build (the demo's warehouse), its explores join on keys
both sides have, its dashboards name explores and fields that exist and show rows on the demo's data, and
every SQL fragment parses as BigQuery and DuckDB SQL. The checks live in ``tests/lookml_checks.py``; the
broken copies below show that each one catches what it is for and names it.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import lookml_checks as checks
import pytest

from pipelines.dashboards.lookml import Element, load_project
from pipelines.dashboards.query import compile_element

DASHBOARDS = {"mine_vibration", "sensor_trend", "sensor_health", "machinery_issues", "production", "rock_quality",
              "platform_health"}
#: marts tables whose serving view of the same name is the one Looker reads (same columns, and more)
SERVED_BY_SERVING = {"marts.machine_issues"}


@pytest.fixture(scope="module")
def project() -> checks.Project:
    return checks.load_project()


@pytest.fixture(scope="module")
def warehouse(demo_warehouse):
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def columns(warehouse) -> dict[str, set[str]]:
    return checks.warehouse_columns(warehouse)


def broken_copy(tmp_path: Path, path: str, old: str, new: str) -> checks.Project:
    """A copy of looker/ with ``old`` replaced by ``new`` (once) in ``path``, loaded."""
    root = tmp_path / "looker"
    shutil.copytree(checks.LOOKER_DIR, root)
    target = root / path
    text = target.read_text()
    assert text.count(old) >= 1, f"{old!r} is not in {path}"
    target.write_text(text.replace(old, new, 1))
    return checks.load_project(root)


# ---- without a warehouse ----

def test_every_file_parses_in_lookers_layout(project):
    assert checks.check_layout(project) == []
    assert set(project.dashboards) == DASHBOARDS
    assert len(project.views) >= 30 and set(project.explores) <= set(project.views)
    for view in project.views.values():
        assert view.table.split(".")[0] in ("serving", "marts"), view.name


def test_every_explore_joins_on_dimensions_both_sides_have(project):
    assert checks.check_explores(project) == []
    joins = [j for e in project.explores.values() for j in e.get("joins", [])]
    assert len(joins) >= 10  # the checks looked at real joins


def test_every_dashboard_element_names_an_explore_and_its_fields(project):
    assert checks.check_dashboards(project) == []
    elements = [e for _, d in project.dashboards.values() for e in d["elements"]]
    assert len(elements) >= 7 * 5
    for element in elements:
        views = project.explore_views(element["explore"])
        assert all(f.split(".")[0] in views for f in element["fields"]), element["name"]


def test_every_sql_fragment_parses_as_bigquery_and_duckdb(project):
    fragments = checks.sql_fragments(project)
    assert len(fragments) > 500 and any(kind == "condition" for _, kind, _ in fragments)
    assert checks.check_sql(project) == []


def test_the_dashboards_show_what_the_issue_asks(project):
    def fields(dashboard: str) -> set[str]:
        return {f for e in project.dashboards[dashboard][1]["elements"] for f in e["fields"]}

    def types(dashboard: str) -> set[str]:
        return {e["type"] for e in project.dashboards[dashboard][1]["elements"]}

    vibration = fields("mine_vibration")
    assert {"vibration_by_zone_day.zone", "vibration_by_zone_day.highest_ppv_mm_s", "sensor_minutes.easting_m",
            "sensor_minutes.northing_m", "sensor_minutes.dominant_frequency_band_hz",
            "sensor_minutes.lowest_limit_ppv_mm_s", "alerts.rule",
            "vibration_by_zone_day.total_minutes_over_limit"} <= vibration
    assert "looker_scatter" in types("mine_vibration") and "looker_grid" in types("mine_vibration")
    assert {"sensor_minutes.window_start_minute", "sensor_minutes.average_limit_ppv_mm_s",
            "alerts.rule"} <= fields("sensor_trend")
    assert {"sensor_health_by_day.total_silent_minutes", "sensor_health_by_day.lowest_battery_v",
            "sensors.easting_m"} <= fields("sensor_health")
    assert {"machine_issues.age_bucket", "machine_issues.current_severity",
            "machine_issues.average_time_to_acknowledge_minutes", "machine_issues.average_time_to_resolve_minutes",
            "equipment_reliability_by_class.average_mtbf_h", "equipment_reliability_by_class.average_mttr_h",
            "issue_backlog_daily.total_open_issues"} <= fields("machinery_issues")
    assert {"tonnes_by_shift.shift_kind", "tonnes_by_shift.pit", "tonnes_by_shift.material",
            "cycle_times_by_shift.average_mean_cycle_time_s",
            "crusher_throughput_by_shift.total_crushed_t"} <= fields("production")
    assert {"rock_quality_by_blast.blast_pattern", "rock_quality_by_zone_day.zone"} <= fields("rock_quality")
    assert {"source_freshness.status", "source_health_daily.total_table_loads_failed",
            "source_health_daily.total_dead_letters"} <= fields("platform_health")


@pytest.mark.parametrize(("path", "old", "new", "says"), [
    ("dashboards/production.dashboard.lookml", "tonnes_by_shift.total_hauled_t]",
     "tonnes_by_shift.total_hauled_tonnes]", "field tonnes_by_shift.total_hauled_tonnes does not exist"),
    ("dashboards/production.dashboard.lookml", "explore: cycle_times_by_shift", "explore: cycle_time",
     "no explore 'cycle_time'"),
    ("dashboards/mine_vibration.dashboard.lookml", "type: looker_scatter", "type: looker_map",
     "type 'looker_map' is not one of"),
    ("dashboards/mine_vibration.dashboard.lookml", "alerts.pipeline: streaming.sensors",
     "alerts.pipeline: last 7 days", "is a relative date"),
    ("dashboards/sensor_health.dashboard.lookml", "fields: [sensors.easting_m",
     "fields: [machines.machine_id", "field machines.machine_id is not in explore sensor_health_by_day"),
    ("models/minera.model.lkml", "${sensor_minutes.sensor_id} = ${sensors.sensor_id}",
     "${sensor_minutes.sensor_id} = ${sensors.sensor}", "sql_on key sensors.sensor is not a dimension"),
    ("models/minera.model.lkml", "${alerts.issue_id} = ${machine_issues.issue_id}",
     "${alerts.issue_id} LIKE ${machine_issues.issue_id}", "is not ${a.x} = ${b.y}"),
    ("views/marts/tonnes_by_shift.view.lkml", "sql: ${TABLE}.pit ;;", "sql: ${TABLE}.pit + ;;",
     "tonnes_by_shift.pit: does not parse as bigquery SQL"),
    ("views/marts/tonnes_by_shift.view.lkml", "timeframes: [raw, time,", "timeframes: [raw, quarter, time,",
     "timeframe 'quarter' is not one of"),
    ("views/marts/mine_zones.view.lkml", "view: mine_zones {", "view: mine_zones {{",
     "mine_zones.view.lkml: lkml cannot parse it"),
    ("dashboards/rock_quality.dashboard.lookml", "  elements:", "  elements: [",
     "rock_quality.dashboard.lookml: not YAML"),
])
def test_a_broken_project_is_caught_and_named(tmp_path, path, old, new, says):
    broken = broken_copy(tmp_path, path, old, new)
    problems = checks.check_all(broken)
    assert any(says in p for p in problems), problems
    assert all(p.startswith(("looker/", "explore ")) for p in problems), problems  # each names where


# ---- against the warehouse the demo builds ----

def test_every_view_reads_a_table_and_columns_the_models_build(project, columns):
    assert checks.check_views(project, columns) == []
    read = {view.table for view in project.views.values()}
    missing = {t for t in columns if t not in read} - SERVED_BY_SERVING
    assert not missing, f"tables with no view: {sorted(missing)}"
    for table in SERVED_BY_SERVING:
        assert columns[table] <= columns["serving." + table.split(".")[1]]


@pytest.mark.parametrize(("path", "old", "new", "says"), [
    ("views/marts/sensor_minutes.view.lkml", "sql: ${TABLE}.max_ppv_mm_s ;;", "sql: ${TABLE}.max_ppv ;;",
     "dimension max_ppv_mm_s: column max_ppv does not exist in marts.sensor_minutes"),
    ("views/serving/alerts.view.lkml", "sql_table_name: serving.alerts ;;", "sql_table_name: serving.alert ;;",
     "table serving.alert does not exist in the warehouse"),
    ("views/marts/sensors.view.lkml", "sql: ${TABLE}.northing_m ;;", "sql: ${northing} ;;",
     "refers to ${northing}, not a field of view sensors"),
])
def test_a_view_the_warehouse_does_not_have_is_caught_and_named(tmp_path, columns, path, old, new, says):
    problems = checks.check_views(broken_copy(tmp_path, path, old, new), columns)
    assert any(says in p for p in problems), problems


def test_every_dashboard_element_shows_rows_on_the_demo_warehouse(warehouse):
    """Each element's query, compiled as the local pages compile it, shows rows on the demo's warehouse."""
    local = load_project(checks.LOOKER_DIR)
    for dashboard in local.dashboards.values():
        for element in dashboard.elements:
            query = compile_element(local, element, dashboard.name).sql
            rows = warehouse.execute(query).fetchall()
            assert rows and any(value is not None for value in rows[0]), f"{dashboard.name}.{element.name}: {query}"
            if element.type != "single_value":
                assert len(rows) >= 2 or element.type == "looker_grid", f"{dashboard.name}.{element.name}"


def test_the_sensors_table_is_the_seed_and_holds_every_sensor_that_reported(warehouse):
    seed = checks.LOOKER_DIR.parent / "sql" / "seeds" / "sensors.csv"
    with seed.open(newline="") as f:
        rows = [(r["sensor_id"], r["zone"], float(r["easting_m"]), float(r["northing_m"])) for r in csv.DictReader(f)]
    assert warehouse.execute("SELECT sensor_id, zone, easting_m, northing_m FROM marts.sensors "
                             "ORDER BY sensor_id").fetchall() == sorted(rows)
    unknown = warehouse.execute("SELECT DISTINCT sensor_id FROM serving.sensor_minute_metrics "
                                "WHERE sensor_id NOT IN (SELECT sensor_id FROM marts.sensors)").fetchall()
    assert unknown == []
    placed, total = warehouse.execute("SELECT count(easting_m), count(*) FROM marts.sensor_minutes").fetchone()
    assert placed == total > 0


def test_every_field_runs_on_duckdb_over_its_table(warehouse):
    """Each view's fields, compiled as the local pages compile them (timeframes truncated, measures
    aggregated), run on the demo's warehouse: an expression DuckDB cannot run fails here, naming the view."""
    local = load_project(checks.LOOKER_DIR)
    for view in local.views.values():
        explore = local.explore(checks.MODEL, view.name)  # every view has an explore of its own name
        dimensions = tuple(f.key for f in view.fields.values() if not f.is_measure)
        measures = tuple(f.key for f in view.fields.values() if f.is_measure)
        for group in (dimensions, measures):
            element = Element(name=f"all_{view.name}", title="", type="looker_grid", model=checks.MODEL,
                              explore=explore.name, fields=group, sorts=(), filters=(), limit=1, row=0, col=0,
                              width=24, height=6)
            try:
                warehouse.execute(compile_element(local, element).sql).fetchall()
            except duckdb.Error as error:
                pytest.fail(f"view {view.name}: {error}")


