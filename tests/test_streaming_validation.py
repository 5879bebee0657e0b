"""Message validation (pipelines/streaming/messages.py, schemas/streaming/*.json): what is refused and why,
what is merely unusual and accepted, and that every time that passes is one every later step takes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from pipelines.streaming.messages import Envelope, MessageSpec, envelope_batch, validate_batch

PUBLISHED = "2026-11-22T10:59:01.000Z"


def reading(**over) -> bytes:
    fields = {"sensor_id": "VIB-N3-017", "zone": "north-pit-3", "event_time": "2026-11-22T10:59:00.250Z",
              "ppv_mm_s": 2.31, "frequency_hz": 18.5, "battery_v": 3.61}
    return json.dumps({**fields, **over}).encode()


def issue_event(**over) -> bytes:
    fields = {"event_id": "8f14e45f-ceea-467a-9575-4a7d3c6b2f10", "issue_id": "c9f0f895-fb98-4b91-99f5-1b4a7c9e2d31",
              "machine_id": "HT-0042", "event_type": "opened", "severity": "critical", "category": "hydraulics",
              "description": "Hydraulic oil leak", "reported_by": "op-1187", "event_time": "2026-11-22T10:59:00Z"}
    return json.dumps({**fields, **over}).encode()


def validate(spec: str, messages: dict[str, bytes | tuple[bytes, str]], late_after: timedelta | None = None):
    """(valid rows by message id, dead-letter reasons by message id) of one batch."""
    envelopes = []
    for message_id, message in messages.items():
        data, published = message if isinstance(message, tuple) else (message, PUBLISHED)
        envelopes.append(Envelope(message_id, published, {}, data))
    table, letters = validate_batch(MessageSpec.load(spec), f"streaming.{spec}", envelope_batch(envelopes), late_after)
    rows = {r["message_id"]: r for r in table.to_pylist()}
    reasons = {letter.message_id: letter.error for letter in letters}
    assert set(rows) | set(reasons) == set(messages) and not set(rows) & set(reasons)  # each in one place
    assert all(bytes(letter.payload) == (messages[letter.message_id] if isinstance(messages[letter.message_id], bytes)
                                         else messages[letter.message_id][0]) for letter in letters)
    return rows, reasons


def test_a_json_boolean_is_not_a_number():
    rows, reasons = validate("sensor_reading", {
        "true-battery": reading(battery_v=True), "false-ppv": reading(ppv_mm_s=False),
        "int-frequency": reading(frequency_hz=18), "ok": reading()})
    assert reasons == {"true-battery": "battery_v must be a number, got bool",
                       "false-ppv": "ppv_mm_s must be a number, got bool"}
    assert rows["int-frequency"]["frequency_hz"] == 18.0 and rows["ok"]["battery_v"] == 3.61


def test_a_number_no_64_bit_float_holds_is_out_of_range_not_invalid_json():
    rows, reasons = validate("sensor_reading", {
        "huge": b'{"sensor_id": "VIB-1", "zone": "z", "event_time": "2026-11-22T10:59:00Z", "ppv_mm_s": 1e400, '
                b'"frequency_hz": 20.0, "battery_v": 3.6}',
        "huge-negative": reading(battery_v=0).replace(b'"battery_v": 0', b'"battery_v": -1e400'),
        "huge-integer": reading(frequency_hz=10 ** 400),
        "nan": reading().replace(b'"battery_v": 3.61', b'"battery_v": NaN'),
        "tiny": reading().replace(b'"ppv_mm_s": 2.31', b'"ppv_mm_s": 1e-400'),  # rounds to 0.0, as every parser does
    })
    assert reasons["huge"] == "ppv_mm_s 1e400 is out of range of a 64-bit float"
    assert reasons["huge-negative"] == "battery_v -1e400 is out of range of a 64-bit float"
    assert reasons["huge-integer"] == f"frequency_hz {str(10 ** 400)[:40]} is out of range of a 64-bit float"
    assert reasons["nan"].startswith("payload is not valid JSON")  # NaN is not JSON at all
    assert rows["tiny"]["ppv_mm_s"] == 0.0


def test_sensor_times_far_ahead_of_their_publish_time_are_refused():
    rows, reasons = validate("sensor_reading", {
        "2099": reading(event_time="2099-01-01T00:00:00Z"), "9999": reading(event_time="9999-12-31T23:59:59Z"),
        "6-min-ahead": reading(event_time="2026-11-22T11:05:01.001Z"),
        "5-min-ahead": reading(event_time="2026-11-22T11:04:01.000Z"),  # a clock a little fast: accepted
    })
    assert reasons == {
        "2099": "event_time is 2275563659s after its publish time (a wrong device clock?), allowed 300s",
        "9999": "event_time is 251606955658s after its publish time (a wrong device clock?), allowed 300s",
        "6-min-ahead": "event_time is 360s after its publish time (a wrong device clock?), allowed 300s"}
    assert list(rows) == ["5-min-ahead"]


RANGE = "is out of range: times from 1000-01-01 to 9999-12-31 UTC are taken"


def test_times_no_later_step_takes_are_dead_letters_and_the_edges_pass():
    year0 = "0000-01-01T00:00:00Z"
    rows, reasons = validate("sensor_reading", {
        "year-0": (reading(event_time=year0), "0000-01-01T00:00:01Z"),  # the issue's message
        "year-0-publish": (reading(event_time="2026-11-22T10:59:00Z"), "0000-01-01T00:00:01Z"),
        "year-999": (reading(event_time="0999-12-31T23:59:59Z"), "0999-12-31T23:59:59.5Z"),
        "year-0-in-utc": (reading(event_time="0001-01-01T00:30:00+01:00"), "0001-01-01T00:00:00Z"),
        "year-10000": (reading(event_time="+10000-01-01T00:00:00Z"), "9999-12-31T23:59:59.999999Z"),
        "first": (reading(event_time="1000-01-01T00:00:00Z"), "1000-01-01T00:00:00.001Z"),
        "last": (reading(event_time="9999-12-31T23:59:59.999999Z"), "9999-12-31T23:59:59.999999Z"),
    }, late_after=timedelta(hours=2))
    assert reasons == {"year-0": f"event_time {RANGE}", "year-0-publish": f"publish_time {RANGE}",
                       "year-999": f"event_time {RANGE}", "year-0-in-utc": f"event_time {RANGE}",
                       "year-10000": reasons["year-10000"]}
    assert reasons["year-10000"].startswith("event_time is not a valid timestamp")
    assert rows["first"]["event_time"] == datetime(1000, 1, 1, tzinfo=timezone.utc)
    assert rows["last"]["event_time"] == datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)


def test_ids_with_control_characters_are_refused_and_other_ids_are_not():
    rows, reasons = validate("sensor_reading", {
        "nul": reading(sensor_id="VIB-N3\x00017"), "newline": reading(zone="north-pit-3\n"),
        "too-long": reading(sensor_id="V" * 65), "blank": reading(zone=" "),
        "site-b": reading(sensor_id="Site B / geophone 7", zone="Zona Norte — banco 2450"),
        "64": reading(sensor_id="V" * 64)})
    assert reasons == {"nul": "sensor_id 'VIB-N3\\x00017' is not free of control characters",
                       "newline": "zone 'north-pit-3\\n' is not free of control characters",
                       "too-long": "sensor_id is longer than 64 characters", "blank": "zone is empty"}
    assert rows["site-b"]["zone"] == "Zona Norte — banco 2450" and "64" in rows


def test_machine_ids_of_any_fleet_and_upper_case_uuids_are_accepted():
    upper = "8F14E45F-CEEA-467A-9575-4A7D3C6B2F10"
    rows, reasons = validate("machine_issue_event", {
        "ios": issue_event(event_id=upper, issue_id="C9F0F895-FB98-4B91-99F5-1B4A7C9E2D31"),
        "other-site": issue_event(event_id="evt-20261122-0042", machine_id="CAT797F-SN0107"),
        "loader": issue_event(event_id="e-2", machine_id="LHD 12"),
        "nul-issue": issue_event(event_id="e-3", issue_id="c9f0f895\x00"),
        "empty-machine": issue_event(event_id="e-4", machine_id=""),
        "nul-description": issue_event(event_id="e-5", description="leak\x00"),
        "tab-description": issue_event(event_id="e-6", description="leak at:\n\thoist cylinder"),
    })
    assert rows["ios"]["event_id"] == upper.lower()  # one issue, whichever phone wrote its events
    assert rows["ios"]["issue_id"] == "c9f0f895-fb98-4b91-99f5-1b4a7c9e2d31"
    assert (rows["other-site"]["event_id"], rows["other-site"]["machine_id"]) == ("evt-20261122-0042", "CAT797F-SN0107")
    assert rows["loader"]["machine_id"] == "LHD 12" and "tab-description" in rows
    assert reasons == {"nul-issue": "issue_id 'c9f0f895\\x00' is not free of control characters",
                       "empty-machine": "machine_id is empty",
                       "nul-description": "description 'leak\\x00' is not free of control characters other "
                                          "than tabs and line breaks"}


@pytest.mark.parametrize("spec", ["sensor_reading", "machine_issue_event"])
def test_every_id_rule_is_the_same_in_both_specs(spec):
    """One notion of a sane id: non-empty, at most 64 characters, no control character."""
    ids = {"sensor_reading": ("sensor_id", "zone"),
           "machine_issue_event": ("event_id", "issue_id", "machine_id", "reported_by")}[spec]
    rules = {f["name"]: f for f in MessageSpec.load(spec).fields}
    for name in ids:
        assert {k: rules[name][k] for k in ("required", "non_empty", "max_length", "pattern")} == {
            "required": True, "non_empty": True, "max_length": 64, "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]*$"}


def test_the_fast_and_the_slow_path_agree():
    """A batch where every message decodes takes the bulk path; one bad message sends all of them
    through the per-column checks again: the valid rows must come out the same either way."""
    good = {f"m{i}": reading(sensor_id=f"VIB-{i}", ppv_mm_s=i / 10) for i in range(20)}
    fast, _ = validate("sensor_reading", good)
    slow, reasons = validate("sensor_reading", {**good, "bad": reading(battery_v=True)})
    assert slow == fast and list(reasons) == ["bad"]
