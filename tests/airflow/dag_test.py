"""Runs INSIDE an Airflow venv (tests/test_composer_dags.py): ``dag.test()`` of one DAG for the
data interval [START, END), the DAG folder parsed as Airflow does; writes the run's state,
interval and task states as JSON. On both versions a test (manual) run at date D covers the
interval that ends at D (``logical_date`` on 3, ``execution_date`` on 2), not the one starting
there as a scheduled run of 2 would.

    AIRFLOW__CORE__DAGS_FOLDER=composer_dags PIPELINES_LAUNCH=local:.venv/bin/python \
        .venv-tools/airflow3/bin/airflow db migrate
    ... .venv-tools/airflow3/bin/python tests/airflow/dag_test.py production_load_hourly \
        2026-11-20T09:00:00+00:00 2026-11-20T10:00:00+00:00 --out run.json --start_date 2026-10-01T00:00:00+00:00

``--start_date`` moves the DAG's and its tasks' start date back: Airflow creates no task for an
interval before a task's start date (the run "succeeds" with nothing run), and test data may
predate the DAGs' START_DATE. Retries are turned off: ``dag.test()`` would wait out the real
retry delays of a failing task.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from pathlib import Path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("dag_id")
    parser.add_argument("start", help="the data interval's start (ISO 8601)")
    parser.add_argument("end", help="the data interval's end")
    parser.add_argument("--out", required=True)
    parser.add_argument("--start_date", default=None)
    args = parser.parse_args(argv)
    folder = Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    try:
        from airflow.dag_processing.dagbag import BundleDagBag  # Airflow 3
    except ImportError:
        # a second dag.test() of a date deletes the first run, whose note references FAB's ab_user:
        # SQLAlchemy must know that table (NoReferencedTableError otherwise)
        import airflow.providers.fab.auth_manager.models  # noqa: F401
        from airflow.models.dagbag import DagBag  # Airflow 2: the DAGs folder is on sys.path

        bag, airflow3 = DagBag(dag_folder=str(folder), safe_mode=False), False
    else:
        bag, airflow3 = BundleDagBag(dag_folder=str(folder), bundle_path=folder, safe_mode=False), True
    if bag.import_errors:
        raise SystemExit(f"import errors: {bag.import_errors}")
    dag = bag.dags[args.dag_id]
    if args.start_date:
        early = datetime.fromisoformat(args.start_date)
        dag.start_date = early
        for task in dag.tasks:
            task.start_date = early
    for task in dag.tasks:  # dag.test() waits out real retry delays (5 min, backoff): fail at once
        task.retries = 0
    if airflow3:
        run = dag.test(logical_date=datetime.fromisoformat(args.end))
    else:
        run = dag.test(execution_date=datetime.fromisoformat(args.end))
    tasks = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    with open(args.out, "w") as f:
        json.dump({"state": str(run.state), "data_interval_start": run.data_interval_start.isoformat(),
                   "data_interval_end": run.data_interval_end.isoformat(), "tasks": tasks}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
