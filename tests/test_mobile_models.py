"""The mobile app's staging model over the machinery issue events the streaming pipeline landed.

Each test creates ``raw_mobile.machine_issue_events`` in a real DuckDB (the table the pipeline
writes, from its schema file), streams event rows into it the way the pipeline does (at least once,
in arrival order), applies ``staging.stg_mobile__machine_issues`` with the models runner and reads
the view in a session time zone that leaves daylight saving time while the issues are open: one row
per issue, its state after its events in event order, whatever order they arrived in.
"""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest
import sqlglot

from pipelines.models import apply_models, discover
from pipelines.schema import load_schema_file
from pipelines.warehouse.duckdb_tables import create_table_sql

pytestmark = pytest.mark.slow  # builds the models in DuckDB

MODEL = "stg_mobile__machine_issues"
VIEW = f"staging.{MODEL}"
RAW = "raw_mobile.machine_issue_events"
# 20:00 in Santiago; Chile leaves daylight saving time at 2026-04-05 03:00 UTC (00:00 -03 -> 23:00 -04),
# so a duration worked out on local times instead of instants would be an hour short
T0 = datetime(2026, 4, 4, 23, 0, tzinfo=timezone.utc)
SANTIAGO = "America/Santiago"
COLUMNS = {
    "issue_id": "VARCHAR", "machine_id": "VARCHAR", "machine_type": "VARCHAR", "category": "VARCHAR",
    "status": "VARCHAR", "is_open": "BOOLEAN", "current_severity": "VARCHAR", "max_severity": "VARCHAR",
    "opened_at": "TIMESTAMP WITH TIME ZONE", "opened_event_missing": "BOOLEAN", "first_reported_by": "VARCHAR",
    "description": "VARCHAR", "acknowledged_at": "TIMESTAMP WITH TIME ZONE",
    "resolved_at": "TIMESTAMP WITH TIME ZONE", "time_to_acknowledge_minutes": "DOUBLE",
    "time_to_resolve_minutes": "DOUBLE", "reopened_count": "BIGINT", "last_reopened_at": "TIMESTAMP WITH TIME ZONE",
    "last_event_type": "VARCHAR", "events_count": "BIGINT", "last_event_at": "TIMESTAMP WITH TIME ZONE",
    "last_published_at": "TIMESTAMP WITH TIME ZONE",
}
_message_ids = itertools.count(10_000_000)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def new_issue() -> str:
    return str(uuid.uuid4())


def event(issue_id: str, event_type: str, minutes: float, *, severity: str = "high", machine_id: str = "HT-0042",
          category: str = "hydraulics", description: str | None = None, reported_by: str = "op-1187",
          published: float | None = None, event_id: str | None = None) -> dict:
    """One event as the app sends it, published two seconds after it happened unless ``published``
    (minutes after T0) says when Pub/Sub accepted it."""
    event_time = at(minutes)
    return {
        "event_id": event_id or str(uuid.uuid4()), "issue_id": issue_id, "machine_id": machine_id,
        "event_type": event_type, "severity": severity, "category": category, "description": description,
        "reported_by": reported_by, "event_time": event_time,
        "message_id": str(next(_message_ids)),
        "publish_time": at(published) if published is not None else event_time + timedelta(seconds=2),
    }


def connect(path: Path, read_only: bool = False, time_zone: str = "UTC") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute(f"SET TimeZone = '{time_zone}'")
    return con


def utc(value):
    """A timestamp as the same instant in UTC: DuckDB gives it in the session's zone, and Python never
    finds a time of the repeated hour when DST ends (fold) equal to a time in another zone."""
    return value.astimezone(timezone.utc) if isinstance(value, datetime) else value


class Stream:
    """The raw table and the view over it; ``arrive`` writes rows the way a pipeline run does."""

    def __init__(self, warehouse_url: str):
        self.warehouse_url = warehouse_url
        self.path = Path(warehouse_url.removeprefix("duckdb://"))
        self._runs = itertools.count(1)
        with connect(self.path) as con:
            con.execute("CREATE SCHEMA raw_mobile")
            con.execute(create_table_sql(RAW, load_schema_file("raw_mobile/machine_issue_events.json")))
        assert apply_models(warehouse_url, select=MODEL) == [VIEW]

    def arrive(self, *events: dict, loaded_after_s: float = 1) -> None:
        """One run appends these rows in this order, each written ``loaded_after_s`` after its publish."""
        run_id = f"run-{next(self._runs)}"
        rows = [{**e, "_run_id": run_id, "_loaded_at": e["publish_time"] + timedelta(seconds=loaded_after_s)}
                for e in events]
        names = list(rows[0])
        with connect(self.path) as con:
            con.executemany(f"INSERT INTO {RAW} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                            [[r[n] for n in names] for r in rows])

    def issues(self, time_zone: str = SANTIAGO) -> dict[str, dict]:
        with connect(self.path, read_only=True, time_zone=time_zone) as con:
            cursor = con.execute(f"SELECT * FROM {VIEW}")
            names = [d[0] for d in cursor.description]
            rows = [dict(zip(names, map(utc, row), strict=True)) for row in cursor.fetchall()]
        by_issue = {r["issue_id"]: r for r in rows}
        assert len(by_issue) == len(rows)  # one row per issue
        return by_issue

    def issue(self, issue_id: str) -> dict:
        return self.issues()[issue_id]

    def raw_count(self) -> int:
        with connect(self.path, read_only=True) as con:
            return con.execute(f"SELECT count(*) FROM {RAW}").fetchone()[0]


@pytest.fixture
def stream(warehouse_url) -> Stream:
    return Stream(warehouse_url)


def test_out_of_order_arrival_ends_in_the_state_of_the_latest_event(stream):
    issue = new_issue()
    opened = event(issue, "opened", 0, description="hoist cylinder leaking", reported_by="op-1187")
    # the supervisor's phone was out of coverage: the acknowledgement is published after the resolution
    acknowledged = event(issue, "acknowledged", 10, published=45, reported_by="sup-0007")
    resolved = event(issue, "resolved", 30, reported_by="mech-0311", description="seal replaced")
    stream.arrive(opened, resolved)
    row = stream.issue(issue)
    assert (row["status"], row["is_open"], row["acknowledged_at"], row["time_to_resolve_minutes"]) == (
        "resolved", False, None, 30.0)

    stream.arrive(acknowledged)  # it happened before the resolution: it does not reopen the issue
    assert stream.issue(issue) == {
        "issue_id": issue, "machine_id": "HT-0042", "machine_type": "haul truck", "category": "hydraulics",
        "status": "resolved", "is_open": False, "current_severity": "high", "max_severity": "high",
        "opened_at": at(0), "opened_event_missing": False, "first_reported_by": "op-1187",
        "description": "seal replaced", "acknowledged_at": at(10), "resolved_at": at(30),
        "time_to_acknowledge_minutes": 10.0, "time_to_resolve_minutes": 30.0,
        "reopened_count": 0, "last_reopened_at": None, "last_event_type": "resolved", "events_count": 3,
        "last_event_at": at(30), "last_published_at": at(45),
    }
    with connect(stream.path, read_only=True) as con:
        described = {name: kind for name, kind, *_ in con.execute(f"DESCRIBE {VIEW}").fetchall()}
    assert described == COLUMNS and list(described) == list(COLUMNS)


def test_an_event_written_more_than_once_counts_once(stream):
    issue, other = new_issue(), new_issue()
    opened = event(issue, "opened", 0)
    acknowledged = event(issue, "acknowledged", 4)
    resolved = event(issue, "resolved", 20)
    retried = {**resolved, "message_id": str(next(_message_ids)), "publish_time": at(23)}  # the app retried
    stream.arrive(opened, acknowledged, resolved, event(other, "opened", 1))
    stream.arrive(opened, resolved, event(other, "opened", 1) | {"event_id": "not-the-same"})
    stream.arrive(retried, acknowledged, loaded_after_s=30)  # a streaming insert retried, a re-published event
    assert stream.raw_count() == 9

    rows = stream.issues()
    assert rows[issue]["events_count"] == 3 and rows[other]["events_count"] == 2
    assert (rows[issue]["status"], rows[issue]["resolved_at"], rows[issue]["time_to_resolve_minutes"]) == (
        "resolved", at(20), 20.0)
    # the first published copy of an event is the one kept: the retry published later changes nothing
    assert rows[issue]["last_published_at"] == at(20) + timedelta(seconds=2)
    # a second opened event of an open issue (another event_id) is a report again, not a reopening
    assert (rows[other]["status"], rows[other]["reopened_count"], rows[other]["opened_at"]) == ("open", 0, at(1))


def test_equal_event_times_are_ordered_by_publish_time_then_event_id(stream):
    escalated, reopened, closed, tied = (new_issue() for _ in range(4))
    stream.arrive(*(event(i, "opened", 0, severity="low") for i in (escalated, reopened, closed, tied)))
    # two updates of the same second: the later published wins, whatever the order they were written in
    stream.arrive(event(escalated, "updated", 20, severity="critical", published=21),
                  event(escalated, "updated", 20, severity="medium", published=20.1))
    # an update and a resolution of the same second: the later published decides whether it is open
    stream.arrive(event(reopened, "updated", 20, published=21), event(reopened, "resolved", 20, published=20.1),
                  event(closed, "resolved", 20, published=21), event(closed, "updated", 20, published=20.1))
    # same second, same publish time: the greater event_id wins (any order would do, but always the same)
    stream.arrive(event(tied, "updated", 20, severity="medium", published=20.1,
                        event_id="ffffffff-0000-4000-8000-000000000000"),
                  event(tied, "updated", 20, severity="critical", published=20.1,
                        event_id="00000000-0000-4000-8000-000000000000"))

    rows = stream.issues()
    assert (rows[escalated]["current_severity"], rows[escalated]["max_severity"]) == ("critical", "critical")
    assert (rows[reopened]["status"], rows[reopened]["is_open"], rows[reopened]["resolved_at"]) == ("open", True, None)
    assert (rows[reopened]["reopened_count"], rows[reopened]["last_event_type"]) == (1, "updated")
    assert (rows[closed]["status"], rows[closed]["resolved_at"], rows[closed]["reopened_count"]) == (
        "resolved", at(20), 0)
    assert (rows[tied]["current_severity"], rows[tied]["max_severity"]) == ("medium", "critical")


def test_severity_escalation_gives_the_highest_and_the_current_severity(stream):
    issue = new_issue()
    stream.arrive(
        event(issue, "opened", 0, severity="low", machine_id="HT-0024", description="noise from the pump"),
        event(issue, "updated", 15, severity="medium", machine_id="HT-0042", description="wrong truck: HT-0042"),
        event(issue, "updated", 30, severity="critical", description="pressure dropping fast"),
        event(issue, "acknowledged", 32, severity="critical", reported_by="sup-0007"),
        event(issue, "updated", 50, severity="high", category="engine", description=None),  # downgraded
    )
    row = stream.issue(issue)
    assert (row["current_severity"], row["max_severity"]) == ("high", "critical")
    assert row["description"] == "pressure dropping fast"  # the latest one given
    assert (row["machine_id"], row["machine_type"], row["category"]) == ("HT-0042", "haul truck", "engine")
    # an update keeps an acknowledged issue acknowledged
    assert (row["status"], row["is_open"], row["last_event_type"], row["events_count"]) == (
        "acknowledged", True, "updated", 5)
    assert (row["acknowledged_at"], row["time_to_acknowledge_minutes"], row["resolved_at"]) == (at(32), 32.0, None)


@pytest.mark.parametrize("time_zone", [SANTIAGO, "Pacific/Kiritimati", "UTC"])
def test_times_to_acknowledge_and_resolve_are_exact_minutes(stream, time_zone):
    issue = new_issue()
    acknowledged = T0 + timedelta(minutes=7, seconds=30, microseconds=250_000)
    resolved = T0 + timedelta(hours=4, minutes=15)  # 23:00 -> 03:15 UTC: across the end of Chile's DST
    stream.arrive(event(issue, "opened", 0),
                  event(issue, "acknowledged", 0) | {"event_time": acknowledged},
                  event(issue, "resolved", 0) | {"event_time": resolved, "publish_time": resolved})
    row = stream.issues(time_zone)[issue]
    assert row["time_to_acknowledge_minutes"] == 450_250_000 / 60_000_000  # 7.504166... minutes
    assert row["time_to_resolve_minutes"] == 255.0
    assert (row["opened_at"], row["acknowledged_at"], row["resolved_at"]) == (T0, acknowledged, resolved)


def test_an_issue_whose_opened_event_never_arrived(stream):
    acknowledged_first, updated_only, resolved_only = new_issue(), new_issue(), new_issue()
    # the opened events were dead-lettered: the issues start at their first event that arrived
    stream.arrive(event(acknowledged_first, "updated", 12, reported_by="op-1187"),
                  event(acknowledged_first, "acknowledged", 5, reported_by="sup-0007", published=13),
                  event(updated_only, "updated", 3, reported_by="op-2044", severity="critical"),
                  event(updated_only, "updated", 9, reported_by="op-1187", severity="low"),
                  event(resolved_only, "resolved", 40, reported_by="mech-0311"))
    rows = stream.issues()
    row = rows[acknowledged_first]
    assert (row["opened_at"], row["opened_event_missing"], row["first_reported_by"]) == (at(5), True, "sup-0007")
    assert (row["status"], row["acknowledged_at"], row["time_to_acknowledge_minutes"]) == ("acknowledged", at(5), 0.0)
    row = rows[updated_only]
    assert (row["opened_at"], row["opened_event_missing"], row["first_reported_by"]) == (at(3), True, "op-2044")
    assert (row["status"], row["is_open"], row["max_severity"], row["current_severity"]) == (
        "open", True, "critical", "low")
    row = rows[resolved_only]
    assert (row["opened_at"], row["opened_event_missing"], row["status"], row["time_to_resolve_minutes"]) == (
        at(40), True, "resolved", 0.0)

    opened = event(acknowledged_first, "opened", 1, reported_by="op-3301")  # it turns up after all
    stream.arrive(opened)
    row = stream.issue(acknowledged_first)
    assert (row["opened_at"], row["opened_event_missing"], row["first_reported_by"]) == (at(1), False, "op-3301")
    assert row["time_to_acknowledge_minutes"] == 4.0


def test_a_reopened_issue_is_open_again_until_resolved_again(stream):
    issue = new_issue()
    stream.arrive(event(issue, "opened", 0), event(issue, "acknowledged", 5), event(issue, "resolved", 60))
    row = stream.issue(issue)
    assert (row["status"], row["reopened_count"], row["time_to_resolve_minutes"]) == ("resolved", 0, 60.0)

    # the operator says it is not fixed: back in the planner's queue, not acknowledged since
    stream.arrive(event(issue, "updated", 90, severity="critical", description="still leaking"))
    row = stream.issue(issue)
    assert (row["status"], row["is_open"], row["resolved_at"], row["time_to_resolve_minutes"]) == (
        "open", True, None, None)
    assert (row["reopened_count"], row["last_reopened_at"], row["description"]) == (1, at(90), "still leaking")
    assert (row["acknowledged_at"], row["time_to_acknowledge_minutes"]) == (at(5), 5.0)  # the first response

    stream.arrive(event(issue, "acknowledged", 95))
    assert stream.issue(issue)["status"] == "acknowledged"

    stream.arrive(event(issue, "resolved", 150))
    row = stream.issue(issue)
    assert (row["status"], row["is_open"], row["resolved_at"], row["time_to_resolve_minutes"]) == (
        "resolved", False, at(150), 150.0)  # the whole time, from the first report
    assert (row["reopened_count"], row["last_reopened_at"], row["events_count"]) == (1, at(90), 6)

    stream.arrive(event(issue, "opened", 200))  # reported again as new
    row = stream.issue(issue)
    assert (row["status"], row["reopened_count"], row["last_reopened_at"], row["opened_at"]) == (
        "open", 2, at(200), at(0))
    assert (row["max_severity"], row["current_severity"], row["opened_event_missing"]) == ("critical", "high", False)


def test_an_acknowledgement_after_the_resolution_does_not_reopen(stream):
    late, twice, reopened = new_issue(), new_issue(), new_issue()
    stream.arrive(event(late, "opened", 0), event(late, "resolved", 30),
                  event(late, "acknowledged", 31, reported_by="sup-0007"),  # a phone clock ahead, or just late
                  event(twice, "opened", 0), event(twice, "resolved", 30), event(twice, "resolved", 40),
                  event(reopened, "opened", 0), event(reopened, "resolved", 30), event(reopened, "acknowledged", 31),
                  event(reopened, "updated", 50))
    rows = stream.issues()
    row = rows[late]
    assert (row["status"], row["is_open"], row["resolved_at"], row["reopened_count"]) == ("resolved", False, at(30), 0)
    assert (row["last_event_type"], row["last_event_at"], row["acknowledged_at"]) == ("acknowledged", at(31), at(31))
    # resolved twice with nothing in between: resolved when it first was
    assert (rows[twice]["resolved_at"], rows[twice]["time_to_resolve_minutes"]) == (at(30), 30.0)
    # nor does it count as acknowledging the reopening that follows it
    assert (rows[reopened]["status"], rows[reopened]["reopened_count"]) == ("open", 1)


def test_clock_skew_never_makes_a_phantom_reopen(stream):
    same_second, behind, far_behind, skewed_update, real_reopen, lost_opening = (new_issue() for _ in range(6))
    stream.arrive(
        # opened and resolved in the same second, the resolution published first
        event(same_second, "opened", 10, published=10.05), event(same_second, "resolved", 10, published=10.02),
        # the mechanic's phone reads 3 (or 40) minutes behind the operator's: resolved "before" opened
        event(behind, "opened", 10), event(behind, "resolved", 7, published=25),
        event(far_behind, "opened", 10), event(far_behind, "resolved", -30, published=25),
        # an update a phone timed 2 minutes after the resolution, though it was sent before it
        event(skewed_update, "opened", 0), event(skewed_update, "updated", 32, published=29),
        event(skewed_update, "resolved", 30, published=30.5),
        # the operator disagrees 2 minutes after the resolution was published: a reopen
        event(real_reopen, "opened", 0), event(real_reopen, "resolved", 30), event(real_reopen, "updated", 32),
        # the original opened event was lost: this one, an hour after the resolution, reports it again
        event(lost_opening, "acknowledged", 5), event(lost_opening, "resolved", 60), event(lost_opening, "opened", 120))
    rows = stream.issues()
    for issue in (same_second, behind, far_behind, skewed_update):
        row = rows[issue]
        assert (row["status"], row["is_open"], row["reopened_count"], row["last_reopened_at"]) == (
            "resolved", False, 0, None), row
    assert (rows[behind]["opened_at"], rows[behind]["resolved_at"], rows[behind]["time_to_resolve_minutes"]) == (
        at(10), at(7), -3.0)  # the phones' times are kept: the negative duration shows the skew
    assert (rows[same_second]["time_to_resolve_minutes"], rows[skewed_update]["resolved_at"]) == (0.0, at(30))
    assert (rows[real_reopen]["status"], rows[real_reopen]["reopened_count"]) == ("open", 1)
    row = rows[lost_opening]
    assert (row["status"], row["reopened_count"], row["last_reopened_at"], row["opened_at"]) == (
        "open", 1, at(120), at(120))


def test_an_issue_still_open(stream):
    reported, updated, acknowledged = new_issue(), new_issue(), new_issue()
    stream.arrive(event(reported, "opened", 0, severity="medium"),
                  event(updated, "opened", 0), event(updated, "updated", 10),
                  event(acknowledged, "opened", 0), event(acknowledged, "acknowledged", 10),
                  event(acknowledged, "updated", 20), event(acknowledged, "opened", 25))  # reported again
    rows = stream.issues()
    row = rows[reported]
    assert {k: row[k] for k in ("status", "is_open", "acknowledged_at", "resolved_at", "time_to_acknowledge_minutes",
                                "time_to_resolve_minutes", "reopened_count", "events_count", "max_severity")} == {
        "status": "open", "is_open": True, "acknowledged_at": None, "resolved_at": None,
        "time_to_acknowledge_minutes": None, "time_to_resolve_minutes": None, "reopened_count": 0,
        "events_count": 1, "max_severity": "medium"}
    assert (rows[updated]["status"], rows[updated]["last_event_type"]) == ("open", "updated")
    assert (rows[acknowledged]["status"], rows[acknowledged]["is_open"]) == ("acknowledged", True)
    assert (rows[acknowledged]["last_event_type"], rows[acknowledged]["reopened_count"]) == ("opened", 0)


def test_machine_type_from_the_fleet_prefix(stream):
    expected = {"HT-0042": "haul truck", "SH-0003": "shovel", "DR-0011": "drill", "CR-0001": "crusher",
                "CV-0104": "conveyor", "LD-0007": "other", "WT-0002": "other"}
    issues = {machine: new_issue() for machine in expected}
    stream.arrive(*(event(issue, "opened", 0, machine_id=machine) for machine, issue in issues.items()))
    rows = stream.issues()
    assert {rows[issue]["machine_id"]: rows[issue]["machine_type"] for issue in issues.values()} == expected


def lifecycles(rng: random.Random, issues: int) -> list[dict]:
    """Random issues' events: reported, acknowledged, updated, resolved, reopened; some opened events
    lost, equal event times, publish delays of up to ten minutes (so arrival order is not event order)."""
    events = []
    for _ in range(issues):
        issue, machine = new_issue(), f"{rng.choice(['HT', 'SH', 'DR', 'CR', 'CV', 'LD'])}-{rng.randrange(10_000):04d}"
        minute = rng.uniform(0, 600)
        types = ["opened"] + rng.choices(["acknowledged", "updated", "resolved", "opened"], k=rng.randrange(6))
        for number, event_type in enumerate(types):
            if number == 0 and rng.random() < 0.15:
                continue  # dead-lettered
            minute += rng.choice([0, 0.5, 7, 45])
            events.append(event(issue, event_type, round(minute, 2), machine_id=machine,
                                severity=rng.choice(["low", "medium", "high", "critical"]),
                                description=rng.choice([None, f"note {number}"]),
                                published=round(minute + rng.choice([0, 0.1, 3, 10]), 2)))
    return events


def test_the_view_does_not_depend_on_arrival_order_runs_or_duplicates(tmp_path):
    events = lifecycles(random.Random(11), issues=60)
    in_order = Stream(f"duckdb://{tmp_path / 'in_order.duckdb'}")
    in_order.arrive(*sorted(events, key=lambda e: (e["event_time"], e["publish_time"])))
    shuffled = Stream(f"duckdb://{tmp_path / 'shuffled.duckdb'}")
    rng = random.Random(5)
    arrivals = events + rng.sample(events, 40)  # at least once
    rng.shuffle(arrivals)
    for start in range(0, len(arrivals), 25):
        shuffled.arrive(*arrivals[start:start + 25], loaded_after_s=start)

    rows = in_order.issues()
    assert shuffled.issues() == rows and shuffled.raw_count() == len(events) + 40
    assert sum(r["events_count"] for r in rows.values()) == len(events)
    assert {r["status"] for r in rows.values()} == {"open", "acknowledged", "resolved"}
    assert any(r["reopened_count"] for r in rows.values()) and any(r["opened_event_missing"] for r in rows.values())


def test_the_model_waits_until_the_mobile_events_are_loaded(warehouse_url):
    assert apply_models(warehouse_url, select=MODEL) == []  # no raw_mobile yet: skipped, not failed


def test_the_model_renders_for_duckdb_and_bigquery(rendering):
    (model,) = [m for m in discover() if m.name == MODEL]
    assert model.source == "mobile" and model.dataset == "staging"
    duck = rendering.render(f"staging.{MODEL}").sql(dialect="duckdb")
    # durations between instants, in microseconds: never through local times (no DST hour, no rounding)
    assert ('DATE_DIFF(\'MICROSECOND\', "opened_at", "resolved_at") / 60000000 AS "time_to_resolve_minutes"'
            in duck)
    assert "AS TIMESTAMP)" not in duck and "AT TIME ZONE" not in duck
    # BigQuery sorts NULLs first: DuckDB is told so (publish_time may be NULL)
    assert ('ORDER BY "publish_time" IS NULL NULLS FIRST, "publish_time" NULLS FIRST, "_loaded_at" NULLS FIRST, '
            '"message_id" NULLS FIRST') in duck

    statement = rendering.render(f"staging.{MODEL}").sql(dialect="bigquery")
    tree = sqlglot.parse_one(statement, read="bigquery")
    tables = sorted({t.sql("bigquery") for t in tree.find_all(sqlglot.exp.Table)})
    assert "`minera-prod`.`raw_mobile`.`machine_issue_events` AS `machine_issue_events`" in tables
    assert all(t.startswith("`minera-prod`.`raw_mobile`.") or "." not in t.split(" AS ")[0] for t in tables)
    assert ("TIMESTAMP_DIFF(`resolved_at`, `opened_at`, MICROSECOND) / 60000000 AS `time_to_resolve_minutes`"
            in statement)
    assert ("QUALIFY ROW_NUMBER() OVER (PARTITION BY `event_id` ORDER BY `publish_time` IS NULL, `publish_time`"
            in statement)
