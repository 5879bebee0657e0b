"""The LookML subset compiled to DuckDB SQL (pipelines.dashboards.query), without the warehouse.

A tiny LookML project is written per test and its SQL run on an in-memory DuckDB holding a few
hand-made rows, so each filter form, the join, the dimension group and each measure type is checked
by the rows it returns, in milliseconds.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipelines.dashboards.lookml import Element, LookMLError, load_project
from pipelines.dashboards.query import compile_element, filter_sql

MODEL = """
connection: "minera_bigquery"
include: "/views/**/*.view.lkml"
include: "/dashboards/*.dashboard.lookml"
explore: loads {
  join: trucks {
    type: left_outer
    relationship: many_to_one
    sql_on: ${loads.truck_id} = ${trucks.truck_id} ;;
  }
}
"""
LOADS = """
view: loads {
  sql_table_name: marts.loads ;;
  dimension: load_id { primary_key: yes type: number sql: ${TABLE}.load_id ;; }
  dimension: truck_id { type: string sql: ${TABLE}.truck_id ;; }
  dimension: pit { type: string sql: ${TABLE}.pit ;; }
  dimension: tonnes { type: number sql: ${TABLE}.tonnes ;; }
  dimension: is_heavy { type: yesno sql: ${tonnes} > 100 ;; }
  dimension_group: loaded {
    type: time
    timeframes: [raw, time, minute, hour, date, week, month]
    datatype: timestamp
    sql: ${TABLE}.loaded_at ;;
  }
  measure: count { type: count }
  measure: trucks { type: count_distinct sql: ${truck_id} ;; }
  measure: total_t { type: sum sql: ${tonnes} ;; value_format_name: decimal_0 }
  measure: average_t { type: average sql: ${TABLE}.tonnes ;; }
  measure: min_t { type: min sql: ${TABLE}.tonnes ;; }
  measure: max_t { type: max sql: ${TABLE}.tonnes ;; }
}
"""
TRUCKS = """
view: trucks {
  sql_table_name: serving.trucks ;;
  dimension: truck_id { primary_key: yes type: string sql: ${TABLE}.truck_id ;; }
  dimension: model { type: string sql: ${TABLE}.model ;; }
  measure: count { type: count }
  measure: capacity_t { type: sum sql: ${TABLE}.capacity_t ;; }
}
"""
ROWS = """
CREATE SCHEMA marts; CREATE SCHEMA serving;
CREATE TABLE marts.loads AS SELECT * FROM (VALUES
  (1, 'HT-1', 'PIT1', 120.0, TIMESTAMPTZ '2026-11-20 06:15:00+00'),
  (2, 'HT-1', 'PIT1',  80.0, TIMESTAMPTZ '2026-11-20 06:45:00+00'),
  (3, 'HT-2', 'PIT2', 150.0, TIMESTAMPTZ '2026-11-21 23:59:00+00'),
  (4, 'HT-3', NULL,    90.0, TIMESTAMPTZ '2026-11-23 00:01:00+00'),
  (5, 'HT-9', 'PIT2', NULL,  TIMESTAMPTZ '2026-12-01 12:00:00+00')
) t(load_id, truck_id, pit, tonnes, loaded_at);
CREATE TABLE serving.trucks AS SELECT * FROM (VALUES
  ('HT-1', 'CAT 793', 220), ('HT-2', 'CAT 793', 220), ('HT-3', 'Komatsu 930E', 290)
) t(truck_id, model, capacity_t);
"""


def write_project(root: Path, dashboards: str = "", views: dict[str, str] | None = None, model: str = MODEL) -> Path:
    looker = root / "looker"
    for name, text in {"manifest.lkml": 'project_name: "minera"\n', "models/minera.model.lkml": model,
                       **{f"views/{k}.view.lkml": v for k, v in (views or {"marts/loads": LOADS,
                                                                           "serving/trucks": TRUCKS}).items()},
                       **({"dashboards/d.dashboard.lookml": dashboards} if dashboards else {})}.items():
        (looker / name).parent.mkdir(parents=True, exist_ok=True)
        (looker / name).write_text(textwrap.dedent(text))
    return looker


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return load_project(write_project(tmp_path_factory.mktemp("lookml")))


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(ROWS)
    yield con
    con.close()


def element(fields, sorts=(), filters=(), limit=None, explore="loads", kind="looker_grid") -> Element:
    parsed = tuple((s.split()[0], s.endswith(" desc")) for s in sorts)
    return Element("e", "E", kind, "minera", explore, tuple(fields), parsed, tuple(filters), limit, 0, 0, 12, 6)


def rows(project, con, *args, **kwargs) -> list[tuple]:
    return con.execute(compile_element(project, element(*args, **kwargs)).sql).fetchall()


@pytest.mark.parametrize("expression, expected", [
    ("PIT1", [1, 2]),
    ("PIT1,PIT2", [1, 2, 3, 5]),
    ("-PIT1", [3, 4, 5]),  # NULL passes a "not" filter, as in Looker
    ("-PIT1,-PIT2", [4]),
    ("NULL", [4]),
    ("-NULL", [1, 2, 3, 5]),
])
def test_string_filters(project, con, expression, expected):
    got = rows(project, con, ["loads.load_id"], filters=[("loads.pit", expression)])
    assert [r[0] for r in got] == expected


@pytest.mark.parametrize("expression, expected", [
    (">100", [1, 3]), (">=120", [1, 3]), ("<90", [2]), ("<=90", [2, 4]), ("80", [2]), ("80,150", [2, 3]),
])
def test_number_filters(project, con, expression, expected):
    got = rows(project, con, ["loads.load_id"], filters=[("loads.tonnes", expression)])
    assert [r[0] for r in got] == expected


def test_yesno_filters_and_values(project, con):
    assert [r[0] for r in rows(project, con, ["loads.load_id"], filters=[("loads.is_heavy", "yes")])] == [1, 3]
    # "no" is every row that is not yes: the NULL tonnes row included, as Looker's CASE WHEN ... ELSE 'No'
    assert [r[0] for r in rows(project, con, ["loads.load_id"], filters=[("loads.is_heavy", "no")])] == [2, 4, 5]


def test_a_measure_filter_goes_to_having(project, con):
    sql = compile_element(project, element(["loads.pit", "loads.count"], filters=[("loads.count", ">1")])).sql
    assert "HAVING (COUNT(DISTINCT" in sql
    got = rows(project, con, ["loads.pit", "loads.count"], filters=[("loads.count", ">1")])
    assert got == [("PIT1", 2), ("PIT2", 2)]


def test_each_measure_type(project, con):
    got = rows(project, con, ["loads.pit", "loads.count", "loads.trucks", "loads.total_t", "loads.average_t",
                              "loads.min_t", "loads.max_t"], sorts=["loads.pit"])
    assert got == [
        (None, 1, 1, 90.0, 90.0, 90.0, 90.0),  # NULLs first when ascending, as on BigQuery
        ("PIT1", 2, 1, 200.0, 100.0, 80.0, 120.0),
        ("PIT2", 2, 2, 150.0, 150.0, 150.0, 150.0),
    ]


def test_a_join_and_its_symmetric_aggregates(project, con):
    # trucks is the "one" side: HT-1 has two loads, its capacity counts once per model, as Looker's
    # symmetric aggregates count it; the load of an unknown truck (HT-9) keeps a NULL model (left join)
    got = rows(project, con, ["trucks.model", "loads.count", "trucks.count", "trucks.capacity_t"],
               sorts=["trucks.model"])
    assert got == [(None, 1, 0, None), ("CAT 793", 3, 2, Decimal("440")), ("Komatsu 930E", 1, 1, Decimal("290"))]
    sql = compile_element(project, element(["trucks.model", "loads.count"])).sql
    assert "LEFT JOIN serving.trucks AS trucks ON (loads.truck_id) = (trucks.truck_id)" in sql


def test_a_dimension_group_in_each_timeframe(project, con):
    fields = [f"loads.loaded_{t}" for t in ("raw", "time", "minute", "hour", "date", "week", "month")]
    got = rows(project, con, fields, filters=[("loads.load_id", "3")])
    at = dt.datetime(2026, 11, 21, 23, 59, tzinfo=dt.timezone.utc)
    assert got == [(at, at, at, at.replace(minute=0), dt.date(2026, 11, 21), dt.date(2026, 11, 16),
                    dt.date(2026, 11, 1))]
    by_day = rows(project, con, ["loads.loaded_date", "loads.count"], sorts=["loads.loaded_date desc"])
    assert by_day == [(dt.date(2026, 12, 1), 1), (dt.date(2026, 11, 23), 1), (dt.date(2026, 11, 21), 1),
                      (dt.date(2026, 11, 20), 2)]  # UTC days, whatever the laptop's zone


def test_sorts_limit_and_defaults(project, con):
    assert rows(project, con, ["loads.truck_id", "loads.total_t"], sorts=["loads.total_t desc"], limit=2) == [
        ("HT-1", 200.0), ("HT-2", 150.0)]
    # no sorts: by the first field; no limit: 500
    sql = compile_element(project, element(["loads.truck_id", "loads.count"])).sql
    assert sql.endswith("ORDER BY 1 ASC NULLS FIRST\nLIMIT 500")
    assert [r[0] for r in rows(project, con, ["loads.truck_id", "loads.count"])] == ["HT-1", "HT-2", "HT-3", "HT-9"]


@pytest.mark.parametrize("fields, filters, sorts, message", [
    (["loads.nope"], [], [], "unknown field loads.nope (view loads has no field nope)"),
    (["trucks_x.model"], [], [], "unknown field trucks_x.model (explore loads has views loads, trucks)"),
    (["loads.pit"], [("loads.nope", "x")], [], "unknown field loads.nope"),
    (["loads.pit"], [("loads.loaded_date", "7 days")], [], "no relative dates"),
    (["loads.pit"], [("loads.pit", "EMPTY")], [], "not in the local subset"),
    (["loads.pit"], [("loads.pit", "PIT%")], [], "not in the local subset"),
    (["loads.pit"], [("loads.tonnes", ">heavy")], [], "'heavy' is not a number"),
    (["loads.pit"], [("loads.is_heavy", "maybe")], [], "a yesno field takes yes or no"),
    (["loads.pit"], [("loads.pit", "a,-b")], [], "mixes values and -values"),
    (["loads.pit"], [], ["loads.count desc"], "sort on loads.count, which is not one of the element's fields"),
])
def test_errors_name_the_problem(project, fields, filters, sorts, message):
    with pytest.raises(LookMLError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compile_element(project, element(fields, sorts=sorts, filters=filters), "d")


def test_unknown_explore_and_model(project):
    with pytest.raises(LookMLError, match="model 'minera' has no explore 'nope'"):
        compile_element(project, element(["loads.pit"], explore="nope"))


def test_a_date_filter(project, con):
    got = rows(project, con, ["loads.load_id"], filters=[("loads.loaded_date", ">=2026-11-21")])
    assert [r[0] for r in got] == [3, 4, 5]


def test_filter_values_are_quoted(project):
    f = project.views["loads"].fields["pit"]
    assert filter_sql(f, "O'Brien pit", "x", "e") == "(x) = 'O''Brien pit'"
    assert filter_sql(f, "a^,b", "x", "e") == "(x) = 'a,b'"


@pytest.mark.parametrize("views, message", [
    ({"marts/loads": LOADS.replace("sql_table_name: marts.loads ;;", "derived_table: { sql: SELECT 1 ;; }")},
     "views/marts/loads.view.lkml: view loads: derived_table is not in the local subset"),
    ({"marts/loads": LOADS.replace("type: sum", "type: percentile")},
     "views/marts/loads.view.lkml: measure loads.total_t: type percentile not in"),
    ({"marts/loads": LOADS.replace("sql: ${TABLE}.pit ;;", "sql: {% if x %}1{% endif %} ;;")},
     "dimension loads.pit: liquid templating is not in the local subset"),
    ({"marts/loads": LOADS.replace("[raw, time, minute, hour, date, week, month]", "[quarter]")},
     "dimension_group loads.loaded: timeframe quarter not in"),
    ({"marts/loads": LOADS.replace("marts.loads", "`project.marts.loads`")},
     "sql_table_name must be serving.<table> or marts.<table>"),
])
def test_views_outside_the_subset_fail_naming_the_file(tmp_path, views, message):
    with pytest.raises(LookMLError, match=message.replace("(", r"\(").replace("$", r"\$").replace("[", r"\[")):
        load_project(write_project(tmp_path, views={"serving/trucks": TRUCKS, **views}))


DASHBOARD = """
- dashboard: d
  title: D
  layout: newspaper
  elements:
  - name: e
    model: minera
    explore: loads
    type: looker_column
    fields: [loads.pit, loads.count]
    row: 0
    col: 0
    width: 12
    height: 6
"""


@pytest.mark.parametrize("change, message", [
    (("type: looker_column", "type: looker_map"), "element e: type looker_map not in"),
    (("    row: 0", "    pivots: [loads.pit]\n    row: 0"), "element e: pivots is not in the local subset"),
    (("  layout: newspaper", "  layout: newspaper\n  filters:\n  - name: f"), "dashboard d: filters is not in"),
    (("col: 0", "col: 16"), "col + width must fit in 24 columns"),
    (("    row: 0", "    listen:\n      f: loads.pit\n    row: 0"), "listen is not in the local subset"),
])
def test_dashboards_outside_the_subset_fail_naming_the_file(tmp_path, change, message):
    looker = write_project(tmp_path, DASHBOARD.replace(*change))
    with pytest.raises(LookMLError, match="dashboards/d.dashboard.lookml: .*" + message.replace("+", r"\+")):
        load_project(looker)


def test_a_dashboard_loads_with_its_vis_settings_ignored(tmp_path):
    looker = write_project(tmp_path, DASHBOARD.replace("    row: 0", "    show_value_labels: true\n"
                                                       "    series_colors: {loads.count: '#123456'}\n    row: 0"))
    dashboard = load_project(looker).dashboards["d"]
    assert [(e.name, e.type, e.fields, e.width) for e in dashboard.elements] == [
        ("e", "looker_column", ("loads.pit", "loads.count"), 12)]


def test_the_fixture_project_compiles():
    """tests/dashboards_fixture/looker: the project the browser tests read besides looker/."""
    project = load_project(Path(__file__).parent / "dashboards_fixture" / "looker")
    for dashboard in project.dashboards.values():
        for e in dashboard.elements:
            assert compile_element(project, e, dashboard.name).sql.startswith("SELECT ")


def test_an_unknown_field_fails_at_start_naming_the_dashboard_file(tmp_path):
    from pipelines.dashboards import server

    looker = write_project(tmp_path, DASHBOARD.replace("loads.count]", "loads.nope]"))
    with pytest.raises(LookMLError, match=r"^looker/dashboards/d.dashboard.lookml: dashboard d: element e: "
                                          r"unknown field loads.nope \(view loads has no field nope\)$"):
        server.check(load_project(looker))
