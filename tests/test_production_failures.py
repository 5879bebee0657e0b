"""The production loader on bad input and crashes, through its real command line.

docs/contracts.md#batch-command-line: a bad URL, an unreachable database, an unknown table or an unreadable file
gives a one-line error naming the problem and a non-zero exit (2 for a bad command line or
configuration, 1 otherwise, see pipelines/errors.py), and no partial data is visible in the
raw tables. Every test also checks that the next correct run recovers: it loads exactly
the source's rows, once.

Failing runs go through ``python -m pipelines.batch.production`` in a subprocess (exit
status, stderr); several independent ones run side by side to keep the file quick. The
recovery runs are in-process (``production.run``).
"""

from __future__ import annotations

import glob
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import psycopg
import pytest

from pipelines.batch import production
from pipelines.beam_runs import beam_error

REPO = Path(__file__).resolve().parent.parent
KEYS = {"shifts": "shift_id", "trucks": "truck_id", "truck_loads": "load_id", "drill_holes": "hole_id",
        "blasts": "blast_id", "crusher_throughput": "crusher_id, measured_at", "equipment_status": "status_id"}


# --- running the command line ------------------------------------------------------------

def cli_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PGPASSWORD", "OTHER_VAR")}
    env.update(MINERA_HOME=str(home), MINERA_LOG_LEVEL="INFO", **extra)
    return env


def start_cli(args: list[str], home: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipelines.batch.production", *args], cwd=REPO,
                            env=cli_env(home, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def sigint_as_from_a_terminal():
    """Ctrl-C as a terminal sends it. A suite started in the background (`make test &`, a CI
    runner's job) inherits SIGINT *ignored*, and so would the loader it starts, which would then
    never see the signal. A handler (unlike "ignored") does not survive exec: the loader starts
    with the default. (Not a preexec_fn: forking a process that runs gRPC threads and running
    Python in the child before exec can abort the child.)"""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def run_cli_many(runs: list[tuple[list[str], dict[str, str]]], home: Path) -> list[subprocess.CompletedProcess]:
    """Run several command lines side by side (each pays Beam's import time)."""
    procs = [start_cli(args, home, **env) for args, env in runs]
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


def assert_one_line_error(proc: subprocess.CompletedProcess, status: int, *needles: str) -> str:
    """Exit status, no traceback, and stderr ending in exactly one ``error: ...`` line."""
    tail = proc.stderr[-3000:]
    assert proc.returncode == status, tail
    assert "Traceback" not in proc.stderr, tail
    lines = proc.stderr.rstrip("\n").splitlines()
    assert lines, "nothing on stderr"
    last = lines[-1]
    assert last.startswith("error: "), tail
    assert [line for line in lines if line.startswith("error")] == [last], tail
    for needle in needles:
        assert needle in last, last
    return last


# --- looking at the warehouse and the source ---------------------------------------------

def wh_url(path: Path) -> str:
    return f"duckdb://{path}"


def warehouse_state(path: Path) -> dict:
    """Raw row counts, watermarks and run rows; empty when the file was never created."""
    state = {"raw": {}, "watermarks": {}, "runs": []}
    if not path.exists():
        return state
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()
        for schema, table in tables:
            if schema == "raw_production":
                state["raw"][table] = con.execute(f"SELECT count(*) FROM raw_production.{table}").fetchone()[0]
        if ("ops", "watermarks") in tables:
            state["watermarks"] = dict(con.execute("SELECT table_name, watermark FROM ops.watermarks").fetchall())
        if ("ops", "load_runs") in tables:
            state["runs"] = con.execute("SELECT run_id, table_name, status, error, partitions FROM ops.load_runs "
                                        "ORDER BY run_id, table_name").fetchall()
    return state


def assert_nothing_loaded(path: Path, runs_allowed: bool = False) -> dict:
    state = warehouse_state(path)
    assert all(rows == 0 for rows in state["raw"].values()), state["raw"]
    assert state["watermarks"] == {}
    if not runs_allowed:
        assert state["runs"] == []  # planning failed: not even a 'running' row was written
    return state


def source_count(url: str, table: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT count(*) FROM public.{table}").fetchone()[0]


def raw_counts(path: Path, table: str) -> tuple[int, int, int]:
    """(rows, distinct keys, distinct key versions) of a raw table."""
    key, raw = KEYS[table], f"raw_production.{table}"
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"SELECT count(*), (SELECT count(*) FROM (SELECT DISTINCT {key} FROM {raw})), "
                           f"(SELECT count(*) FROM (SELECT DISTINCT {key}, updated_at FROM {raw})) "
                           f"FROM {raw}").fetchone()


def load(source_url: str, path: Path, tables: str | None = "public.trucks", *extra: str) -> list:
    """A correct in-process run."""
    argv = ["--source_url", source_url, "--warehouse", wh_url(path), "--lag_seconds", "0", *extra]
    if tables:
        argv += ["--tables", tables]
    return production.run(argv)


def assert_recovers(source_url: str, path: Path, table: str = "trucks", extra: tuple[str, ...] = (),
                    count_url: str | None = None) -> None:
    """The next correct run loads exactly the source's rows, each once, and sets the watermark."""
    outcomes = load(source_url, path, f"public.{table}", *extra)
    want = source_count(count_url or source_url, table)
    assert [(o.source_table, o.rows, o.error) for o in outcomes] == [(f"public.{table}", want, None)]
    assert raw_counts(path, table) == (want, want, want)
    assert f"public.{table}" in warehouse_state(path)["watermarks"]


def database_name(url: str) -> str:
    return url.split("?")[0].rsplit("/", 1)[1]


# --- 1. unreachable database -------------------------------------------------------------

def test_unreachable_database_fails_in_one_line_and_loads_nothing(production_url, minera_home, tmp_path):
    socket_missing = f"postgresql://loader@/production?host={tmp_path / 'no_such_socket_dir'}"
    tcp_closed = "postgresql://loader@127.0.0.1:1/production"
    warehouses = [tmp_path / "socket.duckdb", tmp_path / "tcp.duckdb"]
    procs = run_cli_many([
        (["--source_url", socket_missing, "--tables", "public.trucks", "--warehouse", wh_url(warehouses[0])], {}),
        (["--source_url", tcp_closed, "--tables", "public.trucks", "--warehouse", wh_url(warehouses[1])], {}),
    ], minera_home)
    assert_one_line_error(procs[0], 1, "unreachable", str(tmp_path / "no_such_socket_dir"))
    assert_one_line_error(procs[1], 1, "unreachable", "127.0.0.1:1/production")
    for path in warehouses:
        assert_nothing_loaded(path)
    assert_recovers(production_url, warehouses[0])


# --- 2. wrong password -------------------------------------------------------------------

def _reload_hba(admin_url: str, loader_url: str, expect_password: bool) -> None:
    """pg_reload_conf() signals the postmaster; wait until new connections see the new rules."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        assert conn.execute("SELECT pg_reload_conf()").fetchone()[0]
        errors = conn.execute("SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL").fetchone()[0]
        assert errors == 0
    deadline = time.monotonic() + 10
    while True:
        try:
            psycopg.connect(loader_url, connect_timeout=5).close()
            asks_password = False
        except psycopg.OperationalError as exc:
            assert "password" in str(exc), exc
            asks_password = True
        if asks_password == expect_password:
            return
        assert time.monotonic() < deadline, "pg_hba.conf reload not seen"
        time.sleep(0.05)


@pytest.fixture
def password_source(pg_server, pg_admin_url, production_url):
    """``production_url`` as role ``loader``, which must give password 'right' on the socket.

    The server is shared by the session: pg_hba.conf is restored afterwards.
    """
    assert production_url.startswith("postgresql://postgres:@/")
    loader_url = production_url.replace("postgresql://postgres:@/", "postgresql://loader@/", 1)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        hba = Path(conn.execute("SHOW hba_file").fetchone()[0])
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'loader'").fetchone()
        conn.execute(f"{'ALTER' if exists else 'CREATE'} ROLE loader LOGIN PASSWORD 'right'")
    assert hba.parent.resolve() == Path(pg_server.pgdata).resolve()
    with psycopg.connect(production_url, autocommit=True) as conn:
        conn.execute("GRANT USAGE ON SCHEMA public TO loader")
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO loader")
    original = hba.read_text()
    hba.write_text("local all loader scram-sha-256\n" + original)
    try:
        _reload_hba(pg_admin_url, loader_url, expect_password=True)
        yield loader_url
    finally:
        hba.write_text(original)
        _reload_hba(pg_admin_url, loader_url, expect_password=False)


def test_wrong_or_missing_password_is_an_authentication_error(password_source, production_url, minera_home,
                                                              tmp_path, monkeypatch):
    args = ["--source_url", password_source, "--tables", "public.trucks"]
    cases = [
        ({}, []),                                                      # no password at all
        ({"PGPASSWORD": "wrong-pw-1"}, []),
        ({"OTHER_VAR": "wrong-pw-2", "PGPASSWORD": "right"}, ["--source_password_env", "OTHER_VAR"]),
    ]
    paths = [tmp_path / f"w{i}.duckdb" for i in range(len(cases))]
    procs = run_cli_many([(args + extra + ["--warehouse", wh_url(p)], env)
                          for (env, extra), p in zip(cases, paths, strict=True)], minera_home)
    for proc, path in zip(procs, paths, strict=True):
        assert_one_line_error(proc, 1, "authentication failed", database_name(password_source))
        assert "wrong-pw" not in proc.stderr
        assert_nothing_loaded(path)

    monkeypatch.setenv("PGPASSWORD", "right")
    assert_recovers(password_source, paths[0])
    monkeypatch.setenv("PGPASSWORD", "wrong")
    monkeypatch.setenv("OTHER_VAR", "right")
    assert_recovers(password_source, paths[2], "trucks", ("--source_password_env", "OTHER_VAR"),
                    count_url=production_url)


# --- 3. password or garbage in --source_url ----------------------------------------------

def test_password_in_source_url_is_refused_without_echoing_it(production_url, pg_server, minera_home, tmp_path):
    socket_dir = production_url.split("host=", 1)[1]
    dbname = database_name(production_url)
    urls = [
        f"postgresql://loader:s3cr3t-pw@/{dbname}?host={socket_dir}",
        f"postgresql://loader@/{dbname}?host={socket_dir}&password=s3cr3t-pw",
        "postgresql://loader:s3cr3t-pw@127.0.0.1:notaport/production",
        "postgresql://loader@127.0.0.1:notaport/production",
    ]
    paths = [tmp_path / f"w{i}.duckdb" for i in range(len(urls))]
    procs = run_cli_many([(["--source_url", url, "--tables", "public.trucks", "--warehouse", wh_url(path)], {})
                          for url, path in zip(urls, paths, strict=True)], minera_home)
    for proc in procs[:3]:
        assert_one_line_error(proc, 2, "--source_url must not contain a password")
        assert "s3cr3t" not in proc.stderr + proc.stdout
    assert_one_line_error(procs[3], 2, "bad --source_url", "notaport")
    for path in paths:
        assert_nothing_loaded(path)
    assert_recovers(production_url, paths[0])


# --- 4. unknown table --------------------------------------------------------------------

def test_unknown_table_fails_planning_and_loads_no_table(production_url, minera_home, tmp_path):
    alone, together = tmp_path / "alone.duckdb", tmp_path / "together.duckdb"
    procs = run_cli_many([
        (["--source_url", production_url, "--tables", "public.no_such_table", "--warehouse", wh_url(alone)], {}),
        (["--source_url", production_url, "--tables", "public.trucks,public.shifts,public.no_such_table",
          "--warehouse", wh_url(together), "--lag_seconds", "0"], {}),
    ], minera_home)
    for proc in procs:
        assert_one_line_error(proc, 2, "unknown table public.no_such_table")
    for path in (alone, together):
        state = assert_nothing_loaded(path)  # also: no 'running' row left behind
        assert state["raw"] == {}
    assert not (minera_home / "staging").exists() or not any((minera_home / "staging").rglob("*.parquet"))
    assert_recovers(production_url, together)
    assert_recovers(production_url, together, "shifts")


# --- 5. bad --warehouse ------------------------------------------------------------------

def test_bad_warehouse_is_a_usage_error(production_url, minera_home, tmp_path):
    folder = tmp_path / "a_folder"
    folder.mkdir()
    values = ["nonsense", "mysql://x", "duckdb://", f"duckdb://{folder}"]
    procs = run_cli_many([(["--source_url", production_url, "--tables", "public.trucks", "--warehouse", value], {})
                          for value in values], minera_home)
    for proc, value in zip(procs, values, strict=True):
        last = assert_one_line_error(proc, 2, "--warehouse")
        assert value in last
    assert list(folder.iterdir()) == []
    assert not (minera_home / "warehouse.duckdb").exists()  # no fallback to the default warehouse
    assert not (minera_home / "staging").exists()
    assert_recovers(production_url, tmp_path / "good.duckdb")


# --- 6. bad --start / --end --------------------------------------------------------------

def test_a_bad_window_bound_is_a_usage_error_that_loads_nothing(production_url, minera_home, tmp_path):
    # What only the command line shows: exit status 2, one line, nothing loaded, the next run recovers.
    # Every other bad bound (an impossible date, --start after --end, each cursor type) is the same
    # parse, tested without a process in tests/test_bounds.py.
    path = tmp_path / "w.duckdb"
    (proc,) = run_cli_many([(["--source_url", production_url, "--tables", "public.trucks", "--start", "yesterday",
                              "--warehouse", wh_url(path)], {})], minera_home)
    assert_one_line_error(proc, 2, "bad --start 'yesterday'")
    assert_nothing_loaded(path)
    assert_recovers(production_url, path)


# --- extraction fails: a source read error, an unwritable staging location ---------------

def test_failed_extraction_names_the_cause_and_commits_no_table(production_url, minera_home, tmp_path):
    with psycopg.connect(production_url, autocommit=True) as conn:  # fails on its third row, mid-read
        conn.execute("CREATE VIEW public.broken AS SELECT g AS id, 1 / (g - 3) AS x FROM generate_series(1, 5) g")
    not_a_folder = tmp_path / "staging_is_a_file"
    not_a_folder.write_text("")
    read_fails, write_fails = tmp_path / "read.duckdb", tmp_path / "write.duckdb"
    procs = run_cli_many([
        (["--source_url", production_url, "--tables", "public.trucks,public.broken", "--warehouse",
          wh_url(read_fails), "--lag_seconds", "0", "--run_id", "read-fails"], {}),
        (["--source_url", production_url, "--tables", "public.trucks", "--warehouse", wh_url(write_fails),
          "--lag_seconds", "0", "--staging_location", str(not_a_folder / "sub"), "--run_id", "write-fails"], {}),
    ], minera_home)
    assert_one_line_error(procs[0], 1, "extraction failed, nothing loaded", "public.broken", "division by zero")
    assert_one_line_error(procs[1], 1, "extraction failed, nothing loaded", str(not_a_folder))
    for path, run_id, tables in ((read_fails, "read-fails", ["public.broken", "public.trucks"]),
                                 (write_fails, "write-fails", ["public.trucks"])):
        state = assert_nothing_loaded(path, runs_allowed=True)
        assert [(r[0], r[1], r[2]) for r in state["runs"]] == [(run_id, t, "failed") for t in tables]
        assert all(r[3] and "Traceback" not in r[3] for r in state["runs"])
    assert_recovers(production_url, read_fails)


def test_beam_error_reports_the_last_exception_of_a_worker_traceback():
    text = ("Traceback (most recent call last):\n  File \"apache_beam/runners/common.py\", line 1512, in process\n"
            "OSError: [Errno 28] No space left on device\n\nDuring handling of the above exception, another "
            "exception occurred:\n\nTraceback (most recent call last):\n  File \"x.py\", line 1, in f\n"
            "    raise\nOSError: [Errno 28] No space left on device [while running 'ExtractToStaging/Write']\n")
    assert beam_error(RuntimeError(text)) == \
        "OSError: [Errno 28] No space left on device [while running 'ExtractToStaging/Write']"


# --- 7. killed run -----------------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_killed_run_leaves_no_raw_rows_and_the_next_run_loads_everything_once(production_url, pg_admin_url,
                                                                              minera_home, tmp_path, sig,
                                                                              sigint_as_from_a_terminal):
    # A view whose read sleeps holds one Beam bundle open while the other bundle stages its
    # truck_loads partitions: the run is caught mid-extraction, whatever the machine's speed.
    dbname = database_name(production_url)
    with psycopg.connect(production_url, autocommit=True) as conn:
        conn.execute("CREATE VIEW public.slow_reads AS SELECT 1 AS id FROM pg_sleep(120)")
    path, staging = tmp_path / "w.duckdb", tmp_path / "staging"
    proc = start_cli(["--source_url", production_url, "--tables", "public.truck_loads,public.slow_reads",
                      "--warehouse", wh_url(path), "--staging_location", str(staging), "--lag_seconds", "0",
                      "--rows_per_partition", "200", "--direct_num_workers", "2", "--run_id", "killed-run"],
                     minera_home)
    manifests = str(staging / "killed-run" / "raw_production" / "truck_loads" / "part-*.json")
    try:
        deadline = time.monotonic() + 90
        while not glob.glob(manifests):
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "no partition was staged"
            time.sleep(0.05)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:  # the sleeping read outlives the loader
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s AND pid <> pg_backend_pid()", (dbname,))
    staged = len(glob.glob(manifests))

    assert "Traceback" not in err, err[-3000:]
    state = assert_nothing_loaded(path, runs_allowed=True)
    assert set(state["raw"]) <= {"truck_loads"}
    runs = {r[1]: r for r in state["runs"]}
    assert set(runs) == {"public.truck_loads", "public.slow_reads"}
    assert 0 < staged < runs["public.truck_loads"][4]  # caught mid-extraction: some partitions staged
    if sig == signal.SIGINT:
        assert_one_line_error(subprocess.CompletedProcess(proc.args, proc.returncode, "", err), 130, "interrupted")
        assert {r[0] for r in runs.values()} == {"killed-run"}
        assert all(r[2] == "failed" and "KeyboardInterrupt" in r[3] for r in runs.values())
    else:
        assert proc.returncode == -sig
        assert [(r[0], r[2]) for r in runs.values()] == [("killed-run", "running")] * 2

    outcomes = load(production_url, path, "public.truck_loads", "--staging_location", str(staging),
                    "--rows_per_partition", "2000", "--run_id", "next-run")
    want = source_count(production_url, "truck_loads")
    assert [o.rows for o in outcomes] == [want]
    assert raw_counts(path, "truck_loads") == (want, want, want)  # nothing of the killed run slipped in
    assert "public.truck_loads" in warehouse_state(path)["watermarks"]
    # the next run found the killed run's launcher gone: its rows say so, and who noticed when
    with duckdb.connect(str(path), read_only=True) as con:
        killed = con.execute("SELECT table_name, status, abandoned_by, abandoned_at IS NOT NULL, error "
                             "FROM ops.load_runs WHERE run_id = 'killed-run' ORDER BY table_name").fetchall()
    if sig == signal.SIGINT:
        assert [r[1:4] for r in killed] == [("failed", None, False)] * 2
    else:
        assert [r[:4] for r in killed] == [(t, "abandoned", "next-run", True)
                                           for t in ("public.slow_reads", "public.truck_loads")]
        assert all(r[4] == f"abandoned: its launcher (pid {proc.pid} on {socket.gethostname()}) is gone"
                   for r in killed)


# --- 8. one table fails at commit, the others load ---------------------------------------

def test_table_failing_at_commit_keeps_its_rows_and_watermark_while_others_load(production_url, minera_home,
                                                                                 tmp_path):
    path, staging = tmp_path / "w.duckdb", tmp_path / "staging"
    first = load(production_url, path, None, "--staging_location", str(staging), "--run_id", "first-run")
    assert len(first) == len(KEYS) and all(o.error is None for o in first)
    before = warehouse_state(path)

    # Someone adds a NOT NULL column to the raw table: every insert into it now fails.
    with duckdb.connect(str(path)) as con:
        con.execute("ALTER TABLE raw_production.trucks ADD COLUMN reviewed_by VARCHAR")
        con.execute("UPDATE raw_production.trucks SET reviewed_by = 'ops'")
        con.execute("ALTER TABLE raw_production.trucks ALTER COLUMN reviewed_by SET NOT NULL")
    with psycopg.connect(production_url) as conn:
        trucks_changed = conn.execute("UPDATE trucks SET updated_at = now() WHERE truck_id IN "
                                      "(SELECT truck_id FROM trucks ORDER BY truck_id LIMIT 5)").rowcount
        loads_changed = conn.execute("UPDATE truck_loads SET payload_t = payload_t + 1, updated_at = now() "
                                     "WHERE load_id % 1000 = 0").rowcount
    assert trucks_changed == 5 and loads_changed > 0

    proc = run_cli_many([(["--source_url", production_url, "--warehouse", wh_url(path), "--lag_seconds", "0",
                           "--staging_location", str(staging), "--run_id", "failing-run"], {})], minera_home)[0]
    last = assert_one_line_error(proc, 1, f"1 of {len(KEYS)} tables failed: public.trucks:", "NOT NULL",
                                 f"staged files kept under {staging / 'failing-run'}")
    assert "public.truck_loads" not in last
    assert glob.glob(str(staging / "failing-run" / "raw_production" / "trucks" / "part-*.parquet"))

    after = warehouse_state(path)
    assert after["raw"]["trucks"] == before["raw"]["trucks"]
    assert after["watermarks"]["public.trucks"] == before["watermarks"]["public.trucks"]
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT DISTINCT _run_id FROM raw_production.trucks").fetchall() == [("first-run",)]
    assert after["raw"]["truck_loads"] == before["raw"]["truck_loads"] + loads_changed
    assert after["watermarks"]["public.truck_loads"] > before["watermarks"]["public.truck_loads"]
    runs = {r[1]: r for r in after["runs"] if r[0] == "failing-run"}
    assert len(runs) == len(KEYS)
    assert runs["public.trucks"][2] == "failed" and "NOT NULL" in runs["public.trucks"][3]
    assert all(r[2] == "succeeded" for name, r in runs.items() if name != "public.trucks")

    with duckdb.connect(str(path)) as con:  # the fix
        con.execute("ALTER TABLE raw_production.trucks ALTER COLUMN reviewed_by DROP NOT NULL")
    outcomes = {o.source_table: o for o in load(production_url, path, None, "--staging_location", str(staging))}
    assert outcomes["public.trucks"].rows == trucks_changed and outcomes["public.trucks"].error is None
    assert all(o.rows == 0 for name, o in outcomes.items() if name != "public.trucks")
    for table in KEYS:
        rows, keys, versions = raw_counts(path, table)
        assert keys == source_count(production_url, table), table
        assert versions == rows, table  # no row version loaded twice
    assert raw_counts(path, "trucks")[0] == before["raw"]["trucks"] + trucks_changed
    assert warehouse_state(path)["watermarks"]["public.trucks"] > before["watermarks"]["public.trucks"]


@pytest.mark.slow
@pytest.mark.parametrize("status", [130, 1])
def test_an_entry_point_exits_with_its_status_and_its_output(status):
    """After an interrupt, at once: a runner thread may still be inside a slow source read (the
    SIGINT case above) and must not hold the exit. Otherwise, the normal way out."""
    code = ("import sys, threading, time\n"
            "from pipelines.errors import exit_process\n"
            f"threading.Thread(target=time.sleep, args=({60 if status == 130 else 1},)).start()  # not a daemon\n"
            "print('summary line', end='')  # buffered: must still come out\n"
            "print('error: one line', file=sys.stderr, end='')\n"
            f"exit_process({status})\n")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=30)
    assert proc.returncode == status, proc.stderr
    assert (proc.stdout, proc.stderr) == ("summary line", "error: one line")
    assert time.monotonic() - started < 20
