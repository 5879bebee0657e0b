"""The ERP and lab-files DAGs end to end: ``dag.test()`` on Airflow 3 in local mode runs the real
loaders against a local stack of their own (tests/airflow/dag_test.py), as the production DAG's
test in tests/test_composer_dags.py does.

- ERP: one day's run loads the change-dated tables' rows of that day and the undated tables
  (texts, stock) whole, moves the watermarks to the day's end, and a rerun changes nothing.
- Lab files: a file the loader rejects fails the task visibly (the run failed, the failure
  callback's line names it) after every good file landed; once the bad file is gone, a rerun of
  the interval succeeds and loads nothing twice.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest
from airflow_support import PRODUCTION_TABLES, ROOT, airflow_environment, airflow_python

from pipelines.catalogue import Catalogue

pytestmark = pytest.mark.slow  # Airflow, in venvs of its own, runs the loaders

SUCCESS = {"success", "DagRunState.SUCCESS", "TaskInstanceState.SUCCESS"}
FAILED = {"failed", "DagRunState.FAILED", "TaskInstanceState.FAILED"}


def migrated_airflow(tmp_path: Path, home: Path) -> tuple[Path, dict[str, str]]:
    """Airflow 3 with a migrated sqlite database in ``tmp_path``, launching locally with this
    interpreter against the local stack at ``home``."""
    python = airflow_python("3")
    env = airflow_environment(f"local:{sys.executable}", tmp_path / "airflow")
    env["MINERA_HOME"] = str(home)
    done = subprocess.run([str(python.parent / "airflow"), "db", "migrate"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return python, env


def dag_test(python: Path, env: dict[str, str], dag_id: str, start: datetime, end: datetime, tmp_path: Path,
             name: str) -> tuple[dict, str]:
    """One ``dag.test()`` of the interval [start, end): the run's states and everything it printed."""
    out = tmp_path / f"{name}.json"
    early = (start - timedelta(days=400)).isoformat()  # the seeded data predates the DAGs' start date
    done = subprocess.run([str(python), str(ROOT / "tests" / "airflow" / "dag_test.py"), dag_id, start.isoformat(),
                           end.isoformat(), "--out", str(out), "--start_date", early],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    printed = done.stdout + done.stderr
    assert done.returncode == 0, printed[-4000:]
    run = json.loads(out.read_text())
    assert (run["data_interval_start"], run["data_interval_end"]) == (start.isoformat(), end.isoformat())
    return run, printed


def _change_date(columns: tuple[str, ...]) -> str:
    """SAP's change date, written out independently of the loader: the first column that is not
    SAP's empty date, else the last one."""
    if len(columns) == 1:
        return f'"{columns[0]}"'
    whens = " ".join(f"""WHEN "{c}" NOT IN ('00000000', ' ') THEN "{c}" """ for c in columns[:-1])
    return f'CASE {whens}ELSE "{columns[-1]}" END'


def _raw_counts(warehouse: Path, dataset: str) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
                             "AND table_name NOT LIKE '%\\_\\_%' ESCAPE '\\'", [dataset]).fetchall()
        return {t: con.execute(f'SELECT count(*) FROM {dataset}."{t}"').fetchone()[0] for (t,) in tables}


def _ops(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_erp_dag_loads_one_day_and_the_undated_tables_whole(tmp_path, monkeypatch):
    import psycopg

    from pipelines.local import stack
    from pipelines.local.seed_erp import seed

    home = tmp_path / "minera"
    monkeypatch.setenv("MINERA_HOME", str(home))
    url = stack.start()
    try:
        seed(url, scale=1000, seed=7)
        catalogue = Catalogue.load("erp")
        with psycopg.connect(url) as conn:
            # the busiest day of goods movements: a day every windowed table may have rows in
            (day,) = conn.execute('SELECT "CPUDT_MKPF" FROM sapsr3."MSEG" GROUP BY 1 '
                                  'ORDER BY count(*) DESC, 1 LIMIT 1').fetchone()
            start = datetime.strptime(day, "%Y%m%d").replace(tzinfo=timezone.utc)
            end = start + timedelta(days=1)
            bounds = (start.strftime("%Y%m%d"), end.strftime("%Y%m%d"))
            expected, dated = {}, set()
            for name in catalogue.names():
                config = catalogue.get(name)
                source = f'sapsr3."{name.split(".")[1]}"'
                if config.cursor is None:
                    (expected[name],) = conn.execute(f"SELECT count(*) FROM {source}").fetchone()
                    continue
                dated.add(name)
                change = _change_date(config.cursor_columns)
                (expected[name],) = conn.execute(
                    f"SELECT count(*) FROM {source} WHERE ({change} >= %s AND {change} < %s) OR {change} IS NULL",
                    bounds).fetchone()
        assert expected["SAPSR3.MSEG"] >= 1 and len(dated) < len(expected)  # both kinds of table
        python, env = migrated_airflow(tmp_path, home)
        warehouse = home / "warehouse.duckdb"
        states = []
        for attempt in (1, 2):
            run, printed = dag_test(python, env, "erp_load_daily", start, end, tmp_path, f"erp{attempt}")
            assert run["state"] in SUCCESS and set(run["tasks"].values()) <= SUCCESS, (run, printed[-3000:])
            states.append((_raw_counts(warehouse, "raw_erp"),
                           dict(_ops(warehouse, "SELECT table_name, watermark FROM ops.watermarks "
                                                "WHERE pipeline = 'batch.erp'"))))
        (rows, marks), second = states
        assert rows == {name.split(".")[1].lower(): count for name, count in expected.items()}
        assert marks == {f"sapsr3.{name.split('.')[1]}": bounds[1] for name in dated}
        assert second == states[0]  # the same day again: no row twice, the watermarks where they were
    finally:
        stack.stop()


def test_a_rejected_lab_file_fails_the_task_and_a_rerun_loads_nothing_twice(tmp_path, monkeypatch):
    from pipelines.batch.rock_quality import LANDING_FOLDER
    from pipelines.local import stack
    from pipelines.simulate import rock_quality as lab

    home = tmp_path / "minera"
    monkeypatch.setenv("MINERA_HOME", str(home))
    folder = Path(stack.default_landing_location()) / LANDING_FOLDER
    files = lab.generate(folder, files=3, samples=50, broken=("not-avro",))
    for generated in files:
        lab.mark_delivered(generated.path)
    (bad,) = [f.path for f in files if f.kind != "good"]
    good_rows = sum(f.rows for f in files if f.kind == "good")
    python, env = migrated_airflow(tmp_path, home)
    warehouse = home / "warehouse.duckdb"
    start = datetime(2026, 11, 22, 6, tzinfo=timezone.utc)
    end = start + timedelta(days=1)

    run, printed = dag_test(python, env, "lab_files_daily", start, end, tmp_path, "lab1")
    assert run["state"] in FAILED and run["tasks"]["load"] in FAILED, run
    assert "FAILED dag=lab_files_daily run=" in printed and "task=load" in printed, printed[-3000:]
    assert _raw_counts(warehouse, "raw_vendor") == {"rock_quality_samples": good_rows}
    rejected = _ops(warehouse, "SELECT path FROM ops.rejected_files")
    assert [Path(p).name for (p,) in rejected] == [bad.name]

    bad.unlink()  # a person replaced or removed the bad drop (its copy stays in quarantine)
    run, printed = dag_test(python, env, "lab_files_daily", start, end, tmp_path, "lab2")
    assert run["state"] in SUCCESS and run["tasks"]["load"] in SUCCESS, (run, printed[-3000:])
    assert _raw_counts(warehouse, "raw_vendor") == {"rock_quality_samples": good_rows}
    assert _ops(warehouse, "SELECT count(*), sum(rows) FROM ops.loaded_files") == [(3, good_rows)]


def test_the_readmes_backfill_command_creates_one_run_per_interval(tmp_path):
    """README's backfill on Airflow 3 (``airflow backfill create``, dry run): both dates are the
    first and the last interval's start, inclusive, and hours before the DAGs' start date are
    backfilled too (Airflow 3's backfill runs ignore it; docs/airflow.md)."""
    python, env = migrated_airflow(tmp_path, tmp_path / "minera")
    airflow = str(python.parent / "airflow")
    env["DAGS_START_DATE"] = "2026-12-01"
    done = subprocess.run([airflow, "dags", "reserialize"], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    command = [airflow, "backfill", "create", "--dag-id", "production_load_hourly", "--from-date",
               "2026-11-20T00:00:00+00:00", "--to-date", "2026-11-20T03:00:00+00:00", "--max-active-runs", "1",
               "--dry-run"]
    done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    listed = [line.split("|")[1].strip() for line in done.stdout.splitlines() if line.startswith("| 2026-")]
    assert listed == [f"2026-11-20 0{h}:00:00+00:00" for h in range(4)], done.stdout[-3000:]


def test_after_the_go_live_load_an_hourly_run_lands_and_the_models_build_on_it(tmp_path, monkeypatch):
    """The production day as docs/airflow.md describes it: the go-live load up to an hour, the
    hourly DAG for that hour, then the models DAG (what the hour's Asset triggers on Composer) builds
    and checks the models on what landed. (The seed holds the source's final state, so only its last
    hour can follow a go-live load without rows that reference rows updated later.)"""
    import psycopg

    from pipelines.local import stack
    from pipelines.local.seed_production import seed

    home = tmp_path / "minera"
    monkeypatch.setenv("MINERA_HOME", str(home))
    url = stack.start()
    try:
        seed(url, scale=1000, seed=7)
        tables = PRODUCTION_TABLES
        with psycopg.connect(url) as conn:
            last = max(conn.execute(f"SELECT max(updated_at) FROM public.{t}").fetchone()[0] for t in tables)
            start = last.replace(minute=0, second=0, microsecond=0).astimezone(timezone.utc)
            end = start + timedelta(hours=1)
            totals = {t: conn.execute(f"SELECT count(*) FROM public.{t}").fetchone()[0] for t in tables}
            in_hour = sum(conn.execute(f"SELECT count(*) FROM public.{t} WHERE updated_at >= %s AND updated_at < %s",
                                       (start, end)).fetchone()[0] for t in tables)
        assert in_hour >= 1
        golive = subprocess.run([sys.executable, "-m", "pipelines.batch.production", f"--end={start.isoformat()}",
                                 "--run_id=golive-production"], cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert golive.returncode == 0, golive.stderr[-3000:]
        warehouse = home / "warehouse.duckdb"
        before = sum(_raw_counts(warehouse, "raw_production").values())
        assert before == sum(totals.values()) - in_hour

        python, env = migrated_airflow(tmp_path, home)
        run, printed = dag_test(python, env, "production_load_hourly", start, end, tmp_path, "hour")
        assert run["state"] in SUCCESS and set(run["tasks"].values()) <= SUCCESS, (run, printed[-3000:])
        assert _raw_counts(warehouse, "raw_production") == totals
        marks = _ops(warehouse, "SELECT DISTINCT watermark FROM ops.watermarks WHERE pipeline = 'batch.production'")
        assert marks == [(end.isoformat(),)]

        run, printed = dag_test(python, env, "models_after_loads", end, end, tmp_path, "models")
        assert run["state"] in SUCCESS and run["tasks"]["build"] in SUCCESS, (run, printed[-3000:])
        (staged,) = _ops(warehouse, "SELECT count(*) FROM staging.stg_production__truck_loads")[0]
        assert staged == totals["truck_loads"]
        (haulage,) = _ops(warehouse, "SELECT count(*) FROM marts.haulage_by_shift")[0]
        assert haulage >= 1
    finally:
        stack.stop()
