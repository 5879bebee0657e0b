"""The serving views this issue adds: serving.alerts (over ops.alerts, as the speed layer appends it)
and serving.machine_issues (over marts.machine_issues), on a real DuckDB.

Alerts come from the real machinery-issue pipeline and, for the sensor rules' states (a late pane, a
sensor still silent, a retried insert), from rows appended to ops.alerts as the speed layer's sink
appends them. Expected values are worked out by hand.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import duckdb
import pytest
import sqlglot
from test_marts_issues import App, query, records

from pipelines.models import apply_models
from pipelines.schema import load_schema_file
from pipelines.warehouse.duckdb_tables import create_table_sql

pytestmark = pytest.mark.slow  # builds the models in DuckDB

NOON = datetime(2026, 11, 22, 12, tzinfo=timezone.utc)
ALERT_COLUMNS = [c.name for c in load_schema_file("ops/alerts.json").columns]
ISSUE_RULE = "streaming.machine_issues:critical_issue_opened:"


@pytest.fixture
def app(tmp_path, warehouse_url) -> App:
    return App(tmp_path, warehouse_url)


def raise_alerts(warehouse_url: str, *alerts: dict) -> None:
    """Append rows to ops.alerts as the speed layer's DuckDB sink does (the table from its schema)."""
    with duckdb.connect(warehouse_url.removeprefix("duckdb://")) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS ops")
        con.execute(create_table_sql("ops.alerts", load_schema_file("ops/alerts.json")))
        con.executemany(f"INSERT INTO ops.alerts ({', '.join(ALERT_COLUMNS)}) VALUES "
                        f"({', '.join('?' for _ in ALERT_COLUMNS)})",
                        [[a.get(c) for c in ALERT_COLUMNS] for a in alerts])


def ppv(alert_id: str, raised_minute: int, measured: float | None, details: str, **over) -> dict:
    """A PPV alert of sensor VIB-N3-017 for the minute 10:15, raised at 10:00 + ``raised_minute``."""
    return {"alert_id": alert_id, "pipeline": "streaming.sensors", "rule": "ppv_limit_curve",
            "sensor_id": "VIB-N3-017", "zone": "north-pit-3", "event_time": NOON - timedelta(minutes=105),
            "measured_value": measured, "limit_value": 9.5, "unit": "mm/s", "details": details,
            "raised_at": NOON - timedelta(hours=2) + timedelta(minutes=raised_minute), **over}


def alerts(warehouse_url: str) -> dict[str, dict]:
    rows = records(warehouse_url, "SELECT * FROM serving.alerts")
    by_id = {r["alert_id"]: r for r in rows}
    assert len(by_id) == len(rows)  # each alert once
    return by_id


def test_each_alert_once_in_its_newest_state(app, warehouse_url):
    critical = app.event("boom", "opened", NOON, "critical", machine_id="SH-0003")
    app.send(critical)
    app.send(critical, published=NOON + timedelta(minutes=3))  # the same message replayed: raised again
    raise_alerts(
        warehouse_url,
        # a minute over the limit, raised, then raised again by a late pane with more readings: 12.5
        # and 11.0 at the same moment (two workers' panes): the higher measured value is the newest state
        ppv("late-pane", 0, 10.0, "max PPV 10.0"), ppv("late-pane", 5, 12.5, "max PPV 12.5"),
        ppv("late-pane", 5, 11.0, "max PPV 11.0"),
        # a streaming insert retried: the same row twice
        ppv("retried", 1, 10.2, "max PPV 10.2"), ppv("retried", 1, 10.2, "max PPV 10.2"),
        # no measured value to tell two states of the same moment apart: the details decide
        ppv("no-value", 2, None, "state a", rule="ppv_anomaly"),
        ppv("no-value", 2, None, "state b", rule="ppv_anomaly"),
        # a state with a measured value beats one without, raised at the same moment
        ppv("partial", 3, 6.0, "max PPV 6.0"), ppv("partial", 3, None, "no value yet"),
        # a sensor silent at one batch and still silent at the next: the later details
        ppv("silent", 20, 12.0, "no reading since 10:10:00 (still silent at the newest reading)",
            rule="silent_sensor", unit="minutes", limit_value=10.0, event_time=NOON - timedelta(minutes=110)),
        ppv("silent", 50, 25.0, "no reading since 10:10:00, next at 10:35:00", rule="silent_sensor",
            unit="minutes", limit_value=10.0, event_time=NOON - timedelta(minutes=110)),
    )
    assert apply_models(warehouse_url, select="serving.alerts") == ["serving.alerts"]

    got = alerts(warehouse_url)
    at = {alert_id: (r["measured_value"], r["details"], r["raised_at"], r["first_raised_at"], r["raised_count"])
          for alert_id, r in got.items()}
    ten = NOON - timedelta(hours=2)
    issue_alert = f"{ISSUE_RULE}{app.issue_id('boom')}"
    assert {k: v for k, v in at.items() if k != issue_alert} == {
        "late-pane": (12.5, "max PPV 12.5", ten + timedelta(minutes=5), ten, 3),
        "retried": (10.2, "max PPV 10.2", ten + timedelta(minutes=1), ten + timedelta(minutes=1), 2),
        "no-value": (None, "state b", ten + timedelta(minutes=2), ten + timedelta(minutes=2), 2),
        "partial": (6.0, "max PPV 6.0", ten + timedelta(minutes=3), ten + timedelta(minutes=3), 2),
        "silent": (25.0, "no reading since 10:10:00, next at 10:35:00", ten + timedelta(minutes=50),
                   ten + timedelta(minutes=20), 2),
    }
    # the pipeline raised the critical issue's alert at each of its two runs: once here, first and last known
    boom = got[issue_alert]
    raised = sorted(r[0] for r in query(warehouse_url, f"SELECT raised_at FROM ops.alerts WHERE alert_id = "
                                                       f"'{issue_alert}'"))
    assert (boom["raised_count"], boom["first_raised_at"], boom["raised_at"]) == (2, raised[0], raised[1])
    assert (boom["rule"], boom["machine_id"], boom["issue_id"], boom["event_time"], boom["sensor_id"]) == (
        "critical_issue_opened", "SH-0003", app.issue_id("boom"), NOON, None)
    assert list(boom) == ["alert_id", "pipeline", "rule", "sensor_id", "zone", "machine_id", "issue_id", "event_time",
                          "measured_value", "limit_value", "unit", "details", "raised_at", "first_raised_at",
                          "raised_count"]

    # a view over the table: a state raised after the build is served at once, no build needed
    raise_alerts(warehouse_url, ppv("late-pane", 9, 13.1, "max PPV 13.1"))
    assert (alerts(warehouse_url)["late-pane"]["measured_value"], alerts(warehouse_url)["late-pane"]["raised_count"]) \
        == (13.1, 4)


def test_a_rule_the_dashboards_do_not_know_warns_and_is_served(warehouse_url, caplog):
    raise_alerts(warehouse_url, ppv("ok", 0, 10.0, "max PPV 10.0"),
                 ppv("new", 0, 3.0, "tilt 3 degrees", rule="tilt_limit", unit="degrees"))
    with caplog.at_level(logging.WARNING):
        assert apply_models(warehouse_url, select="serving.alerts") == ["serving.alerts"]
    warned = [r.getMessage() for r in caplog.records if "serving.alerts" in r.getMessage()]
    assert warned[0] == "models: serving.alerts: 'accepted_values' audit error: 1 row failed."  # SQLMesh's line
    assert warned[1:] == ["check (warning only): serving.alerts: check accepted_values(column := rule, is_in := "
                          "('ppv_limit_curve', 'silent_sensor', 'ppv_anomaly', 'critical_issue_opened')) failed on "
                          "1 row(s), e.g. alert_id=new, pipeline=streaming.sensors, rule=tilt_limit, "
                          "sensor_id=VIB-N3-017"]  # then ours, with the row
    assert set(alerts(warehouse_url)) == {"ok", "new"}


def test_serving_alerts_renders_for_duckdb_and_bigquery(rendering):
    view = rendering.render("serving.alerts")
    bigquery, duck = view.sql(dialect="bigquery"), view.sql(dialect="duckdb")
    assert ("QUALIFY ROW_NUMBER() OVER (PARTITION BY `alert_id` ORDER BY `raised_at` DESC, `measured_value` DESC, "
            "`details` DESC) = 1") in bigquery
    # NULLs last when descending, on both (DuckDB's default null order is BigQuery's for DESC)
    assert 'ORDER BY "raised_at" DESC, "measured_value" DESC, "details" DESC) = 1' in duck
    tables = {t.sql("bigquery") for t in sqlglot.parse_one(bigquery, read="bigquery").find_all(sqlglot.exp.Table)}
    assert tables == {"`minera-prod`.`ops`.`alerts` AS `alerts`"}  # the speed layer's table, live


def test_serving_machine_issues_gives_the_age_of_open_issues_when_it_is_read(app, warehouse_url):
    now = datetime.now(timezone.utc)
    app.send(app.event("fresh", "opened", now - timedelta(hours=1), "critical"),
             app.event("day old", "opened", now - timedelta(hours=30), "medium"),
             app.event("old", "opened", now - timedelta(days=40), "low"),
             app.event("closed", "opened", now - timedelta(hours=5), "high"),
             app.event("closed", "resolved", now - timedelta(hours=2), "high"))
    assert apply_models(warehouse_url, select="serving.machine_issues")[-1] == "serving.machine_issues"

    read_from = datetime.now(timezone.utc)
    rows = records(warehouse_url, "SELECT * FROM serving.machine_issues")
    read_until = datetime.now(timezone.utc)
    by_name = {name: next(r for r in rows if r["issue_id"] == issue) for name, issue in app.issues.items()}
    expected_buckets = {"fresh": ("0-4h", 1), "day old": ("1-3d", 3), "old": ("30d+", 6), "closed": (None, None)}
    for name, row in by_name.items():
        assert (row["age_bucket"], row["bucket_order"]) == expected_buckets[name], name
        if not row["is_open"]:
            assert row["age_hours"] is None
            continue
        opened = row["opened_at"]
        hours = timedelta(hours=1)
        assert (read_from - opened) / hours <= row["age_hours"] <= (read_until - opened) / hours
    # the age moves with the clock, without a build: read again later, it is older
    later = query(warehouse_url, "SELECT age_hours FROM serving.machine_issues WHERE issue_id = "
                                 f"'{app.issue_id('fresh')}'")[0][0]
    assert later >= by_name["fresh"]["age_hours"]
    # the view has every column of the mart, then the three of its own
    mart_columns = [r[0] for r in query(warehouse_url, "SELECT column_name FROM information_schema.columns WHERE "
                                                       "table_schema = 'marts' AND table_name = 'machine_issues' "
                                                       "ORDER BY ordinal_position")]
    assert list(rows[0]) == mart_columns + ["age_hours", "age_bucket", "bucket_order"]


def test_serving_machine_issues_renders_for_duckdb_and_bigquery(rendering):
    serving = rendering.render("serving.machine_issues").sql(dialect="bigquery")
    assert "TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), `machine_issues`.`opened_at`, MICROSECOND) / 3600000000" in serving
    tables = {t.sql("bigquery") for t in sqlglot.parse_one(serving, read="bigquery").find_all(sqlglot.exp.Table)
              if t.db}
    # serving reads tables, never staging: a failing check on the mart stops what people read
    assert tables == {"`minera-prod`.`marts`.`machine_issues` AS `machine_issues`",
                      "`minera-prod`.`marts`.`issue_age_buckets` AS `buckets`"}
