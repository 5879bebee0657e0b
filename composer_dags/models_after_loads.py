"""The ELT models and their checks (sql/, SQLMesh), after any load they read has landed: runs
when the production, ERP or lab load, or the sensor recomputation, publishes its Asset (Dataset
on Airflow 2). A failed check fails the task, naming the model and the check; the models
downstream of it are not built. On Composer the build is an execution of the models' Cloud Run
job (``BATCH_JOB_MODELS``, python -m pipelines.models against BigQuery).
"""

from __future__ import annotations

from datetime import timedelta

from minera_dags.launch import (
    BATCH_SENSOR_METRICS,
    RAW_ERP,
    RAW_PRODUCTION,
    RAW_VENDOR,
    START_DATE,
    default_args,
    pipeline_task,
)

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG

with DAG(
    dag_id="models_after_loads",
    description="Build the ELT models and run their checks after a load has landed",
    schedule=(RAW_PRODUCTION | RAW_ERP | RAW_VENDOR | BATCH_SENSOR_METRICS),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    default_args=default_args(timeout=timedelta(hours=1)),
    tags=["models"],
) as dag:
    build = pipeline_task("build", "models", [])
