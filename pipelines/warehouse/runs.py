"""Run bookkeeping every loader shares: who runs a run, when a ``running`` row is dead, abandoning it.

Every ``ops.load_runs`` row a launcher writes carries its ``host`` and ``pid``; while it works, a
:class:`Heartbeat` renews ``heartbeat_at`` every :data:`HEARTBEAT_S` seconds. A ``running`` row is
**dead** when

- its host is this host and no process with its pid has been running since the run started
  (killed, crashed, the machine rebooted): exact, and known at once (a live pid here is alive,
  whatever its heartbeat); or
- it ran on another host and its last sign of life (``heartbeat_at``, else ``started_at``) is
  older than :data:`LEASE_S` (a launcher that stopped renewing, e.g. an evicted Composer pod).

Two loaders running at once, on other tables or pipelines, are both alive by both rules. Each run
starts by marking the dead rows ``abandoned`` (``abandoned_at``, ``abandoned_by`` = its run id), so
a dashboard of run health never shows a run ``running`` after its launcher is gone.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta, timezone

from pipelines.errors import one_line

log = logging.getLogger(__name__)

HEARTBEAT_S = 120.0
LEASE_S = 900.0  # several missed heartbeats: a slow warehouse is not a dead launcher
PID_START_SLACK = timedelta(seconds=2)  # /proc's boot time is whole seconds


def launcher() -> dict:
    """The fields that say which process runs a run (merged into every ops.load_runs row it writes)."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def process_started_at(pid: int) -> datetime | None:
    """When process ``pid`` of this host started, from /proc (Linux); None if there is no such
    process (or only its zombie). Without /proc, the Unix epoch for a process that exists."""
    if not os.path.exists("/proc/self/stat"):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return datetime.fromtimestamp(0, timezone.utc)
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    if fields[0] == "Z":  # exited, not yet reaped by its parent
        return None
    with open("/proc/stat") as f:
        boot = next(int(line.split()[1]) for line in f if line.startswith("btime "))
    ticks = int(fields[19])  # field 22 of /proc/PID/stat: start time in clock ticks after boot
    return datetime.fromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"), timezone.utc)


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


def dead_reason(row: dict, now: datetime, host: str | None = None) -> str | None:
    """Why a ``running`` row's run is dead (see the module docstring), or None while it may live.

    ``row`` has ``host``, ``pid``, ``started_at`` and ``heartbeat_at``; ``host`` is this host."""
    host = host or socket.gethostname()
    started = _utc(row.get("started_at"))
    if row.get("host") == host and row.get("pid") is not None:  # this host's process table knows for sure
        began = process_started_at(int(row["pid"]))
        if began is None:
            return f"its launcher (pid {row['pid']} on {host}) is gone"
        if started is not None and began > started + PID_START_SLACK:
            return f"its launcher (pid {row['pid']} on {host}) is gone; that pid is another process now"
        return None
    last = _utc(row.get("heartbeat_at")) or started
    if last is not None and (now - last).total_seconds() > LEASE_S:
        where = f"pid {row['pid']} on {row['host']}" if row.get("host") else "an older loader"
        return f"no sign of life from its launcher ({where}) since {last.isoformat()}"
    return None


def abandon_dead_runs(warehouse, run_id: str, dry_run: bool = False) -> list[dict]:
    """Mark the ``running`` rows of dead runs ``abandoned`` by ``run_id``; returns those rows.
    A dry run only logs them."""
    now = datetime.now(timezone.utc)
    dead = []
    for row in warehouse.running_runs():
        reason = dead_reason(row, now)
        if reason is not None:
            dead.append({**row, "error": f"abandoned: {reason}"})
    if not dead:
        return []
    for row in dead:
        log.warning("run %s, %s: was left running; %s%s", row["run_id"], row["table_name"], row["error"],
                    "" if dry_run else f"; marked abandoned by run {run_id}")
    if not dry_run:
        warehouse.mark_abandoned(dead, run_id, now)
    return dead


def record_outcome(warehouse, rows: list[dict]) -> bool:
    """Record a run's failure in ``ops.load_runs`` without ever hiding the failure itself: if the
    warehouse cannot take the rows either (locked, unreachable), say so and go on; the rows stay
    ``running`` until the next run marks them abandoned."""
    try:
        warehouse.record_runs(rows)
    except Exception as exc:  # noqa: BLE001 - the run's own error is the one to report
        log.error("could not record run %s in ops.load_runs (%s); the next run will mark it abandoned",
                  rows[0]["run_id"] if rows else "?", one_line(exc))
        return False
    return True


class Heartbeat:
    """While a run works, renew ``heartbeat_at`` of its ``running`` rows every ``every`` seconds
    (a daemon thread; a beat that fails is logged and skipped: the lease outlasts several)."""

    def __init__(self, warehouse, run_id: str, every: float = HEARTBEAT_S):
        self.warehouse, self.run_id, self.every = warehouse, run_id, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{run_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.warehouse.heartbeat(self.run_id, datetime.now(timezone.utc))
            except Exception as exc:  # noqa: BLE001 - a missed beat is not the run's failure
                log.warning("run %s: heartbeat not recorded: %s", self.run_id, one_line(exc))
