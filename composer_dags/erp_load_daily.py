"""The ERP (SAP on Oracle), daily: each run loads its UTC day [start, end) once SAP's night jobs
are over (a few hours after the day ends), then publishes ``raw_erp`` for the models DAG.

SAP's change dates are days (DATS): the loader reads the window as whole days. Tables whose
catalogue entry has no change-date cursor (texts, stock) load whole in every run.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.timetables.interval import CronDataIntervalTimetable
from minera_dags.launch import (
    ERP_AFTER_NIGHT_JOBS,
    INTERVAL_END,
    INTERVAL_START,
    RAW_ERP,
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
    dag_id="erp_load_daily",
    description="Load the ERP's changes of each UTC day into raw_erp, after SAP's night jobs",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=True,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=12),
    default_args=default_args(timeout=timedelta(hours=6)),
    tags=["batch", "erp"],
) as dag:
    wait_for_night_jobs = wait_until("wait_for_night_jobs", ERP_AFTER_NIGHT_JOBS)
    # the loader's lag is the wait: a day is read once SAP's night jobs are over (the catalogue's
    # one-day lag is for unscheduled runs, which pick their window themselves)
    lag = f"--lag_seconds={int(ERP_AFTER_NIGHT_JOBS.total_seconds())}"
    load = pipeline_task("load", "erp", [f"--start={INTERVAL_START}", f"--end={INTERVAL_END}", lag,
                                         f"--run_id={RUN_ID}"], outlets=[RAW_ERP])
    wait_for_night_jobs >> load
