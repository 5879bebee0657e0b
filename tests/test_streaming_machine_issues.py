"""The machinery-issue stream end to end on the local runner: replay file in, DuckDB out.

Hand-made messages pin each rule exactly; the simulator's hours check the count invariant
(messages in = raw rows + dead letters + duplicates dropped) against what it says it wrote.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from pipelines.errors import ConfigError
from pipelines.streaming import machine_issues

pytestmark = pytest.mark.slow  # the pipeline's runs

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def uid(n: int) -> str:
    return str(uuid.UUID(int=n, version=4))


def event(n: int, issue: int, machine: str, kind: str, severity: str, at: datetime, **over) -> dict:
    return {"event_id": uid(1000 + n), "issue_id": uid(issue), "machine_id": machine, "event_type": kind,
            "severity": severity, "category": "hydraulics", "description": "Hydraulic oil leak at hoist cylinder",
            "reported_by": "op-1187", "event_time": iso(at), **over}


class Replay:
    """A replay file built message by message (docs/contracts.md#replay-files)."""

    def __init__(self, path: Path):
        self.path, self.lines = path, []

    def add(self, payload: dict | bytes, published: datetime, event_time: str | None = None) -> str:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        message_id = str(len(self.lines) + 1)
        self.lines.append({"message_id": message_id, "publish_time": iso(published),
                           "attributes": {"event_time": event_time or iso(published)},
                           "data": base64.b64encode(data).decode()})
        return message_id

    def write(self) -> str:
        self.lines.sort(key=lambda line: line["publish_time"])
        self.path.write_text("".join(json.dumps(line) + "\n" for line in self.lines))
        return str(self.path)


def query(warehouse_url: str, sql: str) -> list[tuple]:
    with duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql).fetchall()


def run(replay: str, warehouse_url: str, *extra: str):
    return machine_issues.run(["--replay", replay, "--warehouse", warehouse_url, *extra])


def test_every_message_lands_once_and_every_bad_one_says_why(tmp_path, warehouse_url):
    replay = Replay(tmp_path / "issues.jsonl")
    opened = event(1, 1, "HT-0042", "opened", "critical", T0)
    replay.add(opened, T0 + timedelta(seconds=1), opened["event_time"])
    replay.add(opened, T0 + timedelta(seconds=40), opened["event_time"])  # the app's retry: same event, new message
    replay.add(event(2, 1, "HT-0042", "resolved", "high", T0 + timedelta(hours=2)), T0 + timedelta(hours=2))
    # acknowledged at 10:03 on the phone, which was offline: it arrives after the resolution
    replay.add(event(3, 1, "HT-0042", "acknowledged", "critical", T0 + timedelta(minutes=3)), T0 + timedelta(hours=3))
    replay.add(event(4, 2, "CV-0007", "opened", "low", T0 + timedelta(minutes=10), category="belt",
                     description=None), T0 + timedelta(minutes=10))
    bad = {
        "not json": b"{not json",
        "empty": b"",
        "missing": {k: v for k, v in event(5, 2, "CV-0007", "updated", "low", T0).items() if k != "severity"},
        "wrong type": event(6, 2, "CV-0007", "updated", 3, T0),
        "unknown enum": event(7, 2, "CV-0007", "closed", "low", T0),
        "bad id": event(8, 2, "CV-0007", "updated", "low", T0, event_id="42\x00"),
        "bad machine": event(9, 2, "CV-0007\r\n", "updated", "low", T0),
        "bad time": event(10, 2, "CV-0007", "updated", "low", T0, event_time="yesterday"),
        "future": event(11, 2, "CV-0007", "updated", "low", T0 + timedelta(hours=2)),
        "long text": event(12, 2, "CV-0007", "updated", "low", T0, description="x" * 2001),
        "no reporter": event(13, 2, "CV-0007", "updated", "low", T0, reported_by="  "),
    }
    ids = {name: replay.add(payload, T0 + timedelta(minutes=20)) for name, payload in bad.items()}
    summary = run(replay.write(), warehouse_url, "--batch_size", "3")  # retries cross element borders

    assert (summary.received, summary.written, summary.dead_letters, summary.duplicates_dropped) == (16, 4, 11, 1)
    assert summary.balanced
    raw = query(warehouse_url, "SELECT event_id, event_type, severity, machine_id, description, message_id, "
                               "_run_id IS NOT NULL, _loaded_at IS NOT NULL FROM raw_mobile.machine_issue_events "
                               "ORDER BY event_time")
    assert [(r[1], r[2], r[3]) for r in raw] == [("opened", "critical", "HT-0042"),
                                                 ("acknowledged", "critical", "HT-0042"),
                                                 ("opened", "low", "CV-0007"), ("resolved", "high", "HT-0042")]
    assert raw[0][0] == opened["event_id"] and raw[0][5] == "1"  # the first delivery, not the retry
    assert raw[2][4] is None and all(r[6] and r[7] for r in raw)

    letters = dict(query(warehouse_url, "SELECT message_id, error FROM ops.dead_letter"))
    reasons = {name: letters[message_id] for name, message_id in ids.items()}
    assert reasons["not json"].startswith("payload is not valid JSON")
    assert reasons["empty"] == "empty payload"
    assert reasons["missing"] == "missing field severity"
    assert reasons["wrong type"] == "severity must be a string, got int"
    assert reasons["unknown enum"] == "event_type is not one of opened, acknowledged, updated, resolved"
    assert reasons["bad id"] == "event_id '42\\x00' is not free of control characters"
    assert reasons["bad machine"] == "machine_id 'CV-0007\\r\\n' is not free of control characters"
    assert reasons["bad time"].startswith("event_time is not a valid timestamp")
    assert reasons["future"] == "event_time is 6000s after its publish time (a wrong device clock?), allowed 300s"
    assert reasons["long text"] == "description is longer than 2000 characters"
    assert reasons["no reporter"] == "reported_by is empty"
    # the exact bytes and attributes are kept: a fixed message can be replayed from the row alone
    payload, attributes = query(warehouse_url, "SELECT payload, attributes FROM ops.dead_letter "
                                               f"WHERE message_id = '{ids['bad machine']}'")[0]
    assert json.loads(payload) == bad["bad machine"]
    assert json.loads(attributes) == {"event_time": iso(T0 + timedelta(minutes=20))}


def test_simulated_shift_balances_and_matches_what_the_simulator_wrote(tmp_path, warehouse_url):
    from pipelines.simulate.machine_issues import MALFORMED_KINDS as KINDS
    from pipelines.simulate.machine_issues import write_replay

    path = tmp_path / "issues.jsonl"
    sim = write_replay(str(path), machines=40, hours=6, issues_per_hour=20, retry_rate=0.08,
                       out_of_order_rate=0.1, malformed_rate=0.05, seed=11)
    summary = run(str(path), warehouse_url, "--batch_size", "50")
    assert summary.received == sim["messages"]
    assert summary.written == sim["valid_events"]
    assert summary.dead_letters == sim["malformed"]
    assert summary.duplicates_dropped == sim["retries"]
    assert sim["out_of_order"] > 0 and sim["retries"] > 0 and all(sim[f"malformed:{kind}"] > 0 for kind in KINDS)
    assert summary.balanced
    assert query(warehouse_url, "SELECT count(*), count(DISTINCT event_id) FROM raw_mobile.machine_issue_events")[0] \
        == (summary.written, summary.written)
    assert query(warehouse_url, "SELECT count(*) FROM ops.alerts")[0][0] == sim["critical_opened"]
    # every issue's events are all there, out-of-order arrivals included
    per_issue = dict(query(warehouse_url, "SELECT issue_id, count(*) FROM raw_mobile.machine_issue_events GROUP BY 1"))
    assert per_issue == {issue: state["events"] for issue, state in sim["final_states"].items()}


def test_one_source_exactly(tmp_path, warehouse_url):
    with pytest.raises(ConfigError, match="exactly one of --replay"):
        machine_issues.run(["--warehouse", warehouse_url])
    with pytest.raises(ConfigError, match="no such file"):
        machine_issues.run(["--replay", str(tmp_path / "missing.jsonl"), "--warehouse", warehouse_url])


def test_cli_reports_the_counts_and_exits_zero(tmp_path, warehouse_url):
    replay = Replay(tmp_path / "issues.jsonl")
    replay.add(event(1, 1, "DR-0011", "opened", "medium", T0), T0 + timedelta(seconds=1))
    replay.add(b"\xff\xfe", T0 + timedelta(seconds=2))
    result = subprocess.run([sys.executable, "-m", "pipelines.streaming.machine_issues", "--replay", replay.write(),
                             "--warehouse", warehouse_url], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "messages in 2 = raw rows 1 + dead letters 1 + duplicates dropped 0 (balanced)" in result.stderr


def test_dataflow_job_reads_pubsub_streams_into_bigquery_and_publishes_alerts(tmp_path, minera_home):
    job_file = tmp_path / "job.json"
    summary = machine_issues.run([
        "--input_subscription", "projects/minera-prod/subscriptions/machine-issues-pipeline",
        "--warehouse", "bigquery://minera-prod", "--alerts_topic", "projects/minera-prod/topics/maintenance-alerts",
        "--runner", "DataflowRunner", "--streaming", "--project", "minera-prod", "--region", "europe-west1",
        "--temp_location", "gs://minera-tmp/tmp", "--dry_run=True", "--no_auth", "--dataflow_job_file", str(job_file),
    ])
    assert summary is None
    job = json.loads(job_file.read_text())
    steps = job["steps"]
    assert job["job"]["type"] == "JOB_TYPE_STREAMING"
    assert steps["ReadMessages/ReadFromPubSub/Read"]["payload"] == {
        "subscription": "projects/minera-prod/subscriptions/machine-issues-pipeline",
        "timestamp_attribute": "event_time", "with_attributes": True}
    writes = {name.split("/")[0]: step for name, step in steps.items()
              if step["urn"] == "beam:transform:write_to_big_query:v0"}
    assert {step: w["display_data"]["table"] for step, w in writes.items()} == {
        "WriteEvents": "minera-prod:raw_mobile.machine_issue_events", "WriteAlerts": "minera-prod:ops.alerts",
        "WriteReadDeadLetters": "minera-prod:ops.dead_letter",
        "WriteValidateDeadLetters": "minera-prod:ops.dead_letter"}
    inserts = steps["WriteEvents/WriteToBigQuery/_StreamToBigQuery/StreamInsertRows/ParDo(BigQueryWriteFn)"]
    layout = inserts["display_data"]["additional_bq_parameters"]
    assert "'timePartitioning': {'type': 'DAY', 'field': 'event_time'}" in layout
    assert "'clustering': {'fields': ['machine_id']}" in layout
    (publish,) = [step for step in steps.values() if step["urn"] == "beam:transform:pubsub_write:v1"]
    assert publish["payload"] == {"topic": "projects/minera-prod/topics/maintenance-alerts"}
    # nothing waits for a window or a watermark between a message and its alert: no GroupByKey of ours
    # (BigQuery IO's own insert-id reshuffle fires per element)
    grouping = [t for t in job["transforms"] if t.endswith("GroupByKey")]
    assert grouping and all("/WriteToBigQuery/_StreamToBigQuery/CommitInsertIds/" in t for t in grouping)


def test_a_warehouse_that_fails_midway_stops_the_run_with_one_line_and_a_rerun_reads_each_event_once(tmp_path,
                                                                                                  warehouse_url):
    replay = Replay(tmp_path / "issues.jsonl")
    for n in range(30):
        replay.add(event(n, n, "HT-0042", "opened", "medium", T0 + timedelta(minutes=n)), T0 + timedelta(minutes=n))
    path = replay.write()

    def exit_status_and_last_line(warehouse) -> tuple[int, str]:
        result = subprocess.run([sys.executable, "-m", "pipelines.streaming.machine_issues", "--replay", path,
                                 "--warehouse", f"duckdb://{warehouse}"], capture_output=True, text=True, cwd=ROOT,
                                timeout=120)
        return result.returncode, result.stderr.strip().splitlines()[-1]

    # a folder is refused before the run starts (the warehouse checks its URL when the graph is built)
    folder = tmp_path / "folder.duckdb"
    folder.mkdir()
    status, last = exit_status_and_last_line(folder)
    assert status == 2
    assert last.startswith("error: ") and "folder.duckdb is a folder" in last and "Traceback" not in last
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"not a DuckDB database\n" * 512)  # opened only to append: every append fails
    status, last = exit_status_and_last_line(broken)
    assert status == 1
    assert last.startswith("error: pipeline failed:") and "broken.duckdb" in last and "Traceback" not in last
    # a replay that stopped halfway is run again: raw may hold an event twice, staging reads it once
    run(path, warehouse_url, "--batch_size", "7")
    run(path, warehouse_url, "--batch_size", "7")
    from pipelines.models import apply_models

    apply_models(warehouse_url, select="stg_mobile__machine_issues")
    assert query(warehouse_url, "SELECT count(*) FROM raw_mobile.machine_issue_events") == [(60,)]
    assert query(warehouse_url, "SELECT count(*), sum(events_count) FROM staging.stg_mobile__machine_issues") \
        == [(30, 30)]


def test_a_critical_issue_on_any_fleet_s_machine_from_any_phone_raises_its_alert(tmp_path, warehouse_url):
    """An iOS app writes upper-case uuids; another site numbers its machines its own way. Neither
    is a reason to refuse a safety event: the issue is stored once (uuids lower-cased), alerts."""
    replay = Replay(tmp_path / "issues.jsonl")
    issue = uid(70)
    opened = event(1, 70, "LHD 12", "opened", "critical", T0, category="brakes", description="No brakes on ramp",
                   event_id=uid(1001).upper(), issue_id=issue.upper())
    replay.add(opened, T0 + timedelta(seconds=2))
    replay.add(opened, T0 + timedelta(seconds=30))  # the iPhone re-sends: still one event
    replay.add(event(2, 70, "LHD 12", "acknowledged", "critical", T0 + timedelta(minutes=2)),  # an Android planner
               T0 + timedelta(minutes=2))
    replay.add(event(3, 71, "CAT797F-SN0107", "opened", "critical", T0, event_id="evt-20261122-0042"),
               T0 + timedelta(seconds=3))
    summary = run(replay.write(), warehouse_url)
    assert (summary.written, summary.dead_letters, summary.duplicates_dropped) == (3, 0, 1)
    assert query(warehouse_url, "SELECT event_id, issue_id, machine_id FROM raw_mobile.machine_issue_events "
                                "ORDER BY event_time, event_id") == [
        (uid(1001), issue, "LHD 12"), ("evt-20261122-0042", uid(71), "CAT797F-SN0107"), (uid(1002), issue, "LHD 12")]
    assert query(warehouse_url, "SELECT machine_id, issue_id FROM ops.alerts ORDER BY 1") == [
        ("CAT797F-SN0107", uid(71)), ("LHD 12", issue)]
    from pipelines.models import apply_models

    apply_models(warehouse_url, select="stg_mobile__machine_issues")
    assert query(warehouse_url, "SELECT machine_id, machine_type, status, events_count FROM "
                                f"staging.stg_mobile__machine_issues WHERE issue_id = '{issue}'") == [
        ("LHD 12", "other", "acknowledged", 2)]
