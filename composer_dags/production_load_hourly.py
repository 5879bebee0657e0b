"""The production database (PostgreSQL), hourly: each run loads its data interval [start, end).

Runs once the interval is over plus the catalogue's lag (rows committed late with an earlier
``updated_at`` are in the window), then publishes ``raw_production`` for the models DAG.
A rerun of an interval loads the same rows again without duplicates and never moves the
watermark back (pipelines/batch/loader.py).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.timetables.interval import CronDataIntervalTimetable
from minera_dags.launch import (
    INTERVAL_END,
    INTERVAL_START,
    PRODUCTION_LAG,
    RAW_PRODUCTION,
    RUN_ID,
    START_DATE,
    default_args,
    pipeline_task,
    wait_until,
)

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG

with DAG(
    dag_id="production_load_hourly",
    description="Load the production database's changes of each hour into raw_production",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=True,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    default_args=default_args(timeout=timedelta(minutes=50)),
    tags=["batch", "production"],
) as dag:
    wait_for_lag = wait_until("wait_for_lag", PRODUCTION_LAG)
    load = pipeline_task("load", "production",
                         [f"--start={INTERVAL_START}", f"--end={INTERVAL_END}", f"--run_id={RUN_ID}"],
                         outlets=[RAW_PRODUCTION])
    wait_for_lag >> load
