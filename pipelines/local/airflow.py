"""``make airflow``: the Composer DAGs in a local Airflow 3 a person can click, against the local stack.

The DAG tests run Airflow headless (a ``DagBag``, ``dag.test()``); this is the whole thing (scheduler,
DAG processor, triggerer, API server and UI: ``airflow standalone``, sqlite, SimpleAuthManager), so a
person can trigger a run, watch its tasks and read their logs, and a test can drive it through the
REST API. It runs from the Airflow 3 venv (``make airflow-venvs``, ``.venv-tools/airflow3`` or
``$MINERA_TOOLS_DIR/airflow3``), never from this venv: Composer's side has no Beam and no ``pipelines``.

    python -m pipelines.local.airflow [--port 8080] [--scale 100000] [--schedule]

In order: checks the venv and the port (a one-line error otherwise); starts the local PostgreSQL if it
is stopped and seeds the production app and the SAP stand-in if they are empty (as ``make demo`` does);
starts ``airflow standalone`` with ``AIRFLOW_HOME=$MINERA_HOME/airflow`` (``.local/airflow``) on the
DAGs in ``composer_dags/`` in local mode (``PIPELINES_LAUNCH=local:<this python>``: a task runs
``python -m pipelines.batch.<x>`` in the repository against the local stack); waits until every
component is healthy and every DAG file is parsed; prints the URL, the login and how to run an
interval; runs until Ctrl-C (or SIGTERM), then stops Airflow's whole process group and the local
PostgreSQL if it started it.

Every DAG starts paused and, unless ``--schedule``, the scheduler creates no scheduled run: the DAGs
catch up from ``DAGS_START_DATE`` (set to the seeded data's first day, so any seeded interval can run),
and unpausing one would start every interval since, one after another. A person triggers the
intervals they want instead (the UI's trigger form has "Unpause on trigger").
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pipelines.errors import ConfigError, PipelineError, main_guard

#: the repository: the DAG folder and the cwd of every local task
REPO = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO / "composer_dags"
DEFAULT_PORT = 8080
#: SimpleAuthManager's one user (its default ``simple_auth_manager_users = admin:admin``: user admin, role admin)
USER = "admin"
#: a cold start (database created, first parse) on a busy 2-core machine takes a minute or two
READY_TIMEOUT = 900.0
#: SimpleAuthManager's password file (its default name, in AIRFLOW_HOME)
PASSWORDS_FILE = "simple_auth_manager_passwords.json.generated"
LOG_FILE = "standalone.log"
PID_FILE = "standalone.pid"
COMPONENTS = ("metadatabase", "scheduler", "triggerer", "dag_processor")


class Stop(Exception):
    """SIGTERM or SIGHUP: stop Airflow and what this run started, as Ctrl-C does."""


def tools_dir() -> Path:
    """Where the Airflow venvs are (``make airflow-venvs``): ``$MINERA_TOOLS_DIR`` or the repository's."""
    return Path(os.environ.get("MINERA_TOOLS_DIR") or REPO / ".venv-tools")


def airflow_venv() -> Path:
    """The Airflow 3 venv (apache-airflow 3.3, the providers the DAGs use, no Beam)."""
    return tools_dir() / "airflow3"


def airflow_home() -> Path:
    """``$MINERA_HOME/airflow`` (``.local/airflow``): Airflow's config, sqlite database, logs."""
    from pipelines.local import stack

    return stack.home() / "airflow"


# -- the local stack ---------------------------------------------------------------------------------

@dataclass
class LocalStack:
    """The local PostgreSQL as this run found or made it, and the span of its production data."""

    url: str
    started: bool  # this run started PostgreSQL, so it stops it on exit
    seeded: dict[str, int] = field(default_factory=dict)  # rows per table this run seeded
    first: datetime | None = None  # the production app's first and last change (truck_loads.updated_at)
    last: datetime | None = None
    median: datetime | None = None


def prepare_stack(scale: int) -> LocalStack:
    """Start the local PostgreSQL if it is stopped; seed the production app and the SAP stand-in if
    they hold nothing (``make demo``'s seeds, seed 7), so the DAGs have something to load."""
    import psycopg

    from pipelines.local import stack
    from pipelines.local.seed_erp import seed as seed_erp
    from pipelines.local.seed_erp import seeded_erp
    from pipelines.local.seed_production import seed as seed_production

    running = (stack.postgres_data_dir() / "postmaster.pid").exists()
    local = LocalStack(url=stack.start(), started=not running)
    if not _has_rows(local.url, "public.truck_loads"):
        local.seeded.update({f"public.{t}": n for t, n in seed_production(local.url, scale=scale, seed=7).items()})
    if not seeded_erp(local.url):
        local.seeded.update({f"sapsr3.{t}": n for t, n in seed_erp(local.url, scale=max(scale, 1000), seed=7).items()})
    with psycopg.connect(local.url) as conn:
        local.first, local.last, local.median = conn.execute(
            "SELECT min(updated_at), max(updated_at), percentile_disc(0.5) WITHIN GROUP (ORDER BY updated_at) "
            "FROM public.truck_loads").fetchone()
    return local


def _has_rows(url: str, table: str) -> bool:
    import psycopg

    with psycopg.connect(url) as conn:
        (exists,) = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
        return bool(exists) and conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]


def dags_start_date(local: LocalStack) -> str:
    """``DAGS_START_DATE`` as set, else the seeded data's first day: Airflow creates no task for a run
    whose logical date is before a task's start date, so every seeded interval must come after it."""
    value = os.environ.get("DAGS_START_DATE", "").strip()
    if value:
        return value
    first = local.first or datetime.now(timezone.utc)
    return first.astimezone(timezone.utc).date().isoformat()


# -- Airflow's settings ------------------------------------------------------------------------------

def login(home: Path) -> tuple[str, str]:
    """The UI's and the REST API's user and password. SimpleAuthManager keeps passwords in a JSON file
    and generates one for a user it does not find there; writing ours first (random, once, kept
    across restarts) means this process knows it before Airflow starts."""
    path = home / PASSWORDS_FILE
    if path.exists():
        with contextlib.suppress(ValueError):
            passwords = json.loads(path.read_text() or "{}")
            if passwords.get(USER):
                return USER, passwords[USER]
    home.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    path.write_text(json.dumps({USER: password}))
    path.chmod(0o600)
    return USER, password


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now (the kernel's pick)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def check_port(host: str, port: int) -> None:
    """A one-line error if something already listens on ``port`` (another Airflow, say)."""
    taken = False
    with socket.socket() as s:
        s.settimeout(1)
        taken = s.connect_ex(("127.0.0.1" if host in ("0.0.0.0", "") else host, port)) == 0
    if not taken:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a closed socket in TIME_WAIT is no owner
            try:
                s.bind((host, port))
            except OSError:
                taken = True
    if taken:
        raise ConfigError(f"port {port} on {host} is taken (another Airflow?): stop it, or choose another "
                          f"port (--port N, make airflow AIRFLOW_PORT=N)")


def check_venv(venv: Path) -> Path:
    """The venv's ``airflow`` executable, or a one-line error saying how to build it."""
    executable = venv / "bin" / "airflow"
    if not executable.exists():
        raise ConfigError(f"no Airflow 3 venv at {venv}: run `make airflow-venvs` (or point MINERA_TOOLS_DIR "
                          "at the .venv-tools folder that holds airflow3)")
    return executable


def check_not_running(home: Path) -> None:
    """A one-line error if an Airflow started from ``home`` is still alive (its pid file's group)."""
    pid_file = home / PID_FILE
    if not pid_file.exists():
        return
    with contextlib.suppress(ValueError):
        pgid = int(pid_file.read_text().strip())
        if _group_alive(pgid) and "airflow" in _command_line(pgid):
            raise ConfigError(f"an Airflow from {home} still runs (process group {pgid}): stop it "
                              f"(kill -TERM -{pgid}) or use another MINERA_HOME")


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "airflow"  # no /proc (macOS): trust the pid file


def airflow_environment(home: Path, venv: Path, host: str, port: int, start_date: str, schedule: bool,
                        log_ports: tuple[int, int]) -> dict[str, str]:
    """Airflow's environment: this shell's minus any ``AIRFLOW*`` setting (an Airflow configured for
    something else must not leak in), plus the local setup. Anything not set here can be changed in
    ``$AIRFLOW_HOME/airflow.cfg`` (written on first start)."""
    from pipelines.local import stack

    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    launch = os.environ.get("PIPELINES_LAUNCH", "")
    env.update({
        # standalone starts its components as `airflow ...` from PATH
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        # no catch-up of every interval since DAGS_START_DATE when a DAG is unpaused (--schedule turns it on)
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": str(schedule),
        # LocalExecutor's default of 32 worker processes is a lot for a laptop; the loads run one at a time
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / PASSWORDS_FILE),
        "AIRFLOW__API__HOST": host,
        "AIRFLOW__API__PORT": str(port),
        # the UI's links and the task runners' execution API ({base_url}/execution/) follow the port
        "AIRFLOW__API__BASE_URL": base_url(host, port),
        # the log servers' fixed defaults (8793, 8794) would clash with a second local Airflow
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_ports[0]),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(log_ports[1]),
        # the DAGs' side: tasks run this repository's pipelines with this python, on this local stack
        "PIPELINES_LAUNCH": launch if launch.startswith("local") else f"local:{sys.executable}",
        "DAGS_START_DATE": start_date,
        "MINERA_HOME": str(stack.home()),
    })
    return env


def base_url(host: str, port: int) -> str:
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"


# -- the REST API ------------------------------------------------------------------------------------

class AirflowApi:
    """A small client of Airflow 3's REST API (``/auth/token`` for a JWT, then ``/api/v2/...``): what this
    module needs to know Airflow is ready, and what a test needs to unpause, trigger and watch a run."""

    def __init__(self, url: str, username: str, password: str, timeout: float = 30.0):
        self.url = url.rstrip("/")
        self.username, self.password, self.timeout = username, password, timeout
        self._token: str | None = None

    def health(self) -> dict[str, Any]:
        """``/api/v2/monitor/health`` (no login needed): each component's status."""
        return self._call("GET", "/api/v2/monitor/health", auth=False)

    def token(self) -> str:
        """A JWT for the user (SimpleAuthManager): POST ``/auth/token``."""
        if self._token is None:
            body = self._call("POST", "/auth/token", {"username": self.username, "password": self.password},
                              auth=False)
            self._token = body["access_token"]
        return self._token

    def get(self, path: str, **params: Any) -> Any:
        query = urllib.parse.urlencode(params)
        return self._call("GET", f"{path}?{query}" if query else path)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self._call("POST", path, body)

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self._call("PATCH", path, body)

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> str:
        """A task try's log as text: Airflow 3 serves it as structured records (``content``), one a line."""
        path = f"{run_path(dag_id, run_id)}/taskInstances/{quote(task_id)}/logs/{try_number}"
        records = self.get(path, full_content="true").get("content") or []
        return "\n".join(" ".join(str(r[k]) for k in ("timestamp", "level", "event") if r.get(k) is not None)
                         for r in records)

    def _call(self, method: str, path: str, body: dict | None = None, auth: bool = True) -> Any:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                raw = answer.read().decode()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:500]
            raise ApiError(f"{method} {path}: HTTP {exc.code} {detail}", exc.code) from None
        return json.loads(raw) if raw else None


def quote(segment: str) -> str:
    """A path segment as a URL holds it (a manual run's id has ``:`` and ``+``)."""
    return urllib.parse.quote(segment, safe="")


def run_path(dag_id: str, run_id: str) -> str:
    """``/api/v2/dags/{dag_id}/dagRuns/{run_id}``, quoted."""
    return f"/api/v2/dags/{quote(dag_id)}/dagRuns/{quote(run_id)}"


class ApiError(PipelineError):
    """Airflow's REST API said no (the status and its answer's start are in the message)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


# -- the process -------------------------------------------------------------------------------------

class Standalone:
    """``airflow standalone`` in a process group of its own, its output appended to a log file: Ctrl-C
    reaches only this process, which then stops the whole group (scheduler, DAG processor, triggerer,
    API server, LocalExecutor's workers) and any task process still alive."""

    def __init__(self, executable: Path, home: Path, env: dict[str, str]):
        self.executable, self.home, self.env = executable, home, env
        self.log_path = home / LOG_FILE
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(f"\n==== {datetime.now(timezone.utc).isoformat()} airflow standalone\n".encode())
            log.flush()
            self.process = subprocess.Popen([str(self.executable), "standalone"], stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self.env,
                                            cwd=self.home, start_new_session=True)
        (self.home / PID_FILE).write_text(str(self.process.pid))

    def exit_status(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 60.0) -> None:
        """SIGTERM to the group (standalone stops its components, Airflow stops running tasks), SIGKILL
        to what is left after ``timeout``; then the same for task processes that run in sessions of their
        own (BashOperator starts its command with ``start_new_session``), remembered before the signal."""
        if self.process is None:
            return
        pgid = self.process.pid
        stragglers = _descendants(pgid)

        def gone() -> bool:
            self.process.poll()  # reap standalone itself, or the group never empties
            return not _group_alive(pgid) and not any(_alive(p) for p in stragglers)

        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, sig)
            for proc in stragglers:
                with contextlib.suppress(Exception):
                    proc.send_signal(sig)
            deadline = time.monotonic() + wait
            while not gone() and time.monotonic() < deadline:
                time.sleep(0.2)
            if gone():
                break
        self.process.wait()
        with contextlib.suppress(OSError):
            (self.home / PID_FILE).unlink()


def _group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs. Zombies do not count: orphans are reaped by
    whoever adopts them (init, a container's first process), which may take its time."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        import psutil
    except ImportError:
        return True
    for proc in psutil.process_iter():
        with contextlib.suppress(Exception):
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                return True
    return False


def _descendants(pid: int) -> list:
    """Every process below ``pid`` now (psutil, from the dev extras; without it the group is enough)."""
    try:
        import psutil

        return psutil.Process(pid).children(recursive=True)
    except Exception:  # noqa: BLE001 - no psutil, or the process is gone: nothing more to remember
        return []


def _alive(proc) -> bool:
    try:
        return proc.is_running() and proc.status() != "zombie"
    except Exception:  # noqa: BLE001 - gone
        return False


def wait_until_ready(airflow: Standalone, api: AirflowApi, timeout: float) -> dict[str, Any]:
    """Until every component reports healthy and every DAG file is parsed (as a DAG or an import error):
    what a person sees then is the whole DAG folder. Returns the DAGs, the import errors and the version.
    Polls; fails at once if Airflow exits."""
    expected = len(list(DAGS_FOLDER.glob("*.py")))
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        status = airflow.exit_status()
        if status is not None:
            raise PipelineError(f"Airflow exited with status {status} before it was ready; its last lines are "
                                f"above and in {airflow.log_path}")
        try:
            health = api.health()
            unhealthy = [c for c in COMPONENTS if (health.get(c) or {}).get("status") != "healthy"]
            if unhealthy:
                last = f"not healthy yet: {', '.join(unhealthy)}"
            else:
                dags = api.get("/api/v2/dags", limit=100)["dags"]
                errors = api.get("/api/v2/importErrors", limit=100)["import_errors"]
                if len(dags) + len(errors) >= expected:
                    return {"dags": dags, "import_errors": errors, "version": api.get("/api/v2/version")["version"]}
                last = f"{len(dags) + len(errors)} of {expected} DAG files parsed"
        except (OSError, ApiError, ValueError, KeyError) as exc:  # not listening yet, or starting up
            last = str(exc)
        time.sleep(1.0)
    raise PipelineError(f"Airflow not ready after {timeout:.0f}s ({last}); see {airflow.log_path}")


# -- what a person reads -----------------------------------------------------------------------------

def example_interval(local: LocalStack) -> tuple[datetime, datetime]:
    """An hour with truck loads in it (the median load's), as a worked example of a logical date."""
    median = (local.median or datetime(2026, 11, 20, 10, tzinfo=timezone.utc)).astimezone(timezone.utc)
    start = median.replace(minute=0, second=0, microsecond=0)
    return start, start + timedelta(hours=1)


def _relative(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


def ready_message(url: str, user: str, password: str, seen: dict[str, Any], local: LocalStack, home: Path,
                  start_date: str, schedule: bool, seconds: float) -> str:
    """What ``make airflow`` prints once Airflow is ready: where to log in, how to run an interval, where
    the logs are. The first two lines are the ones a script reads (``ready at URL``, ``log in as U / P``)."""
    start, end = example_interval(local)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    lines = [
        f"Airflow {seen['version']} is ready at {url} ({seconds:.0f}s)",
        f"  log in as {user} / {password}   (kept in {_relative(home / PASSWORDS_FILE)})",
        f"  DAGs: {len(seen['dags'])} from {_relative(DAGS_FOLDER)}/, in local mode: a task runs "
        "`python -m pipelines.batch.<x>` here, against the local stack",
    ]
    for error in seen["import_errors"]:
        lines.append(f"  IMPORT ERROR {error.get('filename')}: {(error.get('stack_trace') or '').strip()[-300:]}")
    span = ""
    if local.first and local.last:
        span = f"{local.first.astimezone(timezone.utc):%Y-%m-%d} .. {local.last.astimezone(timezone.utc):%Y-%m-%d}"
    if schedule:
        lines.append(f"  --schedule: unpausing a DAG runs every interval since DAGS_START_DATE={start_date}, "
                     "one after another (production_load_hourly: one run per hour)")
    else:
        lines.append("  every DAG starts paused and nothing is scheduled (no catch-up): to run one interval, "
                     "open a DAG, Trigger,")
        lines.append("  set the logical date to the interval's END and tick \"Unpause on trigger\"; "
                     f"e.g. production_load_hourly with {end:{iso}} loads [{start:{iso}}, {end:{iso}})")
    lines += [
        f"  seeded data: {span} (DAGS_START_DATE={start_date}); REST API and more: docs/airflow.md",
        f"  logs: each task's in the UI (a run, a task, Logs) and in {_relative(home / 'logs')}/; "
        f"Airflow's own in {_relative(home / LOG_FILE)}",
        "  Ctrl-C stops Airflow" + (" and the local PostgreSQL it started" if local.started else ""),
    ]
    return "\n".join(lines)


# -- the entry point ---------------------------------------------------------------------------------

def run(argv: list[str] | None = None) -> None:
    """Start it, wait, print how to use it, run until stopped, stop everything it started."""
    parser = argparse.ArgumentParser(prog="python -m pipelines.local.airflow", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"the UI's and API's port ({DEFAULT_PORT})")
    parser.add_argument("--host", default="127.0.0.1", help="the address it listens on (127.0.0.1: this machine)")
    parser.add_argument("--scale", type=int, default=100_000,
                        help="rows of truck_loads to seed if the local stack is empty (default 100000, as make demo)")
    parser.add_argument("--schedule", action="store_true",
                        help="let the scheduler run the schedules: an unpaused DAG catches up from DAGS_START_DATE")
    parser.add_argument("--timeout", type=float, default=READY_TIMEOUT, help="seconds to wait for it to be ready")
    args = parser.parse_args(argv)

    executable = check_venv(airflow_venv())
    home = airflow_home()
    check_not_running(home)
    check_port(args.host, args.port)
    if not DAGS_FOLDER.is_dir():
        raise ConfigError(f"no DAG folder at {DAGS_FOLDER}: run this from the repository (make airflow)")

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_stop)
    started = time.monotonic()
    local: LocalStack | None = None
    airflow: Standalone | None = None
    try:
        print(f"local stack ({_relative(airflow_home().parent)}): starting PostgreSQL, seeding it if empty ...",
              flush=True)
        local = prepare_stack(args.scale)
        for schema, what in (("public", "the production app"), ("sapsr3", "the SAP stand-in")):
            seeded = {t: n for t, n in local.seeded.items() if t.startswith(f"{schema}.")}
            if seeded:
                print(f"  seeded {what}: {len(seeded)} tables, {sum(seeded.values()):,} rows", flush=True)
        start_date = dags_start_date(local)
        user, password = login(home)
        env = airflow_environment(home, airflow_venv(), args.host, args.port, start_date, args.schedule,
                                  (free_port(), free_port()))
        url = base_url(args.host, args.port)
        airflow = Standalone(executable, home, env)
        print(f"airflow standalone ({_relative(airflow_venv())}), AIRFLOW_HOME={_relative(home)}: starting, "
              f"output in {_relative(airflow.log_path)} ...", flush=True)
        airflow.start()
        try:
            seen = wait_until_ready(airflow, AirflowApi(url, user, password), args.timeout)
        except PipelineError:
            print(airflow.tail(), file=sys.stderr)
            raise
        print(ready_message(url, user, password, seen, local, home, start_date, args.schedule,
                            time.monotonic() - started), flush=True)
        while airflow.exit_status() is None:
            time.sleep(1.0)
        print(airflow.tail(), file=sys.stderr)
        raise PipelineError(f"Airflow exited by itself with status {airflow.exit_status()}; see {airflow.log_path}")
    except (KeyboardInterrupt, Stop):
        print("\nstopping Airflow ...", flush=True)
    finally:
        if airflow is not None:
            airflow.stop()
        if local is not None and local.started:
            from pipelines.local import stack

            stack.stop()
    print("stopped" + (" (and the local PostgreSQL)" if local is not None and local.started else ""), flush=True)


def _raise_stop(signum: int, _frame: object) -> None:
    raise Stop(signal.Signals(signum).name)


#: what a script reads from the output (the test does): the URL, then the login
READY_LINE = re.compile(r"^Airflow (?P<version>\S+) is ready at (?P<url>\S+)")
LOGIN_LINE = re.compile(r"^\s+log in as (?P<user>\S+) / (?P<password>\S+)")


def main(argv: list[str] | None = None) -> int:
    return main_guard(run, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
