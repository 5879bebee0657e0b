"""Runs INSIDE an Airflow venv (tests/test_composer_dags.py starts it): loads composer_dags with a
real DagBag and prints, as one JSON document, what the tests check: import errors, parse times,
each DAG's schedule, settings and tasks, and each task's templates rendered for a given interval.

    AIRFLOW__CORE__DAGS_FOLDER=composer_dags .venv-tools/airflow3/bin/python tests/airflow/probe.py --out probe.json \
        --interval 2026-11-22T05:00:00Z 2026-11-22T06:00:00Z
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from datetime import datetime, timedelta


def _bag(folder: str):
    """Parse the folder as Airflow does: on 3, as a DAG bundle (its path on sys.path, for the
    helpers); on 2, the DAGs folder is on sys.path already (airflow.settings)."""
    from pathlib import Path

    started = time.perf_counter()
    try:
        from airflow.dag_processing.dagbag import BundleDagBag  # Airflow 3
    except ImportError:
        from airflow.models.dagbag import DagBag  # Airflow 2

        bag = DagBag(dag_folder=folder, safe_mode=False)
    else:
        bag = BundleDagBag(dag_folder=folder, bundle_path=Path(folder), safe_mode=False)
    return bag, time.perf_counter() - started


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value)


class _TI:
    """What the templates read of a task instance."""

    def __init__(self, task, try_number: int):
        self.task = task
        self.task_id = task.task_id
        self.dag_id = task.dag_id
        self.try_number = try_number


def _context(dag, task, start: datetime, end: datetime, try_number: int) -> dict:
    from airflow import macros

    return {"dag": dag, "task": task, "ti": _TI(task, try_number), "task_instance": _TI(task, try_number),
            "data_interval_start": start, "data_interval_end": end, "logical_date": start,
            "ds": start.strftime("%Y-%m-%d"), "ts": start.isoformat(), "macros": macros, "params": {},
            "var": {}, "conn": None, "run_id": "probe", "dag_run": None}


def _render(dag, task, start: datetime, end: datetime, try_number: int) -> dict:
    task = copy.copy(task)
    context = _context(dag, task, start, end, try_number)
    task.render_template_fields(context, jinja_env=dag.get_template_env())
    return {name: getattr(task, name) for name in task.template_fields}


def _pendulum(value: str):
    import pendulum

    return pendulum.parse(value).in_timezone("UTC")


def _timetable(dag) -> dict:
    timetable = dag.timetable
    out = {"class": type(timetable).__name__, "summary": getattr(timetable, "summary", None)}
    expression = getattr(timetable, "_expression", None)
    if expression is not None:
        out["cron"] = expression
        out["timezone"] = str(getattr(timetable, "_timezone", ""))
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interval", nargs=2, metavar=("START", "END"), action="append", default=[])
    parser.add_argument("--try_number", type=int, default=1)
    parser.add_argument("--out", required=True, help="the JSON file (Airflow logs to stdout)")
    args = parser.parse_args(argv)
    import airflow

    folder = os.environ["AIRFLOW__CORE__DAGS_FOLDER"]
    bag, seconds = _bag(folder)
    out = {"airflow": airflow.__version__, "parse_seconds": seconds, "import_errors": dict(bag.import_errors),
           "files": sorted({os.path.relpath(d.fileloc, folder) for d in bag.dags.values()}),
           "modules_loaded": sorted(m for m in ("apache_beam", "pipelines", "pyarrow") if m in sys.modules),
           "dags": {}}
    for dag_id, dag in sorted(bag.dags.items()):
        tasks = {}
        for task in dag.tasks:
            tasks[task.task_id] = {
                "operator": type(task).__name__,
                "upstream": sorted(task.upstream_task_ids),
                "retries": task.retries,
                "retry_delay": task.retry_delay,
                "retry_exponential_backoff": task.retry_exponential_backoff,
                "max_retry_delay": task.max_retry_delay,
                "execution_timeout": task.execution_timeout,
                "on_failure_callback": [getattr(f, "__qualname__", repr(f)) for f in
                                        (task.on_failure_callback if isinstance(task.on_failure_callback, list)
                                         else [task.on_failure_callback] if task.on_failure_callback else [])],
                "outlets": [getattr(o, "uri", repr(o)) for o in task.outlets],
                "rendered": {},
            }
            for start, end in args.interval:
                s, e = _pendulum(start), _pendulum(end)
                tasks[task.task_id]["rendered"][f"{start}/{end}"] = _render(dag, task, s, e, args.try_number)
        out["dags"][dag_id] = {
            "fileloc": os.path.relpath(dag.fileloc, folder),
            "timetable": _timetable(dag),
            "schedule_assets": sorted(_asset_uris(dag)),
            "schedule_condition": type(getattr(dag.timetable, "asset_condition", None)
                                       or getattr(dag.timetable, "dataset_condition", None)).__name__,
            "catchup": dag.catchup,
            "max_active_runs": dag.max_active_runs,
            "dagrun_timeout": dag.dagrun_timeout,
            "start_date": dag.start_date,
            "tags": sorted(dag.tags or []),
            "tasks": tasks,
        }
    from minera_dags import launch  # importable now: the DAG folder is on sys.path

    out["settings"] = {name: getattr(launch, name) for name in (
        "PRODUCTION_LAG", "ERP_AFTER_NIGHT_JOBS", "LAB_FILES_HOUR_UTC", "SENSOR_LATENESS", "START_DATE")}
    out["settings"]["mode"] = launch.mode()
    out["settings"]["modules"] = launch.MODULES
    out["settings"]["cloud_run_jobs"] = launch.cloud_run_jobs()
    with open(args.out, "w") as f:
        json.dump(_jsonable(out), f, indent=1, sort_keys=True)
    return 0


def _asset_uris(dag) -> set[str]:
    condition = getattr(dag.timetable, "asset_condition", None) or getattr(dag.timetable, "dataset_condition", None)
    uris = set()

    def walk(node):
        if node is None:
            return
        if hasattr(node, "uri") and isinstance(node.uri, str):
            uris.add(node.uri)
        for child in getattr(node, "objects", ()) or ():
            walk(child)

    walk(condition)
    return uris


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
