"""The production marts (sql/models/marts/production): tonnes per shift, pit and material, truck cycle
times, fill factor against rated payload, crusher throughput.

Hand-made rows go into the production app and the SAP stand-in and are loaded by the real loaders
(tests/test_marts_equipment.py's ``Mine``); the models are built with the project's build. Every
expected value is worked out by hand in the comments.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlglot
from test_marts_equipment import Mine, logged_warnings, rows, sqlmesh, utc

from pipelines.batch import production
from pipelines.transform.build import BuildReport, ChecksFailed, build

MARTS = ("truck_loads", "tonnes_by_shift", "cycle_times_by_shift", "fill_factor_by_shift",
         "crusher_throughput_by_shift")
FOREVER = date(9999, 12, 31)


def shovels(mine: Mine) -> None:
    """SH-01 works in PIT1 until 2026-11-20 and in PIT2 from 2026-11-21; SH-06 in PIT2. SH-09 is not in
    the ERP."""
    mine.equipment("SH-01", "SHOVEL", ((date(2020, 1, 1), date(2026, 11, 20), "PIT1"),
                                       (date(2026, 11, 21), FOREVER, "PIT2")))
    mine.equipment("SH-06", "SHOVEL", ((date(2020, 1, 1), FOREVER, "PIT2"),))


@pytest.fixture(scope="module")
def mine(new_empty_sources, tmp_path_factory):
    """Three shifts of hand-made loads and crusher readings, loaded and built once for the module."""
    mine = Mine.fresh(new_empty_sources, tmp_path_factory.mktemp("marts_prod"))
    # shifts: 07:00 and 19:00 at the mine (UTC-3); the night shift's date is the day it starts
    mine.shift(1, utc(2026, 11, 20, 10), "day", "A")
    mine.shift(2, utc(2026, 11, 20, 22), "night", "B")
    mine.shift(3, utc(2026, 11, 21, 10), "day", "C")
    mine.trucks("HT-0001", "HT-0037")  # CAT 793F rated 226.8 t, Komatsu 930E rated 290.0 t
    shovels(mine)
    for load in (
        # id, truck, shift, shovel, material, payload t, cycle s, loaded at       fill factor
        (1, "HT-0001", 1, "SH-01", "ore", "226.80", 1800, utc(2026, 11, 20, 11)),  # 100 %
        (2, "HT-0001", 1, "SH-01", "ore", "204.12", 2000, utc(2026, 11, 20, 12)),  # 90 % exactly
        (3, "HT-0001", 1, "SH-06", "waste", "249.48", 2400, utc(2026, 11, 20, 13)),  # 110 % exactly
        (4, "HT-0037", 1, "SH-06", "waste", "319.01", 2100, utc(2026, 11, 20, 11, 30)),  # 319.01 > 319.0
        (5, "HT-0037", 1, "SH-06", "ore", "260.99", None, utc(2026, 11, 20, 21, 30)),  # < 261.0; hauling
        (6, "HT-0037", 1, "SH-01", "ore", "348.01", 2600, utc(2026, 11, 20, 14)),  # 348.01 > 348.0
        # 23:00 at the mine on 2026-11-20: the night shift of the 20th, when SH-01 was still in PIT1
        (7, "HT-0001", 2, "SH-01", "ore", "220.00", 1900, utc(2026, 11, 21, 2)),  # 97.0 %
        (8, "HT-0001", 3, "SH-01", "ore", "230.00", 2000, utc(2026, 11, 21, 12)),  # SH-01 in PIT2 now
        (9, "HT-0037", 3, "SH-09", "waste", "280.00", 2200, utc(2026, 11, 21, 13)),  # SH-09: no ERP record
    ):
        mine.load(*load)
    for at, rate, power in (
        (utc(2026, 11, 20, 9, 30), "5000", 600.0),  # from the shift before
        (utc(2026, 11, 20, 10, 15), "6000", 710.0),
        (datetime(2026, 11, 20, 10, 45, 0, 500_000, tzinfo=timezone.utc), "4000", 690.0),  # half a second
        (utc(2026, 11, 20, 13), "5200", 720.0),  # next reading 8 h 40 min later: holds one hour only
        (utc(2026, 11, 20, 21, 40), "3000", 680.0),  # holds until the next reading, across the shift change
        (utc(2026, 11, 20, 22, 20), "2500", 650.0),  # the crusher's last reading
    ):
        mine.reading("CR-PRIMARY-1", at, rate, power)
    mine.load_all()
    with logged_warnings() as warnings:
        mine.report = build(mine.warehouse_url, select="marts")
    mine.warnings = warnings
    return mine


def mart(mine: Mine, name: str, order: str) -> list[dict]:
    return rows(mine.warehouse_url, f"SELECT * FROM marts.{name} ORDER BY {order}")


def test_the_marts_are_built_and_checked(mine):
    report: BuildReport = mine.report
    assert report.failures == [] and report.stopped == []
    assert {f"marts.{m}" for m in MARTS} <= set(report.built)
    # SH-09's load counts under pit 'unknown', and the build says so (a warning: the ERP is loaded daily)
    assert [w for w in mine.warnings if "audit error" in w] == [
        "models: marts.truck_loads: 'forall' audit error: 1 row failed."]


def test_each_load_with_its_shift_truck_and_pit(mine):
    got = [(r["load_id"], r["shift_id"], r["shift_date"], r["truck_model"], r["rated_payload_t"], r["shovel_id"],
            r["pit"], r["fill_pct"]) for r in mart(mine, "truck_loads", "load_id")]
    cat, komatsu = ("CAT 793F", Decimal("226.8")), ("Komatsu 930E", Decimal("290.0"))
    nov20, nov21 = date(2026, 11, 20), date(2026, 11, 21)
    assert got == [
        (1, 1, nov20, *cat, "SH-01", "PIT1", pytest.approx(100.0)),  # 226.80 / 226.8
        (2, 1, nov20, *cat, "SH-01", "PIT1", pytest.approx(90.0)),  # 204.12 / 226.8
        (3, 1, nov20, *cat, "SH-06", "PIT2", pytest.approx(110.0)),  # 249.48 / 226.8
        (4, 1, nov20, *komatsu, "SH-06", "PIT2", pytest.approx(100 * 319.01 / 290)),
        (5, 1, nov20, *komatsu, "SH-06", "PIT2", pytest.approx(100 * 260.99 / 290)),
        (6, 1, nov20, *komatsu, "SH-01", "PIT1", pytest.approx(100 * 348.01 / 290)),
        (7, 2, nov20, *cat, "SH-01", "PIT1", pytest.approx(100 * 220 / 226.8)),  # the night shift of the 20th
        (8, 3, nov21, *cat, "SH-01", "PIT2", pytest.approx(100 * 230 / 226.8)),  # SH-01 in PIT2 from the 21st
        (9, 3, nov21, *komatsu, "SH-09", "unknown", pytest.approx(100 * 280 / 290)),
    ]


def test_tonnes_per_shift_pit_and_material(mine):
    got = [(r["shift_id"], r["pit"], r["material"], r["loads"], r["hauled_t"], r["trucks"], r["shovels"],
            r["shift_date"], r["shift_kind"], r["crew"], r["shift_started_at"])
           for r in mart(mine, "tonnes_by_shift", "shift_id, pit, material")]
    day, night = (date(2026, 11, 20), "day", "A", utc(2026, 11, 20, 10)), \
        (date(2026, 11, 20), "night", "B", utc(2026, 11, 20, 22))
    third = (date(2026, 11, 21), "day", "C", utc(2026, 11, 21, 10))
    assert got == [
        (1, "PIT1", "ore", 3, Decimal("778.93"), 2, 1, *day),  # loads 1, 2, 6: 226.80 + 204.12 + 348.01
        (1, "PIT2", "ore", 1, Decimal("260.99"), 1, 1, *day),  # load 5, still hauling, counts
        (1, "PIT2", "waste", 2, Decimal("568.49"), 2, 1, *day),  # loads 3, 4: 249.48 + 319.01
        (2, "PIT1", "ore", 1, Decimal("220.00"), 1, 1, *night),  # after midnight UTC, the shift of the 20th
        (3, "PIT2", "ore", 1, Decimal("230.00"), 1, 1, *third),  # SH-01 moved to PIT2 on the 21st
        (3, "unknown", "waste", 1, Decimal("280.00"), 1, 1, *third),
    ]
    # nothing lost, nothing counted twice: every load once (9 loads, 2338.41 t by hand)
    assert rows(mine.warehouse_url, "SELECT sum(loads) AS loads, sum(hauled_t) AS t FROM marts.tonnes_by_shift") == [
        {"loads": 9, "t": Decimal("2338.41")}]


def test_cycle_times_per_truck_and_shift_with_exact_percentiles(mine):
    got = {(r["shift_id"], r["truck_id"]): r for r in mart(mine, "cycle_times_by_shift", "shift_id, truck_id")}
    assert sorted(got) == [(1, "HT-0001"), (1, "HT-0037"), (2, "HT-0001"), (3, "HT-0001"), (3, "HT-0037")]
    keys = ("truck_model", "loads", "cycles", "hauled_t", "mean_cycle_time_s", "p50_cycle_time_s",
            "p90_cycle_time_s", "min_cycle_time_s", "max_cycle_time_s")
    # HT-0001 in shift 1: cycles 1800, 2000, 2400; p90 at rank 0.9 * (3 - 1) = 1.8: 2000 + 0.8 * 400 = 2320
    # (an approximate quantile would return one of the cycles); mean 6200 / 3
    assert [got[1, "HT-0001"][k] for k in keys] == [
        "CAT 793F", 3, 3, Decimal("680.40"), pytest.approx(6200 / 3), 2000.0, 2320.0, 1800, 2400]
    # HT-0037 in shift 1: load 5 is still hauling (no cycle time): cycles 2100, 2600;
    # p50 = 2100 + 0.5 * 500 = 2350, p90 = 2100 + 0.9 * 500 = 2550
    assert [got[1, "HT-0037"][k] for k in keys] == [
        "Komatsu 930E", 3, 2, Decimal("928.01"), 2350.0, 2350.0, 2550.0, 2100, 2600]
    assert [got[2, "HT-0001"][k] for k in keys] == ["CAT 793F", 1, 1, Decimal("220.00"), 1900.0, 1900.0, 1900.0,
                                                    1900, 1900]


def test_fill_factor_bands_against_rated_payload(mine):
    got = {(r["shift_id"], r["truck_model"]): r for r in mart(mine, "fill_factor_by_shift", "shift_id, truck_model")}
    keys = ("rated_payload_t", "loads", "trucks", "hauled_t", "rated_t", "loads_fill_below_90",
            "loads_fill_90_to_100", "loads_fill_100_to_110", "loads_fill_above_110", "loads_fill_above_120")
    # CAT 793F, 226.8 t: 90 % exactly is in 90-100, 100 % and 110 % exactly in 100-110; no overload
    assert [got[1, "CAT 793F"][k] for k in keys] == [
        Decimal("226.8"), 3, 1, Decimal("680.40"), Decimal("680.4"), 0, 1, 2, 0, 0]
    assert got[1, "CAT 793F"]["mean_fill_pct"] == pytest.approx(100.0)  # 680.40 / 680.4
    # Komatsu 930E, 290.0 t: 260.99 < 261.0 (90 %); 319.01 > 319.0 (110 %); 348.01 > 348.0 (120 %)
    assert [got[1, "Komatsu 930E"][k] for k in keys] == [
        Decimal("290.0"), 3, 1, Decimal("928.01"), Decimal("870.0"), 1, 0, 0, 2, 1]
    assert got[1, "Komatsu 930E"]["mean_fill_pct"] == pytest.approx(100 * 928.01 / 870.0)  # 106.668 %
    assert [got[2, "CAT 793F"][k] for k in keys[5:]] == [0, 1, 0, 0, 0]  # 220.00 / 226.8 = 97.0 %
    assert [got[3, "CAT 793F"][k] for k in keys[5:]] == [0, 0, 1, 0, 0]  # 230.00 / 226.8 = 101.4 %
    assert [got[3, "Komatsu 930E"][k] for k in keys[5:]] == [0, 1, 0, 0, 0]  # 280.00 / 290.0 = 96.6 %


def test_crusher_throughput_holds_each_reading_until_the_next_for_at_most_an_hour(mine):
    got = {r["shift_id"]: r for r in mart(mine, "crusher_throughput_by_shift", "shift_id")}
    assert sorted(got) == [1, 2]  # no reading covers any time of shift 3
    day = got[1]
    # shift 1, 10:00-22:00 (43,200 s). Each reading's rate holds until the next reading, at most 1 h:
    #   09:30 5000 t/h from 10:00 to 10:15            900 s   1250 t
    #   10:15 6000 t/h to 10:45:00.5               1800.5 s   3000.83 t
    #   10:45:00.5 4000 t/h for 1 h (next at 13:00)  3600 s   4000 t
    #   13:00 5200 t/h for 1 h (next at 21:40)       3600 s   5200 t
    #   21:40 3000 t/h to 22:20, cut at 22:00        1200 s   1000 t
    measured = 900 + 1800.5 + 3600 + 3600 + 1200
    crushed = 5000 * 900 / 3600 + 6000 * 1800.5 / 3600 + 4000 + 5200 + 3000 * 1200 / 3600
    assert (day["crusher_id"], day["shift_s"], day["measured_s"], day["unmeasured_s"]) == (
        "CR-PRIMARY-1", 43200.0, 11100.5, 43200 - 11100.5)
    assert day["measured_s"] == measured
    assert day["crushed_t"] == pytest.approx(crushed) and crushed == pytest.approx(14450.8333, abs=1e-4)
    assert day["mean_throughput_t_h"] == pytest.approx(crushed / (measured / 3600))
    # the four readings taken in the shift: 10:15, 10:45, 13:00, 21:40
    assert (day["samples"], day["max_throughput_t_h"], day["mean_power_kw"]) == (4, Decimal("6000.00"), 700.0)
    night = got[2]
    # shift 2 from 22:00: 21:40's 3000 t/h until 22:20 (1200 s, 1000 t), then 22:20's 2500 t/h for an hour
    # (no later reading: 3600 s, 2500 t)
    assert (night["measured_s"], night["crushed_t"], night["mean_throughput_t_h"], night["samples"]) == (
        4800.0, 3500.0, 2625.0, 1)


@pytest.mark.slow
def test_the_models_run_the_same_sql_on_bigquery(rendering):
    for name in MARTS:
        query = rendering.render(f"marts.{name}", start="2026-11-20", end="2026-11-20")
        statement = query.sql(dialect="bigquery", comments=False)
        tree = sqlglot.parse_one(statement, read="bigquery")  # valid BigQuery
        tables = {t.sql("bigquery") for t in tree.find_all(sqlglot.exp.Table) if t.db}
        assert tables and all(t.startswith(("`minera-prod`.`staging`.", "`minera-prod`.`marts`.")) for t in tables)
        # each run reads only the shifts of its time range
        assert re.search(r"WHERE `\w+`\.`(shift_started_at|starts_at)` <= '2026-11-20 23:59:59\.999999' "
                         r"AND `\w+`\.`(shift_started_at|starts_at)` >= '2026-11-20 00:00:00'", statement), name
    # exact percentiles, the same definition on both engines; never an approximate one
    cycles = rendering.render("marts.cycle_times_by_shift")
    assert ("PERCENTILE_CONT(`truck_loads`.`cycle_time_s`, 0.9) OVER (PARTITION BY `truck_loads`.`shift_id`, "
            "`truck_loads`.`truck_id`)" in cycles.sql(dialect="bigquery"))
    assert not list(cycles.find_all(sqlglot.exp.ApproxQuantile, sqlglot.exp.ApproxQuantiles))
    assert ('QUANTILE_CONT("truck_loads"."cycle_time_s", 0.9) OVER (PARTITION BY "truck_loads"."shift_id", '
            '"truck_loads"."truck_id")' in cycles.sql(dialect="duckdb"))
    # whole microseconds on both engines (DuckDB's SECOND difference counts boundaries crossed)
    crusher = rendering.render("marts.crusher_throughput_by_shift").sql(dialect="bigquery")
    assert "MICROSECOND)" in crusher and ", SECOND)" not in crusher
    # incremental, hourly, a day per BigQuery partition
    for name in MARTS:
        model = rendering.get_model(f"marts.{name}")
        assert (model.kind.name, model.time_column.column.name, model.interval_unit.value, model.lookback) == (
            "INCREMENTAL_BY_TIME_RANGE", "shift_started_at", "hour", 84)
        assert [p.sql("bigquery") for p in model.partitioned_by] == ["TIMESTAMP_TRUNC(`shift_started_at`, DAY)"]


def test_each_run_redoes_the_last_84_hours_and_a_restatement_the_rest(empty_production_url, warehouse_url,
                                                                      minera_home):
    """A run after the first build computes only the hours it has not built and the 84 before them:
    a reweigh within 3.5 days is picked up; an older one waits for a restatement of its range."""
    hour = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    old, recent = hour - timedelta(days=5), hour - timedelta(hours=24)  # shift starts
    mine = Mine(empty_production_url, warehouse_url)
    mine.shift(1, old)
    mine.shift(2, recent)
    mine.trucks("HT-0001")
    shovels(mine)
    mine.load(1, "HT-0001", 1, "SH-06", "ore", "200.00", 1800, old + timedelta(hours=1))
    mine.load(2, "HT-0001", 2, "SH-06", "ore", "210.00", 1800, recent + timedelta(hours=1))
    mine.load_all()
    build(warehouse_url, select="marts")

    def hauled() -> dict[int, Decimal]:
        return {r["shift_id"]: r["hauled_t"] for r in mart(mine, "tonnes_by_shift", "shift_id")}

    assert hauled() == {1: Decimal("200.00"), 2: Decimal("210.00")}
    # both loads are reweighed: 5 t more each; the loader brings the new versions
    mine.execute("UPDATE truck_loads SET payload_t = payload_t + 5, reweighed = true, updated_at = now()")
    production.run(["--source_url", mine.url, "--warehouse", warehouse_url, "--lag_seconds", "0"])
    # the next run, at least two hours later: the hours since the last build are due, and the 84 before
    with sqlmesh(warehouse_url) as ctx:
        ctx.run(select_models=["marts.truck_loads", "marts.tonnes_by_shift"], execution_time=hour + timedelta(hours=3),
                ignore_cron=True, no_auto_upstream=True)
    assert hauled() == {1: Decimal("200.00"), 2: Decimal("215.00")}  # shift 1 is not rebuilt
    # a restatement of the older shift's day (sqlmesh -p sql plan --restate-model ... --start --end): the
    # loads' mart and, after it, the marts that read it
    with sqlmesh(warehouse_url) as ctx:
        ctx.plan(restate_models=["marts.truck_loads"], start=old.date(), end=old.date() + timedelta(days=1),
                 auto_apply=True, no_prompts=True, skip_tests=True, no_diff=True)
    assert hauled() == {1: Decimal("205.00"), 2: Decimal("215.00")}


def test_checks_stop_bad_rows_and_name_them(empty_production_url, warehouse_url, minera_home):
    mine = Mine(empty_production_url, warehouse_url)
    mine.shift(1, utc(2026, 11, 20, 10))
    mine.trucks("HT-0001")
    mine.execute("INSERT INTO trucks VALUES ('HT-0002', 'CAT 793F', 0, '2020-01-01', 'operating', 1, NULL, "
                 "'2026-01-01')")  # a rated payload of 0: no fill factor can be worked out
    shovels(mine)
    mine.load(1, "HT-0001", 1, "SH-06", "ore", "-5.00", 1800, utc(2026, 11, 20, 11))  # a negative payload
    mine.load(2, "HT-0001", 1, "SH-06", "waste", "220.00", 0, utc(2026, 11, 20, 12))  # a cycle of 0 s
    mine.load(3, "HT-0002", 1, "SH-06", "waste", "220.00", 1900, utc(2026, 11, 20, 13))
    mine.reading("CR-PRIMARY-1", utc(2026, 11, 20, 11), "-100")  # a negative rate
    mine.load_all()
    with pytest.raises(ChecksFailed) as failed:
        build(warehouse_url, select="marts")
    message = str(failed.value)
    # the loads are checked once, where every production mart reads them: the three are named, and the
    # marts that read them are not built
    assert ("marts.truck_loads: check forall(criteria := (payload_t >= 0, rated_payload_t > 0, cycle_time_s > 0)) "
            "failed on 3 row(s), e.g. ") in message
    for load_id in (1, 2, 3):  # a negative payload, a cycle of 0 s, a truck rated 0 t
        assert f"load_id={load_id}, shift_id=1, shift_started_at=2026-11-20 10:00:00+00:00" in message
    assert ("marts.crusher_throughput_by_shift: check forall(criteria := (crushed_t >= 0, measured_s > 0, "
            "measured_s <= shift_s, unmeasured_s >= 0)) failed on 1 row(s), e.g. shift_id=1, crusher_id=CR-PRIMARY-1"
            in message)
    assert message.endswith("; not built: marts.cycle_times_by_shift, marts.fill_factor_by_shift, "
                            "marts.tonnes_by_shift")
