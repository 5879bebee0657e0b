"""The Composer DAGs (composer_dags/), read by a real Airflow 3.3 and 2.11.

The project venv has no Airflow (Composer's side has no Beam and no ``pipelines``): each Airflow
lives in a venv of its own under .venv-tools/ (``make airflow-venvs``, locks in tests/airflow/),
and tests/airflow/probe.py runs there, loads the DAG folder with a real ``DagBag``, renders every
task's templates for given data intervals and writes what it saw as JSON, which these tests check
against the pipelines' own parameters. A missing Airflow venv fails these tests: it never skips.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from datetime import timedelta

import pytest
import yaml
from airflow_support import (
    DAGS,
    GO_LIVE,
    ROOT,
    airflow_python,
    interval_with_rows,
    warehouse_state,
)
from airflow_support import airflow_environment as _environment

from pipelines.models import argument_parser as models_argument_parser
from pipelines.options import LakeOptions
from pipelines.templates import template_parameters

pytestmark = pytest.mark.slow  # Airflow, in venvs of its own (make airflow-venvs)

AIRFLOWS = ("3", "2")
LOCAL_PYTHON = "/opt/minera/python"  # local:PATH; need not exist to render

#: one hour of the production DAG, one day of the daily ones (the ERP's, the lab's, the sensors')
HOUR = ("2026-11-22T05:00:00Z", "2026-11-22T06:00:00Z")
DAY = ("2026-11-22T00:00:00Z", "2026-11-23T00:00:00Z")
LAB_DAY = ("2026-11-22T06:00:00Z", "2026-11-23T06:00:00Z")

DAG_TASKS = {
    "production_load_hourly": {"wait_for_lag": [], "load": ["wait_for_lag"]},
    "erp_load_daily": {"wait_for_night_jobs": [], "load": ["wait_for_night_jobs"]},
    "lab_files_daily": {"load": []},
    "sensor_recompute_daily": {"wait_for_lateness": [], "recompute": ["wait_for_lateness"]},
    "models_after_loads": {"build": []},
}
#: the task that launches each pipeline
LAUNCHES = {
    ("production_load_hourly", "load"): "production",
    ("erp_load_daily", "load"): "erp",
    ("lab_files_daily", "load"): "rock_quality",
    ("sensor_recompute_daily", "recompute"): "sensor_recompute",
    ("models_after_loads", "build"): "models",
}
ASSETS = {
    "production_load_hourly": "minera://warehouse/raw_production",
    "erp_load_daily": "minera://warehouse/raw_erp",
    "lab_files_daily": "minera://warehouse/raw_vendor",
    "sensor_recompute_daily": "minera://warehouse/batch/sensor_minute_metrics",
}
#: the exact arguments each launch sends for an interval (the same on Cloud Run and locally)
EXPECTED_ARGS = {
    ("production_load_hourly", HOUR): ["--start=2026-11-22T05:00:00Z", "--end=2026-11-22T06:00:00Z",
                                       "--run_id=production_load_hourly.20261122T0500Z.try1"],
    ("erp_load_daily", DAY): ["--start=2026-11-22T00:00:00Z", "--end=2026-11-23T00:00:00Z",
                              "--lag_seconds=14400", "--run_id=erp_load_daily.20261122T0000Z.try1"],
    ("lab_files_daily", LAB_DAY): ["--run_id=lab_files_daily.20261122T0600Z.try1"],
    ("sensor_recompute_daily", DAY): ["--date=2026-11-22", "--run_id=sensor_recompute_daily.20261122T0000Z.try1"],
    ("models_after_loads", DAY): [],
}
#: when each wait lets the run go on (interval end + lag, SAP's night jobs, the sensors' lateness)
EXPECTED_WAITS = {
    ("production_load_hourly", "wait_for_lag", HOUR): "2026-11-22T06:05:00+00:00",
    ("erp_load_daily", "wait_for_night_jobs", DAY): "2026-11-23T04:00:00+00:00",
    ("sensor_recompute_daily", "wait_for_lateness", DAY): "2026-11-23T02:00:00+00:00",
}
CRONS = {"production_load_hourly": "0 * * * *", "erp_load_daily": "0 0 * * *", "lab_files_daily": "0 6 * * *",
         "sensor_recompute_daily": "0 0 * * *"}


_PROBES: dict[tuple[str, str, int], dict] = {}


def probe(version: str, mode: str, tmp_path_factory, try_number: int = 1) -> dict:
    """What Airflow ``version`` sees of the DAG folder with ``PIPELINES_LAUNCH=mode`` (once per session),
    templates rendered for the task's try ``try_number``."""
    if (version, mode, try_number) not in _PROBES:
        python = airflow_python(version)
        home = tmp_path_factory.mktemp(f"airflow{version}")
        out = home / "probe.json"
        intervals = [arg for interval in (HOUR, DAY, LAB_DAY) for arg in ("--interval", *interval)]
        done = subprocess.run([str(python), str(ROOT / "tests" / "airflow" / "probe.py"), "--out", str(out),
                               "--try_number", str(try_number), *intervals],
                              env=_environment(mode, home), cwd=home, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"probe failed on Airflow {version}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        _PROBES[(version, mode, try_number)] = json.loads(out.read_text())
    return _PROBES[(version, mode, try_number)]


@pytest.fixture(scope="module", params=AIRFLOWS, ids=lambda v: f"airflow{v}")
def cloud(request, tmp_path_factory) -> dict:
    return probe(request.param, "cloud_run", tmp_path_factory)


@pytest.fixture(scope="module", params=AIRFLOWS, ids=lambda v: f"airflow{v}")
def local(request, tmp_path_factory) -> dict:
    return probe(request.param, f"local:{LOCAL_PYTHON}", tmp_path_factory)


def launched_args(task: dict, interval: tuple[str, str]) -> list[str]:
    """The arguments a task sends for ``interval``: a Cloud Run override's ``args`` or the local
    command line's arguments after ``python -m MODULE``."""
    rendered = task["rendered"]["/".join(interval)]
    if "overrides" in rendered:
        (container,) = rendered["overrides"]["container_overrides"]
        return container["args"]
    return shlex.split(rendered["bash_command"])[3:]


def test_every_dag_imports_on_airflow_3_and_2_in_both_modes(cloud, local):
    for seen in (cloud, local):
        assert seen["import_errors"] == {}
        assert set(seen["dags"]) == set(DAG_TASKS)
        assert sorted(seen["files"]) == sorted(f"{dag}.py" for dag in DAG_TASKS)  # one DAG a file
        # nothing heavy at import: no Beam, no pipelines package, no Arrow; the folder parses fast
        assert seen["modules_loaded"] == []
        assert seen["parse_seconds"] < 2 * len(DAG_TASKS)
    assert cloud["airflow"].split(".")[0] in AIRFLOWS


def test_tasks_dependencies_retries_timeouts_and_callback(cloud):
    for dag_id, tasks in DAG_TASKS.items():
        dag = cloud["dags"][dag_id]
        assert {t: v["upstream"] for t, v in dag["tasks"].items()} == tasks, dag_id
        for task_id, task in dag["tasks"].items():
            assert task["retries"] == 3 and task["retry_exponential_backoff"] is True, (dag_id, task_id)
            assert task["retry_delay"] == 300 and task["max_retry_delay"] == 3600
            assert 0 < task["execution_timeout"] <= dag["dagrun_timeout"], (dag_id, task_id)
            assert task["on_failure_callback"] == ["on_failure"], (dag_id, task_id)
        assert dag["max_active_runs"] in (1, 2)
        assert dag["start_date"] == f"{GO_LIVE}T00:00:00+00:00"  # DAGS_START_DATE, UTC


def test_schedules_are_data_interval_timetables_with_catchup(cloud):
    for dag_id, cron in CRONS.items():
        dag = cloud["dags"][dag_id]
        # a bare cron string on Airflow 3 is CronTriggerTimetable: an interval of zero length
        assert dag["timetable"]["class"] == "CronDataIntervalTimetable", dag_id
        assert (dag["timetable"]["cron"], dag["timetable"]["timezone"]) == (cron, "UTC"), dag_id
        assert dag["catchup"] is True, dag_id
        # the loads hold a watermark: one run at a time, in order
        assert dag["max_active_runs"] == (2 if dag_id == "sensor_recompute_daily" else 1), dag_id


def test_the_models_run_after_any_load_has_landed(cloud):
    for dag_id, uri in ASSETS.items():
        (launch,) = [t for t in cloud["dags"][dag_id]["tasks"].values() if t["outlets"]]
        assert launch["outlets"] == [uri], dag_id
    models = cloud["dags"]["models_after_loads"]
    assert models["schedule_assets"] == sorted(ASSETS.values())
    assert models["schedule_condition"] in ("AssetAny", "DatasetAny")
    assert models["catchup"] is False


def test_every_pipeline_is_launched_by_a_dag_on_its_own_cloud_run_job(cloud):
    """Each batch pipeline and the models' build: an execution of its own launcher job, named by the
    variable Terraform sets (BATCH_JOB_<PIPELINE>), in the platform's project and region."""
    settings = cloud["settings"]
    assert set(settings["cloud_run_jobs"]) == set(settings["modules"])  # whatever a DAG runs has its job
    assert settings["cloud_run_jobs"] == {name: f"batch_job_{name}-value" for name in settings["modules"]}
    jobs = {value: name for name, value in settings["cloud_run_jobs"].items()}
    launched = {}
    for dag_id, task_id in LAUNCHES:
        task = cloud["dags"][dag_id]["tasks"][task_id]
        rendered = task["rendered"]["/".join(DAY)]
        assert task["operator"] == "CloudRunExecuteJobOperator", dag_id
        assert (rendered["project_id"], rendered["region"]) == ("project_id-value", "region-value")
        assert rendered["overrides"]["container_overrides"][0]["name"] == "batch_job_container-value"
        launched[jobs[rendered["job_name"]]] = dag_id
    assert launched == {pipeline: dag_id for (dag_id, _), pipeline in LAUNCHES.items()}


def test_the_models_build_is_an_execution_of_the_models_job_with_no_argument(cloud):
    """The models' job holds the whole command (python -m pipelines.models --warehouse=...): the DAG
    sends one container override with no argument, so every model is built (no --select) and built
    for real (no --dry_run)."""
    rendered = cloud["dags"]["models_after_loads"]["tasks"]["build"]["rendered"]["/".join(DAY)]
    assert rendered["job_name"] == "batch_job_models-value"
    assert rendered["overrides"] == {"container_overrides": [{"name": "batch_job_container-value", "args": []}]}


@pytest.mark.parametrize(("dag_id", "interval"), list(EXPECTED_ARGS), ids=lambda v: v if isinstance(v, str) else "")
def test_each_launch_sends_exactly_these_arguments_for_its_interval(cloud, local, dag_id, interval):
    (task_id,) = [t for (d, t) in LAUNCHES if d == dag_id]
    pipeline = LAUNCHES[(dag_id, task_id)]
    expected = EXPECTED_ARGS[(dag_id, interval)]
    assert launched_args(cloud["dags"][dag_id]["tasks"][task_id], interval) == expected
    if pipeline == "models":  # its own parser (no Beam options, no template)
        models_argument_parser().parse_args(expected)
    else:  # every argument is one the pipeline takes (its template's parameters, one catalogue)
        assert {a.split("=", 1)[0].removeprefix("--") for a in expected} <= template_parameters(pipeline)
    # locally: the same arguments, to the same module, with the configured python, in the repository
    rendered = local["dags"][dag_id]["tasks"][task_id]["rendered"]["/".join(interval)]
    command = shlex.split(rendered["bash_command"])
    assert command[:3] == [LOCAL_PYTHON, "-m", local["settings"]["modules"][pipeline]]
    assert command[3:] == expected
    assert rendered["cwd"] == str(ROOT)


def test_a_retry_gets_a_run_id_of_its_own(tmp_path_factory):
    """The run id names the interval and the try: a retry stages under a prefix of its own."""
    seen = probe("3", "cloud_run", tmp_path_factory, try_number=2)
    args = launched_args(seen["dags"]["production_load_hourly"]["tasks"]["load"], HOUR)
    first = EXPECTED_ARGS[("production_load_hourly", HOUR)]
    assert args == [*first[:2], "--run_id=production_load_hourly.20261122T0500Z.try2"]


def test_the_waits_hold_each_run_until_its_data_is_complete(cloud):
    for (dag_id, task_id, interval), target in EXPECTED_WAITS.items():
        task = cloud["dags"][dag_id]["tasks"][task_id]
        assert task["operator"] == "DateTimeSensor"
        assert task["rendered"]["/".join(interval)]["target_time"] == target, dag_id


def test_the_dags_settings_match_the_pipelines(cloud):
    settings = cloud["settings"]
    catalogue = yaml.safe_load((ROOT / "pipelines" / "catalogues" / "production.yaml").read_text())
    assert settings["PRODUCTION_LAG"] == catalogue["lag_seconds"]
    lateness = LakeOptions([]).view_as(LakeOptions).allowed_lateness_minutes
    assert settings["SENSOR_LATENESS"] == lateness * 60
    assert settings["mode"] == "cloud_run"


def test_the_failure_callback_names_the_run_the_task_and_its_log(tmp_path):
    python = airflow_python("3")
    script = (
        "import logging, sys\n"
        f"sys.path.insert(0, {str(DAGS)!r})\n"
        "logging.basicConfig(stream=sys.stdout, level=logging.INFO, format='%(levelname)s %(message)s')\n"
        "from types import SimpleNamespace as NS\n"
        "from minera_dags.launch import on_failure\n"
        "ti = NS(dag_id='production_load_hourly', task_id='load', try_number=2, log_url='http://airflow/log?x=1')\n"
        "on_failure({'task_instance': ti, 'dag_run': NS(run_id='scheduled__2026-11-22T05:00:00+00:00'),\n"
        "            'data_interval_start': '2026-11-22T05:00:00+00:00',\n"
        "            'data_interval_end': '2026-11-22T06:00:00+00:00', 'exception': RuntimeError('exit 3')})\n"
    )
    done = subprocess.run([str(python), "-c", script], env=_environment("cloud_run", tmp_path), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    line = next(x for x in done.stdout.splitlines() if "FAILED" in x)
    # Airflow 3 formats log lines with structlog: the message is the part that matters
    assert ("FAILED dag=production_load_hourly run=scheduled__2026-11-22T05:00:00+00:00 "
                    "interval=[2026-11-22T05:00:00+00:00, 2026-11-22T06:00:00+00:00) task=load try=2 "
                    "log=http://airflow/log?x=1 error=exit 3") in line
    assert "error" in line.lower().split("failed")[0]


def test_a_wrong_switch_fails_the_import(tmp_path):
    python = airflow_python("3")
    env = _environment("flex_template", tmp_path)
    script = f"import sys; sys.path.insert(0, {str(DAGS)!r}); from minera_dags.launch import mode; mode()"
    done = subprocess.run([str(python), "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "PIPELINES_LAUNCH='flex_template'" in done.stderr


@pytest.mark.parametrize("version", AIRFLOWS, ids=lambda v: f"airflow{v}")
def test_the_production_dag_loads_one_interval_once_in_local_mode(version, tmp_path, monkeypatch):
    """``dag.test()`` on each Airflow, local mode, the real loader against a local stack of its own:
    the interval's rows land once and the watermarks move to its end; a second run of the same
    interval changes nothing."""
    from pipelines.local import stack
    from pipelines.local.seed_production import seed

    python = airflow_python(version)
    home = tmp_path / "minera"
    monkeypatch.setenv("MINERA_HOME", str(home))
    url = stack.start()
    try:
        seed(url, scale=1000, seed=7)
        start, end, expected = interval_with_rows(url)  # the hour of the median truck load
        env = _environment(f"local:{sys.executable}", tmp_path / "airflow")
        env["MINERA_HOME"] = str(home)
        if version == "2":  # 2.11 refuses sqlite under its default LocalExecutor (3 has no such check)
            env["AIRFLOW__CORE__EXECUTOR"] = "SequentialExecutor"
        migrate = subprocess.run([str(python.parent / "airflow"), "db", "migrate"], env=env, cwd=tmp_path,
                                 capture_output=True, text=True, timeout=300)
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        states = []
        for attempt in (1, 2):
            out = tmp_path / f"run{attempt}.json"
            done = subprocess.run([str(python), str(ROOT / "tests" / "airflow" / "dag_test.py"),
                                   "production_load_hourly", start.isoformat(), end.isoformat(), "--out", str(out),
                                   "--start_date", (start - timedelta(days=60)).isoformat()],
                                  env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
            run = json.loads(out.read_text())
            assert run["state"] in ("success", "DagRunState.SUCCESS"), (run, done.stdout[-3000:])
            assert set(run["tasks"].values()) <= {"success", "TaskInstanceState.SUCCESS"}, run
            assert len(run["tasks"]) == 2
            assert (run["data_interval_start"], run["data_interval_end"]) == (start.isoformat(), end.isoformat())
            states.append(warehouse_state(home / "warehouse.duckdb"))
        first, second = states
        assert first["rows"] == expected
        assert set(first["watermarks"].values()) == {end.isoformat()}
        assert second == first  # the same interval again: no row twice, the watermark where it was
    finally:
        stack.stop()
