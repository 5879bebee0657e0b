"""Replaying dead letters after a fix (pipelines/streaming/replay_dead_letters.py).

Locally: real DuckDB, the real pipelines on the local runner. On Google Cloud: the exact queries
BigQuery receives and the exact messages the topic receives (both clients faked).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pytest
from google.cloud import bigquery

from pipelines.errors import ConfigError
from pipelines.schema import load_schema_file
from pipelines.streaming import messages
from pipelines.streaming.replay_dead_letters import Letter, replay, run, select_sql, where_condition
from pipelines.warehouse import open_warehouse
from pipelines.warehouse.bigquery_requests import insert_ops_sql
from pipelines.warehouse.bigquery_warehouse import BigQueryWarehouse
from pipelines.warehouse.duckdb_tables import create_table_sql

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
RECEIVED = datetime(2026, 11, 22, 10, 0, 5, 250000, tzinfo=timezone.utc)
UPPER = "8F14E45F-CEEA-467A-9575-4A7D3C6B2F10"
ISSUE = "C9F0F895-FB98-4B91-99F5-1B4A7C9E2D31"


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def issue_event(event_id: str, event_type: str = "opened", **over) -> bytes:
    fields = {"event_id": event_id, "issue_id": ISSUE, "machine_id": "HT-0042", "event_type": event_type,
              "severity": "critical", "category": "hydraulics", "description": "Hydraulic oil leak",
              "reported_by": "op-1187", "event_time": iso(T0)}
    return json.dumps({**fields, **over}).encode()


def letter(pipeline: str, message_id: str | None, payload: bytes, error: str, *, published: datetime | None = T0,
           attributes: dict | None = None, received: datetime = RECEIVED) -> dict:
    """An ops.dead_letter row as the pipeline wrote it."""
    return {"pipeline": pipeline, "received_at": received, "message_id": message_id,
            "publish_time": published + timedelta(seconds=1) if published else None,
            "attributes": json.dumps({"event_time": iso(T0)} if attributes is None else attributes),
            "payload": payload, "error": error}


def store(warehouse_url: str, rows: list[dict]) -> None:
    """Dead letters an earlier run (before the fix) left in ops.dead_letter."""
    with duckdb.connect(warehouse_url.removeprefix("duckdb://")) as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("CREATE SCHEMA IF NOT EXISTS ops")
        con.execute(create_table_sql("ops.dead_letter", load_schema_file("ops/dead_letter.json")))
        names = list(rows[0])
        con.executemany(f"INSERT INTO ops.dead_letter ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                        [[r[n] for n in names] for r in rows])


def query(warehouse_url: str, sql: str) -> list[tuple]:
    with duckdb.connect(warehouse_url.removeprefix("duckdb://"), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql).fetchall()


MI = "streaming.machine_issues"
FIXED = "error LIKE '%lower-case uuid%' OR error LIKE '%fleet number%' OR STARTS_WITH(error, 'not a replay envelope')"


@pytest.mark.slow
def test_dead_letters_replayed_after_a_fix_land_once(tmp_path, warehouse_url, minera_home):
    line = json.dumps({"message_id": "line-7", "publish_time": iso(T0 + timedelta(seconds=9)),
                       "attributes": {"event_time": iso(T0)},
                       "data": base64.b64encode(issue_event("e-line", "updated", severity="high")).decode()})
    stored = [
        # refused before the fix of issue 12, point 3b: an iOS app's upper-case uuids, another fleet's numbering
        letter(MI, "m-1", issue_event(UPPER), f"event_id '{UPPER}' is not a lower-case uuid"),
        letter(MI, "m-2", issue_event("a3c65c29-7a1e-4c2b-9d8e-1f2a3b4c5d6e", "acknowledged", machine_id="LHD 12"),
               "machine_id 'LHD 12' is not a fleet number like HT-0042"),
        # a replay line an older reader could not read: the payload is the line itself
        letter(MI, None, line.encode(), "not a replay envelope: (an older reader's bug)", published=None,
               attributes={"replay_byte_range": "0-None", "line_in_range": "3"}),
        # still broken after the fix, not selected; another pipeline's; a late one
        letter(MI, "m-3", issue_event("e-3", severity=None), "missing field severity"),
        letter("streaming.sensors", "s-1", b"{}", "missing field sensor_id: lower-case uuid"),
        letter(MI, "m-4", issue_event("e-4"), "late: lower-case uuid"),
    ]
    store(warehouse_url, stored)
    out = tmp_path / "replayed.jsonl"
    first = run(["--pipeline", "machine_issues", "--where", FIXED, "--warehouse", warehouse_url, "--out", str(out)])
    assert (first.selected, first.sent, first.late_left, first.replayed_to) == (3, 3, 1, str(out))
    assert (first.run.written, first.run.dead_letters, first.run.duplicates_dropped) == (3, 0, 0)
    # the messages are rebuilt exactly from the columns: id, publish time, attributes, payload byte for byte
    lines = out.read_bytes().splitlines()
    assert json.loads(lines[0]) == {"message_id": "m-1", "publish_time": "2026-11-22T10:00:01.000000Z",
                                    "attributes": {"event_time": "2026-11-22T10:00:00Z"},
                                    "data": base64.b64encode(stored[0]["payload"]).decode()}
    assert lines[2] == line.encode()
    raw = query(warehouse_url, "SELECT event_id, issue_id, machine_id, message_id FROM raw_mobile.machine_issue_events "
                               "ORDER BY message_id")
    assert raw == [("e-line", ISSUE.lower(), "HT-0042", "line-7"), (UPPER.lower(), ISSUE.lower(), "HT-0042", "m-1"),
                   ("a3c65c29-7a1e-4c2b-9d8e-1f2a3b4c5d6e", ISSUE.lower(), "LHD 12", "m-2")]
    assert query(warehouse_url, "SELECT rule, issue_id FROM ops.alerts") == [("critical_issue_opened", ISSUE.lower())]
    recorded = query(warehouse_url, "SELECT replay_id, pipeline, message_id, error, replayed_to, replayed_message_id, "
                                    "where_clause FROM ops.dead_letter_replays ORDER BY message_id NULLS LAST")
    assert [r[2] for r in recorded] == ["m-1", "m-2", None]
    assert {(r[0], r[1], r[4], r[6]) for r in recorded} == {(first.replay_id, MI, str(out), FIXED)}
    assert [r[5] for r in recorded] == ["m-1", "m-2", None]

    again = run(["--pipeline", "machine_issues", "--where", FIXED, "--warehouse", warehouse_url])
    assert (again.selected, again.sent, again.run) == (0, 0, None)  # nothing sent twice
    assert query(warehouse_url, "SELECT count(*) FROM raw_mobile.machine_issue_events") == [(3,)]
    assert query(warehouse_url, "SELECT count(*) FROM ops.alerts") == [(1,)]
    assert query(warehouse_url, "SELECT count(*) FROM ops.dead_letter_replays") == [(3,)]


def test_a_message_refused_again_is_a_new_dead_letter_with_its_new_reason(warehouse_url, minera_home):
    long_ago = datetime(2001, 1, 1, tzinfo=timezone.utc)
    store(warehouse_url, [letter(MI, "m-3", issue_event("e-3", severity=None), "missing field severity",
                                 received=long_ago)])
    first = run(["--pipeline", "machine_issues", "--where", "error = 'missing field severity'",
                 "--warehouse", warehouse_url])
    assert (first.sent, first.run.written, first.run.dead_letters) == (1, 0, 1)
    letters = query(warehouse_url, "SELECT message_id, payload, error, received_at > TIMESTAMP '2001-01-02' "
                                   "FROM ops.dead_letter ORDER BY received_at")
    assert [(m, bytes(p), e, newer) for m, p, e, newer in letters] == [
        ("m-3", issue_event("e-3", severity=None), "missing field severity", False),
        ("m-3", issue_event("e-3", severity=None), "missing field severity", True)]
    # the original row is replayed once; the new one is there for the next fix
    second = run(["--pipeline", "machine_issues", "--where", "error = 'missing field severity'",
                  "--warehouse", warehouse_url, "--dry_run"])
    assert (second.selected, second.sent) == (1, 0)


@pytest.mark.slow
def test_sensor_dead_letters_replay_into_the_lake_with_the_pipeline_s_own_options(tmp_path, warehouse_url,
                                                                                   minera_home, monkeypatch):
    reading = json.dumps({"sensor_id": "VIB-N3-017", "zone": "north-pit-3", "event_time": iso(T0),
                          "ppv_mm_s": 1250.0, "frequency_hz": 18.5, "battery_v": 3.61}).encode()
    store(warehouse_url, [letter("streaming.sensors", "s-1", reading, "ppv_mm_s 1250.0 is above 1000")])
    # the fix: a blast right under a geophone reads above 1000 mm/s; the spec's range is raised
    specs = tmp_path / "specs"
    specs.mkdir()
    spec = json.loads((messages.SPECS_DIR / "sensor_reading.json").read_text())
    for field in spec["fields"]:
        if field["name"] == "ppv_mm_s":
            field["max"] = 5000
    (specs / "sensor_reading.json").write_text(json.dumps(spec))
    monkeypatch.setattr(messages, "SPECS_DIR", specs)
    lake = tmp_path / "lake"
    summary = run(["--pipeline", "sensors", "--where", "error LIKE 'ppv_mm_s % is above 1000'",
                   "--warehouse", warehouse_url, "--lake_location", str(lake)])
    assert (summary.sent, summary.run.lake_rows, summary.run.dead_letters) == (1, 1, 0)
    table = ds.dataset(lake / "sensor_readings", format="parquet", partitioning="hive").to_table()
    assert table.select(["sensor_id", "ppv_mm_s", "message_id"]).to_pylist() == [
        {"sensor_id": "VIB-N3-017", "ppv_mm_s": 1250.0, "message_id": "s-1"}]


@pytest.mark.slow
def test_a_local_replay_that_failed_part_way_is_run_again_from_the_same_file(tmp_path, warehouse_url, minera_home):
    """Nothing is recorded until the pipeline succeeds; the rerun writes the same replay file, so the
    lake files (named by replay file, hour and pane) are replaced: each reading lands once."""
    from pipelines.errors import PipelineError

    readings = [json.dumps({"sensor_id": f"VIB-N3-0{n}", "zone": "north-pit-3", "event_time": iso(T0 + timedelta(
        hours=n)), "ppv_mm_s": 2.0, "frequency_hz": 18.5, "battery_v": 99.0}).encode() for n in (1, 2)]
    store(warehouse_url, [letter("streaming.sensors", f"s-{n}", data, "battery_v 99.0 is above 10",
                                 published=T0 + timedelta(hours=n)) for n, data in zip((1, 2), readings, strict=True)])
    lake = tmp_path / "lake"
    args = ["--pipeline", "sensors", "--where", "STARTS_WITH(error, 'battery_v')", "--warehouse", warehouse_url,
            "--lake_location", str(lake), "--allowed_lateness_minutes", "100000000"]
    specs = tmp_path / "specs"  # the fix: this sensor type reports its supply voltage, up to 100 V
    specs.mkdir()
    spec = json.loads((messages.SPECS_DIR / "sensor_reading.json").read_text())
    next(f for f in spec["fields"] if f["name"] == "battery_v")["max"] = 100
    (specs / "sensor_reading.json").write_text(json.dumps(spec))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(messages, "SPECS_DIR", specs)
        blocked = lake / "sensor_readings/dt=2026-11-22/hour=12"
        blocked.parent.mkdir(parents=True)
        blocked.write_text("not a folder: the 12:00 file cannot be written")
        with pytest.raises(PipelineError):
            run(args)
        assert query(warehouse_url, "SELECT count(*) FROM ops.dead_letter_replays") == [(0,)]
        blocked.unlink()
        summary = run(args)
    assert (summary.sent, summary.run.lake_rows) == (2, 2)
    assert [p.name for p in (minera_home / "replay" / "dead_letters").iterdir()] == [Path(summary.replayed_to).name]
    table = ds.dataset(lake / "sensor_readings", format="parquet", partitioning="hive").to_table()
    assert sorted(table["message_id"].to_pylist()) == ["s-1", "s-2"]


@pytest.mark.parametrize("where, refused", [
    ("message_id IN (SELECT message_id FROM ops.dead_letter_replays)", "is not allowed"),
    ("error LIKE 'x'; DROP TABLE ops.dead_letter", "is not one SQL condition"),
    ("EXTERNAL_QUERY('conn', 'SELECT 1') IS NOT NULL", "is not allowed"),
    ("d.error LIKE 'x'", "is not a column of ops.dead_letter"),
    ("secret = 1", "is not a column of ops.dead_letter"),
    ("1=1) OR (1=1", "is not one SQL condition"),
])
def test_a_where_clause_is_one_condition_on_the_dead_letters_and_nothing_else(where, refused):
    with pytest.raises(ConfigError, match=refused):
        where_condition(where)


def test_a_where_clause_is_rendered_from_its_parse_tree_for_each_warehouse(tmp_path):
    condition = where_condition("error LIKE 'missing%' -- a note\n"
                                "AND received_at > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 DAY) "
                                "AND REGEXP_CONTAINS(error, r'^missing field (severity|category)$')")
    duck = open_warehouse(f"duckdb://{tmp_path / 'w.duckdb'}")
    assert select_sql(duck, MI, condition) == (
        "SELECT pipeline, received_at, message_id, publish_time, CAST(attributes AS VARCHAR) AS attributes, payload, "
        "error\nFROM ops.dead_letter\nWHERE pipeline = 'streaming.machine_issues' AND NOT STARTS_WITH(error, 'late:')"
        "\n  AND (error LIKE 'missing%' AND received_at > CURRENT_TIMESTAMP - INTERVAL '1' DAY AND "
        "REGEXP_MATCHES(error, '^missing field (severity|category)$'))\nORDER BY received_at, message_id")


# -- Google Cloud: the exact requests ----------------------------------------------------------------

class FakeJob:
    def __init__(self, rows: list[tuple]):
        self.rows, self.error_result = rows, None

    def result(self):
        return iter(bigquery.Row(row, {f"c{i}": i for i in range(len(row))}) for row in self.rows)


class FakeBigQuery:
    """Records every request; answers the dead-letter queries from ``letters`` and ``replayed``."""

    def __init__(self, letters: list[tuple], late: int):
        self.requests: list[tuple] = []
        self.letters, self.late, self.replayed = letters, late, []

    def get_dataset(self, dataset_id):
        self.requests.append(("get_dataset", dataset_id))

    def get_table(self, ref):
        self.requests.append(("get_table", str(ref)))

    def query(self, sql, job_config=None, job_id_prefix=None):
        params = [p.to_api_repr() for p in job_config.query_parameters] if job_config else []
        self.requests.append(("query", sql, params))
        if "SELECT letter_id" in sql:
            return FakeJob([(letter_id,) for letter_id in self.replayed])
        if "COUNT(*)" in sql:
            return FakeJob([(self.late,)])
        if sql.startswith("INSERT"):
            rows = params[0]["parameterValue"]["arrayValues"]
            self.replayed += [row["structValues"]["letter_id"]["value"] for row in rows]
            return FakeJob([])
        return FakeJob(self.letters)


class FakePublisher:
    def __init__(self):
        self.published: list[tuple[str, bytes, dict]] = []

    def publish(self, topic, data, **attributes):
        self.published.append((topic, data, attributes))
        number = len(self.published)

        class Future:
            @staticmethod
            def result(timeout=None):
                return f"9000{number}"

        return Future()


def test_on_google_cloud_the_letters_go_to_the_topic_and_the_bookkeeping_to_bigquery():
    payload = issue_event(UPPER)
    rows = [("streaming.machine_issues", RECEIVED, "m-1", T0, '{"event_time":"2026-11-22T10:00:00Z"}', payload,
             f"event_id '{UPPER}' is not a lower-case uuid"),
            ("streaming.machine_issues", RECEIVED, None, None, '{"line_in_range":"3","replay_byte_range":"0-None"}',
             b'{"message_id": 1}', "not a replay envelope: ...")]
    client, publisher = FakeBigQuery(rows, late=2), FakePublisher()
    warehouse = BigQueryWarehouse("minera-prod", client=client)
    topic = "projects/minera-prod/topics/machine-issues"
    summary = replay("machine_issues", "error LIKE '%uuid%'", warehouse, topic=topic, publisher=publisher)
    assert (summary.selected, summary.sent, summary.late_left) == (1, 1, 2)  # a replay line is no Pub/Sub message
    assert publisher.published == [(topic, payload, {"event_time": "2026-11-22T10:00:00Z"})]

    table = "`minera-prod`.`ops`.`dead_letter`"
    where = "WHERE pipeline = 'streaming.machine_issues' AND {}STARTS_WITH(error, 'late:')\n  AND (error LIKE '%uuid%')"
    queries = [r for r in client.requests if r[0] == "query"]
    assert [q[1] for q in queries[:3]] == [
        "SELECT pipeline, received_at, message_id, publish_time, TO_JSON_STRING(attributes) AS attributes, payload, "
        f"error\nFROM {table}\n{where.format('NOT ')}\nORDER BY received_at, message_id",
        f"SELECT COUNT(*)\nFROM {table}\n{where.format('')}",
        "SELECT letter_id FROM `minera-prod`.`ops`.`dead_letter_replays` WHERE pipeline = 'streaming.machine_issues'",
    ]
    insert = queries[3]
    assert insert[1] == insert_ops_sql("minera-prod", "dead_letter_replays", "rows")
    (row,) = insert[2][0]["parameterValue"]["arrayValues"]
    values = {name: value.get("value") for name, value in row["structValues"].items()}
    assert values == {
        "replay_id": summary.replay_id, "pipeline": "streaming.machine_issues",
        "letter_id": Letter(*rows[0]).letter_id, "message_id": "m-1", "received_at": "2026-11-22 10:00:05.250000+00:00",
        "error": rows[0][6], "replayed_at": values["replayed_at"], "replayed_to": topic,
        "replayed_message_id": "90001", "where_clause": "error LIKE '%uuid%'"}
    assert [(t["name"], t["type"]["type"]) for t in insert[2][0]["parameterType"]["arrayType"]["structTypes"]] == [
        (c.name, c.type) for c in load_schema_file("ops/dead_letter_replays.json").columns]  # typed by its schema file
    assert ("get_table", "minera-prod.ops.dead_letter_replays") in client.requests  # created if missing

    again = replay("machine_issues", "error LIKE '%uuid%'", warehouse, topic=topic, publisher=publisher)
    assert (again.selected, again.sent, len(publisher.published)) == (0, 0, 1)
    assert not [r for r in client.requests[len(queries) + 3:] if r[0] == "query" and r[1].startswith("INSERT")]


def test_a_bigquery_replay_needs_the_topic_and_a_local_one_refuses_it(tmp_path):
    with pytest.raises(ConfigError, match="give --topic"):
        replay("machine_issues", "TRUE", BigQueryWarehouse("minera-prod", client=FakeBigQuery([], 0)))
    with pytest.raises(ConfigError, match="--topic is for a BigQuery warehouse"):
        replay("machine_issues", "TRUE", open_warehouse(f"duckdb://{tmp_path / 'w.duckdb'}"),
               topic="projects/p/topics/t")


@pytest.mark.slow
def test_the_command_refuses_a_bad_where_with_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pipelines.streaming.replay_dead_letters", "--pipeline",
                             "machine_issues", "--where", "message_id IN (SELECT 1)", "--warehouse",
                             f"duckdb://{tmp_path / 'w.duckdb'}"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: --where 'message_id IN (SELECT 1)': '(SELECT 1)' is not allowed: a condition on pipeline, received_at, "
        "message_id, publish_time, attributes, payload, error with comparisons, LIKE, IN, BETWEEN, IS, AND/OR/NOT, "
        "LOWER, UPPER, LENGTH, STARTS_WITH, REGEXP_CONTAINS, JSON_VALUE, TIMESTAMP_SUB/ADD, CURRENT_TIMESTAMP"]
