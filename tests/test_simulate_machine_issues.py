"""The machinery-issue simulator: deterministic, lifecycles a planner would recognise, and every
message (retried, late, broken) accounted for in the summary the pipeline's tests trust."""

from __future__ import annotations

import base64
import json
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pipelines.local.fleet import FLEET
from pipelines.simulate import machine_issues as sim
from pipelines.streaming import messages

SPEC = json.loads((Path(__file__).resolve().parents[1] / "schemas" / "streaming" / "machine_issue_event.json")
                  .read_text())
RULES = {rule["name"]: rule for rule in SPEC["fields"]}
RICH = dict(machines=80, hours=24, issues_per_hour=30, retry_rate=0.1, out_of_order_rate=0.1, malformed_rate=0.05)
TIMELESS = {"not-json", "not-utf8", "empty", "bad-time"}  # no event time a reader could use: publish time instead
FITS = {"HT": {"tyres", "hydraulics", "engine", "brakes", "electrical"},
        "CV": {"belt", "bearings", "electrical", "structural"},
        "CR": {"bearings", "hydraulics", "electrical", "structural"},
        "SH": {"hydraulics", "engine", "electrical", "structural"},
        "DR": {"hydraulics", "engine", "electrical", "structural"}}


def when(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("no zone")
    return value


def broken_rules(data: bytes, publish_time: str) -> list[str]:
    """The spec's rules a payload breaks, named like the simulator's malformed kinds; [] if valid."""
    if not data:
        return ["empty"]
    if len(data) > messages.MAX_PAYLOAD_BYTES:
        return ["too-large"]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ["not-utf8"]
    try:
        payload = json.loads(text)
    except ValueError:
        return ["not-json"]
    if not isinstance(payload, dict):
        return ["not-json"]
    broken = []
    for name, rule in RULES.items():
        value = payload.get(name)
        if value is None:
            broken += ["missing-field"] if rule["required"] else []
            continue
        if not isinstance(value, str):  # every field is text on the wire, timestamps too
            broken.append("wrong-type")
            continue
        if rule.get("non_empty") and not value.strip():
            broken.append("empty-field")
        if "enum" in rule and value not in rule["enum"]:
            broken.append("unknown-enum")
        if "pattern" in rule and not re.search(rule["pattern"], value):
            broken.append(f"bad-{name.replace('_', '-')}")
        if "max_length" in rule and len(value) > rule["max_length"]:
            broken.append(f"too-long-{name}")
        if rule["type"] == "TIMESTAMP":
            try:
                ahead = (when(value) - when(publish_time)).total_seconds()
            except ValueError:
                broken.append("bad-time")
                continue
            if ahead > rule["max_ahead_of_publish_s"]:
                broken.append("future-time")
    return broken


@pytest.fixture(scope="module")
def replay(tmp_path_factory) -> dict:
    """One rich day (every kind of trouble at high rates), parsed once for the tests that read it."""
    path = tmp_path_factory.mktemp("issues") / "machine_issues.jsonl"
    summary = sim.write_replay(str(path), **RICH)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for line in lines:
        line["bytes"] = base64.b64decode(line["data"], validate=True)
        line["broken"] = broken_rules(line["bytes"], line["publish_time"])
        line["payload"] = None if line["broken"] else json.loads(line["bytes"])
    events: dict[str, dict] = {}
    for line in lines:
        if line["payload"]:
            events.setdefault(line["payload"]["event_id"], line["payload"])
    by_issue: dict[str, list[dict]] = defaultdict(list)
    for event in events.values():
        by_issue[event["issue_id"]].append(event)
    for issue in by_issue.values():
        issue.sort(key=lambda e: when(e["event_time"]))
    return {"path": path, "summary": summary, "lines": lines, "events": events, "issues": dict(by_issue)}


def test_a_fleet_of_mostly_trucks():
    machines = sim.fleet(80)
    assert len(machines) == len(set(machines)) == 80
    assert all(re.search(RULES["machine_id"]["pattern"], m) for m in machines)
    kinds = Counter(m[:2] for m in machines)
    assert set(kinds) == {"HT", "SH", "DR", "CR", "CV"} and kinds["HT"] > 40
    assert machines[0] == "HT-0001" and sim.fleet(80) == machines
    assert sim.fleet(3) == ["HT-0001", "HT-0002", "HT-0003"]
    with pytest.raises(ValueError):
        sim.fleet(0)


def test_machines_takes_that_many_of_the_fleet_class_by_class(tmp_path, capsys):
    """--machines N: N of the mine's machines (pipelines.local.fleet) of the classes the app covers; default all."""
    everything = sim.fleet()
    assert everything == FLEET.numbers("haul truck", "shovel", "drill", "crusher", "conveyor") and len(everything) == 97
    assert everything[60:63] == ["SH-01", "SH-02", "SH-03"] and everything[-1] == "CV-16"
    # one of each class, the other 75 in proportion to (class size - 1) / 92: 48.10, 5.71, 4.08, 4.89, 12.23;
    # whole parts 48, 5, 4, 4, 12 and the two largest remainders (crusher .89, shovel .71) one more each
    classes = Counter(FLEET.classes[m] for m in sim.fleet(80))
    assert classes == {"haul truck": 49, "shovel": 7, "drill": 5, "crusher": 6, "conveyor": 13}
    assert sim.fleet(5) == ["HT-0001", "SH-01", "DR-01", "CR-PRIMARY-1", "CV-01"]
    for machines in (0, 98):
        with pytest.raises(ValueError, match="between 1 and 97"):
            sim.fleet(machines)
    with pytest.raises(SystemExit):
        sim.main(["--out", str(tmp_path / "issues.jsonl"), "--machines", "98"])
    assert "machines must be between 1 and 97" in capsys.readouterr().err and not list(tmp_path.iterdir())


def test_same_arguments_same_bytes(tmp_path):
    paths = [tmp_path / name for name in ("a.jsonl", "b.jsonl", "c.jsonl")]
    for path, seed in zip(paths, (7, 7, 8), strict=True):
        sim.write_replay(str(path), hours=3, seed=seed, malformed_rate=0.1)
    a, b, c = paths
    assert a.read_bytes() == b.read_bytes() and a.read_bytes() != c.read_bytes()
    assert Path(f"{a}.summary.json").read_bytes() == Path(f"{b}.summary.json").read_bytes()


def test_lines_are_pubsub_envelopes_in_publish_order(replay):
    lines, summary = replay["lines"], replay["summary"]
    assert len(lines) == summary["messages"]
    raw = replay["path"].read_text().splitlines()
    shape = re.compile(r'^\{"message_id":"7-\d+","publish_time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",'
                       r'"attributes":\{"event_time":"[^"]+"\},"data":"[A-Za-z0-9+/=]*"\}$')
    assert all(shape.match(line) for line in raw)  # exactly the sensors simulator's line
    published = [when(line["publish_time"]) for line in lines]
    assert published == sorted(published)
    assert len({line["message_id"] for line in lines}) == len(lines)
    assert json.loads(Path(f"{replay['path']}.summary.json").read_text()) == summary
    for line in lines:
        attribute = line["attributes"]["event_time"]
        if TIMELESS & set(line["broken"]):
            assert attribute == line["publish_time"]
        else:
            assert attribute == json.loads(line["bytes"])["event_time"]


def test_valid_events_obey_the_spec_and_each_malformed_kind_breaks_its_rule(replay):
    lines, summary = replay["lines"], replay["summary"]
    valid = [line for line in lines if not line["broken"]]
    malformed = [line for line in lines if line["broken"]]
    assert len(replay["events"]) == summary["valid_events"] == len(valid) - summary["retries"]
    assert all(len(line["broken"]) == 1 for line in malformed), [line["broken"] for line in malformed][:5]
    kinds = Counter(line["broken"][0] for line in malformed)
    assert set(sim.MALFORMED_KINDS) == set(kinds)  # every kind present, and nothing else broken
    assert kinds == {kind: summary[f"malformed:{kind}"] for kind in sim.MALFORMED_KINDS}
    assert len(malformed) == summary["malformed"]
    assert 0.03 * summary["valid_events"] < summary["malformed"] < 0.07 * summary["valid_events"]  # rate 0.05
    assert max(kinds.values()) - min(kinds.values()) <= 1  # kinds in turn
    for line in malformed:
        kind, text = line["broken"][0], line["bytes"].decode("utf-8", "replace")
        if kind == "unknown-enum":
            assert '"event_type":"closed"' in text or '"severity":"urgent"' in text
        if kind == "wrong-type":
            assert isinstance(json.loads(text)["severity"], int)
        if kind == "future-time":
            ahead = when(json.loads(text)["event_time"]) - when(line["publish_time"])
            assert timedelta(hours=1, minutes=59) < ahead <= timedelta(hours=2)
    assert all(e["description"] and "{" not in e["description"] for e in replay["events"].values())


def test_retries_resend_the_same_bytes_under_a_new_message_id(replay):
    copies: dict[str, list[dict]] = defaultdict(list)
    for line in replay["lines"]:
        if line["payload"]:
            copies[line["payload"]["event_id"]].append(line)
    retried = {event_id: lines for event_id, lines in copies.items() if len(lines) > 1}
    assert len(retried) == replay["summary"]["retries"] > 0
    for lines in retried.values():
        assert len(lines) == 2 and lines[0]["data"] == lines[1]["data"]
        assert lines[0]["message_id"] != lines[1]["message_id"]
        gap = when(lines[1]["publish_time"]) - when(lines[0]["publish_time"])
        assert timedelta(seconds=1) < gap <= timedelta(minutes=15)


def test_offline_phones_deliver_events_after_the_issues_later_ones(replay):
    first: dict[str, datetime] = {}
    for line in replay["lines"]:
        if line["payload"]:
            first.setdefault(line["payload"]["event_id"], when(line["publish_time"]))
    lags = {event_id: first[event_id] - when(event["event_time"]) for event_id, event in replay["events"].items()}
    offline = [event_id for event_id, lag in lags.items() if lag > timedelta(minutes=1)]
    assert len(offline) == replay["summary"]["offline"] > 0
    assert max(lag for lag in lags.values() if lag <= timedelta(minutes=1)) <= timedelta(seconds=20)
    overtaken = 0
    for events in replay["issues"].values():
        for i, event in enumerate(events):
            overtaken += any(first[later["event_id"]] < first[event["event_id"]] for later in events[i + 1:])
    assert overtaken == replay["summary"]["out_of_order"] > 0
    # so some issue arrives in an order other than its events'
    assert any(sorted(events, key=lambda e: first[e["event_id"]]) != events for events in replay["issues"].values())


def test_lifecycles_are_those_of_a_maintenance_crew(replay):
    summary, issues = replay["summary"], replay["issues"]
    start, end = when("2026-11-22T06:00:00Z"), when("2026-11-22T06:00:00Z") + timedelta(hours=RICH["hours"])
    assert len(issues) == summary["issues"]
    assert abs(len(issues) - 30 * 24) < 4 * (30 * 24) ** 0.5  # a Poisson process at 30 an hour
    ack_minutes: dict[str, list[float]] = defaultdict(list)
    for events in issues.values():
        types = [e["event_type"] for e in events]
        assert types[0] == "opened" and types.count("opened") == 1
        assert re.fullmatch(r"opened(,acknowledged(,updated){0,3}(,resolved)?)?", ",".join(types))
        assert len({(e["issue_id"], e["machine_id"], e["category"]) for e in events}) == 1
        assert events[0]["category"] in FITS[events[0]["machine_id"][:2]] | {"safety", "other"}
        times = [when(e["event_time"]) for e in events]
        assert times == sorted(set(times)) and start <= times[0] and times[-1] < end
        assert events[0]["reported_by"].startswith("op-")
        assert all(e["reported_by"].startswith("mp-") for e in events if e["event_type"] in ("acknowledged",
                                                                                               "resolved"))
        opened_as = events[0]["severity"]
        if len(events) > 1:
            ack_minutes[opened_as].append((times[1] - times[0]).total_seconds() / 60)
        if opened_as == "critical":
            assert len(events) == 1 or 1 <= ack_minutes["critical"][-1] <= 5
            if types[-1] == "resolved":
                assert timedelta(hours=1) <= times[-1] - times[0] <= timedelta(hours=4, seconds=5)
    average = {severity: sum(m) / len(m) for severity, m in ack_minutes.items()}
    assert average["critical"] < average["high"] < average["medium"] < average["low"]
    assert average["low"] > 60 > 5 > average["critical"]
    critical = sum(events[0]["severity"] == "critical" for events in issues.values())
    assert critical == summary["critical_opened"] and 0.02 < critical / len(issues) < 0.09
    assert summary["unacknowledged"] > 0 and summary["unresolved"] > summary["unacknowledged"]
    assert any(e["event_type"] == "updated" and e["severity"] != events[0]["severity"]
               for events in issues.values() for e in events)  # escalations and drops
    assert len({e["description"] for e in replay["events"].values()}) > len(issues)


def test_final_states_agree_with_the_events(replay):
    expected = {}
    for issue_id, events in replay["issues"].items():
        latest = events[-1]
        first = {t: next((e["event_time"] for e in events if e["event_type"] == t), None)
                 for t in ("opened", "acknowledged", "resolved")}
        expected[issue_id] = {"machine_id": latest["machine_id"], "event_type": latest["event_type"],
                              "severity": latest["severity"], "opened_at": first["opened"],
                              "acknowledged_at": first["acknowledged"], "resolved_at": first["resolved"],
                              "events": len(events)}
    states = replay["summary"]["final_states"]
    assert states == expected
    assert replay["summary"]["unresolved"] == sum(s["resolved_at"] is None for s in states.values())
    assert replay["summary"]["unacknowledged"] == sum(s["acknowledged_at"] is None for s in states.values())


def test_arrival_troubles_never_change_the_lifecycles(tmp_path):
    clean = sim.write_replay(str(tmp_path / "clean.jsonl"), hours=4, retry_rate=0, out_of_order_rate=0,
                             malformed_rate=0)
    rough = sim.write_replay(str(tmp_path / "rough.jsonl"), hours=4, retry_rate=0.3, out_of_order_rate=0.3,
                             malformed_rate=0.3)
    assert clean["final_states"] == rough["final_states"] and clean["valid_events"] == rough["valid_events"]
    assert clean["messages"] == clean["valid_events"] and clean["out_of_order"] == clean["retries"] == 0
    assert rough["messages"] == rough["valid_events"] + rough["retries"] + rough["malformed"]


def test_the_streaming_validator_accepts_every_valid_event(replay):
    """Valid events are never dead-lettered, and every malformed one is (bad UTF-8 inside a JSON
    string included: msgspec raises UnicodeDecodeError there, not a MsgspecError)."""
    spec = messages.MessageSpec.load("machine_issue_event")
    lines = replay["lines"]
    batch = messages.envelope_batch([messages.Envelope(line["message_id"], line["publish_time"], line["attributes"],
                                                       line["bytes"]) for line in lines])
    table, letters = messages.validate_batch(spec, "machine_issues", batch)
    assert {line["message_id"] for line in lines if not line["broken"]} <= set(table["message_id"].to_pylist())
    assert {letter.message_id for letter in letters} == {line["message_id"] for line in lines if line["broken"]}


def test_publishes_the_same_messages_to_a_topic(tmp_path, publisher):
    summary = sim.publish(publisher, "projects/p/topics/machine-issues", hours=2, malformed_rate=0.2)
    path = tmp_path / "same.jsonl"
    assert sim.write_replay(str(path), hours=2, malformed_rate=0.2) == summary
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(publisher.sent) == summary["messages"] == len(lines)
    assert {topic for topic, _, _ in publisher.sent} == {"projects/p/topics/machine-issues"}
    assert [(data, attributes) for _, data, attributes in publisher.sent] == [
        (base64.b64decode(line["data"]), line["attributes"]) for line in lines]


def test_command_line(tmp_path, capsys):
    out = tmp_path / "replay" / "issues.jsonl"
    assert sim.main(["--out", str(out), "--hours", "2", "--machines", "20", "--seed", "3"]) == 0
    printed = json.loads(capsys.readouterr().out)
    summary = json.loads(Path(f"{out}.summary.json").read_text())
    assert printed == {k: v for k, v in summary.items() if k != "final_states"}
    assert len(out.read_text().splitlines()) == summary["messages"] > 0
    assert {s["machine_id"] for s in summary["final_states"].values()} <= set(sim.fleet(20))
    with pytest.raises(SystemExit):
        sim.main(["--out", str(out), "--retry_rate", "2"])
