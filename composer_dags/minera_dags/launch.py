"""How a DAG runs a pipeline: a Cloud Run job execution on Composer, a local process on a laptop.

One switch, the environment variable ``PIPELINES_LAUNCH``:

- ``cloud_run`` (what Terraform sets on Composer): ``CloudRunExecuteJobOperator`` starts the
  pipeline's launcher job (``BATCH_JOB_<PIPELINE>``; the models' build is ``BATCH_JOB_MODELS``) with
  a container override whose ``args`` are the run's own arguments; the job's command holds
  everything else (warehouse, staging, source, secrets): docs/decisions/0002-batch-launchers.md;
- ``local``: ``python -m <module> <the same args>`` in the repository, with its ``.venv`` python,
  against the local stack's embedded defaults; ``local:/path/to/python`` names another python
  (one with this repository's ``pipelines`` installed, e.g. a worktree's main checkout).

The arguments are built once (:func:`pipeline_task`'s ``args``) and are the same in both modes.
Reading the environment is the only work done at import.
"""

from __future__ import annotations

import logging
import os
import shlex
from datetime import datetime, timedelta, timezone
from pathlib import Path

from airflow.providers.common.compat.assets import Asset

log = logging.getLogger(__name__)

#: the repository (composer_dags/..): where a local run starts
REPO = Path(__file__).resolve().parents[2]

#: the first data interval of every scheduled DAG when ``DAGS_START_DATE`` is not set
DEFAULT_START_DATE = "2026-12-01"


def start_date() -> datetime:
    """The first data interval of every scheduled DAG (``DAGS_START_DATE``, an ISO date or time,
    UTC): catch-up starts there, and Airflow runs no task for an interval before it, so it is also
    the earliest date a backfill can load (README: go-live and backfills)."""
    value = os.environ.get("DAGS_START_DATE", "").strip() or DEFAULT_START_DATE
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"DAGS_START_DATE={value!r}: expected an ISO date such as 2026-12-01") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


START_DATE = start_date()

#: the production catalogue's lag_seconds (pipelines/catalogues/production.yaml): a window's end is
#: read only this long after it, so rows committed late with an earlier updated_at are in it
PRODUCTION_LAG = timedelta(seconds=300)
#: SAP's night jobs end by then (UTC) on the day after the ERP window
ERP_AFTER_NIGHT_JOBS = timedelta(hours=4)
#: the lab files land by Storage Transfer at transfer_start_hour_utc (default 04:00 UTC)
LAB_FILES_HOUR_UTC = 6
#: the sensor lake's allowed lateness (pipelines/options.py LakeOptions default): a day is
#: recomputed only once readings of it can no longer arrive
SENSOR_LATENESS = timedelta(minutes=120)

#: what the loads publish; the models DAG runs after any of them (Assets on Airflow 3, Datasets on 2)
RAW_PRODUCTION = Asset("minera://warehouse/raw_production")
RAW_ERP = Asset("minera://warehouse/raw_erp")
RAW_VENDOR = Asset("minera://warehouse/raw_vendor")
BATCH_SENSOR_METRICS = Asset("minera://warehouse/batch/sensor_minute_metrics")

#: each batch pipeline's module (``python -m``); the models are ``pipelines.models``
MODULES = {
    "erp": "pipelines.batch.erp",
    "production": "pipelines.batch.production",
    "rock_quality": "pipelines.batch.rock_quality",
    "sensor_recompute": "pipelines.batch.sensor_recompute",
    "models": "pipelines.models",
}

#: the run's id, unique per interval and attempt (ops.load_runs, the staging prefix); the
#: pipelines' --run_id pattern: ^[A-Za-z0-9][-_.:A-Za-z0-9]*$
#: (templates use double quotes only: a local command line single-quotes each argument)
RUN_ID = '{{ dag.dag_id }}.{{ data_interval_start.strftime("%Y%m%dT%H%MZ") }}.try{{ ti.try_number }}'
#: the data interval as ISO 8601 UTC (the loaders' --start/--end)
INTERVAL_START = '{{ data_interval_start.strftime("%Y-%m-%dT%H:%M:%SZ") }}'
INTERVAL_END = '{{ data_interval_end.strftime("%Y-%m-%dT%H:%M:%SZ") }}'
#: the interval's first day (a daily DAG's day)
INTERVAL_DAY = '{{ data_interval_start.strftime("%Y-%m-%d") }}'


def mode() -> str:
    """``cloud_run`` or ``local`` (the switch's value before any ``:``)."""
    value = os.environ.get("PIPELINES_LAUNCH", "cloud_run").strip() or "cloud_run"
    kind = value.split(":", 1)[0]
    if kind not in ("cloud_run", "local"):
        raise ValueError(f"PIPELINES_LAUNCH={value!r}: expected cloud_run, local or local:/path/to/python")
    return kind


def local_python() -> str:
    """The python a local run uses: ``local:PATH``'s PATH, else the repository's ``.venv``."""
    value = os.environ.get("PIPELINES_LAUNCH", "")
    if value.startswith("local:") and value[len("local:"):].strip():
        return value[len("local:"):].strip()
    return str(REPO / ".venv" / "bin" / "python")


def cloud_run_jobs() -> dict[str, str]:
    """Terraform's launcher job per pipeline of :data:`MODULES` (terraform/modules/batch-launchers):
    each batch pipeline's, and the models' build."""
    return {
        "erp": os.environ.get("BATCH_JOB_ERP", ""),
        "production": os.environ.get("BATCH_JOB_PRODUCTION", ""),
        "rock_quality": os.environ.get("BATCH_JOB_ROCK_QUALITY", ""),
        "sensor_recompute": os.environ.get("BATCH_JOB_SENSOR_RECOMPUTE", ""),
        "models": os.environ.get("BATCH_JOB_MODELS", ""),
    }


def local_command(pipeline: str, args: list[str]) -> str:
    """The local process's command line (a BashOperator's ``bash_command``): each argument
    single-quoted, so the templates in ``args`` render inside the quotes (they hold no ``'``)."""
    if any("'" in arg for arg in args if "{{" in arg):
        raise ValueError(f"{pipeline}: a templated argument holds a single quote: {args}")
    return shlex.join([local_python(), "-m", MODULES[pipeline], *args])


def pipeline_task(task_id: str, pipeline: str, args: list[str], **kwargs):
    """The task that runs ``pipeline`` with ``args`` (templated), in the current mode. A non-zero
    exit (a rejected lab file: status 3) fails the task; Cloud Run reports the execution failed."""
    if mode() == "local":
        from airflow.providers.standard.operators.bash import BashOperator

        # 99 is Bash's "skip": no pipeline exit status means that
        return BashOperator(task_id=task_id, bash_command=local_command(pipeline, args), cwd=str(REPO),
                            skip_on_exit_code=None, **kwargs)
    from airflow.providers.google.cloud.operators.cloud_run import CloudRunExecuteJobOperator

    overrides = {"container_overrides": [{"name": os.environ.get("BATCH_JOB_CONTAINER", ""), "args": list(args)}]}
    return CloudRunExecuteJobOperator(
        task_id=task_id, project_id=os.environ.get("PROJECT_ID", ""), region=os.environ.get("REGION", ""),
        job_name=cloud_run_jobs()[pipeline], overrides=overrides, **kwargs)


def wait_until(task_id: str, after_interval_end: timedelta, **kwargs):
    """A sensor that holds the run until ``data_interval_end + after_interval_end`` (a load's lag,
    SAP's night jobs, the sensors' lateness); a backfill's old intervals pass at once. Reschedule
    mode: no worker slot is held while waiting."""
    from airflow.providers.standard.sensors.date_time import DateTimeSensor

    minutes = after_interval_end.total_seconds() / 60
    target = "{{ (data_interval_end + macros.timedelta(minutes=" + f"{minutes:g}" + ")).isoformat() }}"
    return DateTimeSensor(task_id=task_id, target_time=target, mode="reschedule", poke_interval=60,
                          timeout=after_interval_end.total_seconds() + 6 * 3600, **kwargs)


def on_failure(context) -> None:
    """Every task's failure callback: one ERROR line naming the DAG, the run, the interval, the
    task, its try and its log (Cloud Logging keeps Composer's task logs; an alert can match it)."""
    ti = context.get("task_instance") or context.get("ti")
    dag_run = context.get("dag_run")
    log.error("FAILED dag=%s run=%s interval=[%s, %s) task=%s try=%s log=%s error=%s",
              getattr(ti, "dag_id", None), getattr(dag_run, "run_id", None) or context.get("run_id"),
              context.get("data_interval_start"), context.get("data_interval_end"),
              getattr(ti, "task_id", None), getattr(ti, "try_number", None), getattr(ti, "log_url", None),
              context.get("exception"))


def default_args(timeout: timedelta) -> dict:
    """Retries with exponential backoff, the task timeout, the failure callback."""
    return {
        "owner": "data-platform",
        "retries": 3,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(hours=1),
        "execution_timeout": timeout,
        "on_failure_callback": on_failure,
    }
