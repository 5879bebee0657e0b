"""The sensor readings' batch recomputation, per closed UTC day: once a day can receive no more
readings (its end plus the allowed lateness), recompute its minute metrics from the lake and
replace the day whole in batch.sensor_minute_metrics; then publish it for the models DAG.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.timetables.interval import CronDataIntervalTimetable
from minera_dags.launch import (
    BATCH_SENSOR_METRICS,
    INTERVAL_DAY,
    RUN_ID,
    SENSOR_LATENESS,
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
    dag_id="sensor_recompute_daily",
    description="Recompute each closed day's sensor minute metrics from the lake",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=True,
    max_active_runs=2,
    dagrun_timeout=timedelta(hours=8),
    default_args=default_args(timeout=timedelta(hours=3)),
    tags=["batch", "sensors"],
) as dag:
    wait_for_lateness = wait_until("wait_for_lateness", SENSOR_LATENESS)
    recompute = pipeline_task("recompute", "sensor_recompute", [f"--date={INTERVAL_DAY}", f"--run_id={RUN_ID}"],
                              outlets=[BATCH_SENSOR_METRICS])
    wait_for_lateness >> recompute
