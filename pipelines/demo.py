"""``make demo``: the platform end to end on the embedded local defaults.

Starts the local PostgreSQL, seeds the production app and the SAP ERP stand-in, loads both into
the local DuckDB warehouse through the Beam pipelines, loads the rock-quality lab's Avro files,
replays a simulated shift of machinery-issue events, simulates an hour of the mine's vibration
sensors, replays it through the speed layer and recomputes the last whole day from the lake (batch
layer), builds every SQL model with its checks, prints a few rows of the serving layer and the marts,
and what landed where.

    python -m pipelines.demo [--scale 100000]
"""

from __future__ import annotations

import argparse
import sys
import time

from pipelines import logs
from pipelines.errors import exit_process, main_guard


def run(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m pipelines.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=100_000, help="rows in truck_loads (default 100000)")
    args = parser.parse_args(argv)

    from pipelines.local import stack
    from pipelines.local.seed_production import seed

    print(f"\n== 1. local PostgreSQL ({stack.postgres_data_dir()})")
    url = stack.start()
    print(f"   {url}")
    print(f"\n== 2. seeding the production app, scale {args.scale:,}")
    for table, rows in seed(url, scale=args.scale, seed=7).items():
        print(f"   public.{table:20s} {rows:>10,d} rows")

    print("\n== 3. python -m pipelines.batch.production --full_refresh  (Beam, FnApiRunner, into DuckDB)")
    from pipelines.batch import production

    started = time.monotonic()
    outcomes = production.run(["--full_refresh"])  # freshly seeded rows: reload, do not skip them
    seconds = time.monotonic() - started
    rows = sum(o.rows for o in outcomes)
    print(f"   {rows:,} rows in {seconds:.1f}s ({rows / seconds:,.0f} rows/s, start-up included)")

    print("\n== 4. the SAP ERP stand-in (schema sapsr3, Oracle's names) and python -m pipelines.batch.erp "
          "--full_refresh --detect_deletes")
    from pipelines.batch import erp
    from pipelines.local.seed_erp import seed as seed_erp

    for table, rows in seed_erp(url, scale=args.scale, seed=7).items():
        print(f"   sapsr3.{table:20s} {rows:>10,d} rows")
    started = time.monotonic()
    outcomes = erp.run(["--full_refresh", "--detect_deletes"])  # reseeded: reload; deletes: keys compared
    seconds = time.monotonic() - started
    rows = sum(o.rows for o in outcomes)
    print(f"   {len(outcomes)} SAP tables, {rows:,} rows in {seconds:.1f}s ({rows / seconds:,.0f} rows/s, "
          "start-up included) into raw_erp")

    print("\n== 5. the rock-quality lab's Avro files (local landing folder) and python -m pipelines.batch.rock_quality")
    _load_lab_files()

    warehouse_url = stack.default_warehouse_url()
    _fresh_speed_layer(warehouse_url)
    print("\n== 6. machinery issues: a shift of the operators' app (simulated), replayed through "
          "python -m pipelines.streaming.machine_issues")
    from pipelines.simulate.machine_issues import write_replay as write_issues
    from pipelines.streaming import machine_issues

    replay = stack.home() / "replay" / "machine_issues.jsonl"
    simulated = write_issues(str(replay), hours=12)
    print(f"   simulated {simulated['messages']:,} messages into {replay} ({simulated['issues']} issues, "
          f"{simulated['retries']} retries, {simulated['out_of_order']} out of order, "
          f"{simulated['malformed']} malformed)")
    summary = machine_issues.run(["--replay", str(replay), "--warehouse", warehouse_url])
    print(f"   messages in {summary.received:,} = raw rows {summary.written:,} + dead letters "
          f"{summary.dead_letters:,} + duplicates dropped {summary.duplicates_dropped:,}")
    print(f"   critical issues opened -> ops.alerts: {simulated['critical_opened']}")

    print("\n== 7. speed layer: an hour of 120 geophones (1 Hz here), replayed through "
          "python -m pipelines.streaming.sensors")
    from pipelines.simulate.sensors import write_replay
    from pipelines.streaming import sensors

    replay = stack.home() / "replay" / "sensors.jsonl"
    simulated = write_replay(str(replay), sensors=120, rate_hz=1, minutes=60)
    print(f"   simulated {simulated['messages']:,} messages into {replay} "
          f"({simulated['malformed']} malformed, {simulated['late']} late, {simulated['retries']} retries)")
    summary = sensors.run(["--replay", str(replay), "--lake_location", stack.default_lake_location(),
                           "--warehouse", warehouse_url])
    print(f"   messages in {summary.received:,} = lake rows {summary.lake_rows:,} + dead letters "
          f"{summary.dead_letters:,} + duplicates dropped {summary.duplicates_dropped:,}")
    print(f"   lake: {stack.default_lake_location()}/sensor_readings/dt=YYYY-MM-DD/hour=HH/*.parquet")
    print("   batch layer: python -m pipelines.batch.sensor_recompute (the last day of the lake that is over)")
    from pipelines.batch import sensor_recompute

    day = sensor_recompute.run([])
    print(f"   batch.sensor_minute_metrics {day.day}: {day.rows:,} rows from {day.readings:,} readings, replaced "
          f"in one transaction; batch watermark {day.watermark}; the lake as a view: batch.sensor_readings")

    print("\n== 8. SQL models (sql/, SQLMesh; BigQuery SQL run on DuckDB): python -m pipelines.models")
    from pipelines.transform.build import build

    report = build(warehouse_url)
    print(f"   {len(report.built)} built, {len(report.checked)} checked unchanged, each with its checks "
          f"({len(report.warnings)} warning(s) above), in {sum(report.seconds.values()):.1f}s of model time")
    from pipelines.warehouse import open_warehouse

    warehouse = open_warehouse(warehouse_url)
    for title, sql in SAMPLES:
        _print_rows(warehouse, title, sql)

    print(f"\n== 9. what landed where: {warehouse_url}")
    tables = warehouse.query(
        "SELECT table_schema, table_name, table_type FROM information_schema.tables "
        "WHERE table_schema IN ('raw_production', 'raw_erp', 'raw_vendor', 'raw_mobile', 'staging', 'marts', "
        "'serving', 'speed', 'batch', 'ops') "
        "ORDER BY 1, 2")
    deleted = 0
    for schema, table, kind in tables:
        count = warehouse.query(f'SELECT count(*) FROM "{schema}"."{table}"')[0][0]
        if table.endswith("__deleted"):  # one per SAP table, for staging: summed below
            deleted += count
            continue
        print(f"   {schema + '.' + table:45s} {count:>10,d} rows  {'(view)' if kind == 'VIEW' else ''}")
    print(f"   raw_erp.*__deleted: {deleted:,} keys the ERP no longer has (--detect_deletes)")
    print("\n   last run of each table (ops.load_runs):")
    for row in warehouse.query(
            "SELECT table_name, status, rows_loaded, window_end FROM ops.load_runs "
            "QUALIFY row_number() OVER (PARTITION BY table_name ORDER BY started_at DESC) = 1 "
            "ORDER BY pipeline DESC, table_name"):
        print(f"   {row[0]:28s} {row[1]:10s} {row[2] or 0:>10,d} rows  window end {row[3]}")
    print(f"\n   staging: {stack.default_staging_location()}  (emptied after each committed run)")
    print("   look around: duckdb " + warehouse_url.removeprefix("duckdb://") + " -readonly. "
          "Stop PostgreSQL with `make stack-stop`.")
    print("\n== 10. the dashboards (looker/ drawn from this warehouse): run `make dashboard` "
          "(python -m pipelines.dashboards),\n   then open http://127.0.0.1:8050/ in a browser "
          "(another port: make dashboard DASHBOARD_PORT=8060).\n")


#: what the demo shows of the serving layer and the marts: (title, DuckDB query), a few rows each
SAMPLES: tuple[tuple[str, str], ...] = (
    ("serving.sensor_minute_metrics: each UTC day from the batch layer (closed) or the speed layer",
     "SELECT CAST(timezone('UTC', window_start) AS DATE) AS day, CAST(timezone('UTC', window_start) AS DATE) IN "
     "(SELECT day FROM ops.batch_days) AS closed, count(*) AS sensor_minutes, sum(reading_count) AS readings, "
     "round(max(max_ppv_mm_s), 2) AS peak_ppv_mm_s FROM serving.sensor_minute_metrics GROUP BY ALL ORDER BY 1"),
    ("marts.vibration_by_zone_day: per zone and day",
     "SELECT zone, day, sensors_reporting AS sensors, round(peak_ppv_mm_s, 2) AS peak_ppv_mm_s, minutes_over_limit, "
     "ppv_limit_curve_alerts, silent_sensor_alerts, day_closed FROM marts.vibration_by_zone_day "
     "ORDER BY day DESC, zone LIMIT 6"),
    ("serving.alerts: each alert once, by rule",
     "SELECT rule, count(*) AS alerts, sum(raised_count) AS raised FROM serving.alerts GROUP BY ALL ORDER BY 1"),
    ("marts.tonnes_by_shift: the last shift, by pit and material",
     "SELECT shift_date, shift_kind, pit, material, CAST(sum(hauled_t) AS BIGINT) AS hauled_t, sum(loads) AS loads "
     "FROM marts.tonnes_by_shift WHERE shift_id = (SELECT max_by(shift_id, shift_started_at) "
     "FROM marts.tonnes_by_shift) GROUP BY ALL ORDER BY hauled_t DESC LIMIT 4"),
    ("marts.equipment_reliability_by_class: the last month, the four classes that failed most",
     "SELECT machine_class, month, machines, failures, round(mtbf_h, 1) AS mtbf_h, round(mttr_h, 1) AS mttr_h "
     "FROM marts.equipment_reliability_by_class WHERE month = (SELECT max(month) "
     "FROM marts.equipment_reliability_by_class) ORDER BY failures DESC, machine_class LIMIT 4"),
    ("marts.issue_backlog_daily: open machinery issues at the last day's end",
     "SELECT max_severity, sum(open_issues) AS open_issues, sum(unacknowledged_issues) AS unacknowledged, "
     "round(max(oldest_age_hours), 1) AS oldest_h FROM marts.issue_backlog_daily "
     "WHERE snapshot_date = (SELECT max(snapshot_date) FROM marts.issue_backlog_daily) "
     "GROUP BY ALL ORDER BY min(severity_rank)"),
    ("marts.rock_quality_by_zone_month: the last month sampled",
     "SELECT zone, month, sample_count, round(rqd_pct, 1) AS rqd_pct, round(cu_pct, 3) AS cu_pct "
     "FROM marts.rock_quality_by_zone_month WHERE month = (SELECT max(month) "
     "FROM marts.rock_quality_by_zone_month) ORDER BY zone"),
    ("marts.source_freshness: tables per status against sql/checks.yaml",
     "SELECT status, count(*) AS tables FROM marts.source_freshness GROUP BY ALL ORDER BY 1"),
    ("marts.source_health_daily: today, per pipeline",
     "SELECT pipeline, runs, table_loads_failed AS failed, rows_loaded, dead_letters "
     "FROM marts.source_health_daily WHERE activity_date = (SELECT max(activity_date) "
     "FROM marts.source_health_daily) ORDER BY pipeline"),
)


def _print_rows(warehouse, title: str, sql: str) -> None:
    """A query's rows under its title, as an aligned table (the demo's warehouse is DuckDB)."""
    with warehouse.connect() as con:
        result = con.execute(sql)
        names, rows = [d[0] for d in result.description], result.fetchall()
    cells = [[str(v) for v in row] for row in rows]
    widths = [max(len(c) for c in column) for column in zip(names, *cells, strict=True)]
    print(f"\n   {title}")
    for line in [names, *cells]:
        print("     " + "  ".join(c.rjust(w) if c.replace(".", "").replace("-", "").isdigit() else c.ljust(w)
                                   for c, w in zip(line, widths, strict=True)).rstrip())


def _load_lab_files() -> None:
    """Sample lab files (version 1, then version 2 with new fields) plus one bad drop, loaded once each.

    The bad file (a CSV export saved as .avro) is quarantined and recorded; a second demo run
    finds every file already loaded or already rejected, loads nothing twice, and exits 3 again
    while the bad file is still in the landing folder.
    """
    from pathlib import Path

    from pipelines.batch import rock_quality
    from pipelines.batch.files.quarantine import FilesRejected
    from pipelines.local import stack
    from pipelines.simulate import rock_quality as lab
    from pipelines.warehouse import open_warehouse

    pattern = rock_quality.local_input()  # writes the sample files the first time
    bad = Path(pattern).parent / "als-lim" / "export_2026-11-05.avro"
    if not bad.exists():
        bad.write_text("sample_code;cu_pct\r\nN3-0042-015;0,82\r\n")
        lab.mark_delivered(bad)  # an upload that finished earlier, past the loader's settle time
    print(f"   {pattern}")
    started = time.monotonic()
    try:
        outcomes = rock_quality.run([])
    except FilesRejected as exc:
        print(f"   exit status 3, as it should be: {exc}")
        outcomes = None
    seconds = time.monotonic() - started
    warehouse = open_warehouse(stack.default_warehouse_url())
    files, rows = warehouse.query("SELECT count(*), coalesce(sum(rows), 0) FROM ops.loaded_files")[0]
    print(f"   {'this run read ' + str(len(outcomes)) + ' file(s); ' if outcomes is not None else ''}"
          f"ops.loaded_files: {files} file(s), {rows:,} rows in raw_vendor.rock_quality_samples ({seconds:.1f}s)")
    for path, kind, copy in warehouse.query("SELECT path, kind, quarantined_to FROM ops.rejected_files"):
        print(f"   rejected ({kind}): {path}\n      copy kept in {copy}")


def _fresh_speed_layer(warehouse_url: str) -> None:
    """The demo replays the same hours each time: start the lake and the streamed tables empty.

    (A replay is a stand-in for a subscription, which never delivers the same hour twice;
    replaying a file twice into the same lake appends it twice.)
    """
    import shutil

    from pipelines.local import stack
    from pipelines.warehouse import open_warehouse

    shutil.rmtree(f"{stack.default_lake_location()}/sensor_readings", ignore_errors=True)
    warehouse = open_warehouse(warehouse_url)
    warehouse.ensure_ops()
    warehouse.query("DROP TABLE IF EXISTS speed.sensor_minute_metrics")
    warehouse.query("DROP TABLE IF EXISTS ops.dead_letter")
    warehouse.query("DROP TABLE IF EXISTS ops.alerts")  # the demo's two streams are its only writers
    warehouse.query("DROP TABLE IF EXISTS raw_mobile.machine_issue_events")


def main(argv: list[str] | None = None) -> int:
    logs.configure()
    return main_guard(run, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    exit_process(main())
