"""``make airflow`` (``python -m pipelines.local.airflow``): the DAGs in a local Airflow 3, driven the way a
person's browser drives it, through the REST API.

The test starts the entry point as a person does (its own process, a free port, a MINERA_HOME in tmp: its
own local stack, seeded by the entry point, and its own AIRFLOW_HOME under it), reads the URL and the login
it prints, gets a token, unpauses ``production_load_hourly``, triggers a run of one hour that has rows and
waits for it; the hour's rows must be in the warehouse. Then SIGTERM, as Ctrl-C: Airflow's whole process
group and the local PostgreSQL must be gone. A missing Airflow venv fails (never skips). Every wait polls
with a generous deadline: a cold start takes about a minute on an idle 2-core machine, more on a busy one.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from airflow_support import ROOT, TOOLS, airflow_python, interval_with_rows, warehouse_state

from pipelines.local.airflow import LOGIN_LINE, PID_FILE, READY_LINE, AirflowApi, run_path

pytestmark = pytest.mark.slow  # a local Airflow, through its REST API

DAG = "production_load_hourly"
READY_SECONDS = 900  # the entry point's own deadline; the test waits a little longer
RUN_SECONDS = 600
STOP_SECONDS = 180


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(home: Path, tools: Path = TOOLS) -> dict[str, str]:
    """This shell's environment without Airflow's or the DAGs' settings, on a home of the test's own."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AIRFLOW") and k not in ("DAGS_START_DATE", "PIPELINES_LAUNCH")}
    env.update({"MINERA_HOME": str(home), "MINERA_TOOLS_DIR": str(tools), "PYTHONUNBUFFERED": "1"})
    return env


def _start(home: Path, out: Path, *args: str, tools: Path = TOOLS) -> subprocess.Popen:
    with open(out, "wb") as sink:
        return subprocess.Popen([sys.executable, "-m", "pipelines.local.airflow", *args], cwd=ROOT,
                                env=_environment(home, tools), stdout=sink, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def _wait_until_ready(proc: subprocess.Popen, out: Path, home: Path) -> tuple[str, str, str]:
    """The URL, user and password the entry point prints once Airflow is ready."""
    deadline = time.monotonic() + READY_SECONDS + 60
    while time.monotonic() < deadline:
        text = out.read_text(errors="replace")
        ready = [m for m in map(READY_LINE.match, text.splitlines()) if m]
        login = [m for m in map(LOGIN_LINE.match, text.splitlines()) if m]
        if ready and login:
            return ready[0]["url"], login[0]["user"], login[0]["password"]
        if proc.poll() is not None:
            pytest.fail(f"make airflow exited with status {proc.returncode} before it was ready:\n{text[-4000:]}")
        time.sleep(1)
    pytest.fail(f"make airflow not ready after {READY_SECONDS + 60}s:\n{out.read_text()[-3000:]}\n"
                f"{_tail(home / 'airflow' / 'standalone.log')}")


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"({path}: nothing)"


def _wait_for_run(api: AirflowApi, run_id: str) -> dict:
    """The run once it succeeded. Fails with every task's log if it failed, if a task failed (the DAG
    retries after 5 minutes, and more: no waiting those out) or if it is not over in time."""
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline:
        run = api.get(run_path(DAG, run_id))
        tis = api.get(f"{run_path(DAG, run_id)}/taskInstances")["task_instances"]
        tasks = {ti["task_id"]: ti["state"] for ti in tis}
        failed = {t: s for t, s in tasks.items() if s in ("failed", "up_for_retry", "upstream_failed")}
        if run["state"] == "failed" or failed:
            pytest.fail(f"run {run_id} {run['state']}, tasks {tasks}:\n{_task_logs(api, run_id)}")
        if run["state"] == "success":
            return run
        time.sleep(2)
    pytest.fail(f"run {run_id} still {run['state']} after {RUN_SECONDS}s, tasks {tasks}:\n{_task_logs(api, run_id)}")


def _task_logs(api: AirflowApi, run_id: str) -> str:
    parts = []
    for ti in api.get(f"{run_path(DAG, run_id)}/taskInstances")["task_instances"]:
        parts.append(f"---- {ti['task_id']}: {ti['state']} (try {ti['try_number']})")
        if ti["try_number"]:
            parts.append(api.task_log(DAG, run_id, ti["task_id"], ti["try_number"])[-4000:])
    return "\n".join(parts)


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    left = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                left.append(p)
        except psutil.NoSuchProcess:
            pass
    return left


def _stop(proc: subprocess.Popen, home: Path, seen: list[psutil.Process]) -> None:
    """SIGTERM to the entry point (what Ctrl-C does), which stops Airflow and the stack it started; if it
    does not finish in time, SIGKILL its group, Airflow's group and every process of theirs seen."""
    seen += _tree(proc.pid)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    pid_file = home / "airflow" / PID_FILE
    if pid_file.exists():  # the entry point removes it once Airflow is stopped
        try:
            os.killpg(int(pid_file.read_text()), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    for p in _alive(seen):
        p.kill()


def test_make_airflow_runs_a_triggered_interval_through_the_rest_api(tmp_path, monkeypatch):
    from pipelines.local import stack

    airflow_python("3")  # no venv: fail now
    home = tmp_path / "minera"
    monkeypatch.setenv("MINERA_HOME", str(home))  # this process's view of the same local stack
    out = tmp_path / "make-airflow.out"
    proc = _start(home, out, "--port", str(_free_port()), "--scale", "1000", "--timeout", str(READY_SECONDS))
    seen: list[psutil.Process] = []
    try:
        url, user, password = _wait_until_ready(proc, out, home)
        seen += _tree(proc.pid)
        printed = out.read_text()
        assert "Unpause on trigger" in printed and str(home / "airflow" / "logs") in printed

        api = AirflowApi(url, user, password)
        assert api.token()  # POST /auth/token with the printed login: a JWT
        dags = {d["dag_id"]: d for d in api.get("/api/v2/dags", limit=100)["dags"]}
        assert len(dags) == 5 and all(d["is_paused"] for d in dags.values())  # nothing runs by itself
        assert api.get("/api/v2/importErrors")["total_entries"] == 0

        start, end, expected = interval_with_rows(stack.postgres_url())
        assert api.patch(f"/api/v2/dags/{DAG}", {"is_paused": False})["is_paused"] is False
        run = api.post(f"/api/v2/dags/{DAG}/dagRuns", {"logical_date": end.isoformat()})
        # a manual run of a CronDataIntervalTimetable DAG covers the interval that ENDS at its logical date
        assert (run["data_interval_start"], run["data_interval_end"]) == (
            start.strftime("%Y-%m-%dT%H:%M:%SZ"), end.strftime("%Y-%m-%dT%H:%M:%SZ"))
        assert run["run_type"] == "manual"

        assert _wait_for_run(api, run["dag_run_id"])["state"] == "success"
        tis = api.get(f"{run_path(DAG, run['dag_run_id'])}/taskInstances")["task_instances"]
        assert {ti["task_id"]: ti["state"] for ti in tis} == {"wait_for_lag": "success", "load": "success"}
        # the scheduler starts nothing of its own: the triggered run is the only one
        assert [r["dag_run_id"] for r in api.get(f"/api/v2/dags/{DAG}/dagRuns")["dag_runs"]] == [run["dag_run_id"]]
        # the task ran the real loader (its log, through the API) and the hour's rows landed, once
        assert "7 of 7 tables loaded" in api.task_log(DAG, run["dag_run_id"], "load", 1)
        landed = warehouse_state(home / "warehouse.duckdb")
        assert landed["rows"] == expected
        assert set(landed["watermarks"].values()) == {end.isoformat()}
        assert landed["runs"] == len(expected)
    finally:
        _stop(proc, home, seen)
        stack.stop()
    # stopped as Ctrl-C stops it: exit 0, Airflow's group and every process it started gone, PostgreSQL too
    assert proc.returncode == 0, out.read_text()[-3000:]
    assert "stopped (and the local PostgreSQL)" in out.read_text()
    assert _alive(seen) == []
    assert not (home / "postgres" / "postmaster.pid").exists()


def test_a_taken_port_or_a_missing_venv_is_a_one_line_error(tmp_path):
    airflow_python("3")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _start(tmp_path / "a", tmp_path / "a.out", "--port", str(port))
        assert proc.wait(timeout=120) == 2
    assert (tmp_path / "a.out").read_text().splitlines() == [
        f"error: port {port} on 127.0.0.1 is taken (another Airflow?): stop it, or choose another port "
        "(--port N, make airflow AIRFLOW_PORT=N)"]
    proc = _start(tmp_path / "b", tmp_path / "b.out", "--port", str(_free_port()), tools=tmp_path / "no-tools")
    assert proc.wait(timeout=120) == 2
    (line,) = (tmp_path / "b.out").read_text().splitlines()
    venv = tmp_path / "no-tools" / "airflow3"
    assert line.startswith(f"error: no Airflow 3 venv at {venv}: run `make airflow-venvs`")
    # nothing was started for either: no local stack, no Airflow home
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
