"""The equipment marts (sql/models/marts/equipment): machines, availability, failures, MTBF and MTTR.

Hand-made rows go into the production app and the SAP stand-in (a real PostgreSQL) and are loaded by
the real loaders; the operators' app events are written to raw_mobile the way the streaming pipeline
writes them. Every expected value is worked out by hand in the comments.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import psycopg
import pytest
import sqlglot

from pipelines.batch import erp, production
from pipelines.local.fleet import FLEET
from pipelines.schema import load_schema_file
from pipelines.transform.build import ChecksFailed, build
from pipelines.transform.project import close_context, open_context
from pipelines.warehouse.duckdb_tables import create_table_sql

UTC = timezone.utc
LOCAL = timezone(timedelta(hours=-3))  # the mine's shifts: 07:00 and 19:00 local, UTC-3 in summer
ERP_TABLES = "EQUI,EQUZ,ILOA,QMEL,QMIH"
RAW_MOBILE = "raw_mobile.machine_issue_events"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def dats(day: date) -> str:
    return day.strftime("%Y%m%d")


class Mine:
    """Hand-made rows for the three sources, and their loads by the real loaders: the production app's
    tables, the SAP stand-in (client 100 unless told) and the mobile app's raw events."""

    def __init__(self, url: str, warehouse_url: str):
        self.url = url
        self.warehouse_url = warehouse_url
        self._equnr = itertools.count(10_000_001)
        self._iloan = itertools.count(300_001)
        self._qmnum = itertools.count(10_000_001)
        self.equnr: dict[tuple[str, str], str] = {}  # (client, fleet number) -> EQUNR
        self.events: list[dict] = []

    @classmethod
    def fresh(cls, new_empty_sources, folder: Path) -> Mine:
        """A new database with the production app's tables and the SAP stand-in's, no rows (for a
        module's fixture), and a warehouse in ``folder``."""
        url = new_empty_sources()
        return cls(url, f"duckdb://{folder / 'warehouse.duckdb'}")

    def execute(self, sql: str, *params) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql, params)

    # -- the production app -------------------------------------------------------------------

    def shift(self, shift_id: int, starts_at: datetime, kind: str = "day", crew: str = "A") -> None:
        """A 12-hour shift; its date is the mine's local date when it starts."""
        local = starts_at.astimezone(LOCAL).replace(tzinfo=None)
        self.execute("INSERT INTO shifts VALUES (%s, %s, %s, %s, %s, %s, %s, 'J. Rojas', %s)", shift_id, local.date(),
                     kind, crew, local, starts_at, starts_at + timedelta(hours=12), starts_at + timedelta(hours=13))

    def trucks(self, *fleet_numbers: str) -> None:
        """Haul trucks as the fleet has them: model name and rated payload."""
        for truck in FLEET.get(*fleet_numbers):
            self.execute("INSERT INTO trucks VALUES (%s, %s, %s, '2020-01-01', 'operating', 1000, NULL, %s)",
                         truck.fleet_number, truck.purchase.name, truck.rated_payload_t, utc(2026, 1, 1))

    def load(self, load_id: int, truck_id: str, shift_id: int, shovel_id: str, material: str, payload_t: str,
             cycle_time_s: int | None, loaded_at: datetime) -> None:
        dumped = loaded_at + timedelta(seconds=cycle_time_s) if cycle_time_s is not None else None
        self.execute("INSERT INTO truck_loads VALUES (%s, %s, %s, %s, %s, %s, %s, %s, NULL, 3.5, %s, NULL, false, "
                     "%s, %s)", load_id, truck_id, shift_id, shovel_id, material, loaded_at, dumped, payload_t,
                     cycle_time_s, str(uuid.uuid4()), loaded_at + timedelta(minutes=1))

    def status(self, status_id: int, machine_id: str, state: str, started_at: datetime,
               ended_at: datetime | None) -> None:
        self.execute("INSERT INTO equipment_status VALUES (%s, %s, %s, NULL, %s, %s, NULL, %s)", status_id,
                     machine_id, state, started_at, ended_at, ended_at or started_at)

    def reading(self, crusher_id: str, measured_at: datetime, tonnes_per_hour: str, power_kw: float = 700.0) -> None:
        self.execute("INSERT INTO crusher_throughput VALUES (%s, %s, %s, %s, '165.0', 780.0, %s)", crusher_id,
                     measured_at, tonnes_per_hour, power_kw, measured_at + timedelta(seconds=5))

    # -- the ERP (SAP stand-in) ---------------------------------------------------------------

    def equipment(self, fleet_number: str, eqart: str, periods: tuple[tuple[date, date, str], ...] = (),
                  superior: str | None = None, client: str = "100") -> str:
        """An EQUI record with fleet number TIDNR, installed at location STORT for each (from, to,
        location) period (EQUZ segment -> ILOA), or under the machine ``superior`` from 2020 on."""
        equnr = f"{next(self._equnr):018d}"
        self.equnr[client, fleet_number] = equnr
        self.execute('INSERT INTO sapsr3."EQUI" ("MANDT", "EQUNR", "ERDAT", "EQTYP", "EQART", "HERST", "TYPBZ", '
                     '"TIDNR") VALUES (%s, %s, \'20200101\', \'M\', %s, \'MAKER\', \'MODEL\', %s)',
                     client, equnr, eqart, fleet_number)
        if superior:
            self.execute('INSERT INTO sapsr3."EQUZ" ("MANDT", "EQUNR", "DATBI", "EQLFN", "DATAB", "ERDAT", "HEQUI") '
                         "VALUES (%s, %s, '99991231', '001', '20200101', '20200101', %s)",
                         client, equnr, self.equnr[client, superior])
        for number, (valid_from, valid_to, location) in enumerate(periods, start=1):
            iloan = f"{next(self._iloan):012d}"
            self.execute('INSERT INTO sapsr3."ILOA" ("MANDT", "ILOAN", "TPLNR", "STORT") VALUES (%s, %s, %s, %s)',
                         client, iloan, f"MINE-{location}", location)
            self.execute('INSERT INTO sapsr3."EQUZ" ("MANDT", "EQUNR", "DATBI", "EQLFN", "DATAB", "ERDAT", "ILOAN") '
                         "VALUES (%s, %s, %s, %s, %s, '20200101', %s)",
                         client, equnr, dats(valid_to), f"{number:03d}", dats(valid_from), iloan)
        return equnr

    def breakdown(self, fleet_number: str, start: datetime, end: datetime | None, client: str = "100",
                  order: str = " ") -> str:
        """A breakdown notification (QMEL M2 + QMIH with MSAUS 'X') on the equipment with this fleet
        number; ``start``/``end``: the malfunction's local date and time (naive: SAP has no zone)."""
        qmnum = f"{next(self._qmnum):012d}"
        self.execute('INSERT INTO sapsr3."QMEL" ("MANDT", "QMNUM", "QMART", "ERDAT", "QMDAT", "MZEIT", "AUFNR") '
                     "VALUES (%s, %s, 'M2', %s, %s, %s, %s)", client, qmnum, dats(start.date()), dats(start.date()),
                     start.strftime("%H%M%S"), order)
        self.execute('INSERT INTO sapsr3."QMIH" ("MANDT", "QMNUM", "EQUNR", "MSAUS", "AUSVN", "AUZTV", "AUSBS", '
                     '"AUZTB") VALUES (%s, %s, %s, \'X\', %s, %s, %s, %s)', client, qmnum,
                     self.equnr[client, fleet_number], dats(start.date()), start.strftime("%H%M%S"),
                     dats(end.date()) if end else "00000000", end.strftime("%H%M%S") if end else "000000")
        return qmnum.lstrip("0")

    # -- the mobile app -----------------------------------------------------------------------

    def issue(self, machine_id: str, severity: str, opened_at: datetime, resolved_at: datetime | None) -> str:
        """An issue the operators' app reported (opened, and resolved when ``resolved_at``)."""
        issue_id = str(uuid.uuid4())
        for event_type, at in (("opened", opened_at), ("resolved", resolved_at)):
            if at is not None:
                self.events.append({
                    "event_id": str(uuid.uuid4()), "issue_id": issue_id, "machine_id": machine_id,
                    "event_type": event_type, "severity": severity, "category": "hydraulics", "description": None,
                    "reported_by": "op-1187", "event_time": at, "message_id": str(uuid.uuid4().int)[:12],
                    "publish_time": at + timedelta(seconds=2), "_run_id": "run-1",
                    "_loaded_at": at + timedelta(seconds=3)})
        return issue_id

    # -- loads --------------------------------------------------------------------------------

    def load_all(self) -> None:
        """The production app and the ERP through their loaders, the app's events as the stream writes them."""
        production.run(["--source_url", self.url, "--warehouse", self.warehouse_url, "--lag_seconds", "0"])
        erp.run(["--source_url", self.url, "--warehouse", self.warehouse_url, "--tables", ERP_TABLES])
        with duckdb.connect(self.warehouse_url.removeprefix("duckdb://")) as con:
            con.execute("CREATE SCHEMA IF NOT EXISTS raw_mobile")
            con.execute(create_table_sql(RAW_MOBILE, load_schema_file("raw_mobile/machine_issue_events.json")))
            if self.events:
                names = list(self.events[0])
                con.executemany(f"INSERT INTO {RAW_MOBILE} ({', '.join(names)}) VALUES "
                                f"({', '.join('?' for _ in names)})", [[e[n] for n in names] for e in self.events])


def rows(warehouse_url: str, sql: str, params: list | None = None) -> list[dict]:
    """The rows of a query as dicts, read in a UTC session."""
    con = duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


@contextmanager
def sqlmesh(warehouse_url: str) -> Iterator:
    """SQLMesh's own context on the project, as ``sqlmesh -p sql`` has it (a run at a chosen time)."""
    ctx = open_context(warehouse_url)
    try:
        yield ctx
    finally:
        close_context(ctx)


@contextmanager
def logged_warnings() -> Iterator[list[str]]:
    """The warnings the build logs (a non-blocking check that failed while its model was built)."""
    got: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: got.append(record.getMessage())
    logger = logging.getLogger("pipelines.transform.build")
    logger.addHandler(handler)
    try:
        yield got
    finally:
        logger.removeHandler(handler)



FOREVER = date(9999, 12, 31)
OCTOBER_H = 31 * 24  # hours in October (and in July)


@pytest.fixture(scope="module")
def mine(new_empty_sources, tmp_path_factory):
    """The fleet in the ERP, a status log, breakdowns in three systems; loaded and built once."""
    mine = Mine.fresh(new_empty_sources, tmp_path_factory.mktemp("marts_equipment"))
    since = date(2020, 1, 1)
    mine.equipment("HT-0001", "HAULTRUCK", ((since, FOREVER, "PIT1"),))
    mine.equipment("HT-0037", "HAULTRUCK", ((since, FOREVER, "PIT2"),))
    mine.equipment("HT-0001-ENG", "ENGINE", superior="HT-0001")  # a component of HT-0001, not a machine
    mine.equipment("SH-01", "SHOVEL", ((since, date(2026, 11, 20), "PIT1"), (date(2026, 11, 21), FOREVER, "PIT2")))
    mine.equipment("SH-06", "SHOVEL", ((since, FOREVER, "PIT2"),))
    mine.equipment("CR-PRIMARY-1", "CRUSHER", ((since, FOREVER, "PLANT"),))
    # DR-01's second segment starts within its first (which ends the day before), and two segments start
    # on 2026-06-01: the later one (EQLFN 003) wins
    mine.equipment("DR-01", "DRILL", ((since, FOREVER, "PIT1"), (date(2026, 6, 1), FOREVER, "PIT2"),
                                      (date(2026, 6, 1), FOREVER, "WORKSHOP")))
    mine.equipment("PP-01", "PUMP")  # no installation period at all
    mine.equipment("HT-0001", "HAULTRUCK", ((since, FOREVER, "PIT9"),), client="200")  # another company's truck

    # the status log: HT-0001 from 2026-11-19 22:00 UTC to 2026-11-22 00:00 UTC
    for status in (
        (1, "HT-0001", "running", utc(2026, 11, 19, 22), utc(2026, 11, 20, 6)),
        (2, "HT-0001", "down_unplanned", utc(2026, 11, 20, 6), utc(2026, 11, 20, 9)),
        (3, "HT-0001", "idle", utc(2026, 11, 20, 9), utc(2026, 11, 20, 10)),
        (4, "HT-0001", "running", utc(2026, 11, 20, 10), utc(2026, 11, 20, 20)),
        (5, "HT-0001", "down_planned", utc(2026, 11, 20, 20), utc(2026, 11, 21, 2)),
        # 02:00-04:00 on the 21st: no record
        (6, "HT-0001", "running", utc(2026, 11, 21, 4), utc(2026, 11, 21, 12)),
        (7, "HT-0001", "down_unplanned", utc(2026, 11, 21, 11), utc(2026, 11, 21, 13)),  # overlaps 6 by an hour
        (8, "HT-0001", "running", utc(2026, 11, 21, 13), utc(2026, 11, 22)),
        (9, "SH-06", "running", utc(2026, 11, 22, 6), None),  # still running
        (10, "HT-0001", "down_unplanned", utc(2026, 10, 5, 10), utc(2026, 10, 5, 14)),
    ):
        mine.status(*status)

    # breakdowns (SAP times are the mine's local time: UTC-3 from September, UTC-4 in July)
    # 1. HT-0001 on 2026-10-05: the status log 10:00-14:00 UTC (status 10), the app 10:20-13:50, the ERP on
    #    its engine 07:05-12:00 local (10:05-15:00 UTC): one failure, its repair time from the status log
    mine.failure_issue = mine.issue("HT-0001", "high", utc(2026, 10, 5, 10, 20), utc(2026, 10, 5, 13, 50))
    mine.failure_notification = mine.breakdown("HT-0001-ENG", datetime(2026, 10, 5, 7, 5), datetime(2026, 10, 5, 12))
    # 2. HT-0001 on 2026-10-20, in the app only: 08:00-10:30 UTC
    mine.issue("HT-0001", "critical", utc(2026, 10, 20, 8), utc(2026, 10, 20, 10, 30))
    mine.issue("HT-0001", "low", utc(2026, 10, 25, 8), utc(2026, 10, 25, 9))  # a low issue is no failure
    # 3. DR-01, in the ERP only: 2026-07-15 08:00-10:00 local = 12:00-14:00 UTC (winter time, UTC-4)
    mine.breakdown("DR-01", datetime(2026, 7, 15, 8), datetime(2026, 7, 15, 10))
    # 4. DR-01 2026-10-10 20:00 to 2026-10-11 02:00 local = 23:00 to 05:00 UTC, with its maintenance order
    mine.breakdown("DR-01", datetime(2026, 10, 10, 20), datetime(2026, 10, 11, 2), order="000004000001")
    # 5. DR-01 2026-10-28 09:00 local (12:00 UTC), still open in the ERP; the app reports it at 12:30 UTC
    mine.breakdown("DR-01", datetime(2026, 10, 28, 9), None)
    mine.issue("DR-01", "critical", utc(2026, 10, 28, 12, 30), None)
    # 6. CV-99, which the ERP does not know, in the app: 2026-10-15 09:00-10:00 UTC
    mine.issue("CV-99", "critical", utc(2026, 10, 15, 9), utc(2026, 10, 15, 10))
    mine.breakdown("HT-0001", datetime(2026, 10, 12, 8), datetime(2026, 10, 12, 9), client="200")  # not the mine's
    mine.load_all()
    began = datetime.now(timezone.utc)
    with logged_warnings() as warnings:
        mine.report = build(mine.warehouse_url, select="marts")
    mine.built_between = (began, datetime.now(timezone.utc))
    mine.warnings = warnings
    return mine


def test_the_marts_are_built_and_checked(mine):
    assert mine.report.failures == [] and mine.report.stopped == []
    assert {"marts.machines", "marts.equipment_availability", "marts.machine_failures", "marts.equipment_reliability",
            "marts.equipment_reliability_by_class"} <= set(mine.report.built)
    # warnings, not stops: status 6 and 7 overlap; CV-99 is not in the ERP
    assert sorted(w for w in mine.warnings if "audit error" in w) == [
        "models: marts.equipment_availability: 'forall' audit error: 1 row failed.",
        "models: marts.machine_failures: 'reference_exists' audit error: 1 row failed."]


def test_machines_by_fleet_number_with_where_they_worked(mine):
    got = [(r["machine_id"], r["valid_from"], r["valid_to"], r["is_current"], r["machine_class"], r["pit"])
           for r in rows(mine.warehouse_url, "SELECT * FROM marts.machines ORDER BY machine_id, valid_from")]
    since = date(2020, 1, 1)
    assert got == [
        ("CR-PRIMARY-1", since, FOREVER, True, "CRUSHER", "PLANT"),
        ("DR-01", since, date(2026, 5, 31), False, "DRILL", "PIT1"),  # cut the day before the next segment
        ("DR-01", date(2026, 6, 1), FOREVER, True, "DRILL", "WORKSHOP"),  # the day's last segment
        ("HT-0001", since, FOREVER, True, "HAULTRUCK", "PIT1"),  # client 100's, not client 200's
        ("HT-0037", since, FOREVER, True, "HAULTRUCK", "PIT2"),
        ("PP-01", date(1, 1, 1), FOREVER, True, "PUMP", None),
        ("SH-01", since, date(2026, 11, 20), False, "SHOVEL", "PIT1"),
        ("SH-01", date(2026, 11, 21), FOREVER, True, "SHOVEL", "PIT2"),
        ("SH-06", since, FOREVER, True, "SHOVEL", "PIT2"),
    ]  # the engine HT-0001-ENG is a component: no row


def test_availability_per_machine_and_day(mine):
    keys = ("running_s", "idle_s", "down_planned_s", "down_unplanned_s", "recorded_s", "unrecorded_s",
            "available_s", "availability_pct", "overlapping_s", "reversed_records")
    got = {(r["machine_id"], r["day"]): r
           for r in rows(mine.warehouse_url, "SELECT * FROM marts.equipment_availability")}
    day = {d: [got["HT-0001", d][k] for k in keys] for d in (date(2026, 11, 19), date(2026, 11, 20),
                                                             date(2026, 11, 21))}
    # 19th: running from 22:00 (2 h); the rest unrecorded, which counts as available
    assert day[date(2026, 11, 19)] == [7200, 0, 0, 0, 7200, 79200, 86400, 100.0, 0, 0]
    # 20th: running 00-06 and 10-20 (16 h), down unplanned 06-09, idle 09-10, down planned 20-24;
    # available 24 - 3 - 4 = 17 h = 61,200 s, 70.83 %
    assert day[date(2026, 11, 20)] == [57600, 3600, 14400, 10800, 86400, 0, 61200, pytest.approx(100 * 17 / 24), 0, 0]
    # 21st: down planned 00-02, nothing 02-04, running 04-11, down unplanned 11-13 (status 7 started after
    # status 6 and wins the hour both cover), running 13-24; available 24 - 2 - 2 = 20 h
    assert day[date(2026, 11, 21)] == [64800, 0, 7200, 7200, 79200, 7200, 72000, pytest.approx(100 * 20 / 24),
                                       3600, 0]
    assert ("HT-0001", date(2026, 11, 22)) not in got  # status 8 ends at midnight
    # SH-06's interval without an end runs on: from 06:00 on the 22nd, then whole days
    assert [got["SH-06", date(2026, 11, 22)][k] for k in keys[:6]] == [64800, 0, 0, 0, 64800, 21600]
    assert [got["SH-06", date(2026, 11, 23)][k] for k in keys[:6]] == [86400, 0, 0, 0, 86400, 0]
    assert got["HT-0001", date(2026, 10, 5)]["availability_pct"] == pytest.approx(100 * 20 / 24)  # 4 h down
    assert {r["machine_class"] for r in got.values()} == {"HAULTRUCK", "SHOVEL"}


def test_failures_from_three_systems_each_once(mine):
    keys = ("machine_class", "repair_source", "repair_started_at", "repair_ended_at", "repair_h", "is_open",
            "status_log_records", "erp_notifications", "mobile_issues", "erp_order_number")
    got = {(r["machine_id"], r["failed_at"]): [r[k] for k in keys]
           for r in rows(mine.warehouse_url, "SELECT * FROM marts.machine_failures")}
    assert got == {
        # the app's report and the ERP's (on the engine) are the status log's failure; repair 10:00-14:00
        ("HT-0001", utc(2026, 10, 5, 10)): ["HAULTRUCK", "status_log", utc(2026, 10, 5, 10), utc(2026, 10, 5, 14), 4.0,
                                            False, 1, 1, 1, None],
        ("HT-0001", utc(2026, 10, 20, 8)): ["HAULTRUCK", "mobile_app", utc(2026, 10, 20, 8), utc(2026, 10, 20, 10, 30),
                                           2.5, False, 0, 0, 1, None],
        ("HT-0001", utc(2026, 11, 20, 6)): ["HAULTRUCK", "status_log", utc(2026, 11, 20, 6), utc(2026, 11, 20, 9), 3.0,
                                           False, 1, 0, 0, None],
        ("HT-0001", utc(2026, 11, 21, 11)): ["HAULTRUCK", "status_log", utc(2026, 11, 21, 11), utc(2026, 11, 21, 13),
                                            2.0, False, 1, 0, 0, None],
        # 08:00 local in July is 12:00 UTC (UTC-4), 20:00 local in October 23:00 UTC (UTC-3)
        ("DR-01", utc(2026, 7, 15, 12)): ["DRILL", "erp", utc(2026, 7, 15, 12), utc(2026, 7, 15, 14), 2.0, False,
                                          0, 1, 0, None],
        ("DR-01", utc(2026, 10, 10, 23)): ["DRILL", "erp", utc(2026, 10, 10, 23), utc(2026, 10, 11, 5), 6.0, False,
                                           0, 1, 0, "4000001"],
        # open in the ERP at 12:00, reported in the app half an hour later: one failure, still open
        ("DR-01", utc(2026, 10, 28, 12)): ["DRILL", "erp", utc(2026, 10, 28, 12), None, None, True, 0, 1, 1, None],
        ("CV-99", utc(2026, 10, 15, 9)): [None, "mobile_app", utc(2026, 10, 15, 9), utc(2026, 10, 15, 10), 1.0, False,
                                          0, 0, 1, None],
    }
    (first,) = rows(mine.warehouse_url, "SELECT * FROM marts.machine_failures WHERE failed_at = ?",
                    [utc(2026, 10, 5, 10)])
    assert (first["first_status_id"], first["erp_notification_number"], first["mobile_issue_id"]) == (
        10, mine.failure_notification, mine.failure_issue)


def reliability(mine: Mine, model: str, key: str, month: date) -> dict[str, dict]:
    return {r[key]: r for r in rows(mine.warehouse_url, f"SELECT * FROM marts.{model} WHERE month = ?", [month])}


def test_mtbf_and_mttr_per_machine_and_month(mine):
    keys = ("machine_class", "calendar_h", "failures", "open_failures", "closed_failures", "repair_h", "downtime_h",
            "mtbf_h", "mttr_h", "status_days", "available_h", "availability_pct")
    october = {m: [r[k] for k in keys] for m, r in
               reliability(mine, "equipment_reliability", "machine_id", date(2026, 10, 1)).items()}
    # every machine of the ERP, and CV-99 that only the app knows
    assert sorted(october) == ["CR-PRIMARY-1", "CV-99", "DR-01", "HT-0001", "HT-0037", "PP-01", "SH-01", "SH-06"]
    # HT-0001: 2 failures, 4 h + 2.5 h down; MTBF (744 - 6.5) / 2; MTTR 6.5 / 2; 5 October 20 h available
    assert october["HT-0001"] == ["HAULTRUCK", OCTOBER_H, 2, 0, 2, 6.5, 6.5, (744 - 6.5) / 2, 3.25, 1, 20.0,
                                  pytest.approx(100 * 20 / 24)]
    # DR-01: 2 failures, one still open (its time down is unknown); MTBF (744 - 6) / 2, MTTR 6 / 1
    assert october["DR-01"] == ["DRILL", OCTOBER_H, 2, 1, 1, 6.0, 6.0, 369.0, 6.0, 0, 0.0, None]
    assert october["CV-99"] == ["UNKNOWN", OCTOBER_H, 1, 0, 1, 1.0, 1.0, 743.0, 1.0, 0, 0.0, None]
    assert october["HT-0037"] == ["HAULTRUCK", OCTOBER_H, 0, 0, 0, 0.0, 0.0, None, None, 0, 0.0, None]
    july = reliability(mine, "equipment_reliability", "machine_id", date(2026, 7, 1))  # the first month
    assert [july["DR-01"][k] for k in ("failures", "downtime_h", "mtbf_h", "mttr_h")] == [1, 2.0, 742.0, 2.0]
    assert not rows(mine.warehouse_url, "SELECT * FROM marts.equipment_reliability WHERE month < '2026-07-01'")
    # November: HT-0001's 3 h and 2 h from the status log; the month's hours up to the build
    november = reliability(mine, "equipment_reliability", "machine_id", date(2026, 11, 1))["HT-0001"]
    began, ended = mine.built_between
    hours = [min(720.0, (t - utc(2026, 11, 1)).total_seconds() / 3600) for t in (began, ended)]
    assert hours[0] <= november["calendar_h"] <= hours[1]
    assert [november[k] for k in ("failures", "repair_h", "downtime_h", "mttr_h")] == [2, 5.0, 5.0, 2.5]
    assert november["mtbf_h"] == pytest.approx((november["calendar_h"] - 5) / 2)


def test_mtbf_and_mttr_per_class_count_every_machine(mine):
    keys = ("machines", "calendar_h", "failures", "closed_failures", "repair_h", "downtime_h", "mtbf_h", "mttr_h",
            "status_days", "available_h", "availability_pct")
    october = {c: [r[k] for k in keys] for c, r in
               reliability(mine, "equipment_reliability_by_class", "machine_class", date(2026, 10, 1)).items()}
    assert sorted(october) == ["CRUSHER", "DRILL", "HAULTRUCK", "PUMP", "SHOVEL", "UNKNOWN"]  # no ENGINE
    # two haul trucks: 2 * 744 h, HT-0001's 2 failures and 6.5 h: MTBF (1488 - 6.5) / 2 = 740.75
    assert october["HAULTRUCK"] == [2, 2 * OCTOBER_H, 2, 2, 6.5, 6.5, 740.75, 3.25, 1, 20.0,
                                    pytest.approx(100 * 20 / 24)]
    assert october["DRILL"] == [1, OCTOBER_H, 2, 1, 6.0, 6.0, 369.0, 6.0, 0, 0.0, None]
    assert october["SHOVEL"] == [2, 2 * OCTOBER_H, 0, 0, 0.0, 0.0, None, None, 0, 0.0, None]


@pytest.mark.slow
def test_the_models_run_the_same_sql_on_bigquery(rendering):
    for name in ("machines", "equipment_availability", "machine_failures", "equipment_reliability",
                 "equipment_reliability_by_class"):
        statement = rendering.render(f"marts.{name}", start="2026-11-20", end="2026-11-20").sql(
            dialect="bigquery", comments=False)
        tree = sqlglot.parse_one(statement, read="bigquery")
        tables = {t.sql("bigquery") for t in tree.find_all(sqlglot.exp.Table) if t.db}
        assert tables and all(t.startswith(("`minera-prod`.`staging`.", "`minera-prod`.`marts`.")) for t in tables)
    failures = rendering.render("marts.machine_failures").sql(dialect="bigquery")
    # the ERP's local date and time, made UTC in the mine's zone (DST included) on both engines
    assert ("TIMESTAMP(DATETIME(`h`.`malfunction_end_on`, `h`.`malfunction_end_at_time`), 'America/Santiago')"
            in failures)
    assert ("CAST(CAST(CAST(\"h\".\"malfunction_end_on\" AS DATE) + CAST(\"h\".\"malfunction_end_at_time\" AS TIME) "
            "AS TIMESTAMP) AS TIMESTAMP) AT TIME ZONE 'America/Santiago'"
            in rendering.render("marts.machine_failures").sql(dialect="duckdb"))
    availability = rendering.get_model("marts.equipment_availability")
    assert (availability.kind.name, availability.time_column.column.name, availability.interval_unit.value,
            availability.lookback) == ("INCREMENTAL_BY_TIME_RANGE", "day", "day", 3)
    assert [p.sql("bigquery") for p in availability.partitioned_by] == ["`day`"]
    statement = rendering.render("marts.equipment_availability", start="2026-11-20", end="2026-11-21").sql(
        dialect="bigquery", comments=False)
    assert ("GENERATE_DATE_ARRAY(GREATEST(DATE(`i`.`started_at`), CAST('2026-11-20' AS DATE)), "
            "LEAST(DATE(TIMESTAMP_SUB(`i`.`ended_at`, INTERVAL '1' MICROSECOND)), CAST('2026-11-21' AS DATE)), "
            "INTERVAL '1' DAY)) AS `day`" in statement)  # each interval cut into the UTC days of the run


def test_each_run_redoes_the_last_3_days_of_availability(empty_production_url, warehouse_url, minera_home):
    """A run after the first build computes the days it has not built and the 3 before them: an interval
    corrected 2 days late counts; one corrected 10 days late waits for a restatement."""
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    old, recent = today - timedelta(days=10), today - timedelta(days=2)
    mine = Mine(empty_production_url, warehouse_url)
    mine.status(1, "HT-0001", "down_unplanned", old + timedelta(hours=10), old + timedelta(hours=12))
    mine.status(2, "HT-0001", "down_unplanned", recent + timedelta(hours=10), recent + timedelta(hours=12))
    mine.equipment("HT-0001", "HAULTRUCK", ((date(2020, 1, 1), FOREVER, "PIT1"),))
    mine.load_all()
    build(warehouse_url, select="marts")

    def down() -> dict[date, float]:
        return {r["day"]: r["down_unplanned_s"] for r in
                rows(warehouse_url, "SELECT day, down_unplanned_s FROM marts.equipment_availability")}

    assert down() == {old.date(): 7200, recent.date(): 7200}
    # both breakdowns turn out to have ended an hour earlier: the app corrects them, the loader brings them
    mine.execute("UPDATE equipment_status SET ended_at = ended_at - interval '1 hour', updated_at = now()")
    production.run(["--source_url", mine.url, "--warehouse", warehouse_url, "--lag_seconds", "0"])
    with sqlmesh(warehouse_url) as ctx:  # the next daily run, at least two days later
        ctx.run(select_models=["marts.equipment_availability"], execution_time=today + timedelta(days=3),
                ignore_cron=True, no_auto_upstream=True)
    assert down() == {old.date(): 7200, recent.date(): 3600}  # the older day is not rebuilt


def test_a_failed_check_names_the_rows_and_stops_what_reads_them(empty_production_url, warehouse_url, minera_home):
    mine = Mine(empty_production_url, warehouse_url)
    mine.equipment("HT-0001", "HAULTRUCK", ((date(2020, 1, 1), FOREVER, "PIT1"),))
    mine.equipment("DR-01", "DRILL", ((date(2020, 1, 1), FOREVER, "PIT1"),))
    mine.status(1, "HT-0001", "down_unplanned", utc(2026, 11, 20, 10), utc(2026, 11, 20, 9))  # ends before it starts
    mine.breakdown("DR-01", datetime(2026, 10, 10, 20), datetime(2026, 10, 9, 2))  # a mistyped end date
    mine.load_all()
    with pytest.raises(ChecksFailed) as failed:
        build(warehouse_url, select="marts")
    message = str(failed.value)
    assert ("marts.equipment_availability: check forall(criteria := (reversed_records = 0, " in message
            and "failed on 1 row(s), e.g. machine_id=HT-0001, day=2026-11-20 00:00:00, machine_class=HAULTRUCK"
            in message)
    # the same status record is a failure that ends before it starts, and so is the ERP's mistyped one
    assert ("marts.machine_failures: check forall(criteria := (failed_at <= repair_started_at, is_open = "
            "(repair_ended_at IS NULL), status_log_records + erp_notifications + mobile_issues > 0, repair_source = "
            "'mobile_app' OR repair_ended_at >= repair_started_at)) failed on 2 row(s), e.g. machine_id=DR-01, "
            "failed_at=2026-10-10 23:00:00+00:00, machine_class=DRILL, repair_source=erp; machine_id=HT-0001, "
            "failed_at=2026-11-20 10:00:00+00:00, machine_class=HAULTRUCK, repair_source=status_log") in message
    assert message.endswith("; not built: marts.equipment_reliability, marts.equipment_reliability_by_class")


def test_a_failure_dated_in_the_future_stops_the_reliability_marts(empty_production_url, warehouse_url, minera_home):
    mine = Mine(empty_production_url, warehouse_url)
    mine.equipment("DR-01", "DRILL", ((date(2020, 1, 1), FOREVER, "PIT1"),))
    next_year = datetime.now(timezone.utc).year + 1
    mine.breakdown("DR-01", datetime(next_year, 1, 10, 8), datetime(next_year, 1, 10, 9))  # 2062 for 2026, say
    mine.load_all()
    with pytest.raises(ChecksFailed) as failed:
        build(warehouse_url, select="marts")
    # the months run to the failure's; a month not yet begun has no hours
    assert ("marts.equipment_reliability: check forall(criteria := (calendar_h > 0, " in str(failed.value)
            and f"e.g. machine_id=DR-01, month={next_year}-01-01 00:00:00, machine_class=DRILL, calendar_h=-"
            in str(failed.value))
    assert str(failed.value).endswith("; not built: marts.equipment_reliability_by_class")


def test_one_fleet_number_for_two_machines_stops_every_mart_that_reads_machines(empty_production_url, warehouse_url,
                                                                                minera_home):
    mine = Mine(empty_production_url, warehouse_url)
    mine.equipment("HT-0001", "HAULTRUCK", ((date(2020, 1, 1), FOREVER, "PIT1"),))
    mine.equipment("HT-0001", "HAULTRUCK", ((date(2021, 1, 1), FOREVER, "PIT2"),))  # a second EQUNR, same TIDNR
    mine.load_all()
    with pytest.raises(ChecksFailed) as failed:
        build(warehouse_url, select="marts")
    assert ("marts.machines: check unique_combination_of_columns(machine_id, condition := is_current) failed on "
            "1 row(s), e.g. machine_id=HT-0001" in str(failed.value))
    stopped = str(failed.value).split("; not built: ")[1].split(", ")
    assert sorted(stopped) == [f"marts.{m}" for m in (
        "cycle_times_by_shift", "equipment_availability", "equipment_reliability", "equipment_reliability_by_class",
        "fill_factor_by_shift", "machine_failures", "tonnes_by_shift", "truck_loads")]
