"""The machinery-issue marts and serving.machine_issues over events the real streaming pipeline landed.

Each test writes the operators' app's messages as a replay file (docs/contracts.md#replay-files), runs
``python -m pipelines.streaming.machine_issues --replay`` into a real DuckDB, builds the models with
the models runner and reads the tables. Expected values are worked out by hand in the comments.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest
import sqlglot

from pipelines.models import apply_models, discover
from pipelines.simulate.machine_issues import write_replay
from pipelines.simulate.sensors import iso_ms, replay_line
from pipelines.streaming import machine_issues
from pipelines.transform.build import ChecksFailed

pytestmark = pytest.mark.slow  # builds the models in DuckDB

# midnight UTC starting the days of the hand-made issues
D20 = datetime(2026, 11, 20, tzinfo=timezone.utc)
BUCKETS = [("0-4h", 0, 4), ("4-24h", 4, 24), ("1-3d", 24, 72), ("3-7d", 72, 168), ("7-30d", 168, 720),
           ("30d+", 720, None)]
SEVERITIES = ["low", "medium", "high", "critical"]
ISSUE_MODELS = ["marts.issue_age_buckets", "marts.issue_backlog_daily", "marts.machine_issues",
                "serving.machine_issues"]


def at(day: int, hour: float) -> datetime:
    """``day`` of November 2026 at ``hour`` (UTC)."""
    return datetime(2026, 11, day, tzinfo=timezone.utc) + timedelta(hours=hour)


def query(warehouse_url: str, sql: str) -> list[tuple]:
    with duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql).fetchall()


def records(warehouse_url: str, sql: str) -> list[dict]:
    with duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class App:
    """The operators' app: events of named issues, published two seconds after they happen, into a
    replay file that the real streaming pipeline reads (one pipeline run per ``send``)."""

    def __init__(self, folder: Path, warehouse_url: str):
        self.folder, self.warehouse_url = folder, warehouse_url
        self.issues: dict[str, str] = {}
        self.sent = 0

    def issue_id(self, name: str) -> str:
        return self.issues.setdefault(name, str(uuid.uuid4()))

    def event(self, name: str, event_type: str, when: datetime, severity: str = "high",
              machine_id: str = "HT-0042") -> dict:
        return {"event_id": str(uuid.uuid4()), "issue_id": self.issue_id(name), "machine_id": machine_id,
                "event_type": event_type, "severity": severity, "category": "hydraulics",
                "description": f"{name}: {event_type}", "reported_by": "op-1187",
                "event_time": when.isoformat().replace("+00:00", "Z")}

    def send(self, *events: dict, malformed: tuple[bytes, ...] = (), published: datetime | None = None) -> None:
        """One replay of these events (each published 2 s after it happened, or at ``published``)
        and of ``malformed`` payloads, through the streaming pipeline."""
        lines = []
        for payload in [*events, *malformed]:
            self.sent += 1
            when = published or (datetime.fromisoformat(payload["event_time"]) + timedelta(seconds=2)
                                 if isinstance(payload, dict) else D20)
            attribute = payload["event_time"] if isinstance(payload, dict) else iso_ms(int(when.timestamp() * 1000))
            data = json.dumps(payload).encode() if isinstance(payload, dict) else payload
            lines.append((int(when.timestamp() * 1000), replay_line(int(when.timestamp() * 1000), str(self.sent),
                                                                    data, attribute)))
        path = self.folder / f"replay-{self.sent}.jsonl"
        path.write_text("".join(line for _, line in sorted(lines)))
        machine_issues.run(["--replay", str(path), "--warehouse", self.warehouse_url])


@pytest.fixture
def app(tmp_path, warehouse_url) -> App:
    return App(tmp_path, warehouse_url)


def backlog(warehouse_url: str, first: date, last: date) -> dict[tuple, tuple]:
    """The non-zero rows of marts.issue_backlog_daily between two days:
    (day, severity, bucket) -> (open, acknowledged, unacknowledged, oldest age hours)."""
    rows = query(warehouse_url, "SELECT snapshot_date, max_severity, age_bucket, open_issues, acknowledged_issues, "
                                "unacknowledged_issues, oldest_age_hours FROM marts.issue_backlog_daily "
                                f"WHERE snapshot_date BETWEEN DATE '{first}' AND DATE '{last}' AND open_issues > 0")
    return {(day.day, severity, bucket): tuple(rest) for day, severity, bucket, *rest in rows}


def send_the_hand_made_issues(app: App) -> None:
    app.send(
        # A: open at the ends of the 20th (14 h old) and 21st (38 h), resolved at 09:00 on the 22nd
        app.event("A", "opened", at(20, 10), "high"), app.event("A", "acknowledged", at(20, 10.5), "high"),
        app.event("A", "resolved", at(22, 9), "high"),
        # B: reported low at 22:00 on the 20th, escalated to critical the next morning, never acknowledged
        app.event("B", "opened", at(20, 22), "low"), app.event("B", "updated", at(21, 8), "critical"),
        # C: opened and resolved within the 21st: never open at a day's end
        app.event("C", "opened", at(21, 12), "medium"), app.event("C", "resolved", at(21, 13), "medium"),
        # D: resolved an hour after midnight, reopened on the 23rd, acknowledged, resolved again on the 24th
        app.event("D", "opened", at(21, 23), "medium"), app.event("D", "resolved", at(22, 1), "medium"),
        app.event("D", "updated", at(23, 12), "medium"), app.event("D", "acknowledged", at(23, 13), "medium"),
        app.event("D", "resolved", at(24, 6), "medium"),
        # E: 4 h old exactly at the end of the 22nd, resolved at midnight sharp: open at that day's end
        app.event("E", "opened", at(22, 20), "high"), app.event("E", "resolved", at(23, 0), "high"),
        # F: opened at midnight sharp: not in the 22nd's backlog, exactly 24 h old at the end of the 23rd
        app.event("F", "opened", at(23, 0), "low"),
    )


def test_backlog_by_day_severity_and_age_with_hand_computed_counts(app, warehouse_url):
    send_the_hand_made_issues(app)
    # the backlog and what it reads: the issue stream's staging model, the issue mart, the buckets
    assert apply_models(warehouse_url, select="issue_backlog_daily") == [
        "staging.stg_mobile__machine_issues", *ISSUE_MODELS[:3]]

    # (day, highest severity, bucket) -> (open, acknowledged, unacknowledged, oldest age in hours at 24:00)
    assert backlog(warehouse_url, date(2026, 11, 20), date(2026, 11, 24)) == {
        (20, "high", "4-24h"): (1, 1, 0, 14.0),      # A: 10:00 -> 24:00, acknowledged at 10:30
        (20, "critical", "0-4h"): (1, 0, 1, 2.0),    # B: its highest severity, though low that day
        (21, "high", "1-3d"): (1, 1, 0, 38.0),       # A: 24 + 14
        (21, "critical", "1-3d"): (1, 0, 1, 26.0),   # B: 2 + 24
        (21, "medium", "0-4h"): (1, 0, 1, 1.0),      # D: 23:00 -> 24:00 (C opened and resolved that day)
        (22, "critical", "1-3d"): (1, 0, 1, 50.0),   # B; A resolved at 09:00
        (22, "medium", "1-3d"): (1, 0, 1, 25.0),     # D: resolved at 01:00 but reopened later: not fixed
        (22, "high", "4-24h"): (1, 0, 1, 4.0),       # E: 20:00 -> 24:00 is 4 h, the first hour of 4-24h
        (23, "critical", "3-7d"): (1, 0, 1, 74.0),   # B
        (23, "medium", "1-3d"): (1, 1, 0, 49.0),     # D: acknowledged at 13:00; E resolved at 00:00
        (23, "low", "1-3d"): (1, 0, 1, 24.0),        # F: 00:00 -> 24:00 is 24 h, the first hour of 1-3d
        (24, "critical", "3-7d"): (1, 0, 1, 98.0),   # B; D resolved at 06:00
        (24, "low", "1-3d"): (1, 0, 1, 48.0),        # F
    }
    # every day from the first issue's to yesterday (UTC), each with 4 severities x 6 buckets
    days = query(warehouse_url, "SELECT min(snapshot_date), max(snapshot_date), count(DISTINCT snapshot_date), "
                                "count(*), max(as_of) FROM marts.issue_backlog_daily")[0]
    yesterday = datetime.now(timezone.utc).date() - timedelta(days=1)
    assert days[0] == date(2026, 11, 20) and days[1] in (yesterday - timedelta(days=1), yesterday)
    assert days[3] == days[2] * 24 and days[4] == datetime.combine(days[1] + timedelta(days=1), datetime.min.time(),
                                                                   timezone.utc)
    zero = query(warehouse_url, "SELECT open_issues, acknowledged_issues, unacknowledged_issues, oldest_age_hours, "
                                "severity_rank, bucket_order FROM marts.issue_backlog_daily WHERE snapshot_date = "
                                "DATE '2026-11-20' AND max_severity = 'medium' AND age_bucket = '30d+'")
    assert zero == [(0, 0, 0, None, 2, 6)]
    # B and F stay open on every later day, nothing else does
    assert query(warehouse_url, "SELECT DISTINCT open_issues FROM (SELECT snapshot_date, sum(open_issues) AS "
                                "open_issues FROM marts.issue_backlog_daily WHERE snapshot_date > DATE '2026-11-24' "
                                "GROUP BY 1)") == [(2,)]


def test_a_late_event_changes_the_past_days_it_concerns(app, warehouse_url):
    send_the_hand_made_issues(app)
    apply_models(warehouse_url, select="issue_backlog_daily")
    before = backlog(warehouse_url, date(2026, 11, 20), date(2026, 11, 24))

    # B's resolution at 10:00 on the 22nd, from a phone that was offline until now
    app.send(app.event("B", "resolved", at(22, 10), "critical"), published=datetime.now(timezone.utc))
    apply_models(warehouse_url, select="issue_backlog_daily")
    after = backlog(warehouse_url, date(2026, 11, 20), date(2026, 11, 24))
    assert {k: v for k, v in before.items() if k[1] != "critical" or k[0] < 22} == after  # only B's later days go
    assert (22, "critical", "1-3d") in before and (21, "critical", "1-3d") in after
    assert query(warehouse_url, "SELECT status, resolved_at, time_to_resolve_minutes FROM marts.machine_issues "
                                f"WHERE issue_id = '{app.issue_id('B')}'") == [("resolved", at(22, 10), 36 * 60.0)]


def test_the_mart_holds_each_issue_s_current_state_as_of_its_build(app, warehouse_url):
    send_the_hand_made_issues(app)
    began = datetime.now(timezone.utc)
    apply_models(warehouse_url, select="machine_issues")
    ended = datetime.now(timezone.utc)
    staged = records(warehouse_url, "SELECT * FROM staging.stg_mobile__machine_issues ORDER BY issue_id")
    marts = records(warehouse_url, "SELECT * FROM marts.machine_issues ORDER BY issue_id")
    assert len(marts) == 6
    for stage, mart in zip(staged, marts, strict=True):
        assert {k: v for k, v in mart.items() if k not in ("opened_date", "built_at")} == stage
        assert mart["opened_date"] == mart["opened_at"].astimezone(timezone.utc).date()
        assert began <= mart["built_at"] <= ended
    by_name = {name: next(m for m in marts if m["issue_id"] == issue) for name, issue in app.issues.items()}
    assert {name: (m["status"], m["max_severity"], m["time_to_resolve_minutes"]) for name, m in by_name.items()} == {
        "A": ("resolved", "high", 47 * 60.0),     # 20th 10:00 -> 22nd 09:00
        "B": ("open", "critical", None),
        "C": ("resolved", "medium", 60.0),
        "D": ("resolved", "medium", 55 * 60.0),   # 21st 23:00 -> 24th 06:00, the reopened period included
        "E": ("resolved", "high", 4 * 60.0),
        "F": ("open", "low", None),
    }
    assert (by_name["D"]["reopened_count"], by_name["D"]["opened_date"]) == (1, date(2026, 11, 21))


def test_age_buckets_are_contiguous_and_shared(warehouse_url):
    # the buckets need no source: built on an empty warehouse
    assert apply_models(warehouse_url, select="issue_age_buckets") == ["marts.issue_age_buckets"]
    rows = query(warehouse_url, "SELECT age_bucket, from_hours, to_hours FROM marts.issue_age_buckets "
                                "ORDER BY bucket_order")
    assert rows == BUCKETS
    assert all(rows[i][2] == rows[i + 1][1] for i in range(len(rows) - 1)) and rows[0][1] == 0


def test_the_backlog_agrees_with_the_simulator_s_own_lifecycles(tmp_path, warehouse_url):
    start = datetime(2026, 11, 20, 6, tzinfo=timezone.utc)
    path = tmp_path / "three_days.jsonl"
    simulated = write_replay(str(path), hours=72, issues_per_hour=6, start=start.isoformat().replace("+00:00", "Z"),
                             seed=3, retry_rate=0.05, out_of_order_rate=0.05, malformed_rate=0.0)
    machine_issues.run(["--replay", str(path), "--warehouse", warehouse_url])
    apply_models(warehouse_url, select="issue_backlog_daily")

    def parse(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None

    states = [{k: parse(state[k]) for k in ("opened_at", "acknowledged_at", "resolved_at")}
              for state in simulated["final_states"].values()]
    got = {(day, bucket): (opened, acknowledged) for day, bucket, opened, acknowledged in query(
        warehouse_url, "SELECT snapshot_date, age_bucket, sum(open_issues), sum(acknowledged_issues) FROM "
                       "marts.issue_backlog_daily WHERE snapshot_date < DATE '2026-11-24' GROUP BY 1, 2")}
    for offset in range(4):  # the 20th .. the 23rd; the simulation ends at 06:00 on the 23rd
        day = date(2026, 11, 20) + timedelta(days=offset)
        as_of = datetime.combine(day + timedelta(days=1), datetime.min.time(), timezone.utc)
        open_ = [s for s in states
                 if s["opened_at"] < as_of and (s["resolved_at"] is None or s["resolved_at"] >= as_of)]
        for bucket, low, high in BUCKETS:
            inside = [s for s in open_ if low <= (as_of - s["opened_at"]) / timedelta(hours=1) < (high or 1e9)]
            acknowledged = [s for s in inside if s["acknowledged_at"] is not None and s["acknowledged_at"] < as_of]
            assert got[(day, bucket)] == (len(inside), len(acknowledged)), (day, bucket)
    assert sum(opened for opened, _ in got.values()) > 50  # the comparison is not vacuous
    assert simulated["unresolved"] > 0


def test_an_unknown_severity_stops_the_issue_mart_and_names_the_issue(app, warehouse_url):
    app.send(app.event("good", "opened", at(20, 10), "high"))
    apply_models(warehouse_url, select="issue_backlog_daily")
    # a row the pipeline's validation would have refused, written by another writer
    bad_issue = str(uuid.uuid4())
    with duckdb.connect(warehouse_url.removeprefix("duckdb://")) as con:
        con.execute("INSERT INTO raw_mobile.machine_issue_events VALUES (?, ?, 'HT-0042', 'opened', 'urgent', "
                    "'hydraulics', NULL, 'op-1187', ?, 'm-1', ?, 'manual', ?)",
                    [str(uuid.uuid4()), bad_issue, at(21, 0), at(21, 0), at(21, 0)])
    with pytest.raises(ChecksFailed) as failure:
        apply_models(warehouse_url, select="issue_backlog_daily")
    failures = str(failure.value).split("; ")
    severity = next(f for f in failures if "check accepted_values(column := current_severity" in f)
    assert severity.startswith("marts.machine_issues: check") and f"issue_id={bad_issue}" in severity
    assert failures[-1] == "not built: marts.issue_backlog_daily"


def test_the_issue_models_render_for_duckdb_and_bigquery(rendering):
    assert {m.qualified for m in discover() if m.source == "issues"} == set(ISSUE_MODELS[:3])
    daily = rendering.render("marts.issue_backlog_daily")
    bigquery, duck = daily.sql(dialect="bigquery"), daily.sql(dialect="duckdb")
    # a day's end is midnight UTC on both engines (the DuckDB session runs in UTC)
    assert "TIMESTAMP(DATE_ADD(`snapshot_date`, INTERVAL '1' DAY)) AS `as_of`" in bigquery
    assert "+ INTERVAL '1' DAY AS TIMESTAMPTZ) AS \"as_of\"" in duck
    assert "GENERATE_DATE_ARRAY(`issues`.`opened_date`" in bigquery
    assert "CAST(GENERATE_SERIES(\"issues\".\"opened_date\"" in duck
    # ages between instants in microseconds: exact fractions, never through local times
    assert "TIMESTAMP_DIFF(`days`.`as_of`, `issues`.`opened_at`, MICROSECOND) / 3600000000" in bigquery
    assert "DATE_DIFF('MICROSECOND', \"issues\".\"opened_at\", \"days\".\"as_of\") / 3600000000" in duck
    tables = {t.sql("bigquery") for t in sqlglot.parse_one(bigquery, read="bigquery").find_all(sqlglot.exp.Table)
              if t.db}
    assert tables == {"`minera-prod`.`marts`.`machine_issues` AS `machine_issues`",
                      "`minera-prod`.`marts`.`issue_age_buckets` AS `buckets`"}


def test_a_model_added_to_a_warehouse_already_built_is_built(app, warehouse_url):
    send_the_hand_made_issues(app)
    apply_models(warehouse_url, select="machine_issues")  # a warehouse built before the backlog existed
    assert "marts.issue_backlog_daily" in apply_models(warehouse_url, select="issue_backlog_daily")
    assert query(warehouse_url, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts' "
                                "AND table_name = 'issue_backlog_daily'") == [(1,)]
