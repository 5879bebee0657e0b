"""The vibration marts: per zone and day, and each sensor's health per day, from hand-made readings
sent through the real speed layer (``pipelines.streaming.sensors --replay``) and the real batch layer
(``pipelines.batch.sensor_recompute``), built on DuckDB by ``pipelines.transform.build``. Expected
values are worked out by hand in the comments.
"""

from __future__ import annotations

import json
import math
import time as _time
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import duckdb
import numpy as np
import pytest
import sqlglot

from pipelines.batch import sensor_recompute
from pipelines.simulate.sensors import replay_line
from pipelines.streaming import sensors
from pipelines.streaming.alerts import load_curve, ppv_limit
from pipelines.transform.build import ChecksFailed, build
from pipelines.transform.project import close_context, open_context

pytestmark = pytest.mark.slow  # builds the models in DuckDB, replays

UTC = timezone.utc
MARTS = ("marts.vibration_by_zone_day", "marts.sensor_health_by_day")


def at(day: date, clock: str) -> datetime:
    """``day`` at ``HH:MM:SS`` (UTC)."""
    return datetime.combine(day, time.fromisoformat(clock), UTC)


def _dated(today: date) -> None:
    """The test days and readings for ``today``: DAY is two days back (complete, and within the
    marts' lookback of a run tomorrow). Globals, so the tests read them when they run."""
    global TODAY, DAY, BEFORE, READINGS
    TODAY = today
    DAY = TODAY - timedelta(days=2)
    BEFORE = DAY - timedelta(days=1)
    # (sensor, zone, event time, ppv mm/s, frequency Hz, battery V). The limit curve (DIN 4150-3 line 1):
    # 20 mm/s up to 10 Hz, 20 -> 40 mm/s from 10 to 50 Hz, 40 -> 50 mm/s from 50 to 100 Hz, 50 above.
    READINGS = [
        # north-pit-1, VIB-N1-001. 10:00: max 31 at 30 Hz; limit 20 + (40-20)/(50-10) * (30-10) = 30: over
        ("VIB-N1-001", "north-pit-1", at(DAY, "10:00:05"), 31.0, 30.0, 3.60),
        ("VIB-N1-001", "north-pit-1", at(DAY, "10:00:40"), 2.0, 12.0, 3.61),
        # 10:01: 29 at 30 Hz, under 30
        ("VIB-N1-001", "north-pit-1", at(DAY, "10:01:10"), 29.0, 30.0, 3.60),
        # 11:00: 21 at 5 Hz; below 10 Hz the limit is flat, 20: over
        ("VIB-N1-001", "north-pit-1", at(DAY, "11:00:00"), 21.0, 5.0, 3.59),
        # VIB-N1-002. 10:00: 45 at 60 Hz; limit 40 + (50-40)/(100-50) * (60-50) = 42: over
        ("VIB-N1-002", "north-pit-1", at(DAY, "10:00:20"), 45.0, 60.0, 3.70),
        # 10:02: 49 at 200 Hz; above 100 Hz flat, 50: under. The day's peak, though not over its limit
        ("VIB-N1-002", "north-pit-1", at(DAY, "10:02:00"), 49.0, 200.0, 3.70),
    ]
    # 12:00 to 12:20: VIB-N1-001 every 30 s (41 readings in 21 minutes, 1 mm/s at 10 Hz: under); VIB-N1-003 at
    # 12:00:00 and 12:08:00 only, so the speed layer's silent_sensor rule (quiet for more than 5 minutes while
    # the mine reports, judged per hour) fires twice: 12:00:00 -> 12:08:00, and 12:08:00 -> 12:20:00 (the
    # hour's newest reading).
    READINGS += [("VIB-N1-001", "north-pit-1", at(DAY, "12:00:00") + timedelta(seconds=30 * i), 1.0, 10.0, 3.58)
                 for i in range(41)]
    READINGS += [("VIB-N1-003", "north-pit-1", at(DAY, "12:00:00"), 1.0, 10.0, 3.70),
                 ("VIB-N1-003", "north-pit-1", at(DAY, "12:08:00"), 1.0, 10.0, 3.69),
                 # the day before: VIB-N1-003's battery at 3.75
                 ("VIB-N1-003", "north-pit-1", at(BEFORE, "12:00:00"), 1.0, 10.0, 3.75),
                 # a zone the mine's list does not have yet: measured all the same, a warning
                 ("VIB-X-001", "west-bench-7", at(DAY, "10:00:30"), 1.0, 10.0, 3.80)]


_dated(datetime.now(UTC).date())


@pytest.fixture(autouse=True)
def _one_date_per_test():
    """SQLMesh's intervals follow the real clock: a test must not straddle midnight (UTC). One that
    would start less than five minutes before it waits until it has passed; one that starts on a
    later day than the module was imported on takes that day's dates."""
    left = (datetime.combine(datetime.now(UTC).date() + timedelta(days=1), time(0), UTC)
            - datetime.now(UTC)).total_seconds()
    if left < 300:
        _time.sleep(left + 1)
    if datetime.now(UTC).date() != TODAY:
        _dated(datetime.now(UTC).date())


def replay(path: Path, readings: list[tuple]) -> Path:
    """A replay file of ``readings``, each published 150 ms after its event time."""
    with path.open("w") as out:
        for i, (sensor, zone, event, ppv, frequency, battery) in enumerate(readings):
            iso = event.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            data = json.dumps({"sensor_id": sensor, "zone": zone, "event_time": iso, "ppv_mm_s": ppv,
                               "frequency_hz": frequency, "battery_v": battery}).encode()
            out.write(replay_line(int(event.timestamp() * 1000) + 150, f"{path.stem}-{i}", data, iso))
    return path


def speed_layer(replay_file: Path, lake: Path, warehouse_url: str) -> None:
    summary = sensors.run(["--replay", str(replay_file), "--lake_location", str(lake), "--warehouse", warehouse_url])
    assert summary.balanced and summary.dead_letters == 0


def batch_layer(day: date, lake: Path, warehouse_url: str, tmp_path: Path):
    return sensor_recompute.run(["--date", day.isoformat(), "--lake_location", str(lake), "--warehouse", warehouse_url,
                                 "--staging_location", str(tmp_path / "staging")])


def rows(warehouse_url: str, sql: str) -> list[dict]:
    con = duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()


def zone_days(warehouse_url: str) -> dict[tuple[str, date], dict]:
    return {(r["zone"], r["day"]): r for r in rows(warehouse_url, "SELECT * FROM marts.vibration_by_zone_day")}


def health(warehouse_url: str) -> dict[tuple[str, date], dict]:
    return {(r["sensor_id"], r["day"]): r for r in rows(warehouse_url, "SELECT * FROM marts.sensor_health_by_day")}


@pytest.fixture
def site(tmp_path, warehouse_url):
    """The readings through the speed layer twice (a replay run again: its metric rows and alerts are
    written twice), the lake beside them; the batch layer has closed the day before DAY."""
    lake = tmp_path / "lake"
    source = replay(tmp_path / "day.jsonl", READINGS)
    speed_layer(source, lake, warehouse_url)
    speed_layer(source, lake, warehouse_url)
    batch_layer(BEFORE, lake, warehouse_url, tmp_path)
    return lake


def test_vibration_per_zone_and_day_and_each_sensors_health(site, warehouse_url, tmp_path, caplog):
    report = build(warehouse_url, select="marts")
    assert set(MARTS) <= set(report.built)
    # the replay ran twice: its alerts are in ops.alerts twice, and count once
    assert rows(warehouse_url, "SELECT rule, count(*) AS n, count(DISTINCT alert_id) AS alerts FROM ops.alerts "
                "GROUP BY rule ORDER BY rule") == [{"rule": "ppv_limit_curve", "n": 6, "alerts": 3},
                                                  {"rule": "silent_sensor", "n": 4, "alerts": 2}]
    got = zone_days(warehouse_url)
    assert sorted(got) == [("north-pit-1", BEFORE), ("north-pit-1", DAY), ("west-bench-7", DAY)]
    n1 = got[("north-pit-1", DAY)]
    assert {k: n1[k] for k in ("pit", "sensors_reporting", "sensor_minutes", "readings", "peak_ppv_mm_s",
                               "peak_sensor_id", "peak_minute", "peak_frequency_hz", "minutes_over_limit",
                               "sensor_minutes_over_limit", "ppv_limit_curve_alerts", "silent_sensor_alerts",
                               "ppv_anomaly_alerts", "sensor_alerts", "day_closed")} == {
        "pit": "PIT1",
        "sensors_reporting": 3,
        # N1-001: 10:00, 10:01, 11:00 and 21 minutes from 12:00; N1-002: 10:00, 10:02; N1-003: 12:00, 12:08
        "sensor_minutes": 3 + 21 + 2 + 2,
        "readings": 4 + 41 + 2 + 2,
        "peak_ppv_mm_s": 49.0, "peak_sensor_id": "VIB-N1-002", "peak_minute": at(DAY, "10:02:00"),
        "peak_frequency_hz": 200.0,
        "minutes_over_limit": 2,  # 10:00 (N1-001 and N1-002) and 11:00 (N1-001)
        "sensor_minutes_over_limit": 3,
        "ppv_limit_curve_alerts": 3, "silent_sensor_alerts": 2, "ppv_anomaly_alerts": 0, "sensor_alerts": 5,
        "day_closed": False,  # the batch layer has not closed it: the speed layer's figures
    }
    assert n1["peak_pct_of_limit"] == pytest.approx(100 * 45 / 42)  # N1-002 at 10:00: 45 over a limit of 42
    assert (got[("north-pit-1", BEFORE)]["sensor_minutes"], got[("north-pit-1", BEFORE)]["day_closed"]) == (1, True)
    other = got[("west-bench-7", DAY)]
    assert (other["pit"], other["sensors_reporting"], other["peak_ppv_mm_s"]) == (None, 1, 1.0)
    # the zone the mine's list lacks: a warning for each mart, which are built all the same
    for mart in MARTS:
        assert f"models: {mart}: 'reference_exists' audit error: 1 row failed." in caplog.messages

    sensor_health = health(warehouse_url)
    assert sorted(sensor_health) == [("VIB-N1-001", DAY), ("VIB-N1-002", DAY), ("VIB-N1-003", BEFORE),
                                     ("VIB-N1-003", DAY), ("VIB-X-001", DAY)]
    first = sensor_health[("VIB-N1-001", DAY)]
    # minutes of the day with readings: 600 (10:00), 601, 660 (11:00), 720 .. 740 (12:00 .. 12:20)
    # silent before each: 600 (since midnight), 0, 58 (602 .. 659), 59 (661 .. 719), then 0; after 740:
    # 1439 - 740 = 699. Periods of 5 minutes or more: 600, 58, 59, 699 = 1416 minutes = 1440 - 24.
    assert {k: first[k] for k in ("zone", "minutes_with_readings", "readings", "first_minute", "last_minute",
                                  "silent_periods", "silent_minutes", "longest_silence_minutes", "min_battery_v",
                                  "min_battery_change_v", "day_closed")} == {
        "zone": "north-pit-1", "minutes_with_readings": 24, "readings": 45, "first_minute": at(DAY, "10:00:00"),
        "last_minute": at(DAY, "12:20:00"), "silent_periods": 4, "silent_minutes": 1416,
        "longest_silence_minutes": 699, "min_battery_v": 3.58, "min_battery_change_v": None, "day_closed": False}
    second = sensor_health[("VIB-N1-002", DAY)]
    # minutes 600 and 602: silent 600 before, 1 between (10:01: under 5, not a period), 837 after
    assert (second["silent_periods"], second["silent_minutes"], second["longest_silence_minutes"]) == (2, 1437, 837)
    assert second["battery_slope_v_per_day"] == 0.0  # 3.70 at both minutes: flat
    third = sensor_health[("VIB-N1-003", DAY)]
    # 3.69 against 3.75 the day before; within the day 3.70 at 12:00, 3.69 at 12:08: -0.01 V in 8/1440 of
    # a day, -1.8 V a day
    assert third["min_battery_change_v"] == pytest.approx(3.69 - 3.75)
    assert third["battery_slope_v_per_day"] == pytest.approx(-0.01 / (8 / 1440))
    assert (third["silent_periods"], third["silent_minutes"]) == (3, 720 + 7 + 711)  # 0..719, 721..727, 729..1439
    assert sensor_health[("VIB-N1-003", BEFORE)]["battery_slope_v_per_day"] is None  # one minute: no trend

    # the batch layer closes the day: the same figures, now final (the speed rows combined exactly)
    batch_layer(DAY, site, warehouse_url, tmp_path)
    with sqlmesh(warehouse_url) as ctx:  # the next daily run: the new day and the 2 before it
        ctx.run(select_models=list(MARTS), execution_time=datetime.combine(TODAY + timedelta(days=1), time(1), UTC),
                ignore_cron=True, no_auto_upstream=True)
    again = zone_days(warehouse_url)
    assert again[("north-pit-1", DAY)]["day_closed"] is True
    assert {k: v for k, v in again[("north-pit-1", DAY)].items() if k != "day_closed"} == \
        {k: v for k, v in n1.items() if k != "day_closed"}
    assert health(warehouse_url)[("VIB-N1-001", DAY)]["silent_minutes"] == 1416


class sqlmesh:
    """A SQLMesh context on the warehouse, closed after use (as the build closes its own)."""

    def __init__(self, warehouse_url: str):
        self.warehouse_url = warehouse_url

    def __enter__(self):
        self.ctx = open_context(self.warehouse_url)
        return self.ctx

    def __exit__(self, *_):
        close_context(self.ctx)


def test_a_recomputed_day_reaches_the_marts_at_the_next_run_or_by_a_restatement(site, warehouse_url, tmp_path):
    """The batch layer recomputes DAY with a reading that reached the lake after the day was first
    closed: the next daily run redoes DAY (lookback 2) and takes it. A day older than the lookback,
    recomputed the same way, waits for a restatement of its range."""
    old = TODAY - timedelta(days=6)
    speed_layer(replay(tmp_path / "old.jsonl", [("VIB-N1-001", "north-pit-1", at(old, "09:00:00"), 3.0, 10.0, 3.6)]),
                site, warehouse_url)
    batch_layer(old, site, warehouse_url, tmp_path)
    batch_layer(DAY, site, warehouse_url, tmp_path)
    build(warehouse_url, select="marts")
    assert zone_days(warehouse_url)[("north-pit-1", DAY)]["peak_ppv_mm_s"] == 49.0
    # a reading of DAY 10:02:30 (60 mm/s at 200 Hz: over the flat 50) and one of the old day come late,
    # from another replay file: the speed layer writes them after their days were closed
    speed_layer(replay(tmp_path / "late.jsonl", [("VIB-N1-002", "north-pit-1", at(DAY, "10:02:30"), 60.0, 200.0, 3.7),
                                                 ("VIB-N1-001", "north-pit-1", at(old, "09:00:30"), 8.0, 10.0, 3.6)]),
                site, warehouse_url)
    report = build(warehouse_url, select="marts")
    # the serving view still serves the closed days from the batch layer, and says which days to recompute
    (late,) = [w for w in report.warnings if w.check == "speed_rows_after_their_day_closed()"]
    assert late.model == "serving.sensor_minute_metrics" and late.rows == 2
    assert any(e.startswith(f"day_to_recompute={DAY} 00:00:00, sensor_id=VIB-N1-002, "
                            f"window_start={at(DAY, '10:02:00')}")
               for e in late.examples)
    assert zone_days(warehouse_url)[("north-pit-1", DAY)]["peak_ppv_mm_s"] == 49.0
    batch_layer(DAY, site, warehouse_url, tmp_path)
    batch_layer(old, site, warehouse_url, tmp_path)
    with sqlmesh(warehouse_url) as ctx:  # tomorrow's run: TODAY, and the 2 days before it (DAY among them)
        ctx.run(select_models=list(MARTS), execution_time=datetime.combine(TODAY + timedelta(days=1), time(1), UTC),
                ignore_cron=True, no_auto_upstream=True)
    n1 = zone_days(warehouse_url)[("north-pit-1", DAY)]
    # 10:02 of N1-002 now holds 49 at 200 Hz and 60 at 200 Hz: max 60 over 50; 10:00, 10:02, 11:00 over
    assert (n1["peak_ppv_mm_s"], n1["peak_minute"], n1["readings"], n1["minutes_over_limit"],
            n1["sensor_minutes_over_limit"]) == (60.0, at(DAY, "10:02:00"), 49 + 1, 3, 4)
    assert health(warehouse_url)[("VIB-N1-002", DAY)]["readings"] == 3
    assert zone_days(warehouse_url)[("north-pit-1", old)]["peak_ppv_mm_s"] == 3.0  # beyond the lookback
    # sqlmesh -p sql plan --restate-model marts.vibration_by_zone_day --start OLD --end OLD+1 --auto-apply
    with sqlmesh(warehouse_url) as ctx:
        ctx.plan(restate_models=list(MARTS), start=old, end=old + timedelta(days=1), auto_apply=True,
                 no_prompts=True, skip_tests=True, no_diff=True)
    assert zone_days(warehouse_url)[("north-pit-1", old)]["peak_ppv_mm_s"] == 8.0
    assert health(warehouse_url)[("VIB-N1-001", old)]["readings"] == 2


# frequencies at, between and beyond the curve's points
FREQUENCIES = [0.5, 1.0, 7.5, 10.0, 17.3, 30.0, 49.99, 50.0, 63.7, 99.9, 100.0, 250.0]


def test_a_minute_is_over_the_limit_exactly_when_the_speed_layer_alerts(tmp_path, warehouse_url):
    """At each frequency one sensor reads exactly the limit (numpy's, the alert rule's) and another the
    next double above it: the mart finds the second over and the first not, as the alert rule does."""
    curve = load_curve()
    limits = ppv_limit(curve, np.array(FREQUENCIES))
    readings = []
    for i, (frequency, limit) in enumerate(zip(FREQUENCIES, limits.tolist(), strict=True)):
        readings.append((f"VIB-AT-{i:02d}", "crusher", at(DAY, "09:00:00"), limit, frequency, 3.6))
        readings.append((f"VIB-UP-{i:02d}", "crusher", at(DAY, "09:00:00"), math.nextafter(limit, math.inf),
                         frequency, 3.6))
    lake = tmp_path / "lake"
    speed_layer(replay(tmp_path / "curve.jsonl", readings), lake, warehouse_url)
    batch_layer(DAY, lake, warehouse_url, tmp_path)
    build(warehouse_url, select="marts")
    crusher = zone_days(warehouse_url)[("crusher", DAY)]
    alerted = rows(warehouse_url, "SELECT DISTINCT sensor_id FROM ops.alerts WHERE rule = 'ppv_limit_curve'")
    assert sorted(r["sensor_id"] for r in alerted) == [f"VIB-UP-{i:02d}" for i in range(len(FREQUENCIES))]
    assert (crusher["sensor_minutes_over_limit"], crusher["ppv_limit_curve_alerts"]) == (len(FREQUENCIES),) * 2
    assert crusher["minutes_over_limit"] == 1


def test_the_curve_model_is_the_alert_rules_curve(rendering):
    """marts.ppv_limit_curve holds the points of pipelines/streaming/ppv_limit_curve.json, as doubles."""
    sql = rendering.render("marts.ppv_limit_curve").sql(dialect="duckdb")
    con = duckdb.connect()
    got = con.execute(f"SELECT frequency_hz, limit_mm_s FROM ({sql}) ORDER BY 1").fetchall()
    types = {r[0] for r in con.execute(f"SELECT typeof(frequency_hz) || typeof(limit_mm_s) FROM ({sql})").fetchall()}
    assert got == [tuple(p) for p in load_curve().tolist()]
    assert types == {"DOUBLEDOUBLE"}


def test_a_bad_alert_row_stops_the_zone_mart_and_is_named(site, warehouse_url):
    """An alert of the sensor pipeline without a zone (no writer of ours makes one) cannot be placed:
    the zone mart's key check stops it, naming the row."""
    con = duckdb.connect(warehouse_url.removeprefix("duckdb://"))
    con.execute("INSERT INTO ops.alerts (alert_id, pipeline, rule, sensor_id, zone, event_time, raised_at) VALUES "
                f"('streaming.sensors:ppv_anomaly:VIB-N1-009:x', 'streaming.sensors', 'ppv_anomaly', 'VIB-N1-009', "
                f"NULL, TIMESTAMPTZ '{at(DAY, '13:00:00').isoformat()}', now())")
    con.close()
    with pytest.raises(ChecksFailed) as failed:
        build(warehouse_url, select="marts")
    message = str(failed.value)
    assert message.startswith("marts.vibration_by_zone_day: check not_null(zone, day, sensors_reporting, ")
    assert f"failed on 1 row(s), e.g. zone=None, day={DAY} 00:00:00, pit=None, sensors_reporting=0" in message
    assert "marts.sensor_health_by_day" not in message  # it reads no alerts: built


def test_the_marts_are_incremental_by_day_and_read_only_their_days_on_bigquery(rendering):
    for name in MARTS:
        model = rendering.get_model(name)
        assert (model.kind.name, model.time_column.column.name, model.interval_unit.value, model.lookback) == (
            "INCREMENTAL_BY_TIME_RANGE", "day", "day", 2)
        assert [p.sql("bigquery") for p in model.partitioned_by] == ["`day`"]  # a BigQuery partition per day
    zone = rendering.render("marts.vibration_by_zone_day", start="2026-11-20", end="2026-11-20").sql(dialect="bigquery")
    # the judged minutes and the alerts of the interval only (the partition columns of the tables under
    # the views, serving.sensor_minute_metrics under marts.sensor_minutes: BigQuery pushes the filter down)
    assert ("FROM `minera-prod`.`marts`.`sensor_minutes` AS `sensor_minutes` WHERE "
            "`window_start` BETWEEN '2026-11-20 00:00:00' AND '2026-11-20 23:59:59.999999'") in zone
    assert ("FROM `minera-prod`.`serving`.`alerts` AS `alerts` /* each alert once, in its newest state */ WHERE "
            "`pipeline` = 'streaming.sensors' AND `event_time` BETWEEN '2026-11-20 00:00:00' AND "
            "'2026-11-20 23:59:59.999999'") in zone
    # numpy.interp's arithmetic, in the one place that judges a minute: slope * (f - f0) + limit0
    judged = rendering.render("marts.sensor_minutes").sql(dialect="bigquery")
    assert ("(`c`.`to_mm_s` - `c`.`from_mm_s`) / (`c`.`to_hz` - `c`.`from_hz`) * (`m`.`dominant_frequency_hz` - "
            "`c`.`from_hz`) + `c`.`from_mm_s`") in judged
    assert "to_mm_s" not in zone
    health_sql = rendering.render("marts.sensor_health_by_day", start="2026-11-20", end="2026-11-20")
    assert ("BETWEEN TIMESTAMP_SUB(TIMESTAMP('2026-11-20 00:00:00'), INTERVAL '1' DAY) AND '2026-11-20 23:59:59.999999'"
            in health_sql.sql(dialect="bigquery"))  # and the day before, for the battery's change
    for statement in (zone, health_sql.sql(dialect="duckdb")):
        assert sqlglot.parse_one(statement, read="bigquery" if statement is zone else "duckdb")


def test_each_sensor_minute_against_the_limit_curve_with_the_sensors_position(site, warehouse_url, caplog):
    report = build(warehouse_url, select="marts")
    assert {"marts.sensors", "marts.sensor_minutes"} <= set(report.built)
    got = {(r["sensor_id"], r["window_start"]): r for r in rows(warehouse_url, "SELECT * FROM marts.sensor_minutes")}
    served = rows(warehouse_url, "SELECT count(*) AS n FROM serving.sensor_minute_metrics")[0]["n"]
    assert len(got) == served  # one row per served sensor-minute, none lost to the curve's join
    # the worked limits of READINGS (the curve: 20 up to 10 Hz, 20 -> 40 to 50 Hz, 40 -> 50 to 100 Hz, 50 above)
    for sensor, clock, ppv, limit, over in [
            ("VIB-N1-001", "10:00:00", 31.0, 30.0, True),  # 30 Hz: 20 + 20/40 * 20 = 30
            ("VIB-N1-001", "10:01:00", 29.0, 30.0, False),
            ("VIB-N1-001", "11:00:00", 21.0, 20.0, True),  # 5 Hz: flat below the first point
            ("VIB-N1-002", "10:00:00", 45.0, 42.0, True),  # 60 Hz: 40 + 10/50 * 10 = 42
            ("VIB-N1-002", "10:02:00", 49.0, 50.0, False)]:  # 200 Hz: flat above the last point
        row = got[(sensor, at(DAY, clock))]
        assert (row["max_ppv_mm_s"], row["exceeds_limit"]) == (ppv, over), (sensor, clock)
        assert row["limit_ppv_mm_s"] == pytest.approx(limit)
        assert row["pct_of_limit"] == pytest.approx(100 * ppv / limit)
    # the day's minutes over the limit agree with the zone's mart
    over = sum(r["exceeds_limit"] for r in got.values() if r["zone"] == "north-pit-1" and r["day"] == DAY)
    assert over == zone_days(warehouse_url)[("north-pit-1", DAY)]["sensor_minutes_over_limit"] == 3
    # these hand-made sensors are not in the mine's list: no position, and a warning naming them
    assert all(r["easting_m"] is None for r in got.values())
    assert "models: marts.sensor_minutes: 'reference_exists' audit error: 4 rows failed." in caplog.messages
    assert any("missing_reference=VIB-N1-001, rows_referring=24" in m for m in caplog.messages)
    listed = rows(warehouse_url, "SELECT count(*) AS n, count(DISTINCT zone) AS zones FROM marts.sensors")[0]
    assert listed["n"] >= 120 and listed["zones"] == 7
