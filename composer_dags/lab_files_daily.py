"""The rock-quality lab's files, daily: load whatever Avro files have landed and are not loaded yet.

The copy from the lab's S3 prefix to the landing bucket is Terraform's Storage Transfer job
(terraform/modules/storage-transfer, daily at ``transfer_start_hour_utc``, 04:00 by default), not
an ``S3ToGCSOperator`` here: the AWS key then lives in Secret Manager for Google's transfer
service only, Composer needs neither the key nor the amazon provider, and the copy is retried and
logged by the transfer service. This DAG runs two hours after it.

The loader loads each file once whatever its name or time (``ops.loaded_files``), so a run takes
no window: a rerun or backfill loads nothing twice. A rejected file (not Avro, corrupt, a schema
the table cannot take) is quarantined and fails the task (exit status 3) after every good file
is loaded, until someone replays or removes it.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.timetables.interval import CronDataIntervalTimetable
from minera_dags.launch import LAB_FILES_HOUR_UTC, RAW_VENDOR, RUN_ID, START_DATE, default_args, pipeline_task

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG

with DAG(
    dag_id="lab_files_daily",
    description="Load the rock-quality lab's landed Avro files into raw_vendor",
    schedule=CronDataIntervalTimetable(f"0 {LAB_FILES_HOUR_UTC} * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=True,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=4),
    default_args=default_args(timeout=timedelta(hours=2)),
    tags=["batch", "rock_quality"],
) as dag:
    load = pipeline_task("load", "rock_quality", [f"--run_id={RUN_ID}"], outlets=[RAW_VENDOR])
